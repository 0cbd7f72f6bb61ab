/* Evidence files on a report's page: "Preview" opens the file under its item, in the page
 * (the browser's own PDF viewer in a same-origin frame, or the image), and closes it again.
 * Without JavaScript the link opens the preview in a new tab. No inline script (CSP). */
(function () {
  "use strict";

  function open(link) {
    var row = document.getElementById(link.dataset.previewRow);
    if (!row) { return false; }
    var holder = row.querySelector("[data-preview-holder]");
    if (!holder.firstChild) {
      var view;
      if (link.dataset.preview === "image") {
        view = document.createElement("img");
        view.alt = link.dataset.previewTitle || "";
      } else {
        view = document.createElement("iframe");
        view.title = link.dataset.previewTitle || "";
      }
      view.src = link.href;
      view.setAttribute("data-testid", "evidence-preview-frame");
      holder.appendChild(view);
    }
    row.hidden = !row.hidden;
    if (!link.dataset.showLabel) { link.dataset.showLabel = link.textContent; }
    link.textContent = row.hidden ? link.dataset.showLabel : link.dataset.hideLabel;
    link.setAttribute("aria-expanded", row.hidden ? "false" : "true");
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-preview]");
    if (link && open(link)) { event.preventDefault(); }
  });
})();

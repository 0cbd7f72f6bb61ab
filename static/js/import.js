/* The import page: a form being sent shows that it is working and cannot be sent twice
   (checking or importing a large file takes a few seconds). No inline script (CSP). */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || !form.getAttribute || !form.hasAttribute("data-busy") || event.defaultPrevented) {
      return;
    }
    if (form.getAttribute("data-sent") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "true");
    var button = form.querySelector("button[type=submit]");
    if (button) {
      button.setAttribute("aria-busy", "true");
      button.setAttribute("data-label", button.textContent);
      button.textContent = form.getAttribute("data-busy");
    }
  });
  // Back to a page kept in the browser's cache: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      var button = form.querySelector("button[aria-busy]");
      if (button) {
        button.removeAttribute("aria-busy");
        button.textContent = button.getAttribute("data-label") || button.textContent;
      }
    });
  });
  // A new file chosen after a check: the old result no longer applies.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file") {
      return;
    }
    var outcome = document.querySelector(".import-outcome");
    if (outcome) {
      outcome.classList.add("stale");
    }
  });
}());

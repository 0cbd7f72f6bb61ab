/* The programme workbook page: follow the export being built by polling its JSON status,
 * move the progress bar (classes w-0…w-100 and aria-valuenow) and show the download link
 * when it is ready. No framework; without JavaScript the page offers a refresh link. */
(function () {
  "use strict";

  var job = document.querySelector("[data-export-job]");
  var csvLink = document.querySelector("[data-summary-csv]");
  var form = document.querySelector("[data-testid='export-form']");

  // The Summary CSV link follows the quarter and scope chosen in the form.
  function refreshCsvLink() {
    if (!csvLink || !form) { return; }
    var params = new URLSearchParams();
    var period = form.querySelector("[name='period']");
    var scope = form.querySelector("[name='scope']");
    if (period && period.value) { params.set("period", period.value); }
    if (scope && scope.value) { params.set("scope", scope.value); }
    csvLink.href = csvLink.href.split("?")[0] + "?" + params.toString();
  }
  if (form) {
    form.addEventListener("change", refreshCsvLink);
    refreshCsvLink();
  }

  if (!job) { return; }
  var url = job.dataset.statusUrl;
  var bar = job.querySelector("[data-progress]");
  var fill = job.querySelector("[data-progress-fill]");
  var text = job.querySelector("[data-progress-text]");
  var label = job.querySelector("[data-progress-label]");
  var error = job.querySelector("[data-export-error]");
  var download = job.querySelector("[data-download-wrap]");
  var link = download ? download.querySelector("a") : null;
  var delay = 700;
  var failures = 0;

  function show(data) {
    var percent = Math.max(0, Math.min(100, parseInt(data.progress, 10) || 0));
    bar.setAttribute("aria-valuenow", String(percent));
    fill.className = fill.className.replace(/\bw-\d+\b/, "w-" + percent);
    fill.classList.toggle("achieved", data.status === "done");
    fill.classList.toggle("failed", data.status === "failed");
    text.textContent = percent + " %";
    job.dataset.status = data.status;
    var words = job.dataset["label" + data.status.charAt(0).toUpperCase() + data.status.slice(1)] || data.status;
    label.textContent = words.replace("%(sheet)s", data.sheet || "…");
    if (data.status === "failed" && error) {
      error.textContent = data.error || "";
      error.hidden = false;
    }
    if (data.status === "done" && data.download_url && download && link) {
      link.href = data.download_url;
      if (data.filename) { link.setAttribute("download", data.filename); }
      download.hidden = false;
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.status === "pending" || data.status === "running") {
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) { window.setTimeout(poll, Math.min(10000, delay * failures * 2)); }
      });
  }

  if (job.dataset.status === "pending" || job.dataset.status === "running") { poll(); }
})();

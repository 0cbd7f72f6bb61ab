/* Draws every chart of a page: each <script type="application/json" data-chart="ID"> holds a
   Plotly figure built on the server (no inline script, so a strict Content-Security-Policy
   holds); the chart goes into the element with that ID. The page's language picks the
   Plotly locale. */
(function () {
  "use strict";
  function locale() {
    var lang = (document.documentElement.lang || "zh-hans").toLowerCase();
    return lang.indexOf("zh") === 0 ? "zh-CN" : "en";
  }
  function draw(source) {
    var target = document.getElementById(source.getAttribute("data-chart"));
    if (!target || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    var config = Object.assign(
      { responsive: true, displaylogo: false, locale: locale(), modeBarButtonsToRemove: ["lasso2d", "select2d"] },
      figure.config || {}
    );
    window.Plotly.newPlot(target, figure.data, figure.layout, config).then(function () {
      target.setAttribute("data-drawn", "true");
    });
  }
  function drawAll() {
    var sources = document.querySelectorAll("script[type='application/json'][data-chart]");
    Array.prototype.forEach.call(sources, draw);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
}());

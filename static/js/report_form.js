/* Item rows of the quarterly report form: add, remove, and adapt each row to its kind.
 * Plain DOM, no framework. The server renders every row; this only clones the empty row
 * template Django's formset provides and keeps the management form's TOTAL_FORMS right. */
(function () {
  "use strict";

  var form = document.querySelector("form[data-report-form]");
  if (!form) { return; }
  var kindsNode = document.getElementById("item-kinds-data");
  var kinds = kindsNode ? JSON.parse(kindsNode.textContent) : {};
  var body = document.getElementById("item-rows");
  var template = document.getElementById("item-row-template");
  var total = form.querySelector("input[name$='-TOTAL_FORMS']");
  var empty = document.getElementById("item-rows-empty");

  function visibleRows() {
    return body.querySelectorAll("[data-item-row]:not([hidden])").length;
  }

  function refreshEmpty() {
    if (empty) { empty.hidden = visibleRows() > 0; }
  }

  // The identifier label and the attribute fields depend on the row's kind.
  function adaptRow(row) {
    var select = row.querySelector("select[name$='-kind']");
    var kind = select ? kinds[select.value] : null;
    var label = row.querySelector("[data-identifier-label]");
    if (label) { label.textContent = kind ? kind.identifier_label : label.dataset.defaultLabel; }
    row.querySelectorAll("[data-attribute]").forEach(function (wrapper) {
      var allowed = !!(kind && kind.attributes && kind.attributes[wrapper.dataset.attribute]);
      wrapper.hidden = !allowed;
      var input = wrapper.querySelector("select, input");
      if (input && !allowed) { input.value = ""; }
    });
  }

  function removeRow(row) {
    var flag = row.querySelector("input[name$='-DELETE']");
    if (flag) { flag.checked = true; }
    row.hidden = true;
    refreshEmpty();
  }

  function addRow() {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html.trim();
    var row = holder.firstElementChild;
    body.appendChild(row);
    total.value = String(index + 1);
    adaptRow(row);
    refreshEmpty();
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
    return row;
  }

  body.addEventListener("change", function (event) {
    if (event.target.matches("select[name$='-kind']")) {
      adaptRow(event.target.closest("[data-item-row]"));
    }
  });
  body.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-item]");
    if (button) {
      event.preventDefault();
      removeRow(button.closest("[data-item-row]"));
    }
  });
  var add = document.getElementById("add-item");
  if (add) {
    add.hidden = false;
    add.addEventListener("click", function (event) {
      event.preventDefault();
      addRow();
    });
  }

  // With JavaScript the delete checkbox becomes a button; rows already marked stay hidden.
  body.querySelectorAll("[data-item-row]").forEach(function (row) {
    var flag = row.querySelector("input[name$='-DELETE']");
    if (flag && flag.checked) { row.hidden = true; }
    adaptRow(row);
  });
  form.classList.add("js-items");
  refreshEmpty();

  // Submitting with every quarterly flow blank is almost always a slip: ask first.
  var question = form.getAttribute("data-blank-flows-question");
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!question || !button || button.value !== "submit") { return; }
    var flows = form.querySelectorAll("[data-semantics='flow'] input[type='text']");
    if (!flows.length) { return; }
    var blank = Array.prototype.every.call(flows, function (input) { return !input.value.trim(); });
    if (blank && !window.confirm(question)) { event.preventDefault(); }
  });
})();

/* Evidence files in the quarterly report form: drop files on an item or pick them; on a
 * saved item they are uploaded at once through the API with a progress bar, and can be
 * removed; on a new item they go with the form when it is saved. The server checks every
 * file again (type by content, size, who may attach); this only spares a round trip.
 * Plain DOM, no framework, no inline script (the Content-Security-Policy allows none). */
(function () {
  "use strict";

  var form = document.querySelector("form[data-report-form]");
  if (!form) { return; }
  var rows = document.getElementById("item-rows");
  var kindsNode = document.getElementById("item-kinds-data");
  var kinds = kindsNode ? JSON.parse(kindsNode.textContent) : {};
  var maxBytes = parseInt(form.dataset.evidenceMaxBytes || "0", 10);
  var csrf = form.querySelector("input[name='csrfmiddlewaretoken']");

  function text(name) { return form.dataset[name] || ""; }

  function box(node) { return node.closest("[data-evidence]"); }

  function hiddenIds(evidence) {
    return evidence.querySelector("input[type='hidden'][name$='-file_ids']");
  }

  function idsOf(evidence) {
    var input = hiddenIds(evidence);
    return input && input.value ? input.value.split(",").filter(Boolean) : [];
  }

  function setIds(evidence, ids) {
    var input = hiddenIds(evidence);
    if (input) { input.value = ids.join(","); }
  }

  function message(evidence, words) {
    var note = evidence.querySelector("[data-evidence-message]");
    if (!note) {
      note = document.createElement("span");
      note.className = "field-error";
      note.setAttribute("data-evidence-message", "");
      evidence.appendChild(note);
    }
    note.textContent = words;
    note.hidden = !words;
  }

  function progress(evidence, fraction, label) {
    var holder = evidence.querySelector("[data-evidence-progress]");
    if (!holder) { return; }
    holder.hidden = fraction === null;
    if (fraction === null) { return; }
    holder.querySelector("progress").value = Math.round(fraction * 100);
    holder.querySelector("[data-progress-text]").textContent = label;
  }

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024) { return (bytes / 1024 / 1024).toFixed(1) + " MB"; }
    return Math.max(1, Math.round(bytes / 1024)) + " KB";
  }

  function fileItem(file, deleteUrl) {
    var item = document.createElement("li");
    item.setAttribute("data-file-id", String(file.id));
    var link = document.createElement("a");
    link.href = file.download_url;
    link.textContent = file.name;
    var size = document.createElement("span");
    size.className = "small muted";
    size.textContent = sizeText(file.size);
    item.appendChild(link);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(size);
    if (deleteUrl) {
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "danger-link";
      remove.setAttribute("data-remove-file", "");
      remove.setAttribute("data-delete-url", deleteUrl);
      remove.textContent = text("evidenceRemove");
      item.appendChild(document.createTextNode(" "));
      item.appendChild(remove);
    }
    return item;
  }

  function errorOf(request) {
    try {
      var body = JSON.parse(request.responseText);
      if (body.file && body.file.length) { return body.file[0]; }
      if (body.detail) { return body.detail; }
    } catch (ignored) { /* not JSON */ }
    return text("evidenceFailed");
  }

  function tooLarge(file) { return maxBytes && file.size > maxBytes; }

  // One file at a time, each with its progress, to the item's upload address.
  function upload(evidence, files) {
    var url = evidence.dataset.uploadUrl;
    var queue = Array.prototype.slice.call(files);
    var list = evidence.querySelector("[data-evidence-list]");
    message(evidence, "");
    function next() {
      var file = queue.shift();
      if (!file) { progress(evidence, null); return; }
      if (tooLarge(file)) { message(evidence, file.name + ": " + text("evidenceTooLarge")); next(); return; }
      var body = new FormData();
      body.append("file", file, file.name);
      var request = new XMLHttpRequest();
      request.open("POST", url);
      request.setRequestHeader("X-CSRFToken", csrf ? csrf.value : "");
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          progress(evidence, event.loaded / event.total, text("evidenceUploading") + " " + file.name);
        }
      });
      request.addEventListener("load", function () {
        if (request.status === 201) {
          var created = JSON.parse(request.responseText);
          list.appendChild(fileItem(created, url + created.id + "/"));
          setIds(evidence, idsOf(evidence).concat([String(created.id)]));
        } else {
          message(evidence, file.name + ": " + errorOf(request));
        }
        next();
      });
      request.addEventListener("error", function () {
        message(evidence, file.name + ": " + text("evidenceFailed"));
        next();
      });
      progress(evidence, 0, text("evidenceUploading") + " " + file.name);
      request.send(body);
    }
    next();
  }

  // A new item's files wait in its file input and go with the form.
  function showPending(evidence, input) {
    var list = evidence.querySelector("[data-evidence-list]");
    list.querySelectorAll("li.pending").forEach(function (item) { item.remove(); });
    message(evidence, "");
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.className = "pending";
      item.textContent = file.name + " (" + text("evidencePending") + ")";
      list.appendChild(item);
      if (tooLarge(file)) { message(evidence, file.name + ": " + text("evidenceTooLarge")); }
    });
  }

  function chosen(evidence, input, files) {
    if (evidence.dataset.uploadUrl) {
      upload(evidence, files);
      input.value = "";
    } else {
      showPending(evidence, input);
    }
  }

  function remove(button) {
    var evidence = box(button);
    if (!window.confirm(text("evidenceRemoveQuestion"))) { return; }
    var request = new XMLHttpRequest();
    request.open("DELETE", button.dataset.deleteUrl);
    request.setRequestHeader("X-CSRFToken", csrf ? csrf.value : "");
    request.setRequestHeader("Accept", "application/json");
    request.addEventListener("load", function () {
      if (request.status === 204) {
        var item = button.closest("li");
        var id = item.getAttribute("data-file-id");
        item.remove();
        setIds(evidence, idsOf(evidence).filter(function (value) { return value !== id; }));
      } else {
        message(evidence, errorOf(request));
      }
    });
    request.send();
  }

  // Whether the row's kind needs a file (the catalogue's rule), shown beside the heading.
  function markRequired(row) {
    var select = row.querySelector("select[name$='-kind']");
    var mark = row.querySelector("[data-evidence-required]");
    if (!select || !mark) { return; }
    var kind = kinds[select.value];
    mark.hidden = !(kind && kind.evidence_required);
  }

  rows.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-evidence-input]")) {
      chosen(box(target), target, target.files);
    } else if (target.matches("select[name$='-kind']")) {
      markRequired(target.closest("[data-item-row]"));
    }
  });
  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-file]");
    if (button) {
      event.preventDefault();
      remove(button);
    }
  });
  ["dragenter", "dragover"].forEach(function (name) {
    rows.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-drop-zone]");
      if (!zone) { return; }
      event.preventDefault();
      zone.classList.add("dragging");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    rows.addEventListener(name, function (event) {
      var zone = event.target.closest && event.target.closest("[data-drop-zone]");
      if (zone) { zone.classList.remove("dragging"); }
    });
  });
  rows.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-drop-zone]");
    if (!zone || !event.dataTransfer || !event.dataTransfer.files.length) { return; }
    event.preventDefault();
    var evidence = box(zone);
    var input = zone.querySelector("[data-evidence-input]");
    if (evidence.dataset.uploadUrl) {
      upload(evidence, event.dataTransfer.files);
    } else {
      input.files = event.dataTransfer.files;
      showPending(evidence, input);
    }
  });

  rows.querySelectorAll("[data-item-row]").forEach(markRequired);
  // Rows added with "Add item" (report_form.js) get their mark when their kind is chosen.
})();

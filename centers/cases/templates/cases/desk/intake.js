/* The intake form: the chosen matter's materials checklist, the promised date if accepted
   today (from the calendar API), and the keyboard behaviour. Plain JS, no library. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) return;
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  var matters = data("matters-data") || [];
  var posted = data("posted-materials") || [];
  var states = data("material-states") || [];
  var t = data("intake-i18n") || {};
  var byCode = {};
  matters.forEach(function (m) { byCode[m.code] = m; });

  var matterInput = form.elements.matter;
  var rowsBody = document.getElementById("materials-rows");
  var table = document.getElementById("materials-table");
  var empty = document.getElementById("materials-empty");
  var hint = document.getElementById("materials-hint");
  var preview = document.getElementById("promised-preview");
  var current = null;
  var dueRequest = 0;

  function fmt(text, values) {
    return String(text || "").replace(/%\((\w+)\)s/g, function (all, key) {
      return values[key] === undefined ? all : values[key];
    });
  }

  /* A code, "code name", or a unique part of a code or name. */
  function findMatter(text, loose) {
    text = (text || "").trim();
    if (!text) return null;
    var code = text.split(/\s+/)[0];
    if (byCode[code]) return byCode[code];
    if (!loose) return null;
    var hits = matters.filter(function (m) {
      return m.name === text || m.code.indexOf(text) !== -1 || m.name.indexOf(text) !== -1;
    });
    var exact = hits.filter(function (m) { return m.name === text; });
    if (exact.length === 1) return exact[0];
    return hits.length === 1 ? hits[0] : null;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function buildRows(matter) {
    rowsBody.textContent = "";
    var postedByName = {};
    posted.forEach(function (row) { postedByName[row.name] = row; });
    (matter ? matter.materials : []).forEach(function (material, i) {
      var given = postedByName[material.name];
      var state = given ? given.state : (material.required ? "received" : "not_needed");
      var originals = given ? given.originals_received : (material.required ? material.originals : 0);
      var copies = given ? given.copies_received : (material.required ? material.copies : 0);
      var prefix = "mat-" + i + "-";
      var tr = el("tr", {"data-material": material.name});
      var nameCell = el("td");
      nameCell.appendChild(el("strong", {id: prefix + "label"}, material.name));
      nameCell.appendChild(el("input", {type: "hidden", name: prefix + "name", value: material.name}));
      nameCell.appendChild(el("br"));
      nameCell.appendChild(el("small", {}, (material.required ? t.required : t.optional) + " · " +
        fmt(t.needed, {o: material.originals, c: material.copies})));
      tr.appendChild(nameCell);
      var select = el("select", {name: prefix + "state", "aria-labelledby": prefix + "label"});
      states.forEach(function (pair) {
        var option = el("option", {value: pair[0]}, pair[1]);
        if (pair[0] === state) option.selected = true;
        select.appendChild(option);
      });
      select.addEventListener("change", updateHint);
      tr.appendChild(el("td")).appendChild(select);
      [["originals_received", originals], ["copies_received", copies]].forEach(function (pair) {
        tr.appendChild(el("td")).appendChild(el("input", {
          type: "number", min: "0", max: "99", name: prefix + pair[0], value: String(pair[1] || 0),
          "aria-labelledby": prefix + "label", inputmode: "numeric"
        }));
      });
      var note = el("input", {type: "text", name: prefix + "note", maxlength: "300",
                              "aria-labelledby": prefix + "label"});
      note.value = given ? given.note : "";
      var noteCell = tr.appendChild(el("td"));
      noteCell.appendChild(note);
      /* 容缺受理: an eligible material still missing may be accepted with the date the
         applicant promises to bring it (only the staff's intake accepts; an agent forwards). */
      if (material.tolerance && form.querySelector('input[name="outcome"]')) {
        var tolerance = el("label", {"class": "case-tolerance", "data-tolerance": ""});
        tolerance.appendChild(el("small", {}, t.tolerance + " "));
        var due = el("input", {type: "date", name: prefix + "tolerance_due", min: form.dataset.today});
        due.value = given ? (given.tolerance_due || "") : "";
        tolerance.appendChild(due);
        noteCell.appendChild(tolerance);
      }
      tr.appendChild(el("td")).appendChild(el("input", {
        type: "file", name: prefix + "file", multiple: "", accept: "image/*,application/pdf",
        "aria-labelledby": prefix + "label"
      }));
      rowsBody.appendChild(tr);
    });
    var any = matter && matter.materials.length > 0;
    table.hidden = !any;
    empty.hidden = !!any;
    updateHint();
  }

  function updateHint() {
    var missing = false;
    Array.prototype.forEach.call(rowsBody.querySelectorAll("tr"), function (tr) {
      var select = tr.querySelector("select");
      var absent = select && (select.value === "missing" || select.value === "defective");
      missing = missing || absent;
      var tolerance = tr.querySelector("[data-tolerance]");
      if (tolerance) {
        tolerance.hidden = !absent;
        if (!absent) tolerance.querySelector("input").value = "";
      }
    });
    hint.hidden = !missing;
  }

  function showDue(matter) {
    var request = ++dueRequest;
    preview.textContent = "";
    preview.removeAttribute("data-due");
    if (!matter) return;
    var url = form.dataset.dueApi + "?start=" + encodeURIComponent(form.dataset.today) +
      "&working_days=" + encodeURIComponent(matter.promised_days);
    fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (request !== dueRequest || !body) return;
        var due = body.due_date || body.due || body.date;
        if (!due) return;
        preview.dataset.due = due;
        preview.textContent = fmt(t.due, {date: due}) + (body.provisional ? " " + t.provisional : "");
      })
      .catch(function () { /* the preview is a help only; the case gets its date at acceptance */ });
  }

  function setMatter(matter) {
    if (matter === current) return;
    current = matter;
    document.getElementById("matter-name").textContent = matter ? matter.name : (matterInput.value ? t.unknown : "");
    var days = document.getElementById("matter-days");
    days.textContent = matter ? "· " + fmt(t.days, {n: matter.promised_days}) + " ·" : "";
    form.dataset.matterMode = matter ? matter.mode : "";
    buildRows(matter);
    posted = [];
    showDue(matter);
    toggleSections();
  }

  function radioValue(name) {
    var checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function toggleSections() {
    var outcome = radioValue("outcome");
    var refusal = document.getElementById("refusal-fields");
    if (refusal) refusal.hidden = outcome !== "refuse";
    var joint = document.getElementById("joint-fields");
    if (joint) joint.hidden = !(current && current.mode === "joint" && outcome === "accept");
    var point = document.getElementById("service-point-field");
    if (point && point.dataset.showForChannel) {
      point.hidden = form.elements.channel.value !== point.dataset.showForChannel;
    }
    var label = document.getElementById("id-number-label");
    if (label) {
      label.textContent = radioValue("applicant_kind") === "organisation" ?
        label.dataset.organisation : label.dataset.person;
    }
  }

  matterInput.addEventListener("input", function () { setMatter(findMatter(matterInput.value, false)); });
  matterInput.addEventListener("change", function () {
    var matter = findMatter(matterInput.value, true);
    if (matter && matterInput.value !== matter.code) matterInput.value = matter.code;
    setMatter(matter);
  });
  /* Enter in the matter field confirms the matter and goes on to the applicant. */
  matterInput.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.ctrlKey) return;
    var matter = findMatter(matterInput.value, true);
    if (!matter) return;
    event.preventDefault();
    matterInput.value = matter.code;
    setMatter(matter);
    form.elements.applicant_name.focus();
  });
  form.addEventListener("change", function (event) {
    if (["outcome", "channel", "applicant_kind"].indexOf(event.target.name) !== -1) toggleSections();
  });
  var idInput = form.elements.applicant_id_number;
  idInput.addEventListener("blur", function () { idInput.value = idInput.value.replace(/\s+/g, "").toUpperCase(); });
  /* Ctrl+Enter submits from anywhere, text boxes included. */
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    }
  });
  /* One click registers one case: the button waits while the page is sent (the server also
     answers a repeated idempotency key with the first case). */
  form.addEventListener("submit", function () {
    var button = document.getElementById("intake-submit");
    window.setTimeout(function () { button.disabled = true; }, 0);
  });

  setMatter(findMatter(matterInput.value, true));
  toggleSections();
  var firstError = form.querySelector("[data-error-for]");
  if (firstError) {
    var field = form.elements[firstError.dataset.errorFor];
    if (field && field.focus && !(field.type === "hidden")) field.focus();
    else if (firstError.dataset.errorFor === "materials" && rowsBody.querySelector("select")) {
      rowsBody.querySelector("select").focus();
    }
  }
})();

// Small progressive enhancements; every form works without them.
(function () {
  "use strict";

  // Status change: the freeze cause only matters when freezing.
  function wireStatusForm() {
    var form = document.getElementById("status-form");
    if (!form) return;
    var target = form.querySelector("select[name=to]");
    var cause = form.querySelector(".freeze-only");
    if (!target || !cause) return;
    function sync() { cause.hidden = target.value !== "frozen"; }
    target.addEventListener("change", sync);
    sync();
  }

  // Opening form: pick the usual ID type for the category and mark the contact as required
  // for collective customers (the server checks both again).
  function wireOpenForm() {
    var form = document.getElementById("open-form");
    if (!form) return;
    var category = form.querySelector("select[name=category]");
    var idType = form.querySelector("select[name=id_type]");
    if (!category || !idType) return;
    var allowed = {};
    try { allowed = JSON.parse(category.getAttribute("data-id-types") || "{}"); } catch (e) { allowed = {}; }
    var contactLabels = ["contact_name", "contact_phone"].map(function (name) {
      return form.querySelector("label[for=f-" + name + "]");
    });
    function sync(initial) {
      var types = allowed[category.value] || [];
      if (!initial && types.length && types.indexOf(idType.value) < 0) idType.value = types[0];
      var collective = category.value === "collective";
      contactLabels.forEach(function (label) {
        if (!label) return;
        var mark = label.querySelector(".req");
        if (collective && !mark) {
          mark = document.createElement("span");
          mark.className = "req";
          mark.setAttribute("aria-hidden", "true");
          mark.textContent = " *";
          label.appendChild(mark);
        } else if (!collective && mark) {
          mark.remove();
        }
      });
    }
    category.addEventListener("change", function () { sync(false); });
    sync(true);
  }

  // Contract draft: show the fee and payment parts only for installation contracts, and the
  // installment rows only for payment in installments (the server ignores them otherwise).
  function wireDraftForm() {
    var form = document.getElementById("draft-form");
    if (!form) return;
    var type = form.querySelector("select[name=type]");
    var rows = document.getElementById("f-installments");
    var kinds = form.querySelectorAll("input[name=payment_kind]");
    function sync() {
      var option = type ? type.options[type.selectedIndex] : null;
      // The edit form has no type to choose: its fixed family is on the form itself.
      var family = option ? option.getAttribute("data-family") : form.getAttribute("data-family");
      form.querySelectorAll("[data-family-only]").forEach(function (part) {
        part.hidden = family !== null && part.getAttribute("data-family-only") !== family;
      });
      if (rows) {
        var checked = form.querySelector("input[name=payment_kind]:checked");
        rows.hidden = !checked || checked.value !== "installments";
      }
    }
    if (type) type.addEventListener("change", sync);
    kinds.forEach(function (kind) { kind.addEventListener("change", sync); });
    sync();
  }

  // After a refused submit, move the keyboard focus to the list of problems.
  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireStatusForm();
    wireOpenForm();
    wireDraftForm();
    focusErrors();
  });
})();

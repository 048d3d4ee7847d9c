// Category questions on an intake page (staff or public): when the category changes, fetch the
// page again for that category and swap in its block of questions; show, hide and mark required
// the conditional questions as the server will decide on submit (the server decides again).
(function () {
  "use strict";
  if (window.redressIntakeForm) return;
  window.redressIntakeForm = true;

  function valuesOf(form, name) {
    return new FormData(form).getAll(name).map(String).filter(function (v) { return v !== ""; });
  }

  function cellOf(element) {
    return element.closest(".mdc-layout-grid__cell, [id^='div_id_']") || element;
  }

  function apply(form) {
    var box = form.querySelector("#rd-answers");
    if (!box || !box.dataset.rules) return;
    var spec = JSON.parse(box.dataset.rules);
    var hidden = new Set();
    // Standard fields this category requires: marked like required questions.
    form.querySelectorAll(".rd-required-standard").forEach(function (cell) {
      cell.classList.remove("rd-required", "rd-required-standard");
    });
    (spec.required_standard || []).forEach(function (name) {
      var element = form.querySelector('[name="' + name + '"]');
      if (element) cellOf(element).classList.add("rd-required", "rd-required-standard");
    });
    spec.rules.forEach(function (rule) {
      var control = form.querySelector('[name="' + spec.prefix + rule.when + '"]') ? spec.prefix + rule.when : rule.when;
      var values = hidden.has(control) ? [] : valuesOf(form, control);
      if (control === "risk_flagged") values = [values.length ? "yes" : "no"];
      var met = values.some(function (v) { return rule.values.indexOf(v) !== -1; });
      var visible = rule.effect === "require" ? true : met;
      var required = rule.effect === "require" ? met : met && rule.required;
      var element = form.querySelector('[name="' + rule.name + '"]');
      if (!element) return;
      var cell = cellOf(element);
      cell.hidden = !visible;
      cell.classList.toggle("rd-required", visible && required);
      if (!visible) hidden.add(rule.name);
    });
  }

  function swap(form, box) {
    var category = valuesOf(form, "category")[0] || "";
    var url = new URL(window.location.href);
    url.searchParams.set("category", category);
    fetch(url.toString(), { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#rd-answers");
        if (fresh) {
          box.replaceWith(document.importNode(fresh, true));
          window.setTimeout(function () { apply(form); }, 50);
        }
      })
      .catch(function () { /* the server still asks the right questions on submit */ });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target && target.closest ? target.closest("form") : null;
    if (!form) return;
    var box = form.querySelector("#rd-answers");
    if (!box) return;
    var name = target.getAttribute("name");
    if (name === "category" && box.dataset.swap === "category") {
      swap(form, box);
      return;
    }
    apply(form);
  });

  function applyAll() {
    document.querySelectorAll("form").forEach(function (form) { apply(form); });
  }
  document.addEventListener("turbo:load", function () { window.setTimeout(applyAll, 50); });
  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(applyAll, 50); });
})();

// Intake page: as the agent picks the category, types the model, batch, place and the customer's
// words, fetch from our own server the triage suggestions, the open complaints that look like the
// same incident and the closed cases most like this complaint, and show them beside the form. A
// suggestion's "Use" button fills its field; the agent may still change it.
(function () {
  "use strict";
  if (window.redressSimilarCases) return;
  window.redressSimilarCases = true;
  var WATCHED = ["category", "product_model", "batch_number", "occurred_place", "customer_words"];
  var timer = null;
  var lastQuery = "";

  function valueOf(form, name) {
    // FormData reads the real controls (viewflow's field elements carry the name too).
    var value = new FormData(form).get(name);
    return value === null ? "" : String(value).trim();
  }

  function refresh(form) {
    var panel = document.getElementById("rd-similar");
    if (!panel || !form) return;
    var params = new URLSearchParams({
      category: valueOf(form, "category"),
      product_model: valueOf(form, "product_model"),
      batch_number: valueOf(form, "batch_number"),
      occurred_place: valueOf(form, "occurred_place"),
      words: valueOf(form, "customer_words").slice(0, 2000)
    });
    var query = params.toString();
    if (query === lastQuery) return;
    lastQuery = query;
    fetch(panel.dataset.url + "?" + query, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("#rd-similar-cases");
        var box = document.getElementById("rd-similar-cases");
        if (fresh && box) box.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () { lastQuery = ""; /* suggestions are a help, never a blocker */ });
  }

  function schedule(event) {
    var target = event.target;
    var control = target && target.closest ? target.closest("[name]") : null;
    if (!control || WATCHED.indexOf(control.getAttribute("name")) === -1) return;
    var form = control.closest("form");
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { refresh(form); }, event.type === "change" ? 0 : 600);
  }

  function use(event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-rd-use]") : null;
    if (!button) return;
    var form = document.querySelector('form [name="category"]');
    form = form ? form.closest("form") : null;
    var control = form ? form.querySelector('select[name="' + button.dataset.rdUse + '"]') : null;
    if (!control) return;
    var option = Array.prototype.find.call(control.options, function (o) { return o.value === button.dataset.value; });
    if (!option) return; // not a choice this agent has (e.g. a department they do not register for)
    control.value = button.dataset.value;
    control.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("click", use);
  document.addEventListener("change", schedule);
  document.addEventListener("input", schedule);
  function initial() {
    lastQuery = "";
    var element = document.querySelector('form [name="category"]');
    if (element && document.getElementById("rd-similar")) refresh(element.closest("form"));
  }
  document.addEventListener("turbo:load", function () { window.setTimeout(initial, 50); });
  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(initial, 50); });
})();

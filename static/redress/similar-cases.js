// Intake page: as the agent picks the category, types the model and the customer's words, fetch
// the closed cases most like this complaint from our own server and show them beside the form.
(function () {
  "use strict";
  if (window.redressSimilarCases) return;
  window.redressSimilarCases = true;
  var WATCHED = ["category", "product_model", "customer_words"];
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

/* The category tree picker (complaints/forms/category_tree.py). The server renders a nested list
   of radio buttons that works on its own; this script adds a search box that keeps the matching
   categories and their parents, folds and unfolds branches, and names the chosen path. The
   radio buttons stay the form's control, so the page's other scripts (intake-form.js: questions
   of the chosen category) see an ordinary change event. No inline code: the CSP allows scripts
   from our origin only. */
(function () {
  "use strict";
  if (window.redressTreePicker) return;
  window.redressTreePicker = true;

  function items(box) { return Array.prototype.slice.call(box.querySelectorAll(".rd-tree__item")); }

  function setOpen(item, open) {
    if (item.hasAttribute("aria-expanded")) item.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function pathOf(radio) {
    var names = [];
    var item = radio.closest(".rd-tree__item");
    while (item) {
      var label = item.querySelector(":scope > .rd-tree__label");
      if (label) names.unshift(label.textContent.trim());
      item = item.parentElement ? item.parentElement.closest(".rd-tree__item") : null;
    }
    return names.join(" / ");
  }

  function filter(box, text) {
    var query = text.trim().toLowerCase();
    var shown = 0;
    items(box).forEach(function (item) { item.hidden = !!query; });
    items(box).forEach(function (item) {
      if (!query) return;
      if ((item.getAttribute("data-search") || "").indexOf(query) === -1) return;
      shown += 1;
      item.hidden = false;
      // Its whole branch below stays reachable, and every parent above opens.
      item.querySelectorAll(".rd-tree__item").forEach(function (below) { below.hidden = false; });
      var up = item.parentElement ? item.parentElement.closest(".rd-tree__item") : null;
      while (up) {
        up.hidden = false;
        setOpen(up, true);
        up = up.parentElement ? up.parentElement.closest(".rd-tree__item") : null;
      }
    });
    var empty = box.querySelector(".rd-tree-picker__empty");
    if (empty) empty.hidden = !query || shown > 0;
  }

  function start(box) {
    if (box.getAttribute("data-tree-on")) return;
    box.setAttribute("data-tree-on", "1");
    box.classList.add("rd-tree-picker--on");
    var search = box.querySelector(".rd-tree-picker__search");
    var chosen = box.querySelector(".rd-tree-picker__chosen");
    if (search) {
      search.hidden = false;
      search.addEventListener("input", function () { filter(box, search.value); });
      search.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault(); // Enter picks the first match instead of sending the form
        var first = items(box).filter(function (item) {
          return !item.hidden && (item.getAttribute("data-search") || "").indexOf(search.value.trim().toLowerCase()) !== -1;
        })[0];
        var radio = first ? first.querySelector(":scope > .rd-tree__label input") : null;
        if (radio) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); radio.focus(); }
      });
    }
    box.addEventListener("click", function (event) {
      var toggle = event.target.closest(".rd-tree__toggle");
      if (!toggle) return;
      var item = toggle.closest(".rd-tree__item");
      setOpen(item, item.getAttribute("aria-expanded") !== "true");
    });
    box.addEventListener("change", function (event) {
      if (event.target.type !== "radio" || !chosen) return;
      chosen.textContent = pathOf(event.target);
      box.classList.remove("rd-tree-picker--invalid");
    });
  }

  function startAll() { document.querySelectorAll("[data-tree-picker]").forEach(start); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", startAll);
  else startAll();
  document.addEventListener("turbo:load", startAll);
  document.addEventListener("turbo:frame-load", startAll);
})();

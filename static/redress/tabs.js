/* The complaint page's parts as tabs: one part shown at a time. The part comes from the address:
   ?part=rd-part-work, or #anchor (a part's id or the id of anything inside a part: a form that
   saved something returns to #rd-quality, which lies in the work part); else the first part.
   Without this script every part is on the page and the part links jump to them. */
(function () {
  "use strict";

  function partOf(id) {
    if (!id) return null;
    var target = document.getElementById(id);
    return target ? target.closest(".rd-part") : null;
  }

  function show(nav, part, scrollTo) {
    var parts = document.querySelectorAll(".rd-part");
    if (!part) part = parts[0];
    parts.forEach(function (each) { each.classList.toggle("rd-part--shown", each === part); });
    nav.querySelectorAll("[data-tab]").forEach(function (tab) {
      var on = tab.getAttribute("data-tab") === part.id;
      tab.classList.toggle("rd-tabs__tab--on", on);
      if (on) tab.setAttribute("aria-current", "true"); else tab.removeAttribute("aria-current");
    });
    if (scrollTo && scrollTo !== part) scrollTo.scrollIntoView();
  }

  function start() {
    var nav = document.querySelector("[data-tabs]");
    if (!nav || nav.getAttribute("data-tabs-on")) return;
    nav.setAttribute("data-tabs-on", "1");
    document.body.classList.add("rd-tabs-on");
    var asked = new URLSearchParams(window.location.search).get("part");
    var anchor = window.location.hash.slice(1);
    var target = anchor ? document.getElementById(anchor) : null;
    show(nav, partOf(asked) || partOf(anchor), target);
    nav.addEventListener("click", function (event) {
      var tab = event.target.closest("[data-tab]");
      if (!tab) return;
      event.preventDefault();
      show(nav, document.getElementById(tab.getAttribute("data-tab")), null);
      history.replaceState(history.state, "", "#" + tab.getAttribute("data-tab"));
    });
    window.addEventListener("hashchange", function () {
      var id = window.location.hash.slice(1);
      var part = partOf(id);
      if (part) show(nav, part, document.getElementById(id));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("turbo:load", start);
})();

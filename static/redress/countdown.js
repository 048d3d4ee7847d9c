/* The one live countdown for deadline clocks (complaint page and worklists; the server's
   web/countdown.py draws the first text with the same phrases). Markup (server-rendered, so the
   text is right without JavaScript too):
     <span class="rd-countdown" data-due="ISO" data-warn="ISO" data-paused="">3h 05m left</span>
   data-paused="1" means the clock is paused (waiting for the customer): the text stays as drawn.
   Phrases in the reader's language come from <script type="application/json" id="rd-countdown-labels">.
   The element gets rd-clock--ok / --warn (past data-warn) / --breached / --paused; a worklist row
   holding it gets rd-row--warn / rd-row--breached. */
(function () {
  "use strict";
  var STATES = ["ok", "warn", "breached", "paused"];
  var labels = {
    dh: "%(days)sd %(hours)sh", hm: "%(hours)sh %(minutes)sm", m: "%(minutes)sm",
    left: "%(time)s left", over: "overdue by %(time)s", paused: "paused · %(time)s left"
  };

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, name) { return values[name]; });
  }

  function words(seconds) {
    var total = Math.floor(Math.max(seconds, 0) / 60);
    var days = Math.floor(total / 1440), hours = Math.floor((total % 1440) / 60), minutes = total % 60;
    if (days) return fill(labels.dh, { days: days, hours: hours });
    if (hours) return fill(labels.hm, { hours: hours, minutes: (minutes < 10 ? "0" : "") + minutes });
    return fill(labels.m, { minutes: minutes });
  }

  function mark(element, state) {
    STATES.forEach(function (name) { element.classList.toggle("rd-clock--" + name, name === state); });
    var holder = element.closest("[data-clock]");
    if (holder) STATES.forEach(function (name) { holder.classList.toggle("rd-clock--" + name, name === state); });
    var row = element.closest("tr");
    if (row) {
      row.classList.toggle("rd-row--breached", state === "breached");
      row.classList.toggle("rd-row--warn", state === "warn");
    }
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll(".rd-countdown[data-due]").forEach(function (element) {
      if (element.getAttribute("data-paused")) { mark(element, "paused"); return; }
      var due = Date.parse(element.getAttribute("data-due"));
      if (isNaN(due)) return;
      var warnAttr = element.getAttribute("data-warn");
      var warn = warnAttr ? Date.parse(warnAttr) : NaN;
      var left = (due - now) / 1000;
      if (left <= 0) {
        element.textContent = fill(labels.over, { time: words(-left) });
        mark(element, "breached");
      } else {
        element.textContent = fill(labels.left, { time: words(left) });
        mark(element, !isNaN(warn) && now >= warn ? "warn" : "ok");
      }
    });
  }

  function start() {
    var source = document.getElementById("rd-countdown-labels");
    if (source) {
      try { labels = Object.assign(labels, JSON.parse(source.textContent)); } catch (error) { /* keep English */ }
    }
    tick();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("turbo:load", start);
  window.setInterval(tick, 30000);
})();

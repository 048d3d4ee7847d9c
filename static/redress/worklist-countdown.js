// Live countdowns on the inbox, queue and breached lists: every element with data-due counts down
// to it (amber past data-warn, red when overdue). The formats come translated from the page
// (#rd-countdown-formats); no request leaves the page.
(function () {
  "use strict";
  if (window.redressCountdown) return;
  window.redressCountdown = true;

  var DAY = 86400, HOUR = 3600, MINUTE = 60;

  function formats() {
    var node = document.getElementById("rd-countdown-formats");
    return node ? JSON.parse(node.textContent) : null;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  function text(seconds, f) {
    var total = Math.floor(Math.abs(seconds));
    var d = Math.floor(total / DAY), h = Math.floor((total % DAY) / HOUR);
    var m = Math.floor((total % HOUR) / MINUTE), s = total % MINUTE;
    var out;
    if (d) out = fill(f.days, { d: d, h: h });
    else if (h) out = fill(f.hours, { h: h, m: pad(m) });
    else out = fill(f.minutes, { m: m, s: pad(s) });
    return seconds < 0 ? fill(f.overdue, { time: out }) : out;
  }

  function tick() {
    var f = formats();
    if (!f) return;
    var now = Date.now();
    document.querySelectorAll(".rd-clock[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) return;
      var warn = el.dataset.warn ? Date.parse(el.dataset.warn) : NaN;
      var left = (due - now) / 1000;
      var state = left <= 0 ? "breached" : (!isNaN(warn) && warn <= now ? "warning" : "running");
      el.textContent = text(left, f);
      el.classList.remove("rd-clock--breached", "rd-clock--warning", "rd-clock--running");
      el.classList.add("rd-clock--" + state);
      var row = el.closest("tr");
      if (row) {
        row.classList.toggle("rd-row--breached", state === "breached");
        row.classList.toggle("rd-row--warning", state === "warning");
      }
    });
  }

  window.setInterval(tick, 1000);
  document.addEventListener("turbo:load", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();

// The dashboard's charts (Chart.js, vendored under static/vendor). Data come from the page's
// json_script block; clicking a bar opens the list of the complaints behind it. No inline script:
// the Content-Security-Policy allows none.
(function () {
  "use strict";
  const COLOURS = { bar: "#3f51b5", line: "#e65100", valid: "#2e7d32", escalated: "#c62828" };
  let charts = [];

  function listUrl(part) {
    const holder = document.getElementById("rd-kpi-list");
    return holder.dataset.url + "&part=" + encodeURIComponent(part);
  }

  function clickable(parts) {
    return function (event, elements) {
      if (elements.length && parts[elements[0].index]) window.location.href = listUrl(parts[elements[0].index]);
    };
  }

  function pareto(id, block, texts, countLabel) {
    const canvas = document.getElementById(id);
    if (!canvas || !block.labels.length) { if (canvas) canvas.parentElement.hidden = true; return; }
    charts.push(new window.Chart(canvas, {
      data: {
        labels: block.labels,
        datasets: [
          { type: "bar", label: countLabel, data: block.counts, backgroundColor: COLOURS.bar, yAxisID: "y", order: 2 },
          { type: "line", label: texts.cumulative, data: block.cumulative, borderColor: COLOURS.line,
            backgroundColor: COLOURS.line, yAxisID: "pct", order: 1, tension: 0 },
        ],
      },
      options: {
        maintainAspectRatio: false, animation: false, onClick: clickable(block.parts),
        scales: {
          y: { beginAtZero: true, position: "left" },
          pct: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false },
                 ticks: { callback: (v) => v + " %" } },
          x: { ticks: { autoSkip: false, maxRotation: 60 } },
        },
      },
    }));
  }

  function trend(block, texts) {
    const canvas = document.getElementById("rd-chart-trend");
    if (!canvas || !block.labels.length) { if (canvas) canvas.parentElement.hidden = true; return; }
    charts.push(new window.Chart(canvas, {
      type: "line",
      data: {
        labels: block.labels,
        datasets: [
          { label: texts.total, data: block.total, borderColor: COLOURS.bar, backgroundColor: COLOURS.bar },
          { label: texts.valid, data: block.valid, borderColor: COLOURS.valid, backgroundColor: COLOURS.valid },
          { label: texts.escalated, data: block.escalated, borderColor: COLOURS.escalated, backgroundColor: COLOURS.escalated },
        ],
      },
      options: { maintainAspectRatio: false, animation: false, onClick: clickable(block.parts),
                 scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    }));
  }

  function draw() {
    const source = document.getElementById("rd-kpi-data");
    if (!source || !window.Chart) return;
    charts.forEach((c) => c.destroy());
    charts = [];
    const data = JSON.parse(source.textContent);
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    pareto("rd-chart-categories", data.categories, data.texts, data.texts.count);
    pareto("rd-chart-causes", data.causes, data.texts, data.texts.causes);
    pareto("rd-chart-responsibility", data.responsibility, data.texts, data.texts.share);
    trend(data.trend, data.texts);
  }

  // Printing: redraw at the paper's width, so the charts are not cut or blurred.
  window.addEventListener("beforeprint", () => charts.forEach((c) => c.resize()));
  window.addEventListener("afterprint", () => charts.forEach((c) => c.resize()));
  document.addEventListener("turbo:load", draw);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();

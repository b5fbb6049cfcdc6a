// Insights charts from data the page embeds with json_script (CSP: no inline code). Needs Chart.js.
(function () {
  "use strict";

  var PALETTE = ["#2456d3", "#b26a00", "#1f8a4c", "#a4262c", "#6b3fa0", "#9aa5b8"];

  function stackedBars(canvas, data) {
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.datasets.map(function (set, i) {
          return { label: set.label, data: set.data, backgroundColor: PALETTE[i % PALETTE.length], stack: "hours" };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "Hours" } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("canvas[data-insights-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.insightsChart);
      if (!source) {
        return;
      }
      var existing = window.Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      stackedBars(canvas, JSON.parse(source.textContent));
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(draw);
  }
  draw(document);
})();

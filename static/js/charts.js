// Charts from data the page embeds with json_script (CSP: no inline code). Needs Chart.js.
(function () {
  "use strict";

  var COLORS = { billable: "#2456d3", nonBillable: "#9aa5b8", target: "#b26a00" };

  function weekChart(canvas, data) {
    return new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: "Billable", data: data.billable, backgroundColor: COLORS.billable, stack: "hours" },
          { type: "bar", label: "Non-billable", data: data.non_billable, backgroundColor: COLORS.nonBillable, stack: "hours" },
          {
            type: "line", label: "Daily target", data: data.target, borderColor: COLORS.target,
            borderDash: [6, 4], pointRadius: 0, fill: false, spanGaps: false
          }
        ]
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
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      if (!source) {
        return;
      }
      var existing = window.Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      weekChart(canvas, JSON.parse(source.textContent));
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(draw);
  }
  draw(document);
})();

// Every chart of the app, drawn from data the page embeds with json_script (CSP: no inline code).
// A canvas names its data (`data-chart="<json_script id>"`) and its kind (`data-chart-kind`,
// default "week"); htmx swaps redraw the charts they bring. Needs Chart.js (static/vendor).
(function () {
  "use strict";

  var COLORS = { billable: "#2456d3", nonBillable: "#9aa5b8", target: "#b26a00" };
  var PALETTE = ["#2456d3", "#b26a00", "#1f8a4c", "#a4262c", "#6b3fa0", "#9aa5b8"];
  var BASE_OPTIONS = {
    responsive: true,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { position: "bottom" } }
  };
  var STACKED_HOURS = { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: "Hours" } } };

  function options(scales) {
    return Object.assign({}, BASE_OPTIONS, { scales: scales });
  }

  var KINDS = {
    // My Work: this week per day, billable vs non-billable, against the daily target.
    week: function (data) {
      return {
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
        options: options(STACKED_HOURS)
      };
    },
    // Insights: hours per week or month, stacked by client.
    stacked: function (data) {
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.datasets.map(function (set, i) {
            return { label: set.label, data: set.data, backgroundColor: PALETTE[i % PALETTE.length], stack: "hours" };
          })
        },
        options: options(STACKED_HOURS)
      };
    },
    // Client page and portal: remaining hours over the last 90 days (stepped, so a purchase is a
    // step up) and the forecast to the run-out date.
    burndown: function (data) {
      return {
        type: "line",
        data: {
          labels: data.labels,
          datasets: [
            { label: "Remaining hours", data: data.remaining, borderColor: COLORS.billable, pointRadius: 0, fill: false, stepped: true },
            { label: "Forecast", data: data.forecast, borderColor: COLORS.target, borderDash: [6, 4], pointRadius: 0, fill: false }
          ]
        },
        options: options({ y: { title: { display: true, text: "Hours" } }, x: { ticks: { maxTicksLimit: 8 } } })
      };
    }
  };

  function draw(root) {
    if (!window.Chart || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.dataset.chart);
      var kind = KINDS[canvas.dataset.chartKind || "week"];
      if (!source || !kind) {
        return;
      }
      var existing = window.Chart.getChart(canvas);
      if (existing) {
        existing.destroy();
      }
      new window.Chart(canvas, kind(JSON.parse(source.textContent)));
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(draw);
  }
  draw(document);
})();

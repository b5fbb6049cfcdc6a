// The portal's burn-down chart from the data the page embeds with json_script (CSP: no inline code).
(function () {
  "use strict";

  function draw() {
    var canvas = document.querySelector("canvas[data-burn-chart]");
    var source = canvas && document.getElementById(canvas.dataset.burnChart);
    if (!window.Chart || !source) {
      return;
    }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: [
          { label: "Remaining hours", data: data.remaining, borderColor: "#2456d3", pointRadius: 0, fill: false },
          { label: "Forecast", data: data.forecast, borderColor: "#b26a00", borderDash: [6, 4], pointRadius: 0, fill: false }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { title: { display: true, text: "Hours" } }, x: { ticks: { maxTicksLimit: 8 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  draw();
})();

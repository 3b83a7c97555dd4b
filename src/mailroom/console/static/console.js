/* Draws the console's charts with uPlot from the JSON data block next to each chart.
   Colours come from a palette readable with colour-blindness, and every series also has its
   own dash pattern and a labelled legend, so no series is told apart by colour alone. */
(function () {
  "use strict";
  var COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000"];
  var DASHES = [[], [8, 4], [2, 3], [10, 3, 2, 3], [4, 4], [1, 5], [12, 2]];

  function options(data, width) {
    var byHours = data.axis === "hours";
    var series = [{ label: byHours ? "Hour after sending" : "Day",
                    value: byHours ? function (u, v) { return v == null ? "" : v + " h"; } : "{YYYY}-{MM}-{DD}" }];
    data.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 2,
                    dash: DASHES[i % DASHES.length], points: { show: false } });
    });
    return {
      width: width,
      height: width < 520 ? 220 : 300,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"); },
      scales: { x: { time: !byHours } },
      series: series,
      axes: [
        byHours ? { label: "hours after sending", values: function (u, vals) { return vals.map(function (v) { return v + "h"; }); } } : {},
        { size: 60, values: function (u, vals) { return vals.map(function (v) { return v >= 1e6 ? (v / 1e6) + "M" : v >= 1e3 ? (v / 1e3) + "k" : v; }); } }
      ],
      legend: { live: true }
    };
  }

  function draw(holder) {
    var block = document.getElementById(holder.getAttribute("data-chart"));
    if (!block || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(block.textContent);
    var columns = [data.x].concat(data.series.map(function (s) { return s.values; }));
    var width = Math.max(260, holder.clientWidth);
    var plot = new uPlot(options(data, width), columns, holder);
    var last = width;
    window.addEventListener("resize", function () {
      var now = Math.max(260, holder.clientWidth);
      if (Math.abs(now - last) > 8) {
        last = now;
        plot.setSize({ width: now, height: now < 520 ? 220 : 300 });
      }
    });
  }

  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(draw);
    confirmForms();
  });
})();

/* Average price per area and day with the baseline; clicking a line opens that area. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("price-data").textContent);
  var labels = JSON.parse(document.getElementById("price-labels").textContent);
  var el = document.getElementById("chart-prices");
  if (!el || typeof echarts === "undefined") { return; }
  var series = data.series.map(function (s) {
    return { name: s.name, type: "line", connectNulls: true, data: s.values };
  });
  if (data.baseline !== null && series.length) {
    series[0].markLine = { symbol: "none", data: [{ yAxis: data.baseline, name: labels.baseline }] };
  }
  var c = echarts.init(el, null, { renderer: "svg" });
  c.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 45, right: 10, top: 40, bottom: 50 },
    xAxis: { type: "category", data: data.days.map(function (d) { return d.slice(5); }) },
    yAxis: { type: "value", scale: true },
    series: series
  });
  el.setAttribute("data-rendered", "true");
  c.on("click", function (p) {
    var s = data.series[p.seriesIndex];
    if (s) {
      var q = new URLSearchParams(window.location.search);
      q.set("node", s.id);
      window.location.search = q.toString();
    }
  });
  window.addEventListener("resize", function () { c.resize(); });
})();

/* The command dashboard: four ECharts from the JSON the page embeds; clicking an area opens
   its own dashboard (drill-down). No build step, no CDN. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var labels = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var charts = [];
  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") { return null; }
    var c = echarts.init(el, null, { renderer: "svg" });
    c.setOption(option);
    charts.push(c);
    el.setAttribute("data-rendered", "true");
    return c;
  }
  var areaNames = data.areas.map(function (a) { return a.name; });
  var cover = chart("chart-cover", {
    tooltip: { trigger: "axis" },
    legend: { top: 0, type: "scroll" },
    grid: { left: 40, right: 10, top: 40, bottom: 60 },
    xAxis: { type: "category", data: areaNames, axisLabel: { rotate: 30 } },
    yAxis: { type: "value", name: labels.days },
    series: data.cover.map(function (s) {
      return { name: s.name, type: "bar", data: s.values };
    })
  });
  if (cover) {
    cover.on("click", function (p) {
      var area = data.areas[p.dataIndex];
      if (area) { window.location.search = "?node=" + area.id; }
    });
  }
  chart("chart-demand", {
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 60, right: 10, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.demand.map(function (d) { return d.item; }),
             axisLabel: { rotate: 45 } },
    yAxis: { type: "value" },
    series: [
      { name: labels.demand, type: "bar", data: data.demand.map(function (d) { return d.demand; }) },
      { name: labels.available, type: "bar",
        data: data.demand.map(function (d) { return d.available; }) }
    ]
  });
  var transit = chart("chart-transit", {
    tooltip: { trigger: "axis" },
    grid: { left: 40, right: 10, top: 20, bottom: 60 },
    xAxis: { type: "category", data: data.in_transit.map(function (d) { return d.area; }),
             axisLabel: { rotate: 30 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: labels.in_transit, type: "bar",
               data: data.in_transit.map(function (d) { return d.shipments; }) }]
  });
  if (transit) {
    transit.on("click", function (p) {
      var area = data.areas[p.dataIndex];
      if (area) { window.location.search = "?node=" + area.id; }
    });
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
})();

// Home-page trend charts (county admin, leader): every [data-home-chart] box draws the JSON of
// the json_script element it names (portal.charts.ChartTable.chart). The same numbers are in
// the table under each chart, so nothing is lost without this script.
//   kind "months":  12 months on the x axis, one bar or line per series (null = not begun);
//   kind "ranking": one horizontal bar per township, the first on top.
// ECharts (about 265 KiB compressed, named by this script's data-echarts) is fetched only when
// a chart box comes near the viewport, so the top of the home page does not wait for it and a
// phone that never scrolls down never loads it.
(function () {
  var script = document.currentScript;
  var source = script && script.getAttribute("data-echarts");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("[data-home-chart]"));
  if (!source || !boxes.length) { return; }
  var COLORS = ["#b71c1c", "#1565c0", "#2e7d32", "#ef6c00"];
  var charts = [];

  function valueAxis(data) {
    var axis = { type: "value", minInterval: 1, name: data.percent ? "%" : (data.unit || "") };
    if (data.percent) { axis.max = 100; axis.minInterval = 0; }
    return axis;
  }

  function tooltip(data) {
    return {
      trigger: "axis", axisPointer: { type: "shadow" },
      valueFormatter: function (value) {
        if (value === null || value === undefined) { return "—"; }
        return data.percent ? value + "%" : value + (data.unit || "");
      }
    };
  }

  function series(data, horizontal) {
    return data.series.map(function (s, i) {
      var item = { name: s.name, type: s.type, data: s.data, itemStyle: { color: COLORS[i % COLORS.length] } };
      if (s.type === "line") { item.connectNulls = false; item.symbolSize = 6; }
      if (horizontal) {
        item.label = { show: true, position: "right", formatter: data.percent ? "{c}%" : "{c}" };
      }
      return item;
    });
  }

  function monthsOption(data) {
    return {
      tooltip: tooltip(data),
      legend: { top: 0, data: data.series.map(function (s) { return s.name; }) },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels },
      yAxis: valueAxis(data),
      series: series(data, false)
    };
  }

  function rankingOption(data) {
    return {
      tooltip: tooltip(data),
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: valueAxis(data),
      yAxis: { type: "category", data: data.labels, inverse: true,
               axisLabel: { width: 120, overflow: "truncate" } },
      series: series(data, true)
    };
  }

  function dataOf(holder) {
    var element = document.getElementById(holder.getAttribute("data-home-chart"));
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw(holder) {
    var data = dataOf(holder);
    var chart = echarts.init(holder);
    chart.setOption(data.kind === "ranking" ? rankingOption(data) : monthsOption(data));
    charts.push(chart);
  }

  var waiting = [];
  var loading = false;
  function withEcharts(callback) {
    if (typeof echarts !== "undefined") { callback(); return; }
    waiting.push(callback);
    if (loading) { return; }
    loading = true;
    var tag = document.createElement("script");
    tag.src = source;
    tag.onload = function () { waiting.splice(0).forEach(function (done) { done(); }); };
    document.head.appendChild(tag);
  }

  // Each box gets its height at once (no jump when it is drawn); empty ones stay hidden.
  boxes = boxes.filter(function (holder) {
    var data = dataOf(holder);
    if (!data || !data.labels || !data.labels.length) { holder.hidden = true; return false; }
    var rows = data.labels.length;
    holder.style.height = (data.kind === "ranking" ? Math.max(200, Math.min(28 * rows + 40, 720)) : 280) + "px";
    return true;
  });
  if ("IntersectionObserver" in window) {
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) { return; }
        observer.unobserve(entry.target);
        withEcharts(function () { draw(entry.target); });
      });
    }, { rootMargin: "200px 0px" });
    boxes.forEach(function (holder) { observer.observe(holder); });
  } else {
    withEcharts(function () { boxes.forEach(draw); });
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();

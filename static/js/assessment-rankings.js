// 考核排名: stacked bars of 优秀 / 良好 / 差 per cohort (data via json_script).
(function () {
  var holder = document.getElementById("grades-chart");
  var source = document.getElementById("grades-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.cohorts.length) { holder.hidden = true; return; }
  holder.style.height = Math.max(220, Math.min(48 * data.cohorts.length + 100, 700)) + "px";
  var colors = ["#2e7d32", "#9e9e9e", "#b71c1c"];
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: data.series.map(function (s) { return s.name; }) },
    grid: { left: 8, right: 16, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1, name: "人数" },
    yAxis: { type: "category", data: data.cohorts, inverse: true,
             axisLabel: { width: 140, overflow: "truncate" } },
    series: data.series.map(function (s, i) {
      return { name: s.name, type: "bar", stack: "grades", data: s.data,
               itemStyle: { color: colors[i] }, label: { show: true } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

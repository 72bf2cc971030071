// 结对共建统计: bar chart of covered / uncovered villages per township (data via json_script).
(function () {
  var holder = document.getElementById("stats-chart");
  var source = document.getElementById("stats-chart-data");
  if (!holder || !source || typeof echarts === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  if (!data.townships.length) { holder.hidden = true; return; }
  holder.style.height = Math.max(300, Math.min(32 * data.townships.length + 120, 900)) + "px";
  var chart = echarts.init(holder);
  chart.setOption({
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { data: ["已结对村", "未结对村"] },
    grid: { left: 8, right: 16, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1, name: "村数" },
    yAxis: { type: "category", data: data.townships, inverse: true },
    series: [
      { name: "已结对村", type: "bar", stack: "villages", data: data.covered, itemStyle: { color: "#b71c1c" } },
      { name: "未结对村", type: "bar", stack: "villages", data: data.uncovered, itemStyle: { color: "#f0ad4e" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();

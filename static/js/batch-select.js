// Batch bars (待确认 queue, report and agreement filing): 全选, the count of ticked rows,
// and the question the page's own confirmation (data-confirm on the form) asks, per button.
(function () {
  function picks(form) {
    return document.querySelectorAll("input[data-pick][form='" + form.id + "']");
  }
  function refresh(form) {
    var boxes = picks(form), n = 0;
    boxes.forEach(function (box) { if (box.checked) { n += 1; } });
    var count = form.querySelector("[data-selected-count]");
    if (count) { count.textContent = n; }
    var all = form.querySelector("[data-select-all]");
    if (all) { all.checked = n > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    form.querySelectorAll("[data-batch-action]").forEach(function (b) { b.disabled = n === 0; });
    return n;
  }
  document.addEventListener("change", function (event) {
    var target = event.target, form;
    if (target.matches("[data-select-all]")) {
      form = target.closest("form");
      picks(form).forEach(function (box) { box.checked = target.checked; });
      refresh(form);
    } else if (target.matches("input[data-pick]")) {
      form = document.getElementById(target.getAttribute("form"));
      if (form) { refresh(form); }
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-batch-action]");
    if (!button) { return; }
    var form = button.form, n = refresh(form);
    form.setAttribute("data-confirm", button.getAttribute("data-confirm-message").replace("{n}", n));
  }, true);
  function init() { document.querySelectorAll("form[data-batch]").forEach(refresh); }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
})();

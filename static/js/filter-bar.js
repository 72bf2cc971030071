// The filter bar's 导出 Excel button (templates/includes/filter_form.html) sends the filters
// the list shows now: after live (htmx) updates, the ones in the filter form, not the page's.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("filter-export")) { return; }
    var filters = document.getElementById(form.getAttribute("data-filter-form"));
    var query = form.querySelector("input[name=query]");
    if (!filters || !query) { return; }
    var params = new URLSearchParams();
    new FormData(filters).forEach(function (value, name) {
      if (typeof value === "string" && value !== "") { params.append(name, value); }
    });
    query.value = params.toString();
  });
})();

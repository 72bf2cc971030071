// Portal behaviour without inline scripts (CSP forbids them).
document.addEventListener("submit", function (event) {
  // Forms with data-confirm ask before a destructive action.
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { event.preventDefault(); }
});
document.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.value; }
});
// The global search: its box takes the focus when its panel opens; the hits close on Escape
// and on a click elsewhere.
document.addEventListener("shown.bs.dropdown", function (event) {
  var search = event.target.closest && event.target.closest(".global-search");
  if (search) { search.querySelector("input[name=q]").focus(); }
});
function closeGlobalSearch() {
  var menu = document.getElementById("global-search-menu");
  if (menu) { menu.innerHTML = ""; }
}
document.addEventListener("keydown", function (event) {
  if (event.key === "Escape" && event.target.closest && event.target.closest(".global-search")) {
    closeGlobalSearch();
  }
});
document.addEventListener("click", function (event) {
  if (!event.target.closest || !event.target.closest(".global-search")) { closeGlobalSearch(); }
});

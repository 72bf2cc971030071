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

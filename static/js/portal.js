// Portal behaviour without inline scripts (CSP forbids them).
// The page's own confirmation (templates/includes/confirm_modal.html, in every page of
// base.html) before a form with data-confirm is sent. A submit button's own data-confirm asks
// instead of its form's; with data-confirm-unless-files="<input id>" it asks only while that
// file input is empty, and data-confirm-flag="<name>" posts <name>=1 once the user agreed.
(function () {
  var element = document.getElementById("confirm-modal");
  if (!element) { return; }
  var message = document.getElementById("confirm-modal-message");
  var ok = document.getElementById("confirm-modal-ok");
  var cancel = document.getElementById("confirm-modal-cancel");
  var pending = null;  // {form, submitter} waiting for the answer
  var passing = null;  // the form sent again after 确定: not asked twice

  function question(form, submitter) {
    if (submitter && submitter.hasAttribute("data-confirm")) {
      var files = document.getElementById(submitter.getAttribute("data-confirm-unless-files") || "");
      return files && files.files && files.files.length ? "" : submitter.getAttribute("data-confirm");
    }
    return form.getAttribute("data-confirm") || "";
  }

  function dangerous(form, submitter) {
    return form.hasAttribute("data-confirm-danger") || !!(submitter &&
      /(^|\s)(btn-danger|btn-outline-danger|text-danger)(\s|$)/.test(submitter.className));
  }

  // Capture phase: the question comes before any handler on the form itself (htmx's too).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form === passing) { return; }
    var text = question(form, event.submitter);
    if (!text) { return; }
    event.preventDefault();
    event.stopPropagation();
    pending = { form: form, submitter: event.submitter || null };
    message.textContent = text;
    var danger = dangerous(form, event.submitter);
    ok.classList.toggle("btn-danger", danger);
    ok.classList.toggle("btn-party", !danger);
    bootstrap.Modal.getOrCreateInstance(element).show();
  }, true);

  // The safe answer has the focus when the action cannot be undone.
  element.addEventListener("shown.bs.modal", function () {
    (ok.classList.contains("btn-danger") ? cancel : ok).focus();
  });

  ok.addEventListener("click", function () {
    var answer = pending;
    pending = null;
    bootstrap.Modal.getOrCreateInstance(element).hide();
    if (!answer) { return; }
    var form = answer.form, submitter = answer.submitter;
    var flag = submitter && submitter.getAttribute("data-confirm-flag");
    if (flag && !form.querySelector("input[type=hidden][name='" + flag + "']")) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = flag;
      input.value = "1";
      form.appendChild(input);
    }
    passing = form;
    try {
      if (submitter) { form.requestSubmit(submitter); } else { form.requestSubmit(); }
    } finally {
      passing = null;
    }
  });

  // 取消, the close button, Escape or a click outside: nothing is sent; the focus returns.
  element.addEventListener("hidden.bs.modal", function () {
    if (!pending) { return; }
    var back = pending.submitter || pending.form.querySelector("[type=submit]");
    pending = null;
    if (back) { back.focus(); }
  });
})();
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

// Organization and person pickers (portal/widgets.py): a text box that is an ARIA combobox
// with a listbox of suggestions fetched as the user types (Chinese, pinyin or initials), and a
// hidden input carrying the chosen id. Arrow keys move, Enter picks, Escape closes; clearing
// the box clears the choice; leaving it without picking restores the chosen name.
(function () {
  "use strict";
  var DELAY = 200;
  var serial = 0;

  function setup(root) {
    if (root.dataset.pickerReady) { return; }
    root.dataset.pickerReady = "1";
    var box = root.querySelector("[role=combobox]");
    var hidden = root.querySelector("[data-picker-value]");
    var list = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-picker-status]");
    var url = root.getAttribute("data-picker-url");
    var options = [];
    var active = -1;
    var timer = null;
    var latest = 0;
    var prefix = list.id + "_option_";

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      options.forEach(function (item, i) {
        var on = i === index;
        item.element.classList.toggle("active", on);
        item.element.setAttribute("aria-selected", on ? "true" : "false");
      });
      active = index;
      if (index >= 0) {
        box.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var item = options[index];
      if (!item) { return; }
      box.value = item.label;
      box.setAttribute("data-picker-label", item.label);
      close();
      if (hidden.value !== String(item.id)) {
        hidden.value = item.id;
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function clear() {
      box.setAttribute("data-picker-label", "");
      if (hidden.value !== "") {
        hidden.value = "";
        hidden.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    function show(data) {
      list.textContent = "";
      options = [];
      (data.results || []).forEach(function (result, i) {
        var li = document.createElement("li");
        li.id = prefix + i;
        li.className = "list-group-item list-group-item-action picker-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var name = document.createElement("span");
        name.textContent = result.label;
        li.appendChild(name);
        if (result.detail) {
          var detail = document.createElement("small");
          detail.className = "text-body-secondary ms-2";
          detail.textContent = result.detail;
          li.appendChild(detail);
        }
        // mousedown, not click: the box must not lose its choice to the blur first.
        li.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(li);
        options.push({ id: result.id, label: result.label, element: li });
      });
      if (!options.length) {
        var none = document.createElement("li");
        none.className = "list-group-item text-body-secondary";
        none.setAttribute("role", "option");
        none.setAttribute("aria-disabled", "true");
        none.textContent = "没有匹配的结果";
        list.appendChild(none);
      } else if (data.total > options.length) {
        var more = document.createElement("li");
        more.className = "list-group-item small text-body-secondary";
        more.setAttribute("role", "option");
        more.setAttribute("aria-disabled", "true");
        more.textContent = "共 " + data.total + " 个结果，请输入更多文字缩小范围";
        list.appendChild(more);
      }
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      status.textContent = options.length ? "找到 " + data.total + " 个结果，用上下方向键选择" : "没有匹配的结果";
      highlight(options.length ? 0 : -1);
    }

    function lookup() {
      var text = box.value.trim();
      if (!text) { close(); return; }
      var mine = ++serial;
      latest = mine;
      fetch(url + "&q=" + encodeURIComponent(text), {
        headers: { "Accept": "application/json" }, credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        if (latest === mine && document.activeElement === box) { show(data); }
      }).catch(function () {
        if (latest === mine) { status.textContent = "查询失败，请稍后再试"; }
      });
    }

    box.addEventListener("input", function () {
      if (!box.value.trim()) { clear(); }
      clearTimeout(timer);
      timer = setTimeout(lookup, DELAY);
    });

    box.addEventListener("keydown", function (event) {
      var open = !list.hidden && options.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open) { lookup(); return; }
        highlight((active + 1) % options.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (open) { highlight(active <= 0 ? options.length - 1 : active - 1); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) {
          event.preventDefault();  // picks instead of sending the form
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (!list.hidden) {
          event.preventDefault();
          close();
        }
      }
    });

    // The box's own change (typing then leaving) is not a new choice: only the hidden input's.
    box.addEventListener("change", function (event) { event.stopPropagation(); });

    box.addEventListener("blur", function () {
      close();
      box.value = box.getAttribute("data-picker-label") || "";
    });
  }

  function setupAll(scope) {
    (scope || document).querySelectorAll(".picker[data-picker-url]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
  } else {
    setupAll(document);
  }
  document.addEventListener("htmx:load", function (event) { setupAll(event.target); });
})();

// Activity form (台账): the participant picker and a draft kept in localStorage while typing,
// offered back after a failed submission or a reload, cleared once the server saved it.
(function () {
  "use strict";
  var PREFIX = "ledger-activity-draft:";
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // The detail page after a successful save names the draft to forget.
  var cleared = document.getElementById("ledger-clear-draft");
  if (cleared && storage()) { storage().removeItem(PREFIX + cleared.getAttribute("data-key")); }

  var form = document.getElementById("activity-form");
  if (!form) { return; }

  var rows = document.getElementById("participant-rows");
  var empty = document.getElementById("participant-empty");
  var template = document.getElementById("participant-row-template");
  var picker = document.getElementById("participant-picker");
  var fallback = document.getElementById("participant-fallback");
  var search = document.getElementById("participant-q");
  var results = document.getElementById("participant-results");
  var suggestions = document.getElementById("participant-suggestions");
  var orgSelect = form.querySelector("[name=org]");
  var searchUrl = form.getAttribute("data-search-url");
  var draftKey = PREFIX + form.getAttribute("data-draft-key");

  // ---- participants -------------------------------------------------------------------
  function chosenIds() {
    return Array.prototype.map.call(rows.querySelectorAll(".participant-row"), function (li) {
      return li.getAttribute("data-person");
    });
  }

  function refreshEmpty() {
    empty.classList.toggle("d-none", rows.children.length > 0);
    Array.prototype.forEach.call(suggestions.querySelectorAll("button"), function (chip) {
      chip.classList.toggle("d-none", chosenIds().indexOf(chip.getAttribute("data-id")) >= 0);
    });
  }

  function enhanceRow(li) {
    var keep = li.querySelector(".participant-keep");
    keep.classList.add("d-none");  // with JS the remove button replaces the checkbox
    var remove = li.querySelector(".participant-remove");
    remove.classList.remove("d-none");
    remove.setAttribute("aria-label", "移除" + li.querySelector(".participant-name").textContent);
    remove.addEventListener("click", function () {
      li.remove();
      refreshEmpty();
      saveDraft();
    });
  }

  function addRow(person, hours, role) {
    var id = String(person.id);
    if (chosenIds().indexOf(id) >= 0) { return; }
    var li = template.content.firstElementChild.cloneNode(true);
    li.setAttribute("data-person", id);
    li.querySelector(".participant-keep").value = id;
    li.querySelector(".participant-name").textContent = person.name;
    li.querySelector(".participant-org").textContent = person.org || "";
    var hoursInput = li.querySelector(".participant-hours");
    hoursInput.name = "hours_" + id;
    hoursInput.id = "id_hours_" + id;
    hoursInput.value = hours || "2";
    li.querySelector(".participant-hours-label").setAttribute("for", hoursInput.id);
    var roleSelect = li.querySelector(".participant-role");
    roleSelect.name = "role_" + id;
    roleSelect.id = "id_role_" + id;
    roleSelect.value = role || "participant";
    li.querySelector(".participant-role-label").setAttribute("for", roleSelect.id);
    rows.appendChild(li);
    enhanceRow(li);
    refreshEmpty();
  }

  function rowData() {
    return Array.prototype.map.call(rows.querySelectorAll(".participant-row"), function (li) {
      return {
        id: li.getAttribute("data-person"),
        name: li.querySelector(".participant-name").textContent,
        org: li.querySelector(".participant-org").textContent,
        hours: li.querySelector(".participant-hours").value,
        role: li.querySelector(".participant-role").value
      };
    });
  }

  function personButton(person, className) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = className;
    button.setAttribute("data-id", String(person.id));
    var name = document.createElement("span");
    name.textContent = person.name;
    button.appendChild(name);
    var detail = document.createElement("small");
    detail.className = "ms-1";  // no opacity: the button colours alone keep 4.5:1
    var tags = [person.org];
    if (person.group === "talent") { tags.push("结对人才"); }
    if (person.group === "recent") { tags.push("最近参加"); }
    if (person.phone_tail) { tags.push("尾号" + person.phone_tail); }
    detail.textContent = tags.join(" · ");
    button.appendChild(detail);
    button.addEventListener("click", function () {
      addRow(person);
      saveDraft();
      if (results.contains(button)) {
        results.textContent = "";
        search.value = "";
        search.focus();
      }
    });
    return button;
  }

  function fetchPeople(query, done) {
    var org = orgSelect ? orgSelect.value : "";
    if (!org) { done([]); return; }
    var url = searchUrl + "?org=" + encodeURIComponent(org) +
      (query ? "&q=" + encodeURIComponent(query) : "");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) { done(data.results || []); })
      .catch(function () { done([]); });
  }

  function loadSuggestions() {
    fetchPeople("", function (people) {
      suggestions.textContent = "";
      people.forEach(function (person) {
        suggestions.appendChild(personButton(
          person, "btn btn-sm rounded-pill " +
            (person.group === "talent" ? "btn-outline-danger" : "btn-outline-secondary")));
      });
      document.getElementById("participant-suggestions-label")
        .classList.toggle("d-none", people.length === 0);
      refreshEmpty();
    });
  }

  var searchTimer = null;
  function onSearch() {
    clearTimeout(searchTimer);
    var query = search.value.trim();
    if (!query) { results.textContent = ""; return; }
    searchTimer = setTimeout(function () {
      fetchPeople(query, function (people) {
        if (search.value.trim() !== query) { return; }  // a newer query is on its way
        results.textContent = "";
        if (!people.length) {
          var none = document.createElement("div");
          none.className = "list-group-item small text-muted";
          none.textContent = "没有找到“" + query + "”。只能选择本组织和结对单位的人员。";
          results.appendChild(none);
          return;
        }
        people.forEach(function (person) {
          if (chosenIds().indexOf(String(person.id)) >= 0) { return; }
          results.appendChild(personButton(
            person, "list-group-item list-group-item-action text-start"));
        });
      });
    }, 250);
  }

  // With JS the picker replaces the plain multi-select (which must then not submit).
  fallback.remove();
  picker.classList.remove("d-none");
  Array.prototype.forEach.call(rows.querySelectorAll(".participant-row"), enhanceRow);
  search.addEventListener("input", onSearch);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); }  // Enter searches, never submits
  });
  if (orgSelect) { orgSelect.addEventListener("change", loadSuggestions); }
  loadSuggestions();

  // ---- draft --------------------------------------------------------------------------
  function fieldValues() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.closest("#participants") || el.type === "submit" ||
          el.name === "csrfmiddlewaretoken" || el.type === "file") { return; }
      values[el.name] = el.value;
    });
    return values;
  }

  var saveTimer = null;
  function saveDraft() {
    var store = storage();
    if (!store) { return; }
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () {
      try {
        store.setItem(draftKey, JSON.stringify(
          { saved: Date.now(), fields: fieldValues(), participants: rowData() }));
      } catch (e) { /* storage full or disabled: the server still keeps what was posted */ }
    }, 300);
  }

  function restoreDraft(draft) {
    Object.keys(draft.fields || {}).forEach(function (name) {
      var el = form.elements.namedItem(name);
      if (el && el.type !== "file") { el.value = draft.fields[name]; }
    });
    rows.textContent = "";
    (draft.participants || []).forEach(function (row) { addRow(row, row.hours, row.role); });
    refreshEmpty();
    loadSuggestions();
  }

  function offerDraft() {
    var store = storage();
    if (!store) { return; }
    var raw = store.getItem(draftKey);
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { store.removeItem(draftKey); return; }
    if (!draft.saved || Date.now() - draft.saved > MAX_AGE_MS) {
      store.removeItem(draftKey);
      return;
    }
    var offer = document.getElementById("draft-offer");
    var when = new Date(draft.saved);
    document.getElementById("draft-offer-text").textContent =
      "发现 " + (when.getMonth() + 1) + "月" + when.getDate() + "日 " +
      String(when.getHours()).padStart(2, "0") + ":" + String(when.getMinutes()).padStart(2, "0") +
      " 填写但没有保存成功的内容，要恢复吗？";
    offer.classList.remove("d-none");
    document.getElementById("draft-restore").addEventListener("click", function () {
      restoreDraft(draft);
      offer.classList.add("d-none");
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      store.removeItem(draftKey);
      offer.classList.add("d-none");
    });
  }

  // A page re-rendered with errors already holds everything typed; otherwise offer the draft.
  if (form.getAttribute("data-bound") !== "1") { offerDraft(); } else { saveDraft(); }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);
})();

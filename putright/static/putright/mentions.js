// The internal note's @mention autocomplete (issue 15 §2). Typing "@" and a few letters in a note lists
// the active colleagues whose username or name starts with them (from the page's small JSON endpoint);
// Up/Down move through the list, Enter or Tab inserts "@username", Escape closes it. The textarea is an
// ARIA combobox and the list a listbox, so screen readers announce the choice. Without JavaScript the
// form works the same: type "@username" yourself.
(function () {
  "use strict";

  function setup(field) {
    var input = field.querySelector("textarea");
    var url = field.getAttribute("data-suggest-url");
    if (!input || !url) return;
    var list = document.createElement("ul");
    list.id = input.id + "-mentions";
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Colleagues to mention");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var active = -1;
    var start = -1;
    var pending = null;

    function close() {
      list.hidden = true;
      list.textContent = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var items = list.querySelectorAll("li");
      if (!items.length) return;
      active = (index + items.length) % items.length;
      items.forEach(function (item, i) {
        item.setAttribute("aria-selected", i === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", items[active].id);
    }

    function choose(index) {
      var item = list.querySelectorAll("li")[index];
      if (!item || start < 0) return;
      var before = input.value.slice(0, start);
      var after = input.value.slice(input.selectionStart);
      var text = "@" + item.getAttribute("data-username") + " ";
      input.value = before + text + after;
      var caret = before.length + text.length;
      input.setSelectionRange(caret, caret);
      close();
      input.focus();
    }

    function show(colleagues) {
      list.textContent = "";
      colleagues.forEach(function (c, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("data-username", c.username);
        item.textContent = c.name === c.username ? "@" + c.username : c.name + " (@" + c.username + ")";
        item.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(item);
      });
      if (!colleagues.length) {
        close();
        return;
      }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);
    }

    function query() {
      // The word being typed, if it starts with "@" at the start of the text or after a space.
      var upto = input.value.slice(0, input.selectionStart);
      var match = /(^|\s)@([\w.+-]{0,30})$/.exec(upto);
      if (!match) {
        start = -1;
        close();
        return;
      }
      start = upto.length - match[2].length - 1;
      var q = match[2];
      if (pending) pending.abort();
      pending = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(q), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: pending.signal,
      })
        .then(function (r) {
          return r.ok ? r.json() : { colleagues: [] };
        })
        .then(function (data) {
          show(data.colleagues || []);
        })
        .catch(function () {});
    }

    input.addEventListener("input", query);
    input.addEventListener("blur", function () {
      window.setTimeout(close, 100);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter" || event.key === "Tab") {
        if (active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
  }

  function init() {
    document.querySelectorAll(".mention-field").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

/* The case workspace (issue 15 §1): the next action opens its form, keyboard shortcuts (Alt+Shift+letter,
   switched off by the agent's preference) and their help dialog. Every form works without this file. */
(function () {
  "use strict";

  var FIELDS = "textarea, input:not([type=hidden]):not([disabled]), select, button:not([disabled])";

  function openAround(el) {
    // Open every <details> the element sits in (and the element itself, if it is one).
    for (var node = el; node; node = node.parentElement) {
      if (node.tagName === "DETAILS") node.open = true;
    }
  }

  function jumpTo(id, fieldSelector) {
    var target = document.getElementById(id);
    if (!target) return false;
    openAround(target);
    var field = target.querySelector(fieldSelector || FIELDS);
    target.scrollIntoView({ block: "start" });
    if (field) {
      field.focus();
    } else {
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus();
    }
    return true;
  }

  function typing(el) {
    if (!el) return false;
    var tag = el.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function init() {
    var workspace = document.getElementById("workspace");
    if (!workspace) return;

    // The next action (top bar and skip link) and the other in-page jumps open the form they point at.
    document.addEventListener("click", function (event) {
      var link = event.target.closest("[data-next-action], [data-open-target]");
      if (!link) return;
      var id = link.getAttribute("data-target") || link.getAttribute("data-open-target");
      var href = link.getAttribute("href") || "";
      if (href.charAt(0) !== "#") return; // another page (the approvals page): follow the link
      var picker = id === "reply" ? "#id_message_body" : null;
      if (jumpTo(id, picker)) event.preventDefault();
    });

    // A link to a form inside a folded section (an error summary, a bookmark) opens the fold.
    function openHash() {
      var id = window.location.hash.slice(1);
      var el = id && document.getElementById(id);
      if (el) openAround(el);
    }
    window.addEventListener("hashchange", openHash);
    openHash();

    // Once the reply is being sent, an autosave still waiting must not bring the draft back after the send
    // discarded it (the send's transaction deletes it; a late save would write it again).
    var replyForm = document.getElementById("reply-form");
    if (replyForm) {
      replyForm.addEventListener("submit", function (event) {
        if (!event.submitter || !event.submitter.hasAttribute("formaction")) replyForm.dataset.sending = "yes";
      });
      replyForm.addEventListener("htmx:beforeRequest", function (event) {
        if (replyForm.dataset.sending === "yes") event.preventDefault();
      });
    }

    // After the thread order changes (htmx swaps the thread), keep focus on the pressed button.
    document.body.addEventListener("htmx:afterSwap", function (event) {
      if (event.detail.target && event.detail.target.id === "thread") {
        var pressed = document.querySelector("#thread [aria-pressed=true]");
        if (pressed) pressed.focus();
      }
    });

    var help = document.getElementById("shortcuts-help");
    var helpOpener = document.getElementById("shortcuts-help-open");
    var returnFocus = null;
    function showHelp() {
      if (!help || help.open) return;
      returnFocus = document.activeElement;
      help.showModal();
      var close = document.getElementById("shortcuts-help-close");
      if (close) close.focus();
    }
    if (help) {
      help.addEventListener("close", function () {
        if (returnFocus && document.contains(returnFocus)) returnFocus.focus();
      });
    }
    if (helpOpener) {
      helpOpener.hidden = false;
      helpOpener.addEventListener("click", showHelp);
    }

    if (workspace.getAttribute("data-shortcuts") !== "on") return;
    document.addEventListener("keydown", function (event) {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey) return;
      if (help && help.open) return; // the dialog handles its own keys (Escape closes it)
      if (event.altKey && event.shiftKey) {
        // event.code, not event.key: with Alt (Option on a Mac) held the key's character changes.
        var done = false;
        switch (event.code) {
          case "KeyR": done = jumpTo("reply", "#id_message_body"); break;
          case "KeyN": done = jumpTo("note-form", "textarea") || jumpTo("notes", "textarea"); break;
          case "KeyT": done = jumpTo("thread", "[aria-pressed]"); break;
          case "KeyA": {
            var next = document.querySelector("#next-action, .next-waiting [data-next-action]");
            if (next) { next.click(); done = true; }
            break;
          }
          case "Slash": showHelp(); done = true; break;
        }
        if (done) event.preventDefault();
        return;
      }
      if (event.key === "?" && !event.altKey && !typing(event.target)) {
        showHelp();
        event.preventDefault();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();

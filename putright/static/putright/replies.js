// The saved-reply picker (issue 15 §3): choosing a title from the list inserts the reply at once, as the
// Insert button does (htmx, or a plain GET without it). Typing a title and pressing Insert works alike.
document.addEventListener("input", function (event) {
  var input = event.target;
  if (!input || input.id !== "reply-picker-input" || !input.list) {
    return;
  }
  // A choice from the list arrives whole (Chromium says insertReplacementText; others say nothing).
  if (event.inputType && event.inputType !== "insertReplacementText") {
    return;
  }
  var chosen = Array.prototype.some.call(input.list.options, function (option) {
    return option.value === input.value;
  });
  if (chosen && input.form && input.form.requestSubmit) {
    input.form.requestSubmit();
  }
});

// The step form says, as the agent types, what the customer will be told when the step is done (issue 15
// §6). Without JavaScript the field's hint says the same. The line is announced politely to screen readers.
(function () {
  function describe(input, line) {
    var wording = input.value.trim();
    line.textContent = wording
      ? "The customer will be told: “" + wording + "”"
      : "Internal step: the customer will not be told.";
  }
  function attach(root) {
    root.querySelectorAll("input[data-customer-wording]").forEach(function (input) {
      if (input.dataset.previewReady) return;
      input.dataset.previewReady = "1";
      var line = document.createElement("p");
      line.className = "wording-preview";
      line.id = input.id + "_preview";
      line.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", line);
      describe(input, line);
      input.addEventListener("input", function () { describe(input, line); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { attach(document); });
  document.addEventListener("htmx:afterSwap", function (event) { attach(event.detail.target); });
})();

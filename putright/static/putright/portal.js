// The customer's pages: the "Copy link" button (shown only when scripts run; without them the link stays
// in a read-only box to select and copy by hand). Loaded from a file: the CSP allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const status = document.getElementById(button.dataset.copyStatus);
      let copied = false;
      try {
        await navigator.clipboard.writeText(source.value);
        copied = true;
      } catch (error) {
        source.select();
        copied = document.execCommand && document.execCommand("copy");
      }
      if (status) {
        status.textContent = copied ? "Link copied." : "Select the link above and copy it.";
      }
    });
  }
});

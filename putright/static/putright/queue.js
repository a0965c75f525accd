// The queue's bulk bar (cases/_queue_bulk_bar.html): it works as a plain form without this file. With it,
// the bar shows only once a case is ticked and says how many, "select all" ticks the page, and Enter in the
// "Duplicate of" box closes as duplicate (the form's own default button does nothing on purpose).
(function () {
  function setUp() {
    var form = document.getElementById("bulk-form");
    if (!form) return;
    var bar = document.getElementById("bulk-bar");
    var count = document.getElementById("bulk-count");
    var all = document.getElementById("select-all");
    var picks = Array.prototype.slice.call(form.querySelectorAll("input.pick"));
    all.hidden = false;
    function update() {
      var n = picks.filter(function (p) { return p.checked; }).length;
      bar.classList.toggle("bulk-bar-hidden", n === 0);
      bar.classList.add("bulk-bar-floating");
      count.textContent = n === 1 ? "1 case selected:" : n + " cases selected:";
      all.checked = n > 0 && n === picks.length;
      all.indeterminate = n > 0 && n < picks.length;
      picks.forEach(function (p) { p.closest("tr").classList.toggle("picked", p.checked); });
    }
    all.addEventListener("change", function () {
      picks.forEach(function (p) { p.checked = all.checked; });
      update();
    });
    picks.forEach(function (p) { p.addEventListener("change", update); });
    var original = document.getElementById("bulk-original");
    original.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        document.getElementById("bulk-duplicate").click();
      }
    });
    update();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();

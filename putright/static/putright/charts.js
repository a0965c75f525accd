/* Putright charts: draw Chart.js charts from JSON, each with the same numbers as a table.

   Load Chart.js first, then this file (both with `defer`):
     <script src="{% static 'vendor/chartjs/chart.umd.min.js' %}" defer></script>
     <script src="{% static 'putright/charts.js' %}" defer></script>

   Then either fetch the data:
     <figure class="chart"><canvas data-chart-url="/problems/5/trend.json?days=30"></canvas></figure>
   or read it from the page:
     {{ data|json_script:"cases-per-day" }}
     <figure class="chart"><canvas data-chart-json-id="cases-per-day"></canvas></figure>
   or, in content htmx swaps in (it drops <script> elements, even JSON ones), from an attribute:
     <figure class="chart"><canvas data-chart-json="{{ spec_as_json }}"></canvas></figure>

   The JSON:
     {"type": "line" | "bar", "title": "...", "x_label": "...", "y_label": "...",
      "labels": ["2026-03-01", ...], "datasets": [{"label": "New cases", "data": [0, 3, ...]}, ...]}

   Optional attributes on the canvas: data-chart-type (overrides "type"), data-chart-table="none" (the page
   shows its own table), data-chart-stacked (stack bars). The canvas gets role="img" and a label that says
   the totals; a "Show the numbers" table follows it, for screen readers and anyone who prefers numbers.
   data-chart-state becomes "ready", "no-chart" (Chart.js missing: table only) or "error".
   Content swapped in by htmx is drawn too; PutrightCharts.init(element) draws charts inside any element.
*/
(function () {
  "use strict";

  var PALETTE = ["#0b5cad", "#b42318", "#1a7f37", "#9a6700", "#0e7490", "#6f42c1", "#32383f"];
  var counter = 0;

  function text(tag, content, attrs) {
    var el = document.createElement(tag);
    if (content !== undefined && content !== null) el.textContent = String(content);
    Object.keys(attrs || {}).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function summary(spec) {
    var parts = (spec.datasets || []).map(function (ds) {
      var data = ds.data || [];
      var total = data.reduce(function (a, b) { return a + (Number(b) || 0); }, 0);
      var peak = data.length ? Math.max.apply(null, data.map(Number)) : 0;
      var at = data.length ? spec.labels[data.map(Number).indexOf(peak)] : "";
      return ds.label + ": " + total + " in all" + (peak > 0 ? ", most (" + peak + ") on " + at : "");
    });
    return (spec.title ? spec.title + ". " : "") + parts.join("; ") + ".";
  }

  function table(spec, id) {
    var details = text("details", null, { "class": "chart-data", "data-chart-table-for": id });
    details.appendChild(text("summary", "Show the numbers"));
    var wrap = text("div", null, { "class": "table-wrap" });
    var tbl = text("table", null, { "class": "chart-table" });
    if (spec.title) tbl.appendChild(text("caption", spec.title));
    var head = text("thead");
    var row = text("tr");
    row.appendChild(text("th", spec.x_label || "", { scope: "col" }));
    (spec.datasets || []).forEach(function (ds) { row.appendChild(text("th", ds.label, { scope: "col" })); });
    head.appendChild(row);
    tbl.appendChild(head);
    var body = text("tbody");
    (spec.labels || []).forEach(function (label, i) {
      var tr = text("tr");
      tr.appendChild(text("th", label, { scope: "row" }));
      (spec.datasets || []).forEach(function (ds) { tr.appendChild(text("td", (ds.data || [])[i])); });
      body.appendChild(tr);
    });
    tbl.appendChild(body);
    wrap.appendChild(tbl);
    details.appendChild(wrap);
    return details;
  }

  function draw(canvas, spec) {
    if (!canvas.id) canvas.id = "putright-chart-" + (++counter);
    var id = canvas.id;
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", summary(spec));
    var old = document.querySelector('[data-chart-table-for="' + id + '"]');
    if (old) old.remove();
    if (canvas.getAttribute("data-chart-table") !== "none") {
      (canvas.closest("figure") || canvas.parentNode).appendChild(table(spec, id));
    }
    if (typeof window.Chart === "undefined") {
      canvas.hidden = true;
      canvas.setAttribute("data-chart-state", "no-chart");
      return null;
    }
    var existing = window.Chart.getChart(canvas);
    if (existing) existing.destroy();
    var type = canvas.getAttribute("data-chart-type") || spec.type || "line";
    var stacked = canvas.hasAttribute("data-chart-stacked");
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var chart = new window.Chart(canvas, {
      type: type,
      data: {
        labels: spec.labels || [],
        datasets: (spec.datasets || []).map(function (ds, i) {
          var colour = ds.colour || PALETTE[i % PALETTE.length];
          return {
            label: ds.label,
            data: ds.data || [],
            borderColor: colour,
            backgroundColor: type === "line" ? colour : colour + "cc",
            borderWidth: 2,
            pointRadius: type === "line" ? 2 : 0,
            tension: 0.2
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : { duration: 300 },
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: (spec.datasets || []).length > 1, position: "bottom" },
          title: { display: false }
        },
        scales: {
          x: { stacked: stacked, title: { display: !!spec.x_label, text: spec.x_label || "" }, ticks: { maxTicksLimit: 10 } },
          y: {
            stacked: stacked,
            beginAtZero: true,
            title: { display: !!spec.y_label, text: spec.y_label || "" },
            ticks: { precision: 0 }
          }
        }
      }
    });
    canvas.setAttribute("data-chart-state", "ready");
    return chart;
  }

  function fail(canvas, message) {
    canvas.setAttribute("data-chart-state", "error");
    var note = text("p", message, { "class": "muted small", role: "status" });
    (canvas.closest("figure") || canvas.parentNode).appendChild(note);
  }

  function load(canvas) {
    var jsonId = canvas.getAttribute("data-chart-json-id");
    var inline = canvas.getAttribute("data-chart-json");
    if (jsonId || inline) {
      var source = jsonId ? document.getElementById(jsonId) : null;
      if (jsonId && !source) return fail(canvas, "The chart's data is missing.");
      try {
        draw(canvas, JSON.parse(jsonId ? source.textContent : inline));
      } catch (e) {
        fail(canvas, "The chart could not be drawn.");
      }
      return;
    }
    var url = canvas.getAttribute("data-chart-url");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (spec) { draw(canvas, spec); })
      .catch(function () { fail(canvas, "The chart could not be loaded. Reload the page to try again."); });
  }

  function init(root) {
    (root || document).querySelectorAll("canvas[data-chart-url], canvas[data-chart-json-id], canvas[data-chart-json]").forEach(load);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });

  window.PutrightCharts = { init: init, draw: draw, load: load };
})();

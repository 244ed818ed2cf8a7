/* Click-to-sort for the briefing's data tables. Local, dependency-free: no network.
   Numbers are read from the cell text ("12.3%", "$1.2 billion", "1,234", "+3.1 pp"); cells
   that are not numbers ("n/a", "–") sort last. */
(function () {
  "use strict";
  var SCALE = { billion: 1e9, million: 1e6 };

  function cellValue(cell) {
    var text = (cell.textContent || "").trim();
    var m = text.replace(/[$,%\u00a0]/g, "").replace(/pp$/, "").match(/^([+-]?\d+(?:\.\d+)?)\s*(billion|million)?/);
    if (!m) return { num: null, text: text.toLowerCase() };
    var num = parseFloat(m[1]) * (m[2] ? SCALE[m[2]] : 1);
    if (text.indexOf("<") === 0) num = num / 2; // "<0.1%" sorts below 0.1%
    return { num: num, text: text.toLowerCase() };
  }

  function compare(a, b, dir) {
    if (a.num !== null && b.num !== null) return (a.num - b.num) * dir;
    if (a.num !== null) return -1;
    if (b.num !== null) return 1;
    return a.text.localeCompare(b.text) * dir;
  }

  function makeSortable(table) {
    // A data attribute, not a class: Material styles only tables without a class.
    if (table.hasAttribute("data-briefing-sortable") || !table.tHead || !table.tBodies.length) return;
    table.setAttribute("data-briefing-sortable", "");
    var headers = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(headers, function (th, index) {
      th.setAttribute("tabindex", "0");
      th.setAttribute("role", "columnheader button");
      function sort() {
        var dir = th.getAttribute("aria-sort") === "descending" ? 1 : -1;
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          return compare(cellValue(r1.cells[index]), cellValue(r2.cells[index]), dir);
        });
        rows.forEach(function (r) { body.appendChild(r); });
        if (table.briefingPage) table.briefingPage(); // a long table shows its new first rows (tables.js)
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }

  function init() {
    document.querySelectorAll(".md-typeset table").forEach(makeSortable);
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(init); // Material's page-change stream (instant navigation)
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();

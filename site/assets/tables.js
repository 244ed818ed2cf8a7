/* Data tables a person can read on any screen. Local, dependency-free: no network.
   - Each table sits in a region (.briefing-table; the templates' table_block, or one made here)
     whose aria-label becomes the table's <caption>, or the nearest heading's text.
   - While the table is wider than its container the region gets .is-overflowing: CSS then shows
     a "scroll" hint and a fade on the edge that hides columns (the first column is sticky).
   - A long table shows its first rows and a button for all rows, and links the Data page,
     where every table is downloadable in full. Sorting (tablesort.js) re-applies the cut.
   - A chart wider than the column (kept wide so its text stays legible) gets the same hint. */
(function () {
  "use strict";
  var SHOWN = 20; // rows shown of a long table
  var LONG = 30; // a table with more rows than this is cut to SHOWN

  function dataPage() {
    var config = document.getElementById("__config");
    var base = ".";
    try { base = JSON.parse(config.textContent).base || "."; } catch (e) { /* no config: relative */ }
    return base.replace(/\/$/, "") + "/data/";
  }

  function heading(el) {
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-4]$/.test(prev.tagName)) return prev.textContent.replace(/\u00b6$/, "").trim();
      }
    }
    return "";
  }

  function region(table) {
    var found = table.closest(".briefing-table");
    if (found) return found;
    var scroller = table.closest(".md-typeset__scrollwrap") || table;
    var div = document.createElement("div");
    div.className = "briefing-table";
    div.setAttribute("role", "region");
    div.setAttribute("tabindex", "0");
    div.setAttribute("aria-label", heading(scroller) || "Table");
    scroller.parentNode.insertBefore(div, scroller);
    div.appendChild(scroller);
    return div;
  }

  function caption(table, box) {
    if (table.caption) return;
    var cap = table.createCaption();
    cap.className = "briefing-caption";
    cap.textContent = box.getAttribute("aria-label") || heading(box);
  }

  // ``box`` gets .is-overflowing while ``scroller()`` is wider than it shows, and a hint.
  function watchOverflow(box, scroller, words) {
    var hint = document.createElement("p");
    hint.className = "briefing-scroll-hint";
    hint.setAttribute("aria-hidden", "true");
    hint.textContent = "Scroll sideways for " + words + " \u2192";
    box.insertBefore(hint, box.firstChild);
    function update() {
      var s = scroller();
      var over = s.scrollWidth > s.clientWidth + 1;
      box.classList.toggle("is-overflowing", over);
      box.classList.toggle("is-scrolled-end", !over || s.scrollLeft + s.clientWidth >= s.scrollWidth - 1);
    }
    scroller().addEventListener("scroll", update, { passive: true });
    if (typeof ResizeObserver !== "undefined") new ResizeObserver(update).observe(box);
    window.addEventListener("resize", update);
    update();
  }

  function pager(table, box) {
    var body = table.tBodies[0];
    if (!body || body.rows.length <= LONG) return;
    var total = body.rows.length;
    var nav = document.createElement("p");
    nav.className = "briefing-pager";
    var button = document.createElement("button");
    button.type = "button";
    var link = document.createElement("a");
    link.href = dataPage();
    link.textContent = "Download the full table (Data page)";
    nav.appendChild(button);
    nav.appendChild(link);
    box.parentNode.insertBefore(nav, box.nextSibling);
    var open = false;
    table.briefingPage = function () {
      Array.prototype.forEach.call(body.rows, function (row, i) { row.hidden = !open && i >= SHOWN; });
      button.textContent = open ? "Show the first " + SHOWN + " rows" : "Show all " + total + " rows";
      button.setAttribute("aria-expanded", open ? "true" : "false");
    };
    button.addEventListener("click", function () { open = !open; table.briefingPage(); });
    table.briefingPage();
  }

  function init() {
    document.querySelectorAll(".md-typeset table:not([class])").forEach(function (table) {
      if (table.hasAttribute("data-briefing-table")) return;
      table.setAttribute("data-briefing-table", "");
      var box = region(table);
      caption(table, box);
      pager(table, box);
      watchOverflow(box, function () {
        return table.closest(".md-typeset__scrollwrap") || table.parentElement;
      }, "more columns");
    });
    // A chart keeps its text legible by a minimum width (transforms/site/charts.py) and scrolls.
    document.querySelectorAll("figure.briefing-chart:not([data-briefing-watched])").forEach(function (figure) {
      figure.setAttribute("data-briefing-watched", "");
      watchOverflow(figure, function () { return figure; }, "the whole chart");
    });
    // Every region that can scroll sideways takes the keyboard focus, so it can be scrolled
    // without a mouse (WCAG 2.1.1; axe-core scrollable-region-focusable).
    document.querySelectorAll(".md-typeset__scrollwrap, figure.briefing-chart").forEach(function (el) {
      if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "0");
    });
  }

  // After Material has wrapped the tables in its scroll containers (its own document$ subscriber).
  function later() { window.requestAnimationFrame(init); }
  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(later);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", later);
  } else {
    later();
  }
})();

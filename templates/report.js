/* templates/report.js: the small script of pscope-html reports (plain JS, no library,
   no network). The page is complete without it; with it:
   - tables (table.data) sort by a click on a column title and filter by a regex box;
   - the icicle graph zooms on a click, searches function names by regex (matches
     highlighted, "matched: x%" of the total, counted once per subtree), and keeps the
     zoom and search in the URL hash (#zoom=N&q=REGEX) so a view can be shared. */
(function () {
  "use strict";

  function cellValue(td) {
    var v = td.getAttribute("data-v");
    if (v !== null && v !== "") {
      var n = parseFloat(v);
      return isNaN(n) ? (v === "inf" ? Infinity : -Infinity) : n;
    }
    return td.textContent;
  }

  function makeSortable(table) {
    table.classList.add("js");
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      th.setAttribute("title", "sort by this column");
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") === "descending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a.cells[col]), y = cellValue(b.cells[col]);
          var r;
          if (typeof x === "number" && typeof y === "number") r = x - y;
          else r = String(x).localeCompare(String(y));
          return asc ? r : -r;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function compile(text) {
    if (!text) return null;
    try { return new RegExp(text, "i"); } catch (e) { return undefined; }
  }

  function makeFilter(input) {
    var table = document.getElementById(input.getAttribute("data-table"));
    var count = input.parentNode.parentNode.querySelector(".count");
    if (!table) return;
    input.addEventListener("input", function () {
      var re = compile(input.value), shown = 0, rows = table.tBodies[0].rows;
      input.setCustomValidity(re === undefined ? "not a valid regular expression" : "");
      for (var i = 0; i < rows.length; i++) {
        var ok = !re || re.test(rows[i].textContent);
        rows[i].style.display = ok ? "" : "none";
        if (ok) shown++;
      }
      if (count) count.textContent = re ? shown + " of " + rows.length + " rows" : "";
    });
  }

  /* ---- icicle ---- */
  function Icicle(root) {
    var svg = root.querySelector("svg.icicle-svg");
    var boxes = Array.prototype.slice.call(svg.querySelectorAll("svg.b"));
    var total = parseFloat(root.getAttribute("data-total")) || 0;
    var names = window.PSCOPE_NAMES || [];
    var x0 = [], w = [], parent = [], fn = [], val = [];
    boxes.forEach(function (b, i) {
      x0[i] = parseFloat(b.getAttribute("x")) / 100;
      w[i] = parseFloat(b.getAttribute("width")) / 100;
      parent[i] = parseInt(b.getAttribute("data-p"), 10);
      fn[i] = parseInt(b.getAttribute("data-f"), 10);
      val[i] = parseFloat(b.getAttribute("data-v")) || 0;
      b.setAttribute("data-i", String(i));
    });
    var search = root.querySelector("#ic-search");
    var matched = root.querySelector("#ic-matched");
    var zoomed = 0, query = "";

    function layout() {
      var vx = x0[zoomed], vw = w[zoomed] || 1;
      boxes.forEach(function (b, i) {
        var a = Math.max(0, (x0[i] - vx) / vw), e = Math.min(1, (x0[i] + w[i] - vx) / vw);
        if (e - a <= 1e-9) { b.style.display = "none"; return; }
        b.style.display = "";
        b.setAttribute("x", (a * 100).toFixed(5) + "%");
        b.setAttribute("width", ((e - a) * 100).toFixed(5) + "%");
        b.classList.toggle("anc", zoomed !== 0 && x0[i] <= vx + 1e-12 && x0[i] + w[i] >= vx + vw - 1e-12 && i !== zoomed);
      });
    }

    function highlight() {
      var re = compile(query), sum = 0, inMatch = [];
      if (search) search.setCustomValidity(re === undefined ? "not a valid regular expression" : "");
      var hits = [];
      if (re) for (var k = 0; k < names.length; k++) hits[k] = re.test(names[k]);
      boxes.forEach(function (b, i) {
        var m = !!(re && fn[i] >= 0 && hits[fn[i]]);
        b.classList.toggle("match", m);
        var p = parent[i];
        inMatch[i] = m || (p >= 0 && inMatch[p]);
        if (m && !(p >= 0 && inMatch[p])) sum += val[i];
      });
      if (matched) matched.textContent = re ? "matched: " + (total > 0 ? (sum / total * 100).toFixed(1) : "0.0") + "%" : "";
    }

    function saveHash() {
      var parts = [];
      if (zoomed) parts.push("zoom=" + zoomed);
      if (query) parts.push("q=" + encodeURIComponent(query));
      var h = parts.join("&");
      if (history.replaceState) history.replaceState(null, "", h ? "#" + h : location.pathname + location.search);
      else location.hash = h;
    }

    function readHash() {
      var h = location.hash.replace(/^#/, "");
      h.split("&").forEach(function (kv) {
        var i = kv.indexOf("=");
        if (i < 0) return;
        var k = kv.slice(0, i), v = decodeURIComponent(kv.slice(i + 1));
        if (k === "zoom") { var z = parseInt(v, 10); if (z >= 0 && z < boxes.length) zoomed = z; }
        if (k === "q") query = v;
      });
      if (search) search.value = query;
    }

    svg.addEventListener("click", function (ev) {
      var b = ev.target.closest ? ev.target.closest("svg.b") : null;
      if (!b) return;
      zoomed = parseInt(b.getAttribute("data-i"), 10) || 0;
      layout(); saveHash();
    });
    var reset = root.querySelector("#ic-reset");
    if (reset) reset.addEventListener("click", function () { zoomed = 0; layout(); saveHash(); });
    if (search) search.addEventListener("input", function () { query = search.value; highlight(); saveHash(); });
    readHash(); layout(); highlight();
    this.zoom = function (i) { zoomed = i; layout(); saveHash(); };
  }

  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll("table.data"), makeSortable);
    Array.prototype.forEach.call(document.querySelectorAll("input.tfilter"), makeFilter);
    var ic = document.getElementById("icicle");
    if (ic) window.pscopeIcicle = new Icicle(ic);
  });
})();

// The map of initorder graph --format html: pan and zoom (svg-pan-zoom),
// search, the chains of a service, the wave ruler, the findings, why A
// before B, and the waves chart. Every string from the data is shown
// with textContent, never as markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("initorder-data").textContent);
  var S = data.services, E = data.edges, F = data.findings;
  var svg = document.getElementById("map-svg");
  var mapBox = document.getElementById("map");
  var waves = document.getElementById("waves");
  var info = document.getElementById("info");
  var tip = document.getElementById("tip");
  var search = document.getElementById("search");
  var direct = document.getElementById("direct");

  // Adjacency, in the direction of the arrows: out[i] are the edges of
  // what i waits for or depends on, into[i] those of what waits for i.
  var out = S.map(function () { return []; }), into = S.map(function () { return []; });
  E.forEach(function (e, k) { out[e.t].push(k); into[e.h].push(k); });

  function el(tag, cls, text) {
    var x = document.createElement(tag);
    if (cls) x.className = cls;
    if (text !== undefined) x.textContent = text;
    return x;
  }
  function node(i) { return document.getElementById("n" + i); }
  function edge(k) { return E[k].omit ? null : document.getElementById("e" + k); }
  function row(i) { return document.getElementById("r" + i); }
  function waveName(w) {
    var s = String(w);
    while (s.length < data.digits) s = "0" + s;
    return data.prefix + s;
  }

  // Pan and zoom. Double clicks select, they do not zoom.
  var pz = svgPanZoom(svg, {
    zoomEnabled: true, controlIconsEnabled: false, dblClickZoomEnabled: false,
    fit: true, center: true, minZoom: 0.05, maxZoom: 60, zoomScaleSensitivity: 0.3,
    onUpdatedCTM: function () { placeRuler(); }
  });

  // Wider hit areas for the thin edges, for the hover.
  Array.prototype.forEach.call(svg.querySelectorAll(".edge > path"), function (p) {
    var hit = p.cloneNode(false);
    hit.setAttribute("class", "hit");
    p.parentNode.insertBefore(hit, p);
  });

  // The wave ruler: the numbers at the height of their waves' labels in
  // the picture, on both sides; the rails under their wave, clickable.
  var left = document.getElementById("ruler-left"), right = document.getElementById("ruler-right");
  var rulerMarks = [];
  (function buildRuler() {
    var rails = {};
    S.forEach(function (s, i) { if (s.rail) (rails[s.wave] = rails[s.wave] || []).push(i); });
    for (var w = 1; w <= data.waves; w++) {
      var anchor = document.getElementById("w" + w);
      if (!anchor) continue;
      var l = el("div", "wave"), r = el("div", "wave");
      l.appendChild(el("span", "num", waveName(w)));
      r.appendChild(el("span", "num", waveName(w)));
      (rails[w] || []).forEach(function (i) {
        var b = el("button", "rail", S[i].name);
        b.dataset.service = i;
        b.title = S[i].tip;
        b.addEventListener("click", function () { select(i, true); });
        l.appendChild(b);
      });
      left.appendChild(l); right.appendChild(r);
      rulerMarks.push({ anchor: anchor, left: l, right: r });
      anchor.classList.add("ruler-node");
      var twin = document.getElementById("w" + w + "r");
      if (twin) twin.classList.add("ruler-node");
      (rails[w] || []).forEach(function (i) { if (node(i)) node(i).classList.add("ruler-node"); });
    }
  })();
  // placeRuler puts each wave's number at the height of its wave, and
  // its rails under it where there is room: when the map is zoomed out,
  // numbers that would overlap the one above are left out.
  function placeRuler() {
    var top = mapBox.getBoundingClientRect().top, h = mapBox.clientHeight, line = 14;
    var ys = rulerMarks.map(function (m) {
      var b = m.anchor.getBoundingClientRect();
      return b.top + b.height / 2 - top;
    });
    var last = -Infinity;
    rulerMarks.forEach(function (m, k) {
      var y = ys[k];
      var shown = y > -20 && y < h + 20 && y - last >= line;
      m.left.style.top = m.right.style.top = y + "px";
      m.left.hidden = m.right.hidden = !shown;
      if (!shown) return;
      var rails = m.left.querySelectorAll(".rail"), room = (k + 1 < ys.length ? ys[k + 1] : h) - y;
      var fit = rails.length && room >= line * (rails.length + 1);
      Array.prototype.forEach.call(rails, function (r) { r.hidden = !fit; });
      last = fit ? y + line * rails.length : y;
    });
  }

  // The first view: the whole map if its labels can be read, else its
  // full height from the left, where the first services are.
  (function firstView() {
    var real = pz.getSizes().realZoom, vb = pz.getSizes().viewBox;
    if (real >= 0.6 || !vb.height) return;
    var want = Math.min(Math.max(mapBox.clientHeight / vb.height, 0.6), 1.2);
    pz.zoom(want / real);
    pz.pan({ x: 8 - vb.x * want, y: Math.max(8, (mapBox.clientHeight - vb.height * want) / 2) - vb.y * want });
  })();

  // The names for the search boxes.
  var names = document.getElementById("names");
  var sorted = S.map(function (s, i) { return i; }).sort(function (a, b) { return S[a].name < S[b].name ? -1 : 1; });
  sorted.forEach(function (i) {
    var o = document.createElement("option");
    o.value = S[i].name;
    names.appendChild(o);
  });

  // find returns the services whose name or alias matches q: exactly,
  // then by prefix, then anywhere; case does not matter.
  function find(q) {
    q = q.trim().toLowerCase();
    if (!q) return [];
    var exact = [], prefix = [], inside = [];
    sorted.forEach(function (i) {
      var all = [S[i].name].concat(S[i].aliases), best = 3;
      all.forEach(function (n) {
        n = n.toLowerCase();
        if (n === q) best = Math.min(best, 0);
        else if (n.indexOf(q) === 0) best = Math.min(best, 1);
        else if (n.indexOf(q) >= 0) best = Math.min(best, 2);
      });
      [exact, prefix, inside, []][best].push(i);
    });
    return exact.concat(prefix, inside);
  }
  function lookup(q) { var m = find(q); return m.length ? m[0] : -1; }

  var matches = document.getElementById("matches");
  function showMatches(q) {
    matches.textContent = "";
    var m = find(q);
    if (!q.trim()) return;
    if (!m.length) { matches.appendChild(el("span", "omit", "no service matches")); return; }
    m.slice(0, 8).forEach(function (i) {
      var b = el("button", "", S[i].name);
      b.addEventListener("click", function () { select(i, true); });
      matches.appendChild(b);
    });
    if (m.length > 8) matches.appendChild(el("span", "omit", "and " + (m.length - 8) + " more"));
  }
  search.addEventListener("input", function () { showMatches(search.value); });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") {
      var i = lookup(search.value);
      if (i >= 0) select(i, true);
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && document.activeElement.tagName !== "INPUT") { ev.preventDefault(); search.focus(); }
    if (ev.key === "Escape") clear();
  });

  // Bring services into view: centre them, zoomed in enough to read.
  function show(list) {
    // Rails are in the ruler, always in view: the view moves to the rest.
    var els = list.map(node).filter(function (x) { return x && !x.classList.contains("ruler-node"); });
    if (!els.length || waves.hidden === false) {
      if (list.length && row(list[0])) row(list[0]).scrollIntoView({ block: "center" });
      return;
    }
    var view = svg.getBoundingClientRect();
    var box = null;
    els.forEach(function (x) {
      var b = x.getBoundingClientRect();
      box = box ? { l: Math.min(box.l, b.left), t: Math.min(box.t, b.top), r: Math.max(box.r, b.right), b: Math.max(box.b, b.bottom) }
        : { l: b.left, t: b.top, r: b.right, b: b.bottom };
    });
    var w = Math.max(box.r - box.l, 1), h = Math.max(box.b - box.t, 1);
    // Zoom so that the box fills at most 60% of the view, and a label is
    // at least as big as the page's text (Graphviz's 10 point labels at
    // a real zoom of 1.3).
    var fitZoom = Math.min(view.width * 0.6 / w, view.height * 0.6 / h);
    var sizes = pz.getSizes(), real = sizes.realZoom;
    var want = Math.min(fitZoom * real, Math.max(real, 1.3)) / real;
    // Zooming at the box's centre keeps it where it is (svg-pan-zoom
    // draws the new zoom at the next frame: nothing can be measured
    // until then); then the centre goes to the middle of the view.
    var cx = (box.l + box.r) / 2 - view.left, cy = (box.t + box.b) / 2 - view.top;
    pz.zoomAtPointBy(want, { x: cx, y: cy });
    pz.panBy({ x: view.width / 2 - cx, y: view.height / 2 - cy });
  }

  // Highlights.
  var marked = [];
  function mark(x, cls) { if (x) { x.classList.add("on"); if (cls) x.classList.add(cls); marked.push(x); } }
  function clearMarks() {
    marked.forEach(function (x) { x.classList.remove("on", "sel", "up", "down", "near", "path"); });
    marked = [];
    svg.classList.remove("focus");
    waves.querySelector("svg").classList.remove("focus");
    waves.classList.remove("focus");
    Array.prototype.forEach.call(document.querySelectorAll(".finding.on"), function (x) { x.classList.remove("on"); });
  }
  function clear() {
    clearMarks();
    info.textContent = "";
    info.appendChild(el("p", "hint", "Click a service, or find one."));
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  }
  function markService(i, cls) {
    mark(node(i), cls);
    mark(row(i), cls);
    mark(document.querySelector('.rail[data-service="' + i + '"]'), cls);
  }

  // chain walks the orders from i (next: out for what i waits for, into
  // for what waits for i), all the way or one step; it returns the
  // services reached, nearest first, and the edges walked. Only an order
  // that holds for sure is walked, as why walks them: a Wants= or
  // Requires= without After= pulls a unit in, but it may start at the
  // same time or later; one branch of an upstart "or" may not be the one.
  function chain(i, next, far) {
    var seen = {}, order = [], edges = [], queue = [i], head = 0;
    seen[i] = true;
    while (head < queue.length) {
      var u = queue[head++];
      next[u].forEach(function (k) {
        var e = E[k];
        if (!e.o || e.alt) return;
        var v = next === out ? e.h : e.t;
        edges.push(k);
        if (!seen[v]) { seen[v] = true; order.push(v); if (far) queue.push(v); }
      });
      if (!far) break;
    }
    return { services: order, edges: edges };
  }

  function link(i) {
    var b = el("button", "link", S[i].name);
    b.addEventListener("click", function () { select(i, true); });
    return b;
  }
  function edgeItem(k, other) {
    var li = el("li");
    li.appendChild(link(other));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(el("span", "src", E[k].tip));
    if (E[k].omit) li.appendChild(el("span", "omit", E[k].omit === "rail" ? " (not drawn: a rail's)" : " (not drawn: a chain implies it)"));
    return li;
  }

  // select highlights service i, what it waits for and what waits for it.
  function select(i, move) {
    clearMarks();
    var s = S[i], far = !direct.checked;
    var up = chain(i, out, far), down = chain(i, into, far);
    svg.classList.add("focus");
    waves.querySelector("svg").classList.add("focus");
    markService(i, "sel");
    up.services.forEach(function (j) { markService(j, "up"); });
    down.services.forEach(function (j) { markService(j, "down"); });
    up.edges.forEach(function (k) { mark(edge(k), "up"); });
    down.edges.forEach(function (k) { mark(edge(k), "down"); });
    out[i].concat(into[i]).forEach(function (k) {
      if (E[k].c) { markService(E[k].t === i ? E[k].h : E[k].t, "near"); mark(edge(k), "near"); }
    });

    info.textContent = "";
    info.appendChild(el("h2", "name", s.name));
    info.appendChild(el("p", "", s.tip));
    if (s.aliases.length) info.appendChild(el("p", "src", "also: " + s.aliases.join(", ")));
    var w = el("h3", "", "waits for (" + out[i].length + ")"), ul = el("ul", "waits");
    out[i].forEach(function (k) { ul.appendChild(edgeItem(k, E[k].h)); });
    info.appendChild(w); info.appendChild(ul);
    var w2 = el("h3", "", "waited for by (" + into[i].length + ")"), ul2 = el("ul", "waited");
    into[i].forEach(function (k) { ul2.appendChild(edgeItem(k, E[k].t)); });
    info.appendChild(w2); info.appendChild(ul2);
    info.appendChild(el("p", "src", (far ? "all the way: " : "one step: ") + up.services.length + " services it waits for, " + down.services.length + " waiting for it"));
    history.replaceState(null, "", "#service=" + encodeURIComponent(s.name));
    if (move) show([i]);
  }

  // Clicks on the map: a service selects it, the background clears. A
  // drag that pans is not a click.
  var downAt = null;
  svg.addEventListener("mousedown", function (ev) { downAt = { x: ev.clientX, y: ev.clientY }; });
  svg.addEventListener("click", function (ev) {
    if (downAt && Math.abs(ev.clientX - downAt.x) + Math.abs(ev.clientY - downAt.y) > 4) return;
    var n = ev.target.closest(".node");
    if (n && /^n\d+$/.test(n.id)) select(+n.id.slice(1), false);
    else if (!ev.target.closest(".edge")) clear();
  });
  waves.addEventListener("click", function (ev) {
    var r = ev.target.closest(".row");
    if (r && /^r\d+$/.test(r.id)) select(+r.id.slice(1), false);
  });

  // Hover: an edge's directive and file:line, a service's summary.
  svg.addEventListener("mousemove", function (ev) {
    var text = "";
    var e = ev.target.closest(".edge"), n = ev.target.closest(".node");
    if (e && /^e\d+$/.test(e.id)) {
      var d = E[+e.id.slice(1)];
      text = d.tip + (d.marks ? "\n" + d.marks : "");
    } else if (n && /^n\d+$/.test(n.id)) {
      text = S[+n.id.slice(1)].tip;
    }
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text;
    tip.hidden = false;
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 4) + "px";
    tip.style.top = (ev.clientY + 16) + "px";
  });
  svg.addEventListener("mouseleave", function () { tip.hidden = true; });

  // The findings, each a click away from its services.
  (function listFindings() {
    var box = document.getElementById("findings");
    var rank = { error: 0, warning: 1, info: 2 };
    F = F.map(function (f, k) { return [f, k]; }).sort(function (a, b) {
      return (rank[a[0].severity] - rank[b[0].severity]) || (a[1] - b[1]);
    }).map(function (p) { return p[0]; });
    box.appendChild(el("h3", "", "findings (" + F.length + ")"));
    if (!F.length) box.appendChild(el("p", "hint", "check finds nothing in this boot."));
    F.forEach(function (f) {
      var b = el("button", "link finding");
      b.appendChild(el("span", "sev sev-" + f.severity, f.severity));
      b.appendChild(el("span", "", f.kind + ": " + f.message));
      if (f.source) b.appendChild(el("span", "src", " " + f.source));
      b.addEventListener("click", function () {
        clearMarks();
        svg.classList.add("focus");
        waves.querySelector("svg").classList.add("focus");
        f.services.forEach(function (i, n) { markService(i, n === 0 ? "sel" : "up"); });
        // The edges between the finding's services.
        var set = {};
        f.services.forEach(function (i) { set[i] = true; });
        E.forEach(function (e, k) { if (set[e.t] && set[e.h]) mark(edge(k), "up"); });
        b.classList.add("on");
        info.textContent = "";
        info.appendChild(el("h2", "", f.kind));
        info.appendChild(el("p", "", f.message));
        var ul = el("ul");
        f.services.forEach(function (i) { var li = el("li"); li.appendChild(link(i)); ul.appendChild(li); });
        info.appendChild(ul);
        show(f.services);
      });
      box.appendChild(b);
    });
  })();

  // why A B: the shortest chain of ordering directives from one to the
  // other (alternatives excluded), as initorder why finds it, over the
  // services of this map.
  function orderChain(a, b) {
    var prev = {}, queue = [a], head = 0;
    prev[a] = -1;
    while (head < queue.length) {
      var u = queue[head++];
      if (u === b) break;
      // Edges whose head is u order u before their tail.
      into[u].forEach(function (k) {
        var e = E[k];
        if (!e.o || e.alt || prev[e.t] !== undefined) return;
        prev[e.t] = k;
        queue.push(e.t);
      });
    }
    if (prev[b] === undefined) return null;
    var path = [];
    for (var v = b; v !== a; v = E[prev[v]].h) path.unshift(prev[v]);
    return path;
  }
  function why(qa, qb) {
    var a = lookup(qa), b = lookup(qb);
    clearMarks();
    info.textContent = "";
    if (a < 0 || b < 0) {
      info.appendChild(el("p", "", "no service matches " + (a < 0 ? qa : qb)));
      return;
    }
    var first = a, then = b, path = orderChain(a, b);
    if (!path) { path = orderChain(b, a); first = b; then = a; }
    if (!path) {
      info.appendChild(el("h2", "", S[a].name + " and " + S[b].name));
      info.appendChild(el("p", "", "no chain of ordering directives in this map orders them either way (initorder why says why: the phases, a race, or a service that does not start)"));
      return;
    }
    svg.classList.add("focus");
    waves.querySelector("svg").classList.add("focus");
    markService(first, "path");
    var ul = el("ul", "chain");
    path.forEach(function (k) {
      markService(E[k].t, "path");
      mark(edge(k), "path");
      ul.appendChild(edgeItem(k, E[k].t));
    });
    info.appendChild(el("h2", "", S[first].name + " starts before " + S[then].name + ":"));
    info.appendChild(ul);
    history.replaceState(null, "", "#why=" + encodeURIComponent(S[a].name) + "," + encodeURIComponent(S[b].name));
    show([first].concat(path.map(function (k) { return E[k].t; })));
  }
  var whyA = document.getElementById("why-a"), whyB = document.getElementById("why-b");
  document.getElementById("why-go").addEventListener("click", function () { why(whyA.value, whyB.value); });
  [whyA, whyB].forEach(function (x) {
    x.addEventListener("keydown", function (ev) { if (ev.key === "Enter") why(whyA.value, whyB.value); });
  });

  // Tabs: the map and the waves chart.
  var tabMap = document.getElementById("tab-map"), tabWaves = document.getElementById("tab-waves");
  tabMap.addEventListener("click", function () {
    waves.hidden = true; mapBox.hidden = false;
    tabMap.classList.add("on"); tabWaves.classList.remove("on");
    pz.resize(); placeRuler();
  });
  tabWaves.addEventListener("click", function () {
    waves.hidden = false; mapBox.hidden = true;
    tabWaves.classList.add("on"); tabMap.classList.remove("on");
  });
  direct.addEventListener("change", function () {
    var sel = document.querySelector("#map-svg .node.sel");
    if (sel) select(+sel.id.slice(1), false);
  });
  window.addEventListener("resize", function () { pz.resize(); placeRuler(); });

  // A link to a service or a chain: #service=NAME, #why=A,B.
  function fromHash() {
    var h = decodeURIComponent(location.hash.slice(1));
    if (h.indexOf("service=") === 0) {
      var i = lookup(h.slice(8));
      if (i >= 0) select(i, true);
    } else if (h.indexOf("why=") === 0) {
      var ab = h.slice(4).split(",");
      whyA.value = ab[0]; whyB.value = ab[1] || "";
      why(ab[0], ab[1] || "");
    }
  }
  window.addEventListener("hashchange", fromHash);
  placeRuler();
  fromHash();
  document.body.dataset.ready = "true";
})();

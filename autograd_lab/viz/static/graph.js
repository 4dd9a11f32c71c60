// The view of autograd_lab.viz.graph: draws the laid-out backward graph as SVG.
//
// Python computes everything (node records, layout coordinates, summaries and histograms) and
// sends it as widget state; this file only draws it and reacts to clicks. So the picture is
// the same in JupyterLab, VS Code and exported HTML (which renders from the saved state).
//
// Model state read here:  nodes, scene, groups, collapsed, show_saved, selected
// Model state written:    selected (a click), collapsed and show_saved (Python re-lays out)

const CSS = `
.al-graph { font: 12px sans-serif; color: #222; border: 1px solid #ddd; border-radius: 4px; }
.al-graph-toolbar { display: flex; gap: 8px; align-items: center; padding: 4px 6px;
  border-bottom: 1px solid #ddd; background: #fafafa; flex-wrap: wrap; }
.al-graph-toolbar button { font: inherit; padding: 1px 8px; cursor: pointer; }
.al-graph-status { color: #666; margin-left: auto; }
.al-graph-main { display: flex; }
.al-graph-canvas { flex: 1; min-width: 0; cursor: grab; background: white; touch-action: none; }
.al-graph-canvas.al-dragging { cursor: grabbing; }
.al-graph-canvas.al-far text { display: none; }
.al-graph-node { cursor: pointer; }
.al-graph-node rect { stroke-width: 1.2; }
.al-graph-node.al-selected rect { stroke: #d81b60 !important; stroke-width: 3; }
.al-graph-node.al-neighbour rect { stroke: #f06292 !important; stroke-width: 2; }
.al-kind-output rect { fill: #c8e6c9; stroke: #2e7d32; }
.al-kind-op rect { fill: #e3ecf7; stroke: #5c7ea8; }
.al-kind-leaf rect { fill: #bbdefb; stroke: #1565c0; }
.al-kind-saved rect { fill: #ffe0b2; stroke: #ef6c00; }
.al-kind-group rect { fill: #eeeeee; stroke: #616161; stroke-dasharray: 5 2; }
.al-graph-title { font-weight: bold; }
.al-graph-sub { fill: #555; font-size: 11px; }
.al-graph-edge { fill: none; stroke: #777; stroke-width: 1.2; }
.al-graph-edge.al-saved-edge { stroke-dasharray: 4 3; stroke: #ef6c00; }
.al-graph-group rect { fill: #9e9e9e; fill-opacity: 0.08; stroke: #9e9e9e;
  stroke-dasharray: 4 3; }
.al-graph-group-label { fill: #616161; font-size: 11px; cursor: pointer; }
.al-graph-group-label:hover { fill: #d81b60; text-decoration: underline; }
.al-graph-detail { width: 330px; border-left: 1px solid #ddd; padding: 6px 10px;
  overflow-y: auto; box-sizing: border-box; }
.al-graph-detail h4 { margin: 8px 0 4px; font-size: 12px; }
.al-graph-detail table { border-collapse: collapse; }
.al-graph-detail td { padding: 0 8px 0 0; vertical-align: top; }
.al-graph-detail .al-link { color: #1565c0; cursor: pointer; text-decoration: underline; }
.al-graph-detail .al-note { color: #666; }
.al-graph-detail .al-values { font-family: monospace; word-break: break-all; }
`;

const SVG_NS = "http://www.w3.org/2000/svg";
const CANVAS_HEIGHT = 620;

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function shapeText(shape) {
  if (shape === undefined || shape === null) return "?";
  return shape.length ? shape.join("×") : "scalar";
}

// Title, subtitle and kind of a box: a node id, or "g:<module>" for a collapsed group.
function boxText(nodes, layout, id) {
  if (typeof id === "string") {
    const [key, count] = layout.groups[id];
    return [key, `${count} node${count === 1 ? "" : "s"} (collapsed)`, "group"];
  }
  const n = nodes[id];
  return [n.label, `${shapeText(n.shape)} ${n.dtype}`, n.kind];
}

// Bounding boxes of everything drawn, computed once per layout, for culling.
function indexLayout(layout) {
  const edges = layout.edges.map((e) => {
    const pts = e[2];
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (let i = 0; i < pts.length; i += 2) {
      x0 = Math.min(x0, pts[i]); x1 = Math.max(x1, pts[i]);
      y0 = Math.min(y0, pts[i + 1]); y1 = Math.max(y1, pts[i + 1]);
    }
    return [x0, y0, x1, y1];
  });
  const boxes = layout.boxes.map(([, x, y, w, h]) => [x, y, x + w, y + h]);
  const nodes = layout.nodes.map(([, x, y, w, h]) => [x - w / 2, y - h / 2, x + w / 2, y + h / 2]);
  return { edges, boxes, nodes };
}

const overlaps = (a, r) => a[0] <= r[2] && a[2] >= r[0] && a[1] <= r[3] && a[3] >= r[1];

// The part of the picture inside region [x0, y0, x1, y1], as one SVG string. Only what is
// near the screen is in the page, so a 2,000-node graph pans as smoothly as a small one.
function graphSvg(nodes, layout, bounds, region) {
  const parts = [
    `<defs><marker id="al-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7"
      markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#777"/>
      </marker></defs><g class="al-graph-world">`,
  ];
  layout.boxes.forEach(([key, x, y, w, h], i) => {
    if (!overlaps(bounds.boxes[i], region)) return;
    parts.push(`<g class="al-graph-group" data-key="${esc(key)}">` +
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="8"/>` +
      `<text class="al-graph-group-label" data-key="${esc(key)}" x="${x + 6}" y="${y + 13}">` +
      `${esc(key)} ▾<title>collapse ${esc(key)}</title></text></g>`);
  });
  layout.edges.forEach(([src, dst, pts, dashed], i) => {
    if (!overlaps(bounds.edges[i], region)) return;
    let d = `M${pts[0]},${pts[1]}`;
    for (let j = 2; j < pts.length; j += 2) d += ` L${pts[j]},${pts[j + 1]}`;
    parts.push(`<path class="al-graph-edge${dashed ? " al-saved-edge" : ""}" ` +
      `data-src="${esc(src)}" data-dst="${esc(dst)}" d="${d}" marker-end="url(#al-arrow)"/>`);
  });
  layout.nodes.forEach(([id, x, y, w, h], i) => {
    if (!overlaps(bounds.nodes[i], region)) return;
    const [title, sub, kind] = boxText(nodes, layout, id);
    const cls = kind === "group" ? "al-graph-node al-graph-collapsed" : "al-graph-node";
    parts.push(`<g class="${cls} al-kind-${kind}" data-id="${esc(id)}">` +
      `<rect x="${x - w / 2}" y="${y - h / 2}" width="${w}" height="${h}" rx="5"/>` +
      `<text class="al-graph-title" x="${x}" y="${y - 3}" text-anchor="middle">` +
      `${esc(title)}</text><text class="al-graph-sub" x="${x}" y="${y + 12}" ` +
      `text-anchor="middle">${esc(sub)}</text></g>`);
  });
  parts.push("</g>");
  return parts.join("");
}

// A small bar chart of a summary's histogram ([counts, lo, hi]).
function histogramSvg(hist, width = 300, height = 56) {
  const [counts, lo, hi] = hist;
  const top = Math.max(...counts, 1);
  const bw = width / counts.length;
  let bars = "";
  counts.forEach((c, i) => {
    const h = (c / top) * (height - 14);
    bars += `<rect x="${i * bw + 1}" y="${height - 12 - h}" width="${bw - 2}" height="${h}" ` +
      `fill="#5c7ea8"><title>${c}</title></rect>`;
  });
  return `<svg width="${width}" height="${height}" style="display:block">${bars}` +
    `<text x="0" y="${height - 1}" font-size="10" fill="#555">${esc(lo)}</text>` +
    `<text x="${width}" y="${height - 1}" font-size="10" fill="#555" text-anchor="end">` +
    `${esc(hi)}</text></svg>`;
}

function summaryHtml(s) {
  if (!s) return `<div class="al-note">none</div>`;
  let out = `<table><tr><td>shape</td><td>${shapeText(s.shape)} (${s.dtype})</td></tr>`;
  for (const k of ["min", "max", "mean", "std"]) {
    if (s[k] !== undefined) out += `<tr><td>${k}</td><td>${esc(s[k])}</td></tr>`;
  }
  if (s.repr !== undefined) out += `<tr><td>value</td><td>${esc(s.repr)}</td></tr>`;
  out += "</table>";
  if (s.values) out += `<div class="al-values">[${s.values.map(esc).join(", ")}]</div>`;
  if (s.hist) out += histogramSvg(s.hist);
  return out;
}

function nodeName(nodes, id) {
  return id === null ? "None" : `<span class="al-link" data-goto="${id}">${esc(nodes[id].label)}` +
    `</span>`;
}

// The value of a node; a saved value that is another node's output shows that output.
function valueOf(nodes, n) {
  if (n.value) return n.value;
  return n.ref !== undefined && n.ref !== null ? nodes[n.ref].value : null;
}

// The detail panel of one node: value, gradient, next_functions, saved values.
function detailHtml(nodes, id) {
  const n = nodes[id];
  if (!n) return `<div class="al-note">Click a node to see its value and gradient.</div>`;
  let out = `<h4>${esc(n.label)}</h4><div>${esc(n.name)} · ${esc(n.kind)}` +
    (n.group ? ` · module <b>${esc(n.group)}</b>` : "") + `</div>`;
  out += `<h4>value</h4>`;
  out += valueOf(nodes, n) ? summaryHtml(valueOf(nodes, n)) : `<div class="al-note">not kept ` +
    `by the graph: no node saved this output for backward</div>`;
  if (n.kind === "saved") {
    out += `<h4>saved by</h4>${nodeName(nodes, n.owner)}`;
    if (n.ref !== undefined && n.ref !== null) {
      out += `<h4>is the output of</h4>${nodeName(nodes, n.ref)}`;
    }
    if (n.modified) {
      out += `<div style="color:#c62828">modified in place since it was saved (version ` +
        `${n.modified[0]}, saved at ${n.modified[1]}): backward will raise</div>`;
    }
    return out;
  }
  out += `<h4>gradient${n.grad_src === "backward" ? " (during backward)" : ""}</h4>`;
  out += n.grad ? summaryHtml(n.grad)
    : `<div class="al-note">none yet: run backward (the graph records it)</div>`;
  if (n.kind === "op" || n.kind === "leaf") {
    const next = (n.next || []).map(([c, nr]) => `(${nodeName(nodes, c)}, ${nr})`);
    out += `<h4>next_functions</h4><div>(${next.join(", ")})</div>`;
  }
  if (n.saved === "freed") {
    out += `<h4>saved values</h4><div class="al-note">freed by backward ` +
      `(use retain_graph=True, or build the graph before backward)</div>`;
  } else if (n.saved && n.saved.length) {
    out += `<h4>saved values</h4>`;
    for (const sid of n.saved) {
      const s = nodes[sid];
      const isOutput = s.ref !== undefined && s.ref !== null && s.ref !== id;
      out += `<div><b>${nodeName(nodes, sid)}</b>` +
        (isOutput ? ` = output of ${nodeName(nodes, s.ref)}` : "") +
        (s.modified ? ` <span style="color:#c62828">modified in place</span>` : "") + `</div>`;
      if (!isOutput && s.ref !== id) out += summaryHtml(valueOf(nodes, s));
    }
  }
  return out;
}

function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = CSS;
  const root = document.createElement("div");
  root.className = "al-graph";
  root.innerHTML = `
    <div class="al-graph-toolbar">
      <label title="draw the values saved for backward (Python re-lays out the graph)">
        <input type="checkbox" class="al-graph-saved"> saved tensors</label>
      <button class="al-graph-collapse-all" title="collapse the top-level modules">
        collapse modules</button>
      <button class="al-graph-expand-all">expand all</button>
      <button class="al-graph-fit" title="show the whole graph">fit</button>
      <button class="al-graph-zoom-in">+</button><button class="al-graph-zoom-out">−</button>
      <span class="al-graph-status"></span>
    </div>
    <div class="al-graph-main">
      <svg class="al-graph-canvas" xmlns="${SVG_NS}" height="${CANVAS_HEIGHT}"></svg>
      <div class="al-graph-detail" style="max-height:${CANVAS_HEIGHT}px"></div>
    </div>`;
  el.replaceChildren(style, root);
  const svg = root.querySelector(".al-graph-canvas");
  const detail = root.querySelector(".al-graph-detail");
  const status = root.querySelector(".al-graph-status");
  const savedBox = root.querySelector(".al-graph-saved");

  // Pan and zoom: one transform on the world group, (tx, ty) then scale k.
  let view = { k: 1, tx: 0, ty: 0 };
  let bounds = null;  // bounding boxes of the current layout
  let region = null;  // the world rectangle now in the DOM
  const viewport = () => {
    const w = svg.clientWidth || 800;
    return [-view.tx / view.k, -view.ty / view.k, (w - view.tx) / view.k,
      (CANVAS_HEIGHT - view.ty) / view.k];
  };
  const apply = () => {
    const vp = viewport();
    if (!region || vp[0] < region[0] || vp[1] < region[1] || vp[2] > region[2] ||
        vp[3] > region[3]) {
      const mx = vp[2] - vp[0], my = vp[3] - vp[1];  // draw one screen around the view
      region = [vp[0] - mx, vp[1] - my, vp[2] + mx, vp[3] + my];
      svg.innerHTML = graphSvg(model.get("nodes"), model.get("scene"), bounds, region);
      highlight();
    }
    svg.classList.toggle("al-far", view.k < 0.3);  // text too small to read: skip it
    const world = svg.querySelector(".al-graph-world");
    world.setAttribute("transform", `translate(${view.tx},${view.ty}) scale(${view.k})`);
  };
  let frame = null;  // pointer and wheel events come faster than frames: one apply per frame
  const schedule = () => {
    if (frame === null) frame = requestAnimationFrame(() => { frame = null; apply(); });
  };
  const fit = (whole) => {
    const lay = model.get("scene");
    const w = svg.clientWidth || 800;
    const k = whole ? Math.min(1, w / lay.width, CANVAS_HEIGHT / lay.height)
      : Math.min(1, w / lay.width);  // first view: full width, top of the graph, readable
    view = { k, tx: (w - lay.width * k) / 2, ty: 0 };
    apply();
  };
  const zoom = (factor, cx, cy) => {
    const k = Math.min(4, Math.max(0.002, view.k * factor));
    view = { k, tx: cx - ((cx - view.tx) * k) / view.k, ty: cy - ((cy - view.ty) * k) / view.k };
    schedule();
  };

  const highlight = () => {
    const sel = model.get("selected");
    for (const g of svg.querySelectorAll(".al-selected, .al-neighbour")) {
      g.classList.remove("al-selected", "al-neighbour");
    }
    if (sel === null || sel === undefined) return;
    const box = svg.querySelector(`.al-graph-node[data-id="${sel}"]`);
    if (box) box.classList.add("al-selected");
    const n = model.get("nodes")[sel];
    for (const [c] of (n && n.next) || []) {
      const nb = c === null ? null : svg.querySelector(`.al-graph-node[data-id="${c}"]`);
      if (nb) nb.classList.add("al-neighbour");
    }
  };
  const showDetail = () => {
    detail.innerHTML = detailHtml(model.get("nodes"), model.get("selected"));
  };
  const draw = (refit) => {
    const lay = model.get("scene");
    bounds = indexLayout(lay);
    region = null;  // redraw
    savedBox.checked = model.get("show_saved");
    status.textContent = `${lay.nodes.length} boxes · ${lay.edges.length} edges`;
    if (refit) fit(false); else apply();
  };

  let drag = null;  // where a drag started
  let moved = false;  // the pointer moved since pointerdown: not a click

  // One listener for every box: the target's closest node, group label or link.
  const select = (id) => {
    model.set("selected", id);
    model.save_changes();
  };
  const setCollapsed = (keys) => {
    model.set("collapsed", keys);
    model.save_changes();
  };
  svg.addEventListener("click", (ev) => {
    if (moved) return;  // the end of a drag is not a click
    const label = ev.target.closest(".al-graph-group-label");
    if (label) {
      setCollapsed([...model.get("collapsed"), label.dataset.key]);
      return;
    }
    const box = ev.target.closest(".al-graph-node");
    if (!box) return;
    const id = box.dataset.id;
    if (id.startsWith("g:")) {  // a collapsed module: open it
      const key = model.get("scene").groups[id][0];
      setCollapsed(model.get("collapsed").filter((k) => k !== key));
    } else {
      select(Number(id));
    }
  });
  // Centre the view on a box (a link in the panel may point far away in a big graph).
  const reveal = (id) => {
    const entry = model.get("scene").nodes.find((n) => n[0] === id);
    if (!entry) return;  // hidden: a saved value while saved tensors are off, or collapsed
    const w = svg.clientWidth || 800;
    view = { ...view, tx: w / 2 - entry[1] * view.k, ty: CANVAS_HEIGHT / 2 - entry[2] * view.k };
    apply();
  };
  detail.addEventListener("click", (ev) => {
    const link = ev.target.closest("[data-goto]");
    if (!link) return;
    select(Number(link.dataset.goto));
    reveal(Number(link.dataset.goto));
  });
  savedBox.addEventListener("change", () => {
    model.set("show_saved", savedBox.checked);
    model.save_changes();
  });
  root.querySelector(".al-graph-collapse-all").addEventListener("click", () =>
    setCollapsed(model.get("groups").filter(([, parent]) => parent === null).map(([k]) => k)));
  root.querySelector(".al-graph-expand-all").addEventListener("click", () => setCollapsed([]));
  root.querySelector(".al-graph-fit").addEventListener("click", () => fit(true));
  root.querySelector(".al-graph-zoom-in").addEventListener("click", () =>
    zoom(1.25, svg.clientWidth / 2, CANVAS_HEIGHT / 2));
  root.querySelector(".al-graph-zoom-out").addEventListener("click", () =>
    zoom(0.8, svg.clientWidth / 2, CANVAS_HEIGHT / 2));

  // Drag to pan, wheel to zoom around the pointer.
  svg.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, tx: view.tx, ty: view.ty };
    moved = false;
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!moved) svg.setPointerCapture(ev.pointerId);
    moved = true;
    svg.classList.add("al-dragging");
    view = { ...view, tx: drag.tx + dx, ty: drag.ty + dy };
    schedule();
  });
  const endDrag = () => {
    drag = null;
    svg.classList.remove("al-dragging");
  };
  svg.addEventListener("pointerup", endDrag);
  svg.addEventListener("pointercancel", endDrag);
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(ev.deltaY < 0 ? 1.15 : 1 / 1.15, ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });

  const onLayout = () => draw(true);
  const onNodes = () => { draw(false); showDetail(); };
  const onSelected = () => { highlight(); showDetail(); };
  model.on("change:scene", onLayout);
  model.on("change:nodes", onNodes);
  model.on("change:selected", onSelected);
  const onSaved = () => { savedBox.checked = model.get("show_saved"); };
  model.on("change:show_saved", onSaved);
  // The element may not be in the page yet (its width is 0): fit once it has a size.
  requestAnimationFrame(() => draw(true));
  draw(true);
  showDetail();
  return () => {
    model.off("change:scene", onLayout);
    model.off("change:nodes", onNodes);
    model.off("change:selected", onSelected);
    model.off("change:show_saved", onSaved);
    if (frame !== null) cancelAnimationFrame(frame);
  };
}

export default { render };

// The view of autograd_lab.viz.stepper: replays a recorded backward pass, one node per step.
//
// Python ran backward once with hooks and sent the recording (`steps`, in the engine's
// order), the graph's node records (`nodes`) and its layout. This file draws the graph, marks
// the node of the current step, and lists what it received and what it sent.
//
// Model state read here:  nodes, scene, steps, current
// Model state written:    current (the buttons, the slider and play)

const CSS = `
.al-step { font: 12px sans-serif; color: #222; border: 1px solid #ddd; border-radius: 4px; }
.al-step-toolbar { display: flex; gap: 6px; align-items: center; padding: 4px 6px;
  border-bottom: 1px solid #ddd; background: #fafafa; }
.al-step-toolbar button { font: inherit; padding: 1px 8px; cursor: pointer; min-width: 32px; }
.al-step-slider { flex: 1; max-width: 320px; }
.al-step-main { display: flex; align-items: flex-start; }
.al-step-canvas { flex: 1; min-width: 0; max-height: 560px; }
.al-step-node rect { fill: #e3ecf7; stroke: #5c7ea8; stroke-width: 1.2; }
.al-step-node.al-kind-output rect { fill: #c8e6c9; stroke: #2e7d32; }
.al-step-node.al-kind-leaf rect { fill: #bbdefb; stroke: #1565c0; }
.al-step-node.al-done rect { fill: #f1f1f1; stroke: #aaa; }
.al-step-node.al-done text { fill: #999; }
.al-step-node.al-waiting rect { fill: #fff3c4; stroke: #f9a825; stroke-width: 2; }
.al-step-node.al-current rect { fill: #fce4ec; stroke: #d81b60; stroke-width: 3; }
.al-step-title { font-weight: bold; }
.al-step-sub { fill: #555; font-size: 11px; }
.al-step-edge { fill: none; stroke: #bbb; stroke-width: 1.2; }
.al-step-edge.al-flowing { stroke: #d81b60; stroke-width: 2.5; }
.al-step-flow-label { font-size: 11px; fill: #d81b60; font-weight: bold; }
.al-step-detail { width: 360px; padding: 6px 10px; border-left: 1px solid #ddd;
  box-sizing: border-box; max-height: 560px; overflow-y: auto; }
.al-step-detail h4 { margin: 8px 0 4px; font-size: 12px; }
.al-step-detail .al-values { font-family: monospace; word-break: break-all; }
.al-step-detail .al-note { color: #666; }
.al-step-detail table { border-collapse: collapse; }
.al-step-detail td, .al-step-detail th { padding: 1px 6px 1px 0; text-align: left;
  vertical-align: top; }
.al-step-legend span { display: inline-block; padding: 0 4px; margin-right: 4px;
  border: 1px solid; border-radius: 3px; }
`;

const PLAY_MS = 900;

function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) =>
    ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function shapeText(shape) {
  if (shape === undefined || shape === null) return "?";
  return shape.length ? shape.join("×") : "scalar";
}

// A summary in a few characters: the values when there are few, else shape and mean.
function brief(s) {
  if (!s) return "None";
  if (s.values) return s.shape.length ? `[${s.values.join(", ")}]` : String(s.values[0]);
  return `${shapeText(s.shape)}, mean ${s.mean}`;
}

function summaryHtml(s) {
  if (!s) return `<div class="al-note">None</div>`;
  if (s.values) {
    return `<div class="al-values">${esc(brief(s))}</div>` +
      `<div class="al-note">${shapeText(s.shape)} ${esc(s.dtype)}</div>`;
  }
  return `<div>${shapeText(s.shape)} ${esc(s.dtype)}: min ${esc(s.min)}, max ${esc(s.max)}, ` +
    `mean ${esc(s.mean)}, std ${esc(s.std)}</div>`;
}

// The point halfway along a polyline [x0, y0, x1, y1, ...].
function midpoint(pts) {
  const seg = [];
  let total = 0;
  for (let i = 2; i < pts.length; i += 2) {
    const len = Math.hypot(pts[i] - pts[i - 2], pts[i + 1] - pts[i - 1]);
    seg.push(len);
    total += len;
  }
  let left = total / 2;
  for (let i = 0; i < seg.length; i++) {
    if (left <= seg[i] || i === seg.length - 1) {
      const t = seg[i] ? left / seg[i] : 0;
      const [x0, y0, x1, y1] = pts.slice(2 * i, 2 * i + 4);
      return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)];
    }
    left -= seg[i];
  }
  return [pts[0], pts[1]];
}

function graphSvg(nodes, layout) {
  const parts = [`<defs><marker id="al-step-arrow" viewBox="0 0 10 10" refX="10" refY="5"
    markerWidth="7" markerHeight="7" orient="auto-start-reverse">
    <path d="M0,0L10,5L0,10z" fill="#999"/></marker></defs>`];
  for (const [src, dst, pts] of layout.edges) {
    let d = `M${pts[0]},${pts[1]}`;
    for (let i = 2; i < pts.length; i += 2) d += ` L${pts[i]},${pts[i + 1]}`;
    parts.push(`<path class="al-step-edge" data-src="${src}" data-dst="${dst}" ` +
      `data-points="${pts.join(",")}" d="${d}" ` +
      `marker-end="url(#al-step-arrow)"/>`);
  }
  for (const [id, x, y, w, h] of layout.nodes) {
    const n = nodes[id];
    parts.push(`<g class="al-step-node al-kind-${n.kind}" data-id="${id}">` +
      `<rect x="${x - w / 2}" y="${y - h / 2}" width="${w}" height="${h}" rx="5"/>` +
      `<text class="al-step-title" x="${x}" y="${y - 3}" text-anchor="middle">` +
      `${esc(n.label)}</text><text class="al-step-sub" x="${x}" y="${y + 12}" ` +
      `text-anchor="middle">${esc(shapeText(n.shape))} ${esc(n.dtype)}</text></g>`);
  }
  parts.push(`<g class="al-step-labels"></g>`);
  return parts.join("");
}

// The panel for one step: what came in, the local derivative, what went out.
function stepHtml(nodes, steps, k) {
  const step = steps[k];
  if (!step) return `<div class="al-note">No node ran (nothing required grad).</div>`;
  const n = nodes[step.node];
  let out = `<h4>step ${k + 1} of ${steps.length}: ${esc(n.label)}</h4>` +
    `<div class="al-note">${esc(n.name)}</div>`;
  out += `<h4>incoming gradient</h4>`;
  (step.grad_in || []).forEach((g, i) => {
    out += (step.grad_in.length > 1 ? `<div>output ${i}</div>` : "") + summaryHtml(g);
  });
  out += `<h4>local derivative</h4><div>${esc(step.local || "")}</div>`;
  if (step.kind === "leaf") {
    out += `<h4>accumulate into ${esc(n.label)}.grad</h4><table>` +
      `<tr><td>before</td><td class="al-values">${esc(brief(step.before))}</td></tr>` +
      `<tr><td>+ incoming</td><td class="al-values">${esc(brief(step.grad_in[0]))}</td></tr>` +
      `<tr><td>after</td><td class="al-values">${esc(brief(step.after))}</td></tr></table>`;
    return out;
  }
  out += `<h4>sent to next_functions</h4><table><tr><th>input</th><th>to</th>` +
    `<th>gradient</th><th>sent ÷ incoming</th></tr>`;
  for (const f of step.to) {
    const to = f.parent === null ? "None (needs no grad)" : esc(nodes[f.parent].label);
    const note = f.summed_from ? `<div class="al-note">summed from ` +
      `${shapeText(f.summed_from)} (un-broadcast)</div>` : "";
    out += `<tr><td>${f.input}</td><td>${to}</td><td class="al-values">` +
      `${f.parent === null ? "" : esc(brief(f.grad))}${note}</td>` +
      `<td class="al-values">${f.ratio ? esc(brief(f.ratio)) : ""}</td></tr>`;
  }
  return out + `</table>`;
}

function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = CSS;
  const root = document.createElement("div");
  root.className = "al-step";
  root.innerHTML = `
    <div class="al-step-toolbar">
      <button class="al-step-first" title="first step">|◀</button>
      <button class="al-step-prev" title="previous step">◀</button>
      <button class="al-step-play" title="play">▶ play</button>
      <button class="al-step-next" title="next step">▶</button>
      <button class="al-step-last" title="last step">▶|</button>
      <input type="range" class="al-step-slider" min="0" step="1">
      <span class="al-step-counter"></span>
      <span class="al-step-legend"><span style="border-color:#d81b60">running</span>
        <span style="border-color:#f9a825">received a gradient</span>
        <span style="border-color:#aaa">done</span></span>
    </div>
    <div class="al-step-main">
      <svg class="al-step-canvas" xmlns="http://www.w3.org/2000/svg"></svg>
      <div class="al-step-detail"></div>
    </div>`;
  el.replaceChildren(style, root);
  const svg = root.querySelector(".al-step-canvas");
  const detail = root.querySelector(".al-step-detail");
  const slider = root.querySelector(".al-step-slider");
  const counter = root.querySelector(".al-step-counter");
  const playButton = root.querySelector(".al-step-play");

  const drawGraph = () => {
    const lay = model.get("scene");
    svg.setAttribute("viewBox", `0 0 ${lay.width} ${lay.height}`);
    svg.setAttribute("width", Math.min(lay.width, 900));
    svg.innerHTML = graphSvg(model.get("nodes"), lay);
    slider.max = Math.max(0, model.get("steps").length - 1);
  };

  // Mark every box for step k: done before it, running now, waiting with a gradient.
  const show = () => {
    const steps = model.get("steps");
    const nodes = model.get("nodes");
    const k = Math.max(0, Math.min(model.get("current"), steps.length - 1));
    const done = new Set(steps.slice(0, k).map((s) => s.node));
    const current = steps[k] ? steps[k].node : null;
    const received = new Set();
    for (const s of steps.slice(0, k + 1)) {
      for (const f of s.to) if (f.parent !== null && f.grad) received.add(f.parent);
    }
    for (const box of svg.querySelectorAll(".al-step-node")) {
      const id = Number(box.dataset.id);
      box.classList.toggle("al-done", done.has(id) || (id === 0 && current !== null));
      box.classList.toggle("al-current", id === current);
      box.classList.toggle("al-waiting", received.has(id) && !done.has(id) && id !== current);
    }
    // parent id -> the gradients sent to it (y * y sends two, which the engine adds up)
    const flows = new Map();
    for (const f of steps[k] ? steps[k].to : []) {
      if (f.parent !== null && f.grad) flows.set(f.parent, [...(flows.get(f.parent) || []), f]);
    }
    const labels = svg.querySelector(".al-step-labels");
    let text = "";
    for (const edge of svg.querySelectorAll(".al-step-edge")) {
      const on = Number(edge.dataset.src) === current && flows.has(Number(edge.dataset.dst));
      edge.classList.toggle("al-flowing", on);
      if (on) {  // the gradient sent along this edge, written next to its middle
        const p = midpoint(edge.dataset.points.split(",").map(Number));
        text += `<text class="al-step-flow-label" x="${p[0] + 6}" y="${p[1]}">` +
          `${esc(flows.get(Number(edge.dataset.dst)).map((f) => brief(f.grad)).join(" + "))}` +
          `</text>`;
      }
    }
    labels.innerHTML = text;
    slider.value = k;
    counter.textContent = steps.length ? `step ${k + 1} / ${steps.length}` : "no steps";
    detail.innerHTML = stepHtml(nodes, steps, k);
  };

  const go = (k) => {
    const last = model.get("steps").length - 1;
    model.set("current", Math.max(0, Math.min(k, last)));
    model.save_changes();
    show();  // also without a kernel (exported HTML), where no change comes back
  };
  let timer = null;
  const stop = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    playButton.textContent = "▶ play";
  };
  const play = () => {
    if (timer !== null) return stop();
    if (model.get("current") >= model.get("steps").length - 1) go(0);
    playButton.textContent = "❚❚ pause";
    timer = setInterval(() => {
      const k = model.get("current");
      if (k >= model.get("steps").length - 1) return stop();
      go(k + 1);
    }, PLAY_MS);
  };
  root.querySelector(".al-step-first").addEventListener("click", () => { stop(); go(0); });
  root.querySelector(".al-step-prev").addEventListener("click", () => {
    stop();
    go(model.get("current") - 1);
  });
  root.querySelector(".al-step-next").addEventListener("click", () => {
    stop();
    go(model.get("current") + 1);
  });
  root.querySelector(".al-step-last").addEventListener("click", () => {
    stop();
    go(model.get("steps").length - 1);
  });
  playButton.addEventListener("click", play);
  slider.addEventListener("input", () => { stop(); go(Number(slider.value)); });

  const onData = () => { drawGraph(); show(); };
  model.on("change:current", show);
  model.on("change:steps", onData);
  model.on("change:scene", onData);
  onData();
  return () => {
    stop();
    model.off("change:current", show);
    model.off("change:steps", onData);
    model.off("change:scene", onData);
  };
}

export default { render };

// Training monitor: Python redraws the chart (the `html` trait) at most every
// `redraw_every` seconds; this module swaps it in at the next animation frame, so the
// widget keeps its size and never blanks between two redraws (no flicker).
function render({ model, el }) {
  const root = document.createElement("div");
  let pending = false;
  const draw = () => {
    pending = false;
    root.innerHTML = model.get("html");
  };
  const schedule = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  };
  draw();
  model.on("change:html", schedule);
  el.appendChild(root);
  return () => model.off("change:html", schedule);
}

export default { render };

// Tensor inspector: the HTML is rendered in Python (the `html` trait, also the static
// fallback). Every cell carries data-cell="<storage>:<slot>"; hovering one outlines every
// cell that is the same memory: the storage slot and each tensor element that reads it.
function render({ model, el }) {
  const root = document.createElement("div");
  let lit = [];
  const clear = () => {
    for (const cell of lit) {
      cell.style.outline = "";
      cell.style.background = cell.dataset.bg ?? "";
    }
    lit = [];
  };
  const draw = () => {
    lit = [];
    root.innerHTML = model.get("html");
  };
  const hover = (event) => {
    const cell = event.target.closest("[data-cell]");
    clear();
    if (!cell) return;
    for (const same of root.querySelectorAll(`[data-cell="${cell.dataset.cell}"]`)) {
      same.dataset.bg = same.style.background;
      same.style.outline = "2px solid #cf222e";
      same.style.background = "#ffebe9";
      lit.push(same);
    }
  };
  draw();
  model.on("change:html", draw);
  root.addEventListener("mouseover", hover);
  root.addEventListener("mouseleave", clear);
  el.appendChild(root);
  return () => model.off("change:html", draw);
}

export default { render };

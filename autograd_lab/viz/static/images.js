// Image grid, confusion matrix and per-class accuracy: the HTML is rendered in Python (the
// `html` trait, also the static fallback). A click on a confusion-matrix cell (an element
// with data-select="true,predicted") sets the `selected` trait; Python then re-renders the
// view with that cell's images. Clicking the selected cell again clears the selection.
function render({ model, el }) {
  const root = document.createElement("div");
  const draw = () => {
    root.innerHTML = model.get("html");
  };
  const click = (event) => {
    const target = event.target.closest("[data-select]");
    if (!target) return;
    const cell = target.dataset.select.split(",").map(Number);
    const current = model.get("selected") ?? [];
    const same = current.length === 2 && current[0] === cell[0] && current[1] === cell[1];
    model.set("selected", same ? [] : cell);
    model.save_changes();
  };
  draw();
  model.on("change:html", draw);
  root.addEventListener("click", click);
  el.appendChild(root);
  return () => model.off("change:html", draw);
}

export default { render };

// Gradient report: the HTML is rendered in Python (the `html` trait, also the static
// fallback); this module puts it on the page and highlights the row under the pointer.
function render({ model, el }) {
  const root = document.createElement("div");
  const draw = () => {
    root.innerHTML = model.get("html");
  };
  const hover = (event) => {
    for (const row of root.querySelectorAll("tr[data-param]")) {
      row.style.background = row.contains(event.target) ? "#f6f8fa" : "";
    }
  };
  draw();
  model.on("change:html", draw);
  root.addEventListener("mouseover", hover);
  el.appendChild(root);
  return () => model.off("change:html", draw);
}

export default { render };

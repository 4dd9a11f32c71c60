"""Tensor inspector: shape, strides, storage offset, and which tensors share a storage.

A tensor is a *view* into a flat block of memory, its storage: element ``t[i, j]`` lives at
``storage[offset + i * stride[0] + j * stride[1]]``. Tensors that share a storage see each
other's changes. The inspector draws each storage as a row of cells and each tensor as a grid
whose cells name the storage slot they read; hovering a cell (in the widget) lights up every
cell that is the same memory. That is why ``y = x.view(...)`` changes ``x`` when you write to
``y``, why ``torch.from_numpy(a)`` follows ``a``, and why ``torch.tensor(a)`` does not.

Here a storage is the NumPy buffer that owns the memory (the root of the arrays' ``.base``
chain); NumPy arrays can be inspected next to tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import traitlets

from ._widgets_common import (
    MUTED,
    PALETTE,
    HTMLWidget,
    card,
    esc,
    fmt,
    load_esm,
    message_list,
)

__all__ = ["inspect", "TensorInspector"]

MAX_STORAGE_CELLS = 32  # storage slots drawn per storage
MAX_ROWS, MAX_COLS = 6, 8  # elements drawn per tensor


def inspect(*tensors: Any, names: list[str] | tuple[str, ...] | None = None,
            **named: Any) -> TensorInspector:
    """Show tensors (and NumPy arrays) with their shape, strides, storage and sharing.

    Args:
        *tensors: tensors or NumPy arrays, named ``t0, t1, ...`` unless ``names`` is given.
        names: names for the positional tensors.
        **named: tensors passed by name (``x=x``), shown after the positional ones.

    Example:
        >>> x = torch.arange(6.0).reshape(2, 3)
        >>> a = numpy.zeros(3)
        >>> viz.inspect(x=x, y=x.t(), z=x.t().contiguous(), a=a, b=torch.from_numpy(a),
        ...             c=torch.tensor(a))
    """
    names = list(names) if names is not None else [f"t{i}" for i in range(len(tensors))]
    if len(names) != len(tensors):
        raise ValueError(f"got {len(tensors)} tensors but {len(names)} names")
    return TensorInspector(list(zip(names, tensors)) + list(named.items()))


def _array_of(value: Any) -> tuple[np.ndarray, str, str]:
    """The memory behind ``value``, with its kind and dtype name."""
    if isinstance(value, np.ndarray):
        return value, "numpy array", str(value.dtype)
    if hasattr(value, "detach") and hasattr(value, "stride"):
        if getattr(value, "is_cuda", False):
            raise ValueError("inspect() shows tensors in CPU memory; this one is on cuda")
        return value.detach().numpy(), "tensor", str(value.dtype).rsplit(".", 1)[-1]
    raise TypeError(f"inspect() takes tensors and NumPy arrays, not {type(value).__name__}")


def _owner(arr: np.ndarray) -> Any:
    """The object that owns ``arr``'s memory: follow ``.base`` to the end."""
    while getattr(arr, "base", None) is not None:
        arr = arr.base
    return arr


def _owner_bytes(owner: Any) -> np.ndarray:
    """The owner's whole memory as flat bytes, in memory order."""
    if isinstance(owner, np.ndarray):
        return owner.reshape(-1, order="A").view(np.uint8)  # owners are C or F contiguous
    return np.frombuffer(owner, dtype=np.uint8)  # bytes, mmap, ...: anything with a buffer


def _address(arr: np.ndarray) -> int:
    return arr.__array_interface__["data"][0]


class TensorInspector(HTMLWidget):
    """The widget :func:`inspect` returns. Traits: ``tensors`` (one dict per tensor: ``name,
    kind, shape, stride, storage, storage_offset, storage_size, dtype, contiguous``) and
    ``shared`` (pairs of names that share a storage).

    Example:
        >>> x = torch.arange(6.0).reshape(2, 3)
        >>> viz.inspect(x=x, y=x.t(), z=x.clone()).shared
        [['x', 'y']]
    """

    _esm = load_esm("inspector.js")
    tensors = traitlets.List().tag(sync=True)
    shared = traitlets.List().tag(sync=True)

    def __init__(self, entries: list[tuple[str, Any]]) -> None:
        super().__init__()
        owners: list[Any] = []  # storage k is owners[k]; a list, so labels follow input order
        rows, self._cells, self._values = [], {}, {}
        for name, value in entries:
            arr, kind, dtype = _array_of(value)
            owner = _owner(arr)
            k = next((i for i, o in enumerate(owners) if o is owner), None)
            if k is None:
                owners.append(owner)
                k = len(owners) - 1
            memory = _owner_bytes(owner)
            item = arr.itemsize
            rows.append({
                "name": name, "kind": kind, "shape": list(arr.shape),
                "stride": [s // item for s in arr.strides], "storage": f"S{k}",
                "storage_offset": (_address(arr) - _address(memory)) // item,
                "storage_size": memory.size // item, "dtype": dtype,
                "contiguous": bool(arr.flags.c_contiguous)})
            # the storage's values as this tensor's dtype sees them
            self._cells.setdefault(f"S{k}", memory[: memory.size // item * item].view(arr.dtype))
            self._values[name] = arr
        self.tensors = rows
        self.shared = [[a["name"], b["name"]] for i, a in enumerate(rows) for b in rows[i + 1:]
                       if a["storage"] == b["storage"]]
        self._render()

    def _slots(self, row: dict) -> np.ndarray:
        """Storage slot of every element of the tensor, in row-major order."""
        if not row["shape"]:
            return np.array([row["storage_offset"]])
        idx = np.indices(row["shape"]).reshape(len(row["shape"]), -1)
        return row["storage_offset"] + np.asarray(row["stride"]) @ idx

    def explanations(self) -> list[tuple[str, str]]:
        """What the picture shows, in sentences: ``[(level, text)]``."""
        out = []
        groups: dict[str, list[dict]] = {}
        for row in self.tensors:
            groups.setdefault(row["storage"], []).append(row)
        for label, rows in groups.items():
            names = [r["name"] for r in rows]
            if len(rows) > 1:
                kinds = {r["kind"] for r in rows}
                how = (" (torch.from_numpy and torch.as_tensor share a NumPy array's memory)"
                       if len(kinds) > 1 else "")
                out.append(("info", f"{', '.join(names)} share storage {label}: writing to an "
                            f"element through one of them changes it in the others{how}."))
            elif len(self.tensors) > 1:
                out.append(("ok", f"{names[0]} has a storage of its own ({label}): changing it "
                            "changes nothing else (a copy, as torch.tensor(), clone() and "
                            "contiguous() of a non-contiguous tensor make)."))
        for row in self.tensors:
            if not row["contiguous"]:
                out.append(("info", f"{row['name']} is not contiguous: its elements are not "
                            f"side by side in row-major order (stride {tuple(row['stride'])}), "
                            f"so {row['name']}.view() may fail; {row['name']}.contiguous() "
                            "copies it into a fresh storage."))
        return out

    def to_text(self) -> str:
        head = ["name", "shape", "stride", "storage", "offset", "contiguous", "dtype"]
        lines = [head] + [[r["name"], str(tuple(r["shape"])), str(tuple(r["stride"])),
                           f"{r['storage']} ({r['storage_size']})", str(r["storage_offset"]),
                           "yes" if r["contiguous"] else "no", r["dtype"]]
                          for r in self.tensors]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines]
        marks = {"ok": "✓", "warn": "⚠", "info": "ℹ"}
        return "\n".join(out + [f"{marks[lvl]} {text}" for lvl, text in self.explanations()])

    # ------------------------------------------------------------------ picture
    def _color(self, name: str) -> str:
        index = [r["name"] for r in self.tensors].index(name)
        return PALETTE[index % len(PALETTE)]

    def to_html(self) -> str:
        th = 'style="text-align:left; padding:2px 8px; border-bottom:1px solid #d0d7de"'
        td = 'style="padding:2px 8px; font-variant-numeric:tabular-nums"'
        heads = ["name", "shape", "stride", "storage", "storage_offset", "contiguous", "dtype"]
        body = "".join(
            f"<tr><td {td}><b style=\"color:{self._color(r['name'])}\">{esc(r['name'])}</b></td>"
            + "".join(f"<td {td}>{esc(c)}</td>" for c in (
                tuple(r["shape"]), tuple(r["stride"]), f"{r['storage']} ({r['storage_size']} "
                "elements)", r["storage_offset"], "yes" if r["contiguous"] else "no",
                f"{r['dtype']} ({r['kind']})")) + "</tr>" for r in self.tensors)
        table = (f'<table style="border-collapse:collapse; font-size:13px"><tr>'
                 f'{"".join(f"<th {th}>{h}</th>" for h in heads)}</tr>{body}</table>')
        parts = [table]
        for label in dict.fromkeys(r["storage"] for r in self.tensors):
            parts.append(self._storage_html(label))
        grids = "".join(self._tensor_html(r) for r in self.tensors)
        parts.append(f'<div style="display:flex; flex-wrap:wrap; gap:14px; margin-top:8px">'
                     f"{grids}</div>")
        parts.append(message_list(self.explanations()))
        parts.append(f'<div style="color:{MUTED}; font-size:11px; margin-top:4px">element '
                     "[i, j] is storage[storage_offset + i·stride[0] + j·stride[1]]; the small "
                     "number in each cell is that storage slot. Hover a cell to see the same "
                     "memory everywhere.</div>")
        return card("".join(parts), "Tensors and their storage", "inspector")

    def _storage_html(self, label: str) -> str:
        values = self._cells[label]
        n = min(values.size, MAX_STORAGE_CELLS)
        users = [r for r in self.tensors if r["storage"] == label]
        cell = ("min-width:34px; height:22px; text-align:center; border:1px solid #d0d7de; "
                "font-size:12px; padding:0 2px")
        slots = "".join(f'<td data-cell="{label}:{i}" style="{cell}; background:#f6f8fa">'
                        f"{esc(fmt(float(values[i])))}</td>" for i in range(n))
        index = "".join(f'<td style="text-align:center; font-size:10px; color:{MUTED}">{i}</td>'
                        for i in range(n))
        more = (f'<td style="color:{MUTED}; padding-left:6px">… {values.size - n} more</td>'
                if values.size > n else "")
        rows = [f'<tr><td style="padding-right:6px; font-weight:600">{label}</td>{slots}{more}'
                f'</tr><tr><td style="font-size:10px; color:{MUTED}">slot</td>{index}</tr>']
        for r in users:  # which slots each tensor reads, in that tensor's colour
            used = set(self._slots(r).tolist())
            marks = "".join(f'<td style="height:6px; background:{self._color(r["name"])}"></td>'
                            if i in used else "<td></td>" for i in range(n))
            rows.append(f'<tr><td style="font-size:11px; color:{self._color(r["name"])}">'
                        f'{esc(r["name"])}</td>{marks}</tr>')
        return (f'<table style="border-collapse:separate; border-spacing:2px; margin-top:8px">'
                f'{"".join(rows)}</table>')

    def _tensor_html(self, row: dict) -> str:
        values = self._values[row["name"]]
        shape = row["shape"]
        cols = shape[-1] if shape else 1
        grid_values = values.reshape(-1, cols) if values.size else values.reshape(0, 1)
        grid_slots = self._slots(row).reshape(-1, cols) if values.size else grid_values
        color = self._color(row["name"])
        cell = (f"min-width:34px; height:30px; text-align:center; border:1px solid {color}; "
                "font-size:12px; line-height:1.1; padding:0 2px")
        trs = []
        for i in range(min(grid_values.shape[0], MAX_ROWS)):
            tds = "".join(
                f'<td data-cell="{row["storage"]}:{int(grid_slots[i, j])}" style="{cell}">'
                f"{esc(fmt(float(grid_values[i, j])))}<br><span style=\"font-size:9px; "
                f'color:{MUTED}">{int(grid_slots[i, j])}</span></td>'
                for j in range(min(cols, MAX_COLS)))
            trs.append(f"<tr>{tds}</tr>")
        hidden = grid_values.size - min(grid_values.shape[0], MAX_ROWS) * min(cols, MAX_COLS)
        more = f'<div style="color:{MUTED}; font-size:11px">… {hidden} more</div>' if hidden else ""
        title = f"{row['name']}  {tuple(shape)}"
        return (f'<div><div style="font-weight:600; color:{color}">{esc(title)}</div>'
                f'<table style="border-collapse:separate; border-spacing:2px">{"".join(trs)}'
                f"</table>{more}</div>")

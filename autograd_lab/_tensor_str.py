"""How tensors print: a port of PyTorch's ``torch/_tensor_str.py`` onto NumPy arrays.

``repr(t)`` must match PyTorch character for character (only the module name differs:
``autograd_lab.float64`` instead of ``torch.float64``), so this module follows PyTorch's
algorithm step by step rather than NumPy's own printing:

1. If the tensor has more than ``threshold`` elements it is *summarized*: only the first and
   last ``edgeitems`` entries of every dimension are shown, with ``...`` in between.
2. A :class:`_Formatter` looks at the values that will be shown and picks one style for all
   of them (integer-looking ``1.``, fixed ``1.5000`` or scientific ``1.5000e+10``) and one
   column width, so that the numbers line up.
3. Rows are nested in brackets, wrapped at ``linewidth`` and indented under the opening
   ``tensor(`` bracket.
4. Suffixes such as ``dtype=...`` and ``requires_grad=True`` are appended, moving to a new
   line when they would not fit.

Everything here works on plain NumPy arrays; :func:`tensor_repr` is the only function that
knows about Tensor objects.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4  # digits after the decimal point
    threshold: float = 1000  # more elements than this -> summarize with "..."
    edgeitems: int = 3  # items kept at each end of each dimension when summarizing
    linewidth: int = 80  # characters per line before wrapping
    sci_mode: bool | None = None  # None: let _Formatter decide


PRINT_OPTS = _PrinterOptions()

# Our dtypes print as "autograd_lab.float64" where PyTorch prints "torch.float64".
_MODULE_PREFIX = "autograd_lab."


def set_printoptions(
    precision: int | None = None,
    threshold: float | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set options for printing tensors (same arguments and behaviour as PyTorch).

    Args:
        precision: digits of precision for floating point output (default 4).
        threshold: total number of elements that triggers summarization (default 1000).
        edgeitems: items shown at the start and end of each dimension when summarizing
            (default 3).
        linewidth: characters per line used to insert line breaks (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"``; the other arguments override it.
        sci_mode: force scientific notation on (True) or off (False); None lets the
            formatter choose.

    Note that, exactly as in PyTorch, ``sci_mode`` is always reset: calling
    ``set_printoptions(precision=2)`` also sets ``sci_mode`` back to None.

    Example:
        >>> set_printoptions(precision=2)
        >>> tensor([1.12345])
        tensor([1.12])
        >>> set_printoptions(profile="default")
    """
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as a dict that can be passed to :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs: Any) -> Iterator[None]:
    """Temporarily change print options: ``with printoptions(precision=2): print(t)``."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one style and one width for all the numbers of a tensor, then formats them.

    ``values`` are the numbers that will actually be shown (the summarized data when the
    tensor is summarized), so hidden values do not influence the layout.
    """

    def __init__(self, values: np.ndarray):
        self.floating_dtype = values.dtype.kind == "f"
        self.int_mode = True  # floats that are all whole numbers print as "1." "2."
        self.sci_mode = False
        self.max_width = 1
        flat = values.reshape(-1)

        if not self.floating_dtype:
            # ints and bools: the width of the longest str(), e.g. "-128" or "False".
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return

        # Only nonzero finite values decide the style: 0, nan and inf look the same in all.
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return
        # Statistics in float64 (as PyTorch does) so float16 cannot overflow at 1e8.
        # errstate: max/min may overflow to inf for extreme ranges; that is fine (> 1000).
        with np.errstate(all="ignore"):
            nonzero_finite_abs = np.abs(nonzero_finite).astype(np.float64)
            nonzero_finite_min = nonzero_finite_abs.min()
            nonzero_finite_max = nonzero_finite_abs.max()
            ratio = nonzero_finite_max / nonzero_finite_min
        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))

        if PRINT_OPTS.sci_mode is None:
            # Scientific notation when fixed point would hide digits or be too wide.
            self.sci_mode = bool(
                ratio > 1000.0 or nonzero_finite_max > 1.0e8 or nonzero_finite_min < 1.0e-4
            )
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        precision = PRINT_OPTS.precision
        for value in nonzero_finite.tolist():  # Python floats, formatted like PyTorch's .item()
            if self.sci_mode:
                width = len(f"{{:.{precision}e}}".format(value))
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # + 1 for the trailing "." of "3."
            else:
                width = len(f"{{:.{precision}f}}".format(value))
            self.max_width = max(self.max_width, width)

    def width(self) -> int:
        return self.max_width

    def format(self, value: float | int | bool) -> str:
        """One value as a string, right-aligned to the common width."""
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{{:{self.max_width}.{PRINT_OPTS.precision}e}}".format(value)
            elif self.int_mode:
                ret = f"{value:.0f}"
                # The dot marks a float tensor; "nan." or "inf." would look odd.
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{{:.{PRINT_OPTS.precision}f}}".format(value)
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _vector_str(arr: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    """A 1-d array as ``[a, b, c]``, wrapped so lines fit in ``linewidth``."""
    # Each element takes its width plus ", ".
    element_length = formatter.width() + 2
    elements_per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems

    if summarize and not edge:
        data = ["..."]
    elif summarize and arr.shape[0] > 2 * edge:
        data = (
            [formatter.format(v) for v in arr[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in arr[-edge:].tolist()]
        )
    else:
        data = [formatter.format(v) for v in arr.tolist()]

    lines = [
        ", ".join(data[i : i + elements_per_line]) for i in range(0, len(data), elements_per_line)
    ]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(
    arr: np.ndarray, indent: int, summarize: bool, formatter: _Formatter
) -> str:
    """Nested brackets: recurse over the first dimension, one level deeper per bracket."""
    dim = arr.ndim
    if dim == 0:
        return formatter.format(arr.item())
    if dim == 1:
        return _vector_str(arr, indent, summarize, formatter)

    edge = PRINT_OPTS.edgeitems
    n = arr.shape[0]
    if summarize and n > 2 * edge:
        rows = list(range(edge)) + [None] + list(range(n - edge, n))
    else:
        rows = list(range(n))
    slices = [
        "..." if i is None else _tensor_str_with_formatter(arr[i], indent + 1, summarize, formatter)
        for i in rows
    ]
    # Sub-blocks of a k-d tensor are separated by k - 1 newlines (blank lines between matrices).
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(arr: np.ndarray) -> np.ndarray:
    """Only the values a summarized print shows (edge items of each dimension)."""
    edge = PRINT_OPTS.edgeitems
    if arr.ndim == 0:
        return arr
    if arr.ndim == 1:
        if arr.shape[0] > 2 * edge:
            # With edge == 0, arr[-0:] is the whole array: a PyTorch quirk kept on purpose.
            return np.concatenate((arr[:edge], arr[-edge:]))
        return arr
    if not edge:
        return np.empty((0,) * arr.ndim, dtype=arr.dtype)
    n = arr.shape[0]
    rows = list(range(edge)) + list(range(n - edge, n)) if n > 2 * edge else range(n)
    return np.stack([_summarized_data(arr[i]) for i in rows])


def _tensor_str(arr: np.ndarray, indent: int) -> str:
    """The bracketed values of an array (no ``tensor(`` prefix, no suffixes)."""
    if arr.size == 0:
        return "[]"
    summarize = arr.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(arr) if summarize else arr)
    return _tensor_str_with_formatter(arr, indent, summarize, formatter)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items and the closing ``)``, wrapping lines that get too long."""
    parts = [tensor_str]
    # PyTorch's arithmetic (it overcounts by 2); copied as is so line breaks fall alike.
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        # Measure "dtype=autograd_lab.float16" as PyTorch's shorter "dtype=torch.float16", so
        # the suffix wraps exactly where PyTorch's does and the two prints stay comparable.
        suffix_len = len(suffix.replace(_MODULE_PREFIX, "torch."))
        if last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


def _default_float_name() -> str:
    """Name of the default floating dtype (float32 unless changed with set_default_dtype)."""
    try:  # imported lazily: the dtype module may import things that import this module
        from autograd_lab._dtype import get_default_dtype
    except ImportError:
        return "float32"
    return get_default_dtype().name


def _array_repr(
    arr: np.ndarray,
    *,
    dtype_name: str | None = None,
    dtype_str: str | None = None,
    device: str | None = None,
    grad_fn_name: str | None = None,
    requires_grad: bool = False,
) -> str:
    """The full ``tensor(...)`` string for a NumPy array plus tensor metadata.

    ``dtype_name`` is the bare name (``"float32"``) used for the "is it the default?" rules
    and ``dtype_str`` is what gets printed (``"autograd_lab.float32"``); both default to the
    array's NumPy dtype. ``device`` is printed when given (callers pass it only off-CPU).
    """
    dtype_name = dtype_name or arr.dtype.name
    dtype_str = dtype_str or f"{_MODULE_PREFIX}{dtype_name}"
    default_float = _default_float_name()
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []

    if device is not None:
        suffixes.append(f"device='{device}'")

    if arr.size == 0:
        # Show the shape unless it is (0,), like NumPy. There are no values to hint that
        # the dtype is int64 or bool, so any non-default-float dtype is shown.
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype_name != default_float:
            suffixes.append(f"dtype={dtype_str}")
        tensor_str = "[]"
    else:
        if not PRINT_OPTS.edgeitems:  # nothing is shown, so at least tell the shape
            suffixes.append(f"size={tuple(arr.shape)}")
        # int64 and bool values speak for themselves ("3" vs "3." vs "True").
        if dtype_name not in (default_float, "int64", "bool"):
            suffixes.append(f"dtype={dtype_str}")
        tensor_str = _tensor_str(arr, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + tensor_str, suffixes, indent)


def _to_numpy(arr: Any) -> np.ndarray:
    """A NumPy array from a NumPy or CuPy array (CuPy's ``.get()`` copies to the host)."""
    if isinstance(arr, np.ndarray):
        return arr
    get = getattr(arr, "get", None)
    return get() if callable(get) else np.asarray(arr)


def tensor_repr(t: Any) -> str:
    """``repr(t)`` (and ``str(t)``) of a Tensor, exactly as PyTorch would print it.

    Example:
        >>> tensor_repr(tensor([[1.0, 2.5], [3.0, 4.0]], dtype=float64))
        'tensor([[1.0000, 2.5000],\\n        [3.0000, 4.0000]], dtype=autograd_lab.float64)'
    """
    grad_fn = t.grad_fn
    grad_fn_name = None
    if grad_fn is not None:
        name = getattr(grad_fn, "name", None)
        grad_fn_name = name() if callable(name) else type(grad_fn).__name__
    device = t.device
    return _array_repr(
        _to_numpy(t._data),
        dtype_name=t.dtype.name,
        dtype_str=str(t.dtype),
        device=str(device) if device.type != "cpu" else None,
        grad_fn_name=grad_fn_name,
        requires_grad=bool(t.requires_grad),
    )

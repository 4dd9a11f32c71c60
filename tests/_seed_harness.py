"""The harness that runs the code of the seed tutorials on PyTorch and on autograd_lab.

Shared by ``test_seeds.py`` (tensor and autograd snippets) and ``test_seed_networks.py`` (the
nn/optim networks); see their docstrings for what they check with it.

- :class:`SeededLibrary`: a proxy module for ``lib`` (real PyTorch or autograd_lab) whose random
  and uninitialised factories (``rand``, ``randn``, ``randint``, ``rand_like``, ``randn_like``,
  ``empty``, ``empty_like``) draw from one ``numpy.random.default_rng(seed)`` stream and build
  the tensor with the library's own ``tensor(...)``, so both libraries see the same numbers.
  ``empty`` gives zeros. Every other attribute is ``lib``'s own.
- :class:`Session`: one namespace in which successive code cells run, like notebook cells, with
  ``torch`` (and ``import torch...`` inside the code) bound to the proxy; each
  :meth:`Session.run` captures what the cell printed and the warnings it raised.
  :func:`run_snippet` is a one-cell session.
- :func:`compare_runs`: everything that differs between two runs of the same code: printed
  output (after :func:`normalise`), warnings (optionally) and the namespace's values.

Printed output is compared after two normalisations, and no others: the reference library's
module name becomes ``autograd_lab`` (``torch.Size([2])`` -> ``autograd_lab.Size([2])``) and
object addresses become ``0xADDR`` (``<AddBackward0 object at 0x7f..>``). With
``numeric=True`` (:func:`compare_printed`), numbers in the text may differ within the
tolerances plus one unit in their last printed digit (rounding), and runs of spaces may differ
in length (column alignment); integers must still be equal.

Namespace values compared (modules, functions, classes and iterators are not): tensors (values
with ``numpy.allclose`` at the given tolerances, integers and bools exactly; dtype name, shape,
device type, ``requires_grad``, ``is_leaf``, ``grad_fn`` class name and ``.grad``), NumPy
arrays, Python scalars (type and value), strings, lists/tuples/``Size`` and dicts (keys in
order, element by element), devices, dtypes, graph nodes (class name), ``nn.Module`` instances
(normalised ``repr``, ``training``, ``state_dict()`` keys and values, every parameter with its
``.grad``) and optimizers (class, normalised ``repr``, ``state_dict()``: hyperparameters and
per-parameter state such as SGD's ``momentum_buffer``).
"""

from __future__ import annotations

import builtins
import contextlib
import difflib
import importlib
import io
import linecache
import math
import re
import types
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

SEED_FILES = {
    "000": "000_c555c7f33dc9dd15.txt",
    "001": "001_2ef3508b6ca57484.txt",
    "002": "002_6b84fd7c37c7c773.txt",
    "003": "003_420c2c07666d5243.txt",
    "004": "004_f4323c5c432bdc29.txt",
}
"""Snippet id prefix -> the tutorial in ``shared/seeds/`` it comes from."""

# torch.testing's default tolerances for float32.
RTOL, ATOL = 1.3e-6, 1e-5


class Tol(NamedTuple):
    """Tolerances for floating-point values: ``|b - a| <= atol + rtol * |a|``."""

    rtol: float = RTOL
    atol: float = ATOL


FLOAT32 = Tol()

# --------------------------------------------------------------------------------------------
# Running code
# --------------------------------------------------------------------------------------------


class SeededLibrary(types.ModuleType):
    """``lib`` with its random/uninitialised factories drawing from ``default_rng(seed)``.

    Every other attribute is ``lib``'s own. Sizes may be varargs or one tuple/list/Size;
    ``dtype=``, ``device=`` and ``requires_grad=`` work as in PyTorch (``generator=`` is ignored).
    """

    def __init__(self, lib: types.ModuleType, seed: int = 0):
        super().__init__(lib.__name__, f"{lib.__name__} with seeded random factories")
        self._lib = lib
        self._rng = np.random.default_rng(seed)

    def __getattr__(self, name: str):
        return getattr(self._lib, name)

    # -- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _shape(size: tuple, kw_size=None) -> tuple[int, ...]:
        if kw_size is not None:
            size = (kw_size,)
        if len(size) == 1 and isinstance(size[0], Sequence):
            size = tuple(size[0])
        return tuple(int(s) for s in size)

    def _make(self, values: np.ndarray, dtype, device, requires_grad: bool):
        kwargs = {"dtype": dtype, "requires_grad": requires_grad}
        if device is not None and str(device) != "cpu":
            kwargs["device"] = device
        return self._lib.tensor(values, **kwargs)

    def _float_dtype(self, dtype):
        return self._lib.get_default_dtype() if dtype is None else dtype

    # -- the factories ---------------------------------------------------------------------

    def rand(self, *size, dtype=None, device=None, requires_grad=False, generator=None, **kw):
        shape = self._shape(size, kw.pop("size", None))
        _no_extra(kw, "rand")
        return self._make(self._rng.random(shape), self._float_dtype(dtype), device, requires_grad)

    def randn(self, *size, dtype=None, device=None, requires_grad=False, generator=None, **kw):
        shape = self._shape(size, kw.pop("size", None))
        _no_extra(kw, "randn")
        values = self._rng.standard_normal(shape)
        return self._make(values, self._float_dtype(dtype), device, requires_grad)

    def randint(self, *args, dtype=None, device=None, requires_grad=False, generator=None, **kw):
        """``randint(high, size)`` or ``randint(low, high, size)``; int64 unless ``dtype=``."""
        low, high, size = kw.pop("low", 0), kw.pop("high", None), kw.pop("size", None)
        _no_extra(kw, "randint")
        args = list(args)
        if size is None:
            size = args.pop()
        if high is None:
            high = args.pop()
        if args:
            low = args.pop()
        values = self._rng.integers(low, high, self._shape((size,)))
        dtype = self._lib.int64 if dtype is None else dtype
        return self._make(values, dtype, device, requires_grad)

    def empty(self, *size, dtype=None, device=None, requires_grad=False, **kw):
        """Zeros: an uninitialised tensor's values are whatever was in memory."""
        shape = self._shape(size, kw.pop("size", None))
        kw.pop("memory_format", None)
        _no_extra(kw, "empty")
        return self._make(np.zeros(shape), self._float_dtype(dtype), device, requires_grad)

    def _like(self, draw, input, dtype, device, requires_grad):
        dtype = input.dtype if dtype is None else dtype
        device = input.device if device is None else device
        return self._make(draw(tuple(input.shape)), dtype, device, requires_grad)

    def rand_like(self, input, *, dtype=None, device=None, requires_grad=False, **kw):
        kw.pop("memory_format", None)
        _no_extra(kw, "rand_like")
        return self._like(self._rng.random, input, dtype, device, requires_grad)

    def randn_like(self, input, *, dtype=None, device=None, requires_grad=False, **kw):
        kw.pop("memory_format", None)
        _no_extra(kw, "randn_like")
        return self._like(self._rng.standard_normal, input, dtype, device, requires_grad)

    def empty_like(self, input, *, dtype=None, device=None, requires_grad=False, **kw):
        kw.pop("memory_format", None)
        _no_extra(kw, "empty_like")
        return self._like(np.zeros, input, dtype, device, requires_grad)


def _no_extra(kwargs: dict, name: str) -> None:
    if kwargs:
        raise TypeError(f"seeded {name}() got unsupported arguments: {sorted(kwargs)}")


@dataclass
class Run:
    """What one execution of a snippet (or one cell of a :class:`Session`) left behind.

    ``namespace`` is the session's live namespace: later cells change it.
    """

    lib: types.ModuleType
    printed: str
    namespace: dict = field(repr=False)
    #: ``(category name, normalised message)`` of every warning the code raised, in order.
    warned: list[tuple[str, str]] = field(default_factory=list)

    @property
    def normalised(self) -> str:
        return normalise(self.printed, self.lib.__name__)


_ADDRESS = re.compile(r"<(\w+) object at 0x[0-9a-fA-F]+>")


def normalise(text: str, lib_name: str) -> str:
    """Apply the two printed-output rules of the module docstring (and nothing else)."""
    if lib_name != "autograd_lab":
        text = re.sub(rf"\b{re.escape(lib_name)}\.", "autograd_lab.", text)
    return _ADDRESS.sub(r"<\1 object at 0xADDR>", text)


class Session:
    """A namespace where code cells run one after another with ``torch`` bound to the proxy.

    ``env`` adds names to the namespace before the first cell (e.g. a temporary folder).
    """

    def __init__(self, lib: types.ModuleType, seed: int = 0, env: dict | None = None):
        self.lib = lib
        self.proxy = SeededLibrary(lib, seed)
        self.namespace = {
            "__name__": "__seed_snippet__",
            "__builtins__": {**vars(builtins), "__import__": self._import},
            "torch": self.proxy,
            **(env or {}),
        }
        self._cells = 0
        #: What each cell printed, in order (kept when a cell raises).
        self.printed: list[str] = []

    def _import(self, mod, globals=None, locals=None, fromlist=(), level=0):
        if level == 0 and (mod == "torch" or mod.startswith("torch.")):
            if mod == "torch":
                return self.proxy
            sub = importlib.import_module(self.lib.__name__ + mod[len("torch") :])
            return sub if fromlist else self.proxy
        return builtins.__import__(mod, globals, locals, fromlist, level)

    def run(self, code: str, name: str = "snippet") -> Run:
        """Execute one cell; return its printed output, warnings and the (live) namespace."""
        self._cells += 1
        filename = f"<seed snippet {name} on {self.lib.__name__}, cell {self._cells}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        out = io.StringIO()
        try:
            with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
                warnings.simplefilter("always")
                exec(compile(code, filename, "exec"), self.namespace)
        finally:
            self.printed.append(out.getvalue())
        warned = [
            (w.category.__name__, normalise(str(w.message), self.lib.__name__)) for w in caught
        ]
        return Run(self.lib, out.getvalue(), self.namespace, warned)


def run_snippet(code: str, lib: types.ModuleType, *, name: str = "snippet", seed: int = 0) -> Run:
    """Execute ``code`` with ``torch`` bound to ``SeededLibrary(lib, seed)``; capture stdout."""
    return Session(lib, seed).run(code, name)


# --------------------------------------------------------------------------------------------
# Comparing runs
# --------------------------------------------------------------------------------------------


def _kind(value, lib) -> str | None:
    """How a namespace value is compared, or None when it is not."""
    if isinstance(value, lib.Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        return "ndarray"
    if value is None or isinstance(value, bool | int | float | complex | str | np.generic):
        return "scalar"
    if isinstance(value, list | tuple):
        return "sequence"
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, lib.device):
        return "device"
    if isinstance(value, lib.dtype):
        return "dtype"
    if hasattr(value, "next_functions"):
        return "node"
    if isinstance(value, lib.nn.Module):
        return "module"
    if isinstance(value, lib.optim.Optimizer):
        return "optimizer"
    return None  # functions, classes, Python modules, iterators, ...


def _numpy(t) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def _dtype_name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _compare_arrays(where: str, a: np.ndarray, b: np.ndarray, tol: Tol = FLOAT32) -> list[str]:
    if a.shape != b.shape:
        return [f"{where}: shape {b.shape} != {a.shape}"]
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        ok = np.allclose(b, a, rtol=tol.rtol, atol=tol.atol, equal_nan=True)
        if not ok:
            worst = float(np.max(np.abs(b.astype(np.float64) - a)))
            return [
                f"{where}: values differ (max |diff| {worst:.3g}, rtol={tol.rtol:.3g}, "
                f"atol={tol.atol:.3g})\n  expected {a!r}\n  got      {b!r}"
            ]
        return []
    return (
        [] if np.array_equal(a, b) else [f"{where}: values differ\n  expected {a!r}\n  got {b!r}"]
    )


def _compare_tensors(where: str, a, b, *, with_grad: bool = True, tol: Tol = FLOAT32) -> list[str]:
    problems = []
    attrs = {
        "shape": lambda t: tuple(t.shape),
        "dtype": lambda t: _dtype_name(t.dtype),
        "device type": lambda t: t.device.type,
        "requires_grad": lambda t: t.requires_grad,
        "is_leaf": lambda t: t.is_leaf,
        "grad_fn": lambda t: None if t.grad_fn is None else type(t.grad_fn).__name__,
    }
    for attr, get in attrs.items():
        if get(a) != get(b):
            problems.append(f"{where}: {attr} {get(b)!r} != {get(a)!r}")
    if not problems:
        problems += _compare_arrays(where, _numpy(a), _numpy(b), tol)
    if with_grad:
        with warnings.catch_warnings():  # PyTorch warns when a non-leaf's .grad is read
            warnings.simplefilter("ignore", UserWarning)
            grad_a, grad_b = a.grad, b.grad
        if (grad_a is None) != (grad_b is None):
            problems.append(f"{where}: .grad is {grad_b!r}, expected {grad_a!r}")
        elif grad_a is not None:
            problems += _compare_tensors(f"{where}.grad", grad_a, grad_b, with_grad=False, tol=tol)
    return problems


def _compare_modules(where: str, a, ref_lib, b, lib, tol: Tol) -> list[str]:
    problems = []
    ra, rb = normalise(repr(a), ref_lib.__name__), normalise(repr(b), lib.__name__)
    if ra != rb:
        problems.append(f"{where}: repr differs\n  expected {ra}\n  got      {rb}")
    if a.training != b.training:
        problems.append(f"{where}: training {b.training} != {a.training}")
    problems += _compare_values(
        f"{where}.state_dict()", a.state_dict(), ref_lib, b.state_dict(), lib, tol
    )
    params_a, params_b = dict(a.named_parameters()), dict(b.named_parameters())
    if list(params_a) != list(params_b):
        problems.append(f"{where}: parameter names {list(params_b)} != {list(params_a)}")
        return problems
    for name in params_a:
        problems += _compare_tensors(f"{where}.{name}", params_a[name], params_b[name], tol=tol)
    return problems


def _compare_values(where: str, a, ref_lib, b, lib, tol: Tol = FLOAT32) -> list[str]:
    kind = _kind(a, ref_lib)
    if kind != _kind(b, lib):
        return [f"{where}: got {type(b).__name__} {b!r}, expected {type(a).__name__} {a!r}"]
    if kind == "tensor":
        return _compare_tensors(where, a, b, tol=tol)
    if kind == "ndarray":
        if a.dtype != b.dtype:
            return [f"{where}: ndarray dtype {b.dtype} != {a.dtype}"]
        return _compare_arrays(where, a, b, tol)
    if kind == "scalar":
        if type(a) is not type(b):
            return [f"{where}: type {type(b).__name__} != {type(a).__name__} ({b!r} vs {a!r})"]
        if isinstance(a, float | np.floating) and not math.isnan(a):
            same = math.isclose(a, b, rel_tol=tol.rtol, abs_tol=tol.atol)
        else:
            same = a == b or (a != a and b != b)  # NaN equals NaN here
        return [] if same else [f"{where}: {b!r} != {a!r}"]
    if kind == "sequence":
        if type(a).__name__ != type(b).__name__ or len(a) != len(b):
            return [f"{where}: {type(b).__name__} {b!r} != {type(a).__name__} {a!r}"]
        return [
            p
            for i, (x, y) in enumerate(zip(a, b))
            for p in _compare_values(f"{where}[{i}]", x, ref_lib, y, lib, tol)
        ]
    if kind == "mapping":
        if type(a).__name__ != type(b).__name__ or list(a) != list(b):
            return [
                f"{where}: {type(b).__name__} with keys {list(b)} != "
                f"{type(a).__name__} with keys {list(a)}"
            ]
        return [
            p for k in a for p in _compare_values(f"{where}[{k!r}]", a[k], ref_lib, b[k], lib, tol)
        ]
    if kind in ("device", "dtype"):
        sa, sb = normalise(str(a), ref_lib.__name__), normalise(str(b), lib.__name__)
        return [] if sa == sb else [f"{where}: {sb} != {sa}"]
    if kind == "node":
        na, nb = type(a).__name__, type(b).__name__
        return [] if na == nb else [f"{where}: graph node {nb} != {na}"]
    if kind == "module":
        return _compare_modules(where, a, ref_lib, b, lib, tol)
    if kind == "optimizer":
        ra, rb = normalise(repr(a), ref_lib.__name__), normalise(repr(b), lib.__name__)
        if type(a).__name__ != type(b).__name__ or ra != rb:
            return [f"{where}: optimizer\n{rb}\n  expected\n{ra}"]
        return _compare_values(
            f"{where}.state_dict()", a.state_dict(), ref_lib, b.state_dict(), lib, tol
        )
    return []


def graph_names(node, opaque: Mapping[str, str] | None = None) -> list[str]:
    """The class names of the autograd graph below ``node``, depth first, each node once.

    A node whose name is a key of ``opaque`` is listed under its value and not descended into
    (for fused nodes whose inside is an implementation detail).
    """
    opaque = opaque or {}
    names, seen, stack = [], set(), [node]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        name = type(node).__name__
        names.append(opaque.get(name, name))
        if name not in opaque:
            stack.extend(fn for fn, _ in reversed(node.next_functions))
    return names


# A number as printed by Python or a tensor repr: 12, -0.0602, 1.4868e-42, 2., nan, inf.
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)(?![\w.])")


def _last_digit_unit(token: str) -> float:
    """One unit in the last printed digit of a rounded float (``0.1235`` -> ``1e-4``), or 0.

    0 where the text is exact: ``2.`` (a tensor repr's integral values) and Python's shortest
    round-trip ``repr`` without a decimal point, such as ``1e-05``.
    """
    mantissa, _, exponent = token.lower().partition("e")
    point, decimals = "." in mantissa, len(mantissa.partition(".")[2])
    if not point or not decimals:
        return 0.0
    return 10.0 ** (int(exponent or 0) - decimals)


def _numbers_close(a: str, b: str, tol: Tol) -> bool:
    if not any(c in a + b for c in ".enia"):  # integers: exactly
        return a == b
    x, y = float(a), float(b)
    if math.isnan(x) or math.isinf(x):
        return a == b
    slack = max(_last_digit_unit(a), _last_digit_unit(b))
    return abs(x - y) <= tol.atol + tol.rtol * abs(x) + slack * 1.0000001


def compare_printed(reference: Run, candidate: Run, *, numeric: Tol | None = None) -> list[str]:
    """The difference between the printed outputs, or ``[]`` (see the module docstring)."""
    expected, got = reference.normalised, candidate.normalised
    if expected == got:
        return []
    if numeric is not None:
        split_a, split_b = _NUMBER.split(expected), _NUMBER.split(got)
        nums_a, nums_b = _NUMBER.findall(expected), _NUMBER.findall(got)
        squash = [re.sub(" +", " ", s) for s in split_a] == [re.sub(" +", " ", s) for s in split_b]
        if squash and all(_numbers_close(x, y, numeric) for x, y in zip(nums_a, nums_b)):
            return []
    diff = difflib.unified_diff(
        expected.splitlines(),
        got.splitlines(),
        f"printed by {reference.lib.__name__}",
        f"printed by {candidate.lib.__name__}",
        lineterm="",
    )
    return ["printed output differs:\n" + "\n".join(diff)]


def compare_runs(
    reference: Run,
    candidate: Run,
    *,
    tol: Tol = FLOAT32,
    numeric_print: bool = False,
    compare_warnings: bool = False,
    ignore: Collection[str] = (),
) -> list[str]:
    """Everything that differs between two runs of a snippet (empty when they match).

    ``numeric_print`` lets printed numbers differ within ``tol`` (see :func:`compare_printed`);
    ``compare_warnings`` requires the same warnings, in order; names in ``ignore`` (e.g. each
    run's own temporary folder) are not compared.
    """
    problems = compare_printed(reference, candidate, numeric=tol if numeric_print else None)
    if compare_warnings and reference.warned != candidate.warned:
        problems.append(
            f"warnings differ:\n  expected {reference.warned}\n  got {candidate.warned}"
        )

    def compared(run: Run) -> dict:
        return {
            k: v
            for k, v in run.namespace.items()
            if not k.startswith("__") and k not in ignore and _kind(v, run.lib) is not None
        }

    ref_vars, cand_vars = compared(reference), compared(candidate)
    for name in sorted(ref_vars.keys() - cand_vars.keys()):
        problems.append(f"{name}: missing (or not comparable) in {candidate.lib.__name__}'s run")
    for name in sorted(cand_vars.keys() - ref_vars.keys()):
        problems.append(f"{name}: only in {candidate.lib.__name__}'s run")
    for name in sorted(ref_vars.keys() & cand_vars.keys()):
        problems += _compare_values(
            name, ref_vars[name], reference.lib, cand_vars[name], candidate.lib, tol
        )
    return problems

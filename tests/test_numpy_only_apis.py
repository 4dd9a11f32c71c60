"""The compute code (ops, nn, optim, autograd) calls NumPy only where NumPy is right on any
device: DESIGN.md's rule that NumPy/CuPy differences live in ``backend.py``.

On the GPU ``xp`` is CuPy. A direct ``np.`` call there either makes a *host* array (then
mixing it into CuPy arithmetic raises ``TypeError``, or it is wrapped as a "cuda" tensor
without being copied) or needs an API CuPy lacks (``np.add.at`` -> ``backend.ufunc_at``,
``np.lib.stride_tricks`` -> ``ops.strides._as_strided(xp, ...)``, ``np.random`` -> ``_random``).
This test reads the sources: every such call must be in the allow-list below, each entry
reviewed as host-only work (shapes, index arithmetic later moved with ``to_device`` /
``xp.asarray``, float64 checks), with the reason. Entries that no longer match anything fail
too, so the list cannot silently rot.
"""

from __future__ import annotations

import re
from pathlib import Path

import autograd_lab

PACKAGE = Path(autograd_lab.__file__).parent
DIRS = ("ops", "nn", "optim", "autograd")

_NP_CALL = ("asarray|array|ascontiguousarray|asanyarray|zeros|ones|empty|full|arange|eye|tril|"
            "triu|outer|repeat|linspace|zeros_like|ones_like|empty_like|full_like|concatenate|"
            "stack|where|unique|bincount|take|put_along_axis|take_along_axis|einsum|matmul|dot|"
            "tensordot|clip|minimum|maximum|abs|sqrt|exp|log|copysign|isnan|cos|floor|sign|"
            "diag|linalg")
SUSPECT = re.compile(rf"\bnp\.(?:random\b|lib\b|(?:{_NP_CALL})\b)|\b\w+\.at\(|\.tolist\(\)")

# path -> {line fragment: why it is fine on the GPU}
ALLOWED: dict[str, dict[str, str]] = {
    "ops/_util.py": {
        "np.asarray(x, dtype=np.int64).astype(rt.np)[()]": "a NumPy scalar: CuPy accepts it",
        "np.asarray(x, dtype=rt.np)[()]": "a NumPy scalar: CuPy accepts it",
    },
    "ops/_im2col.py": {"np.empty(size, dtype=dtype)": "CPU-only scratch (guarded: xp is np)"},
    "ops/index_parse.py": {"np.asarray(item)": "a Python index (list) parsed on the host, "
                                               "then moved with to_device"},
    "ops/pool.py": {
        "np.arange(d.out)": "host index arithmetic, moved with xp.asarray",
        "np.where(start < 0": "host index arithmetic, moved with xp.asarray",
    },
    "ops/pool_avg.py": {
        "np.arange(dm.out)": "host divisor arithmetic, moved with xp.asarray",
        "np.minimum(start + dm.k": "host divisor arithmetic, moved with xp.asarray",
        "np.maximum(start, 0)": "host divisor arithmetic, moved with xp.asarray",
        "np.outer(lengths[0]": "host divisor arithmetic, moved with xp.asarray",
        "np.zeros((out, size))": "host averaging matrix, moved with xp.asarray",
    },
    "ops/shape.py": {"np.argsort(ctx.dims).tolist()": "a permutation of dims (Python ints)"},
    "ops/shape_copy.py": {"to_device(np.repeat(np.arange(reps.size)": "moved with to_device"},
    "ops/unary.py": {"float(np.log(2.0))": "a Python constant", "float(np.log(10.0))":
                     "a Python constant"},
    "nn/_functional_activations.py": {
        "k = np.arange(400)": "import-time fit of the erf series (host)",
        "np.cos(np.pi * (k + 0.5) / 400)": "import-time fit of the erf series (host)",
        "np.abs(x.astype(np.float64))": "erf: dispatched to CuPy by __array_ufunc__",
        "np.ones_like(a)": "erf: dispatched to CuPy by __array_function__",
        "np.exp(-b * b)": "erf: dispatched to CuPy by __array_ufunc__",
        "out[np.isnan(a)] = np.nan": "erf: dispatched to CuPy by __array_ufunc__",
        "np.copysign(out, x)": "erf: dispatched to CuPy by __array_ufunc__",
        "mask = np.zeros(mask_shape, dt)": "dropout mask drawn on the host, moved with "
                                           "to_device (same numbers on CPU and GPU)",
    },
    "nn/_functional_misc.py": {
        "i = np.arange(-lo, n + hi)": "pad index (host), moved with to_device",
        "np.clip(i, 0, n - 1)": "pad index (host), moved with to_device",
        "np.abs(i) % period": "pad index (host), moved with to_device",
        "np.where(i >= n, period - i, i)": "pad index (host), moved with to_device",
        "dst = np.arange(n_out, dtype=np.float64)": "interpolation index (host), to_device",
        "np.minimum(np.floor(dst * s)": "interpolation index (host), to_device",
        "np.maximum((dst + 0.5) * s - 0.5, 0.0)": "interpolation index (host), to_device",
        "i0 = np.minimum(np.floor(src)": "interpolation index (host), to_device",
        "i1 = np.minimum(i0 + 1, n_in - 1)": "interpolation index (host), to_device",
    },
    "nn/init.py": {
        "np.asarray(a, dtype=dt), np.asarray(b, dtype=dt)": "init draws on the host, then "
                                                            "_fill_random moves the values",
        "pending = np.ones(shape, dtype=bool)": "init draws on the host (_fill_random)",
        "pending &= np.log(u) > log_pdf": "init draws on the host (_fill_random)",
        "out = np.where(pending,": "init draws on the host (_fill_random)",
        "to_device(np.eye(*tensor.shape": "moved with to_device",
        "q, r = np.linalg.qr(flat)": "init draws on the host (_fill_random)",
        "q *= np.sign(np.diag(r))": "init draws on the host (_fill_random)",
    },
    "nn/utils/clip_grad.py": {"np.asarray(0.0, dtype=np.float32)": "no gradients at all: a "
                                                                   "CPU 0 (as PyTorch)"},
    "optim/_util.py": {"np.zeros((), dtype=np.float32)": "state['step'] lives on the CPU, as "
                                                         "in PyTorch"},
    "autograd/gradcheck.py": {
        "np.concatenate([(p - m) / (2 * eps)": "gradcheck compares on the host",
        "np.stack(cols, axis=1)": "gradcheck compares on the host",
        "g = np.zeros(o.shape, dtype=o._data.dtype)": "gradcheck compares on the host",
        "rows.append(np.zeros(inputs[i].numel()))": "gradcheck compares on the host",
        "rows.append(np.zeros(inputs[i].numel()) if gi is None": "gradcheck: host",
        "np.stack(rows, axis=0)": "gradcheck compares on the host",
        "np.abs(ana - num)": "gradcheck compares on the host",
        "np.random.default_rng(0)": "gradcheck's own probe values",
    },
}


def _suspects() -> list[tuple[str, str]]:
    found = []
    for d in DIRS:
        for path in sorted((PACKAGE / d).rglob("*.py")):
            rel = str(path.relative_to(PACKAGE))
            for line in path.read_text().splitlines():
                code = line.split("#")[0]
                if SUSPECT.search(code) and not code.strip().startswith(('"', "'")):
                    found.append((rel, line.strip()))
    return found


def test_numpy_only_calls_are_reviewed():
    unreviewed = [f"{rel}: {line}" for rel, line in _suspects()
                  if not any(frag in line for frag in ALLOWED.get(rel, {}))]
    assert not unreviewed, ("NumPy calls in compute code that may break on CuPy (use xp, "
                            "backend.ufunc_at/scatter_add, to_device, or add a reviewed "
                            "allow-list entry):\n" + "\n".join(unreviewed))


def test_allow_list_has_no_stale_entries():
    found = _suspects()
    stale = [f"{rel}: {frag}" for rel, frags in ALLOWED.items() for frag in frags
             if not any(r == rel and frag in line for r, line in found)]
    assert not stale, "allow-list entries that match nothing any more:\n" + "\n".join(stale)


def test_the_scan_catches_what_it_should():
    # The pattern itself: each of these lines would break (or be wrong) on CuPy.
    for line in ("np.add.at(out, idx, v)", "xp.multiply.at(out, idx, v)",
                 "np.lib.stride_tricks.as_strided(x, s)", "u = np.random.rand(3)",
                 "m = np.zeros((3, 3))", "x._data.tolist()", "np.asarray(t._data)"):
        assert SUSPECT.search(line), line
    for line in ("xp.zeros((3, 3))", "np.dtype('float32')", "np.errstate(all='ignore')",
                 "ctx.xp.take(w, i, axis=0)", "isinstance(x, np.ndarray)"):
        assert not SUSPECT.search(line), line

"""Run autograd_lab's CUDA kernels on the CPU: a stand-in for CuPy's kernel classes.

No GPU here, yet the kernels' logic (index arithmetic, padding, ties, NaNs, grid-stride loops)
can still be tested: each CUDA C source is compiled as C++ by g++, with ``blockIdx``,
``threadIdx``... as globals, and every thread of the grid is run one after another. That is
exact for kernels whose threads are independent or only meet through ``atomicAdd`` (every
kernel in ``autograd_lab.cuda_kernels``); it cannot emulate ``__syncthreads`` or warp
shuffles, which those kernels do not use.

``FakeCupy`` is handed to the real launchers in place of CuPy: array functions are NumPy's,
and ``RawKernel`` / ``ElementwiseKernel`` / ``ReductionKernel`` are the emulators below. So the
launchers' own code runs too, and the emulated RawKernel checks what CuPy cannot check for
us: every scalar argument has exactly the C type the kernel reads (a Python int passed where
the kernel reads ``long long`` is garbage on a real GPU), every array the pointer's dtype, and
is C-contiguous.

``cuda_source(...)`` builds the same wrappers as CUDA C, so NVRTC can compile the
ElementwiseKernel/ReductionKernel bodies as a syntax check (CuPy generates the real ones).
"""

from __future__ import annotations

import atexit
import ctypes
import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

GXX = shutil.which("g++")
_BUILD_DIR = Path(tempfile.mkdtemp(prefix="cuda_emulator_"))
atexit.register(shutil.rmtree, _BUILD_DIR, ignore_errors=True)
_CTYPE = {"float32": "float", "float64": "double", "int64": "long long", "int32": "int",
          "bool": "bool"}
_PRELUDE = r"""
#include <cmath>
#include <cstring>
#include <algorithm>
using std::min; using std::max; using std::exp; using std::log; using std::sqrt;
using std::isnan;
struct Dim3 { unsigned int x, y, z; };
static Dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline double __longlong_as_double(long long i) {
  double d; std::memcpy(&d, &i, 8); return d; }
template <typename U> U atomicAdd(U* address, U value) { U old = *address; *address += value;
                                                         return old; }
"""


def _compile(code: str) -> ctypes.CDLL:
    digest = hashlib.sha1(code.encode()).hexdigest()[:16]
    lib = _BUILD_DIR / f"k{digest}.so"
    if not lib.exists():
        src = _BUILD_DIR / f"k{digest}.cpp"
        src.write_text(code)
        done = subprocess.run([GXX, "-O1", "-std=c++17", "-shared", "-fPIC", "-w", "-o",
                               str(lib), str(src)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"g++ failed on {src}:\n{done.stderr}")
    return ctypes.CDLL(str(lib))


# ----------------------------------------------------------------------------- RawKernel
_SIGNATURE = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\((.*?)\)\s*\{', re.S)


def _params(text: str) -> list[tuple[str, str]]:
    """``"const T* __restrict__ x, long long n"`` -> ``[("const T* __restrict__", "x"), ...]``."""
    out = []
    for p in " ".join(text.split()).split(","):
        kind, name = p.strip().rsplit(" ", 1)
        out.append((kind.strip(), name))
    return out


class RawKernel:
    """``cupy.RawKernel(code, name)``, run thread by thread on the CPU."""

    def __init__(self, code: str, name: str) -> None:
        sig = next(m for m in _SIGNATURE.finditer(code) if m.group(1) == name)
        self.params = _params(sig.group(2))
        self.dtype = np.float64 if "typedef double T;" in code else np.float32
        args = ", ".join(f"{k} {n}" for k, n in self.params)
        names = ", ".join(n for _, n in self.params)
        launch = (f"extern \"C\" void launch(unsigned int grid_x_, unsigned int block_x_, "
                  f"{args}) {{\n"
                  f"  gridDim = {{grid_x_, 1, 1}}; blockDim = {{block_x_, 1, 1}};\n"
                  f"  for (unsigned int b_ = 0; b_ < grid_x_; ++b_)\n"
                  f"    for (unsigned int t_ = 0; t_ < block_x_; ++t_) {{\n"
                  f"      blockIdx = {{b_, 0, 0}}; threadIdx = {{t_, 0, 0}}; {name}({names});\n"
                  f"    }}\n}}\n")
        self.lib = _compile(_PRELUDE + code + launch)
        self.launches = 0

    def _convert(self, kind: str, name: str, arg):
        if "*" in kind:
            want = np.int64 if kind.replace("const", "").strip().startswith("long long") \
                else self.dtype
            assert isinstance(arg, np.ndarray), f"{name}: expected an array, got {type(arg)}"
            assert arg.dtype == want, f"{name}: dtype {arg.dtype}, the kernel reads {want}"
            assert arg.flags.c_contiguous, f"{name}: not C-contiguous"
            return arg.ctypes.data_as(ctypes.c_void_p)
        expected = {"long long": np.int64, "int": np.int32, "T": self.dtype,
                    "bool": np.bool_}[kind.replace("const", "").strip()]
        assert type(arg) is expected, (f"{name}: a {type(arg).__name__} passed where the kernel "
                                       f"reads {kind} ({expected.__name__})")
        ctype = {np.int64: ctypes.c_longlong, np.int32: ctypes.c_int, np.float32: ctypes.c_float,
                 np.float64: ctypes.c_double, np.bool_: ctypes.c_bool}[expected]
        return ctype(arg.item())

    def __call__(self, grid, block, args) -> None:
        assert len(args) == len(self.params), f"{len(args)} args for {len(self.params)} params"
        assert 0 < grid[0] < 2**31 and 0 < block[0] <= 1024, (grid, block)
        converted = [self._convert(k, n, a) for (k, n), a in zip(self.params, args)]
        self.lib.launch(ctypes.c_uint(grid[0]), ctypes.c_uint(block[0]), *converted)
        self.launches += 1


# ----------------------------------------------------------------------------- Elementwise
def _parse(spec: str) -> list[tuple[str, str, bool]]:
    """CuPy's ``"T x, raw T y, float32 a"`` -> ``[(type, name, raw)]``."""
    out = []
    for p in spec.split(","):
        words = p.split()
        out.append((words[-2], words[-1], "raw" in words[:-2]))
    return out


def _ctype(typ: str, t: str) -> str:
    return t if typ == "T" else _CTYPE[np.dtype(typ).name]


def _resolve_t(params, args) -> str:
    for (typ, _, _), a in zip(params, args):
        if typ == "T" and isinstance(a, np.ndarray):
            return _CTYPE[a.dtype.name]
    raise AssertionError("no array argument fixes T")


def _np_type(typ: str, t: str):
    return np.float32 if typ == "T" and t == "float" else np.float64 if typ == "T" \
        else np.dtype(typ).type


def elementwise_source(ins, outs, operation: str, t: str, arrays: set[str],
                       cuda: bool = False) -> str:
    """A loop over ``n`` elements binding each argument to element ``i``, around
    ``operation``: C++ for the emulator, or (``cuda``) a CUDA kernel for NVRTC. ``arrays``
    names the inputs given as arrays (the others are scalars)."""
    params = ["long long n"]
    bind = []
    for typ, name, _ in ins:
        c = _ctype(typ, t)
        params.append(f"const {c}* {name}_" if name in arrays else f"{c} {name}")
    for typ, name, _ in outs:
        params.append(f"{_ctype(typ, t)}* {name}_")
    for typ, name, _ in ins:
        if name in arrays:
            bind.append(f"const {_ctype(typ, t)} {name} = {name}_[i];")
    for typ, name, _ in outs:
        bind.append(f"{_ctype(typ, t)}& {name} = {name}_[i];")
    loop = ("for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; "
            "i += (long long)blockDim.x * gridDim.x)" if cuda
            else "for (long long i = 0; i < n; ++i)")
    head = 'extern "C" __global__ void' if cuda else 'extern "C" void'
    return (f"typedef {t} T;\n{head} run({', '.join(params)}) {{\n  {loop} {{\n    "
            + "\n    ".join(bind) + f"\n    {operation};\n  }}\n}}\n")


class ElementwiseKernel:
    """``cupy.ElementwiseKernel(in_params, out_params, operation, name)`` on the CPU."""

    def __init__(self, in_params: str, out_params: str, operation: str, name: str = "k",
                 **kwargs) -> None:
        self.ins, self.outs, self.operation = _parse(in_params), _parse(out_params), operation

    def __call__(self, *args):
        n_in = len(self.ins)
        ins, outs = list(args[:n_in]), list(args[n_in:])
        t = _resolve_t(self.ins + self.outs, ins + outs)
        arrays = [a for a in ins + outs if isinstance(a, np.ndarray)]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        if not outs:
            outs = [np.empty(shape, _np_type(typ, t)) for typ, _, _ in self.outs]
        names = {name for (_, name, _), a in zip(self.ins, ins) if isinstance(a, np.ndarray)}
        lib = _compile(_PRELUDE + elementwise_source(self.ins, self.outs, self.operation, t,
                                                     names))
        c_args, keep = [ctypes.c_longlong(int(np.prod(shape, dtype=np.int64)))], []
        for (typ, _, _), a in zip(self.ins, ins):
            if isinstance(a, np.ndarray):
                flat = np.ascontiguousarray(np.broadcast_to(a, shape), dtype=_np_type(typ, t))
                keep.append(flat)
                c_args.append(flat.ctypes.data_as(ctypes.c_void_p))
            else:
                kind = _np_type(typ, t)
                c_args.append({np.float32: ctypes.c_float, np.float64: ctypes.c_double,
                               np.bool_: ctypes.c_bool, np.int64: ctypes.c_longlong,
                               np.int32: ctypes.c_int}[kind](kind(a).item()))
        temps = []
        for (typ, _, _), o in zip(self.outs, outs):
            assert o.shape == shape, f"output shape {o.shape}, broadcast shape {shape}"
            temp = np.ascontiguousarray(o, dtype=_np_type(typ, t)).copy()
            temps.append(temp)
            c_args.append(temp.ctypes.data_as(ctypes.c_void_p))
        lib.run(*c_args)
        for o, temp in zip(outs, temps):
            o[...] = temp
        return outs[0] if len(outs) == 1 else tuple(outs)


# ----------------------------------------------------------------------------- Reduction
def reduction_source(ins, out, spec, t: str, cuda: bool = False) -> str:
    """A reduction of ``n_red`` values into each of ``n_out`` outputs, serially, with CuPy's
    ``map_expr`` / ``reduce_expr`` (over ``a``, ``b``) / ``post_map_expr`` / ``identity``."""
    map_expr, reduce_expr, post_map_expr, identity = spec[2:6]
    params = ["long long n_out", "long long n_red"]
    params += [f"const {_ctype(typ, t)}* {name}_" for typ, name, _ in ins]
    params += [f"{_ctype(typ, t)}* {name}_" for typ, name, _ in out]
    binds = "\n      ".join(f"const {_ctype(typ, t)} {name} = {name}_[k];"
                            for typ, name, _ in ins)
    outs = "\n    ".join(f"{_ctype(typ, t)}& {name} = {name}_[o];" for typ, name, _ in out)
    loop = ("for (long long o = blockIdx.x * (long long)blockDim.x + threadIdx.x; o < n_out; "
            "o += (long long)blockDim.x * gridDim.x)" if cuda
            else "for (long long o = 0; o < n_out; ++o)")
    head = 'extern "C" __global__ void' if cuda else 'extern "C" void'
    return (f"typedef {t} T;\ntypedef T _type_reduce;\n{head} run({', '.join(params)}) {{\n"
            f"  {loop} {{\n    _type_reduce a = (_type_reduce)({identity});\n"
            f"    for (long long r = 0; r < n_red; ++r) {{\n      long long k = o * n_red + r;\n"
            f"      {binds}\n      _type_reduce b = (_type_reduce)({map_expr});\n"
            f"      a = ({reduce_expr});\n    }}\n    {outs}\n    {post_map_expr};\n  }}\n}}\n")


class ReductionKernel:
    """``cupy.ReductionKernel(in, out, map, reduce, post_map, identity, name)`` on the CPU."""

    def __init__(self, *spec, name: str = "k", **kwargs) -> None:
        self.spec = spec
        self.ins, self.outs = _parse(spec[0]), _parse(spec[1])

    def __call__(self, *args, axis=None, keepdims=False):
        assert not keepdims
        t = _resolve_t(self.ins, args)
        arrays = [np.asarray(a) for a in args]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        ndim = len(shape)
        axes = tuple(range(ndim)) if axis is None else tuple(a % ndim for a in (
            axis if isinstance(axis, tuple) else (axis,)))
        keep = [d for d in range(ndim) if d not in axes]
        out_shape = tuple(shape[d] for d in keep)
        n_out = int(np.prod(out_shape, dtype=np.int64))
        n_red = int(np.prod([shape[d] for d in axes], dtype=np.int64))
        flat = [np.ascontiguousarray(np.broadcast_to(a, shape).transpose(keep + list(axes)),
                                     dtype=_np_type(typ, t)).reshape(n_out, n_red)
                for (typ, _, _), a in zip(self.ins, arrays)]
        outs = [np.empty(out_shape, _np_type(typ, t)) for typ, _, _ in self.outs]
        lib = _compile(_PRELUDE + reduction_source(self.ins, self.outs, self.spec, t))
        lib.run(ctypes.c_longlong(n_out), ctypes.c_longlong(n_red),
                *(f.ctypes.data_as(ctypes.c_void_p) for f in flat + outs))
        return outs[0] if len(outs) == 1 else tuple(outs)


class FakeCupy:
    """The ``cp`` the launchers get: NumPy's array functions, emulated kernel classes."""

    __name__ = "fake_cupy"
    ndarray = np.ndarray
    RawKernel = RawKernel
    ElementwiseKernel = ElementwiseKernel
    ReductionKernel = ReductionKernel

    def __getattr__(self, name: str):
        return getattr(np, name)

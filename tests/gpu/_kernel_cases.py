"""The table of kernel cases: each custom CUDA kernel against its NumPy reference.

One table drives the CPU emulation (``test_cuda_kernels.py``, g++) and the real GPU (marked
``gpu``). A case makes NumPy inputs from a seeded stream, runs the launcher with an array
module ``cp`` (CuPy, or the emulator's fake), and runs the reference; outputs must agree.
Shapes are chosen to be awkward: sizes that are not multiples of the block (256), a single
element, empty batches, strides/padding/dilation/ceil mode, ties, NaN and -inf. ``large``
cases (millions of elements) run on the GPU only: emulating them thread by thread is slow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograd_lab.cuda_kernels import batchnorm, conv, loss, optim, pool


@dataclass
class KernelCase:
    kernel: str  # a name of autograd_lab.cuda_kernels.LAUNCHERS
    id: str
    inputs: Callable[[np.random.Generator], dict]  # NumPy arrays and plain options
    run: Callable[[object, dict], tuple]  # (cp, inputs on the device) -> outputs
    ref: Callable[[dict], tuple]  # NumPy inputs -> expected outputs
    rtol: float = 1e-5
    atol: float = 1e-6
    large: bool = False

    @property
    def case_id(self) -> str:
        return f"{self.kernel}[{self.id}]"


def _normal(rng, shape, dtype=np.float32):
    return rng.standard_normal(shape).astype(dtype)


# ----------------------------------------------------------------------------- conv
GEOMETRIES = [  # x shape, kernel, stride, padding, dilation
    ((2, 3, 7, 9), (3, 2), (2, 1), (1, 1), (1, 2)),
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((0, 3, 5, 5), (3, 3), (1, 1), (1, 1), (1, 1)),  # empty batch
    ((3, 5, 33, 31), (3, 3), (1, 1), (1, 1), (1, 1)),  # 3x3 "same", odd sizes
    ((2, 4, 9, 8), (5, 5), (3, 2), (2, 2), (1, 1)),
    ((2, 2, 6, 6), (2, 2), (2, 2), (0, 0), (2, 2)),
]


def _conv_cases(geom, dtype=np.float32, large=False, out_hw=None):
    shape, *g = geom
    tag = f"{'x'.join(map(str, shape))}-k{g[0]}-s{g[1]}-p{g[2]}-d{g[3]}-{np.dtype(dtype).name}"
    if out_hw is not None:  # asymmetric padding: the output size is given
        tag += f"-out{out_hw}"
        g = [*g, out_hw]
    oh, ow = out_hw or (conv.out_size(shape[2], g[0][0], g[1][0], g[2][0], g[3][0]),
                        conv.out_size(shape[3], g[0][1], g[1][1], g[2][1], g[3][1]))
    cols_shape = (shape[0], shape[1] * g[0][0] * g[0][1], oh * ow)
    return [
        KernelCase("im2col", tag, lambda rng: {"x": _normal(rng, shape, dtype)},
                   lambda cp, a: (conv.im2col(cp, a["x"], *g),),
                   lambda a: (conv.im2col_reference(a["x"], *g),), 0, 0, large),
        KernelCase("col2im", tag, lambda rng: {"cols": _normal(rng, cols_shape, dtype)},
                   lambda cp, a: (conv.col2im(cp, a["cols"], shape, *g),),
                   lambda a: (conv.col2im_reference(a["cols"], shape, *g),), 1e-5, 1e-5,
                   large),
    ]


# ----------------------------------------------------------------------------- max pool
POOLS = [  # x shape, kernel, stride, padding, dilation, ceil_mode
    ((2, 3, 7, 9), (3, 3), (2, 2), (1, 1), (1, 1), False),
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), (1, 1), False),
    ((2, 3, 9, 8), (3, 2), (2, 1), (1, 1), (2, 3), True),
    ((2, 3, 9, 8), (3, 3), (1, 1), (0, 0), (1, 1), False),  # overlapping windows
    ((2, 3, 9, 9), (3, 3), (2, 2), (1, 1), (1, 1), True),
    ((0, 3, 5, 5), (2, 2), (2, 2), (0, 0), (1, 1), False),  # empty batch
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1), False),
]


def _pool_input(rng, shape, dtype=np.float32):
    """Rounded values (many ties), and a NaN and a -inf where there is room."""
    x = np.round(rng.standard_normal(shape) * 2).astype(dtype)
    if x.size > 20:
        flat = x.reshape(-1)
        flat[5], flat[17] = np.nan, -np.inf
    return x


def _pool_cases(p, dtype=np.float32, large=False):
    shape, *g = p
    tag = f"{'x'.join(map(str, shape))}-k{g[0]}-s{g[1]}-p{g[2]}-d{g[3]}-ceil{g[4]}"

    def backward_inputs(rng):
        x = _pool_input(rng, shape, dtype)
        y, idx = pool.max_pool2d_reference(x, *g)
        return {"gy": _normal(rng, y.shape, dtype), "idx": idx}

    cases = [KernelCase("max_pool2d", tag, lambda rng: {"x": _pool_input(rng, shape, dtype)},
                        lambda cp, a: pool.max_pool2d(cp, a["x"], *g),
                        lambda a: pool.max_pool2d_reference(a["x"], *g), 0, 0, large)]
    for det in (False, True):
        cases.append(KernelCase(
            "max_pool2d_backward", f"{tag}-{'gather' if det else 'atomic'}", backward_inputs,
            lambda cp, a, det=det: (pool.max_pool2d_backward(
                cp, a["gy"], a["idx"], shape, *g, deterministic=det),),
            lambda a: (pool.max_pool2d_backward_reference(a["gy"], a["idx"], shape),),
            1e-5, 1e-5, large))
    return cases


# ----------------------------------------------------------------------------- cross entropy
def _ce_inputs(n, c, weighted, ignore_index, dtype=np.float32, scale=3.0, bad=False):
    def make(rng):
        t = rng.integers(0, c, n).astype(np.int64)
        if n > 2:
            t[1] = ignore_index
        if bad:
            t[-1] = c + 5
        return {"x": (_normal(rng, (n, c), dtype) * scale).astype(dtype), "t": t,
                "w": np.abs(_normal(rng, c, dtype)) + 0.1 if weighted else None,
                "ignore": ignore_index, "scale": _normal(rng, n, dtype)}
    return make


def _ce_cases(n, c, weighted=False, ignore_index=-100, dtype=np.float32, scale=3.0,
              bad=False, large=False):
    tag = f"{n}x{c}-w{weighted}-ignore{ignore_index}-{np.dtype(dtype).name}-scale{scale}"
    make = _ce_inputs(n, c, weighted, ignore_index, dtype, scale, bad)
    fwd = KernelCase("cross_entropy", tag + ("-bad" if bad else ""), make,
                     lambda cp, a: loss.cross_entropy(cp, a["x"], a["t"], a["w"], a["ignore"]),
                     lambda a: loss.cross_entropy_reference(a["x"], a["t"], a["w"],
                                                            a["ignore"]),
                     2e-6 if dtype == np.float64 else 1e-5, 1e-5, large)
    if bad:
        return [fwd]

    def lse(a):
        return loss.cross_entropy_reference(a["x"], a["t"], a["w"], a["ignore"])[1]

    bwd = KernelCase("cross_entropy_backward", tag, make,
                     lambda cp, a: (loss.cross_entropy_backward(
                         cp, a["x"], a["t"], cp.asarray(lse({k: _host(v) for k, v in a.items()
                                                              })), a["scale"]),),
                     lambda a: (loss.cross_entropy_backward_reference(a["x"], a["t"], lse(a),
                                                                      a["scale"]),),
                     1e-5, 1e-6, large)
    return [fwd, bwd]


def _host(a):
    get = getattr(a, "get", None)
    return get() if get is not None else a


# ----------------------------------------------------------------------------- optimizers
def _sgd_case(size, large=False, **kw):
    tag = f"{size}-" + "-".join(f"{k}{v}" for k, v in kw.items())

    def make(rng):
        return {"p": _normal(rng, size), "g": _normal(rng, size), "b": _normal(rng, size)}

    def run(cp, a):
        buf = a["b"] if kw["momentum"] else None
        optim.sgd_step(cp, a["p"], a["g"], buf, **kw)
        return (a["p"], a["b"])

    def ref(a):
        optim.sgd_step_reference(a["p"], a["g"], a["b"], **kw)
        return (a["p"], a["b"])

    return KernelCase("sgd_step", tag, make, run, ref, 1e-6, 1e-7, large)


def _adam_case(size, amsgrad=False, large=False, **kw):
    tag = f"{size}-amsgrad{amsgrad}-" + "-".join(f"{k}{v}" for k, v in kw.items())

    def make(rng):
        return {"p": _normal(rng, size), "g": _normal(rng, size), "m": _normal(rng, size),
                "v": np.abs(_normal(rng, size)), "vmax": np.abs(_normal(rng, size))}

    def run(cp, a):
        optim.adam_step(cp, a["p"], a["g"], a["m"], a["v"], a["vmax"] if amsgrad else None,
                        **kw)
        return (a["p"], a["m"], a["v"], a["vmax"])

    def ref(a):
        optim.adam_step_reference(a["p"], a["g"], a["m"], a["v"],
                                  a["vmax"] if amsgrad else None, **kw)
        return (a["p"], a["m"], a["v"], a["vmax"])

    return KernelCase("adam_step", tag, make, run, ref, 1e-6, 1e-7, large)


_SGD = dict(lr=0.1, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False, first=False)
_ADAM = dict(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, step=3.0,
             decoupled=False, maximize=False)


# ----------------------------------------------------------------------------- batch norm
def _bn_cases(shape, affine=True, dtype=np.float32, large=False):
    tag = f"{'x'.join(map(str, shape))}-affine{affine}-{np.dtype(dtype).name}"
    c = shape[1]

    def make(rng):
        return {"x": (_normal(rng, shape, dtype) * 2 + 3).astype(dtype),
                "w": _normal(rng, c, dtype) if affine else None,
                "b": _normal(rng, c, dtype) if affine else None,
                "g": _normal(rng, shape, dtype)}

    def stats(a):
        _, mean, invstd, _ = batchnorm.batch_norm_reference(_host(a["x"]), None, None, 1e-5)
        return mean, invstd

    tol = (1e-4, 1e-5) if dtype == np.float32 else (1e-10, 1e-12)
    return [
        KernelCase("batch_norm", tag, make,
                   lambda cp, a: batchnorm.batch_norm(cp, a["x"], a["w"], a["b"], 1e-5),
                   lambda a: batchnorm.batch_norm_reference(a["x"], a["w"], a["b"], 1e-5),
                   *tol, large),
        KernelCase("batch_norm_backward", tag, make,
                   lambda cp, a: batchnorm.batch_norm_backward(
                       cp, a["g"], a["x"], *(cp.asarray(s) for s in stats(a)), a["w"]),
                   lambda a: batchnorm.batch_norm_backward_reference(
                       a["g"], a["x"], *stats(a), a["w"]), *tol, large),
    ]


CASES: list[KernelCase] = [
    *(c for g in GEOMETRIES for c in _conv_cases(g)),
    *_conv_cases(GEOMETRIES[0], np.float64),
    *_conv_cases(((2, 3, 6, 7), (4, 3), (1, 1), (1, 1), (1, 1)), out_hw=(6, 7)),  # "same", even
    *_conv_cases(((64, 64, 32, 32), (3, 3), (1, 1), (1, 1), (1, 1)), large=True),
    *(c for p in POOLS for c in _pool_cases(p)),
    *_pool_cases(POOLS[0], np.float64),
    *_pool_cases(((128, 64, 32, 32), (3, 3), (2, 2), (1, 1), (1, 1), False), large=True),
    *_ce_cases(5, 4), *_ce_cases(6, 4, weighted=True, ignore_index=1),
    *_ce_cases(7, 1), *_ce_cases(0, 4), *_ce_cases(300, 10),
    *_ce_cases(3, 10, scale=1e4), *_ce_cases(9, 7, weighted=True, dtype=np.float64),
    *_ce_cases(6, 4, bad=True), *_ce_cases(4096, 1000, large=True),
    _sgd_case(1001, **_SGD), _sgd_case(1001, **{**_SGD, "first": True}),
    _sgd_case(257, **{**_SGD, "momentum": 0.0, "weight_decay": 0.1}),
    _sgd_case(300, **{**_SGD, "nesterov": True, "weight_decay": 0.01}),
    _sgd_case(300, **{**_SGD, "dampening": 0.3, "maximize": True}),
    _sgd_case(0, **_SGD), _sgd_case(10_000_000, large=True, **_SGD),
    _adam_case(1001, **_ADAM), _adam_case(1001, amsgrad=True, **{**_ADAM, "weight_decay": 0.1}),
    _adam_case(300, **{**_ADAM, "weight_decay": 0.1, "decoupled": True, "maximize": True}),
    _adam_case(300, **{**_ADAM, "beta1": 0.3, "step": 1.0}),  # lerp's other branch
    _adam_case(0, **_ADAM), _adam_case(10_000_000, large=True, **_ADAM),
    *_bn_cases((4, 3, 5, 7)), *_bn_cases((2, 5)), *_bn_cases((3, 2, 11), affine=False),
    *_bn_cases((4, 3, 5, 7), dtype=np.float64), *_bn_cases((256, 64, 32, 32), large=True),
]

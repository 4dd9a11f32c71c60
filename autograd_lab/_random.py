"""Random number generation: ``manual_seed``, ``Generator`` and the in-place samplers.

The same seed gives the same numbers within autograd_lab (on any machine), as PyTorch
promises for itself. The numbers are not PyTorch's: PyTorch uses a Mersenne Twister with its
own transforms; we use NumPy's PCG64 ``Generator``. Values are drawn on the CPU and moved to
the tensor's device, so a seed gives the same numbers on CPU and GPU.
"""

from __future__ import annotations

import json

import numpy as np

from .backend import to_device

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state",
           "set_rng_state", "default_generator"]

_DEFAULT_SEED = 67280421310721  # PyTorch's seed for a new Generator()


class Generator:
    """A source of random numbers with its own state (PyTorch's ``torch.Generator``).

    Example:
        >>> g = Generator().manual_seed(0)
        >>> a = autograd_lab.rand(2, generator=g)
    """

    def __init__(self, device="cpu") -> None:
        from .backend import device as _device

        self.device = _device(device)
        self._seed = _DEFAULT_SEED
        self._np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        if seed < 0:
            seed = seed & 0xFFFF_FFFF_FFFF_FFFF  # PyTorch wraps negative seeds the same way
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        """Seed from a non-deterministic source and return the seed."""
        s = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (bytes of its JSON description)."""
        from ._creation import tensor
        from ._dtype import uint8

        blob = json.dumps({"seed": self._seed, "state": self._np.bit_generator.state})
        return tensor(list(blob.encode()), dtype=uint8)

    def set_state(self, new_state) -> Generator:
        from ._tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a autograd_lab.ByteTensor, but got "
                            f"{type(new_state).__name__}")
        if new_state._data.dtype != np.uint8:
            raise TypeError("RNG state must be a autograd_lab.ByteTensor")
        try:
            info = json.loads(bytes(np.asarray(new_state.numpy(), dtype=np.uint8)).decode())
            self._seed = info["seed"]
            bitgen = np.random.PCG64()
            bitgen.state = info["state"]
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise RuntimeError("Invalid generator state: expected a uint8 tensor returned by "
                               "Generator.get_state()") from e
        self._np = np.random.Generator(bitgen)
        return self


# Like PyTorch 2.x, the default generator starts from a fresh non-deterministic seed in every
# process (so an unseeded program gives different numbers on each run); ``manual_seed`` makes
# runs repeatable, and ``initial_seed()`` tells which seed this process started from.
default_generator = Generator()
default_generator.seed()


def check_generator(fn: str, generator):
    """``generator`` if it is None or a :class:`Generator`, else PyTorch's TypeError."""
    if generator is not None and not isinstance(generator, Generator):
        raise TypeError(f"{fn}(): argument 'generator' must be autograd_lab.Generator, not "
                        f"{type(generator).__name__}")
    return generator


def _gen(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._np


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: afterwards the same calls give the same numbers."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed the default generator non-deterministically; return the seed used."""
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


# ----------------------------------------------------------------------------- raw samplers
def uniform_array(shape, np_dtype, generator=None, low=0.0, high=1.0):
    """Uniform samples in [low, high) as an array of ``np_dtype``."""
    g = _gen(generator)
    if np_dtype in (np.float32, np.float64):
        out = g.random(shape, dtype=np_dtype)
    else:
        out = g.random(shape, dtype=np.float32).astype(np_dtype)
    if low != 0.0 or high != 1.0:
        out = out * (high - low) + low
        out = out.astype(np_dtype, copy=False)
    return out


def normal_array(shape, np_dtype, generator=None, mean=0.0, std=1.0):
    g = _gen(generator)
    if np_dtype in (np.float32, np.float64):
        out = g.standard_normal(shape, dtype=np_dtype)
    else:
        out = g.standard_normal(shape, dtype=np.float32).astype(np_dtype)
    if mean != 0.0 or std != 1.0:
        out = (out * std + mean).astype(np_dtype, copy=False)
    return out


def integers_array(low, high, shape, np_dtype, generator=None):
    return _gen(generator).integers(low, high, size=shape, dtype=np.int64).astype(
        np_dtype, copy=False)


def permutation_array(n, generator=None):
    return _gen(generator).permutation(n).astype(np.int64)


# ----------------------------------------------------------------------------- in-place fills
def _fill_random(t, values: np.ndarray):
    """Write sampled values into ``t`` (on its device), with autograd's in-place rules."""
    from ._tensor import Tensor
    from .autograd import grad_mode

    arr = values if t._device.type == "cpu" else to_device(values, t._device)
    if grad_mode._enabled and t._requires_grad:
        # Recorded like copy_ from a constant: no gradient flows to the old values.
        return t.copy_(Tensor._make(arr, device=t._device))
    t._data[...] = arr
    t._version_counter.value += 1
    return t


def _float_only(kernel: str, t) -> None:
    if t._data.dtype.kind != "f":
        names = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
                 "uint8": "Byte", "bool": "Bool"}
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{names[t._data.dtype.name]}'")


def normal_(t, mean=0.0, std=1.0, *, generator=None):
    """Fill ``t`` with samples from N(mean, std^2)."""
    _float_only("normal_kernel_cpu", t)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    return _fill_random(t, normal_array(t._data.shape, t._data.dtype, generator, mean, std))


def uniform_(t, a=0.0, b=1.0, *, generator=None):
    """Fill ``t`` with samples from U[a, b)."""
    _float_only("check_uniform_bounds", t)
    if a > b:
        raise RuntimeError("uniform_ expects to return a [from, to) range, but found "
                           f"from={a:g} > to={b:g}")
    return _fill_random(t, uniform_array(t._data.shape, t._data.dtype, generator, a, b))


def bernoulli_(t, p=0.5, *, generator=None):
    """Fill ``t`` with 1 with probability ``p``, else 0."""
    probs = p._data if hasattr(p, "_data") else p
    if not hasattr(p, "_data") and not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p}")
    u = _gen(generator).random(t._data.shape)
    return _fill_random(t, (u < probs).astype(t._data.dtype))


def random_(t, from_=0, to=None, *, generator=None):
    """Fill ``t`` with integers in [from_, to) (``to`` defaults to the dtype's range)."""
    if to is None:
        from_, to = 0, (2**24 if t._data.dtype == np.float32 else
                        2**53 if t._data.dtype == np.float64 else
                        int(np.iinfo(t._data.dtype).max) + 1 if t._data.dtype.kind in "iu"
                        else 2)
    return _fill_random(t, integers_array(from_, to, t._data.shape, t._data.dtype, generator))


def exponential_(t, lambd=1.0, *, generator=None):
    """Fill ``t`` with samples from the exponential distribution of rate ``lambd``."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    vals = _gen(generator).exponential(1.0 / lambd, size=t._data.shape)
    return _fill_random(t, vals.astype(t._data.dtype))


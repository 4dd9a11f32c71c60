"""The Tensor: an ndarray plus what autograd needs.

A Tensor holds its values in ``_data`` (a NumPy array, or CuPy on the GPU) and the autograd
state: ``requires_grad``, ``grad``, ``grad_fn`` (the node that made it) and a version counter
shared with its views, bumped by every in-place change. Methods are thin one-liners that call
the operations in ``autograd_lab.ops``: read those for the maths, forward and backward side by
side.
"""

from __future__ import annotations

import warnings
import weakref
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import _dtype
from ._dtype import dtype as _dtype_cls
from .autograd import function as _function
from .backend import CPU, array_module, device, is_pinned, to_numpy

__all__ = ["Tensor", "Size"]


class Size(tuple):
    """The shape of a tensor: a tuple of ints, printed as ``autograd_lab.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        out = []
        for i, s in enumerate(sizes):
            if not hasattr(s, "__index__") or isinstance(s, float):
                raise TypeError(f"autograd_lab.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(s).__name__}')")
            out.append(s.__index__())
        return tuple.__new__(cls, out)

    def __repr__(self) -> str:
        return f"autograd_lab.Size([{', '.join(str(s) for s in self)}])"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, item):
        out = tuple.__getitem__(self, item)
        return Size(out) if isinstance(item, slice) else out

    def __add__(self, other):
        return Size(tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, n):
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))


class _VersionCounter:
    """Counts in-place changes; shared by a tensor and all its views."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


_FROM_NP = _dtype._FROM_NP
_tuple_new = tuple.__new__


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    Create tensors with factory functions (``autograd_lab.tensor``, ``zeros``, ``randn``, ...).
    ``Tensor(data)`` and ``Tensor(*sizes)`` work as in PyTorch (float32).
    """

    __slots__ = ("_data", "_requires_grad", "_version_counter", "_device", "__dict__",
                 "__weakref__")

    # The rest of the state lives in the instance __dict__, with these class-level defaults:
    # creating a tensor then sets only the four slots above (tensors are created per op).
    _grad: Tensor | None = None
    grad_fn: Any = None  # the graph node that produced this tensor (None for leaves)
    _output_nr = 0  # which output of grad_fn this tensor is
    _base: Tensor | None = None  # for views: the tensor whose storage this one shares
    _view_src: Any = None  # for views: (input, view op, options), to replay the view
    _fn_view = False  # an input that a custom Function returned as-is (no in-place while recording)
    _pre_edge: Any = None  # set only while an in-place op links its node
    _hooks: list | None = None
    _accumulator_ref: Any = None

    def __init__(self, *args, device=None, dtype=None):
        from ._from_data import tensor_init

        tensor_init(self, args, device=device, dtype=dtype)

    @classmethod
    def _make(cls, arr, requires_grad: bool = False, device: device = CPU) -> Tensor:
        """Wrap an ndarray without copying (the engine's fast constructor)."""
        t = object.__new__(cls)
        t._data = arr
        t._requires_grad = requires_grad
        t._version_counter = _VersionCounter()
        t._device = device
        return t

    # ----------------------------------------------------------------- attributes
    @property
    def dtype(self) -> _dtype_cls:
        return _FROM_NP[self._data.dtype]

    @staticmethod
    def _dtype_of_np(np_dtype) -> _dtype_cls:
        return _FROM_NP[np_dtype]

    @property
    def device(self) -> device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def shape(self) -> Size:
        return _tuple_new(Size, self._data.shape)  # NumPy's shape is already a tuple of ints

    def size(self, dim: int | None = None):
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[_wrap_dim_attr(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def ndimension(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    def nelement(self) -> int:
        return int(self._data.size)

    def element_size(self) -> int:
        return self._data.itemsize

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def stride(self, dim: int | None = None):
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim_attr(dim, self._data.ndim)]

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        return _data_ptr(self._data)

    def storage_offset(self) -> int:
        """Index of this tensor's first element in its storage, in elements: 0 for a tensor
        that owns its memory, ``k`` for a view such as ``x[k:]`` (``torch.Tensor.storage_offset``).

        The storage starts where the tensor this one is a view of (``_base``) starts; a tensor
        that is no view starts its own, as in PyTorch, where ``from_numpy(a[3:])`` also has
        offset 0.
        """
        root = self if self._base is None else self._base
        return (_data_ptr(self._data) - _data_ptr(root._data)) // self._data.itemsize

    def type(self, dtype=None):
        """``'autograd_lab.FloatTensor'``-style type name, or a cast when ``dtype`` is given."""
        if dtype is None:
            prefix = "autograd_lab.cuda." if self.is_cuda else "autograd_lab."
            return prefix + self.dtype._tensor_type
        if isinstance(dtype, str):
            return _tensor_type_from_string(self, dtype)
        return self.to(dtype)

    @property
    def _version(self) -> int:
        return self._version_counter.value

    # ----------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place on a leaf and return ``self``."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self) -> Tensor | None:
        if self.grad_fn is not None and self._grad is None and not self.retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value.device != self.device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        fn = self.grad_fn
        return fn is not None and bool(fn._retained) and self._output_nr in fn._retained

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self.grad_fn is None:
            return
        if self.grad_fn._retained is None:
            self.grad_fn._retained = {}
        self.grad_fn._retained[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        from .utils.hooks import RemovableHandle

        if self._hooks is None:
            self._hooks = []
        return RemovableHandle(self._hooks, hook)

    def _grad_accumulator(self):
        """The AccumulateGrad node of a leaf, shared by every graph that uses it."""
        ref = self._accumulator_ref
        node = ref() if ref is not None else None
        if node is None:
            node = _function.AccumulateGrad(self)
            self._accumulator_ref = weakref.ref(node)
        return node

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Sequence[Tensor] | None = None) -> None:
        """Compute the gradient of this tensor w.r.t. the graph leaves, into their ``.grad``.

        Args:
            gradient: d(something)/d(self); required unless self holds a single element.
            retain_graph: keep saved values so backward can run again (default: create_graph).
            create_graph: record the backward pass itself, for higher-order derivatives.
            inputs: accumulate only into these tensors' ``.grad``.
        """
        if (gradient is None and inputs is None and not create_graph and self._requires_grad
                and self._data.size == 1 and self._data.dtype.kind == "f"):
            # The common ``loss.backward()``: skip the general argument handling.
            from .autograd.engine import run_backward

            ones = Tensor._make(array_module(self._device).ones_like(self._data), False,
                                self._device)
            run_backward((self,), (ones,), bool(retain_graph), False)
            return
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing this one's storage, cut from the graph (``requires_grad=False``)."""
        t = Tensor._make(self._data, device=self._device)
        t._version_counter = self._version_counter
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from the graph in place, making it a leaf."""
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self) -> Tensor:
        """The values without the history (shares storage, not tracked by autograd)."""
        return Tensor._make(self._data, device=self._device)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self._device = value._device

    # ----------------------------------------------------------------- conversions
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array sharing memory with this tensor (CPU only)."""
        if force:
            return to_numpy(self._data).copy() if self.is_cuda else self._data
        if self._requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self.is_cuda:
            raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                            "to copy the tensor to host memory first.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        arr = self.numpy()
        if dtype is not None and arr.dtype != dtype:
            return arr.astype(dtype)
        return arr.copy() if copy else arr

    def item(self):
        """The single value of this tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return to_numpy(self._data).reshape(()).item()

    def tolist(self):
        return to_numpy(self._data).tolist()

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            many = "more than one value" if self._data.size else "no values"
            raise RuntimeError(f"Boolean value of Tensor with {many} is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        # PyTorch: str(t) for an empty spec, TypeError for any other on non-0-d tensors.
        return object.__format__(self, spec)

    def __repr__(self, *, tensor_contents=None) -> str:
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    __hash__ = object.__hash__

    def __reduce_ex__(self, protocol):
        # Pickling (DataLoader workers, torch.save-style files) keeps values, dtype, device and
        # requires_grad; like PyTorch it drops .grad (copy.deepcopy keeps it).
        return (_rebuild_tensor, (to_numpy(self._data), str(self._device), self._requires_grad,
                                  None))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = type(self)._make(self._data.copy(), self._requires_grad, self._device)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        new.__dict__.update({k: v for k, v in self.__dict__.items()
                             if k not in ("_accumulator_ref", "_hooks", "_base", "_view_src")})
        memo[id(self)] = new
        return new

    # ----------------------------------------------------------------- dtype / device moves
    def to(self, *args, **kwargs) -> Tensor:
        """Move and/or cast: ``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(other)``.

        Returns ``self`` when nothing changes (unless ``copy=True``).
        """
        return _shape.to(self, *args, **kwargs)

    def cpu(self, memory_format=None) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        """A copy on the GPU (``device``: an index or ``"cuda:N"``; the current GPU by default).
        ``non_blocking=True`` makes the copy asynchronous when this tensor is pinned."""
        return self.to("cuda" if device is None else device, non_blocking=non_blocking)

    def pin_memory(self, device=None) -> Tensor:
        return _shape.pin_memory(self)

    def is_pinned(self, device=None) -> bool:
        """True if this CPU tensor's memory is page-locked (see :meth:`pin_memory`)."""
        return is_pinned(self._data)

    def float(self) -> Tensor:
        return self.to(_dtype.float32)

    def double(self) -> Tensor:
        return self.to(_dtype.float64)

    def half(self) -> Tensor:
        return self.to(_dtype.float16)

    def long(self) -> Tensor:
        return self.to(_dtype.int64)

    def int(self) -> Tensor:
        return self.to(_dtype.int32)

    def short(self) -> Tensor:
        return self.to(_dtype.int16)

    def char(self) -> Tensor:
        return self.to(_dtype.int8)

    def byte(self) -> Tensor:
        return self.to(_dtype.uint8)

    def bool(self) -> Tensor:
        return self.to(_dtype.bool)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)

    def clone(self, *, memory_format=None) -> Tensor:
        return _shape.clone(self, memory_format=memory_format)

    def contiguous(self, memory_format=None) -> Tensor:
        return _shape.contiguous(self, memory_format)

    # ----------------------------------------------------------------- new_* factories
    # Each copies this tensor's dtype and device unless told otherwise (see _creation.py).
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.new_tensor(self, data, dtype, device, requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.new_filled("new_empty", self, size, dtype, device, requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.new_filled("new_zeros", self, size, dtype, device, requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.new_filled("new_ones", self, size, dtype, device, requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
        return _creation.new_full(self, size, fill_value, dtype, device, requires_grad)

    # ----------------------------------------------------------------- arithmetic operators
    def __add__(self, other):
        return _ew.add(self, other)

    def __radd__(self, other):
        return _ew.add(self, other)  # PyTorch records ``2 + x`` as ``x + 2``

    def __iadd__(self, other):
        return _ew.add_(self, other)

    def __sub__(self, other):
        return _ew.sub(self, other)

    def __rsub__(self, other):
        return _ew.rsub(self, other)

    def __isub__(self, other):
        return _ew.sub_(self, other)

    def __mul__(self, other):
        return _ew.mul(self, other)

    def __rmul__(self, other):
        return _ew.mul(self, other)  # PyTorch records ``2 * x`` as ``x * 2``

    def __imul__(self, other):
        return _ew.mul_(self, other)

    def __truediv__(self, other):
        return _ew.div(self, other)

    def __rtruediv__(self, other):
        return _ew.rtruediv(self, other)

    def __itruediv__(self, other):
        return _ew.div_(self, other)

    def __floordiv__(self, other):
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ew.floor_divide(other, self)

    def __ifloordiv__(self, other):
        return _ew.floor_divide_(self, other)

    def __mod__(self, other):
        return _ew.remainder(self, other)

    def __rmod__(self, other):
        return _ew.remainder(other, self)

    def __imod__(self, other):
        return _ew.remainder_(self, other)

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __ipow__(self, other):
        return _ew.pow_(self, other)

    def __matmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented  # Python then raises its "unsupported operand" TypeError
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        if not isinstance(other, Tensor):
            return NotImplemented
        return _linalg.matmul(other, self)

    def __neg__(self):
        return _ew.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.abs(self)

    def __invert__(self):
        return _ew.bitwise_not(self)

    def __and__(self, other):
        return _ew.bitwise_and(self, other)

    def __rand__(self, other):
        return _ew.bitwise_and(other, self)

    def __iand__(self, other):
        return _ew.bitwise_and_(self, other)

    def __or__(self, other):
        return _ew.bitwise_or(self, other)

    def __ror__(self, other):
        return _ew.bitwise_or(other, self)

    def __ior__(self, other):
        return _ew.bitwise_or_(self, other)

    def __xor__(self, other):
        return _ew.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ew.bitwise_xor(other, self)

    def __ixor__(self, other):
        return _ew.bitwise_xor_(self, other)

    # comparisons return bool tensors
    def __eq__(self, other):  # type: ignore[override]
        return _cmp.eq_operator(self, other)

    def __ne__(self, other):  # type: ignore[override]
        return _cmp.ne_operator(self, other)

    def __lt__(self, other):
        return _cmp.lt(self, other)

    def __le__(self, other):
        return _cmp.le(self, other)

    def __gt__(self, other):
        return _cmp.gt(self, other)

    def __ge__(self, other):
        return _cmp.ge(self, other)

    # ----------------------------------------------------------------- elementwise methods
    def add(self, other, *, alpha=1):
        return _ew.add(self, other, alpha=alpha)

    def add_(self, other, *, alpha=1):
        return _ew.add_(self, other, alpha=alpha)

    def sub(self, other, *, alpha=1):
        return _ew.sub(self, other, alpha=alpha)

    def sub_(self, other, *, alpha=1):
        return _ew.sub_(self, other, alpha=alpha)

    subtract = sub

    def mul(self, other):
        return _ew.mul(self, other)

    def mul_(self, other):
        return _ew.mul_(self, other)

    multiply = mul

    def div(self, other, *, rounding_mode=None):
        return _ew.div(self, other, rounding_mode=rounding_mode)

    def div_(self, other, *, rounding_mode=None):
        return _ew.div_(self, other, rounding_mode=rounding_mode)

    divide = div
    true_divide = div

    def floor_divide(self, other):
        return _ew.floor_divide(self, other)

    def floor_divide_(self, other):
        return _ew.floor_divide_(self, other)

    def remainder(self, other):
        return _ew.remainder(self, other)

    def remainder_(self, other):
        return _ew.remainder_(self, other)

    def fmod(self, other):
        return _ew.fmod(self, other)

    def fmod_(self, other):
        return _ew.fmod_(self, other)

    def pow(self, exponent):
        return _ew.pow(self, exponent)

    def pow_(self, exponent):
        return _ew.pow_(self, exponent)

    def float_power(self, exponent):
        return _ew.float_power(self, exponent)

    def float_power_(self, exponent):
        return _ew.float_power_(self, exponent)

    def neg(self):
        return _ew.neg(self)

    def neg_(self):
        return _ew.neg_(self)

    negative = neg

    def abs(self):
        return _ew.abs(self)

    def abs_(self):
        return _ew.abs_(self)

    def sign(self):
        return _ew.sign(self)

    def sign_(self):
        return _ew.sign_(self)

    def exp(self):
        return _ew.exp(self)

    def exp_(self):
        return _ew.exp_(self)

    def expm1(self):
        return _ew.expm1(self)

    def expm1_(self):
        return _ew.expm1_(self)

    def log(self):
        return _ew.log(self)

    def log_(self):
        return _ew.log_(self)

    def log1p(self):
        return _ew.log1p(self)

    def log1p_(self):
        return _ew.log1p_(self)

    def log2(self):
        return _ew.log2(self)

    def log2_(self):
        return _ew.log2_(self)

    def log10(self):
        return _ew.log10(self)

    def log10_(self):
        return _ew.log10_(self)

    def sqrt(self):
        return _ew.sqrt(self)

    def sqrt_(self):
        return _ew.sqrt_(self)

    def rsqrt(self):
        return _ew.rsqrt(self)

    def rsqrt_(self):
        return _ew.rsqrt_(self)

    def square(self):
        return _ew.square(self)

    def square_(self):
        return _ew.square_(self)

    def sin(self):
        return _ew.sin(self)

    def sin_(self):
        return _ew.sin_(self)

    def cos(self):
        return _ew.cos(self)

    def cos_(self):
        return _ew.cos_(self)

    def tan(self):
        return _ew.tan(self)

    def tan_(self):
        return _ew.tan_(self)

    def tanh(self):
        return _ew.tanh(self)

    def tanh_(self):
        return _ew.tanh_(self)

    def sigmoid(self):
        return _ew.sigmoid(self)

    def sigmoid_(self):
        return _ew.sigmoid_(self)

    def relu(self):
        return _ew.relu(self)

    def relu_(self):
        return _ew.relu_(self)

    def clamp(self, min=None, max=None):  # noqa: A002 - PyTorch's names
        return _ew.clamp(self, min, max)

    def clamp_(self, min=None, max=None):  # noqa: A002
        return _ew.clamp_(self, min, max)

    clip = clamp
    clip_ = clamp_

    def floor(self):
        return _ew.floor(self)

    def floor_(self):
        return _ew.floor_(self)

    def ceil(self):
        return _ew.ceil(self)

    def ceil_(self):
        return _ew.ceil_(self)

    def round(self, *, decimals=0):
        return _ew.round(self, decimals=decimals)

    def round_(self, *, decimals=0):
        return _ew.round_(self, decimals=decimals)

    def trunc(self):
        return _ew.trunc(self)

    def trunc_(self):
        return _ew.trunc_(self)

    def frac(self):
        return _ew.frac(self)

    def frac_(self):
        return _ew.frac_(self)

    def reciprocal(self):
        return _ew.reciprocal(self)

    def reciprocal_(self):
        return _ew.reciprocal_(self)

    def maximum(self, other):
        return _ew.maximum(self, other)

    def minimum(self, other):
        return _ew.minimum(self, other)

    def lerp(self, end, weight):
        return _ew.lerp(self, end, weight)

    def lerp_(self, end, weight):
        return _ew.lerp_(self, end, weight)

    def where(self, condition, other):
        return _ew.where(condition, self, other)

    def logical_not(self):
        return _ew.logical_not(self)

    def logical_and(self, other):
        return _ew.logical_and(self, other)

    def logical_or(self, other):
        return _ew.logical_or(self, other)

    def logical_xor(self, other):
        return _ew.logical_xor(self, other)

    # ----------------------------------------------------------------- comparisons
    def eq(self, other):
        return _cmp.eq(self, other)

    def ne(self, other):
        return _cmp.ne(self, other)

    def lt(self, other):
        return _cmp.lt(self, other)

    def le(self, other):
        return _cmp.le(self, other)

    def gt(self, other):
        return _cmp.gt(self, other)

    def ge(self, other):
        return _cmp.ge(self, other)

    def equal(self, other) -> bool:
        return _cmp.equal(self, other)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        return _cmp.allclose(self, other, rtol, atol, equal_nan)

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _cmp.isclose(self, other, rtol, atol, equal_nan)

    def isnan(self):
        return _cmp.isnan(self)

    def isinf(self):
        return _cmp.isinf(self)

    def isfinite(self):
        return _cmp.isfinite(self)

    # ----------------------------------------------------------------- reductions
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        return _red.sum(self, dim, keepdim, dtype=dtype)

    def sum_to_size(self, *size):
        return _red.sum_to_size(self, *size)

    def mean(self, dim=None, keepdim=False, *, dtype=None):
        return _red.mean(self, dim, keepdim, dtype=dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return _red.prod(self, dim, keepdim, dtype=dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _red.std(self, dim, unbiased, keepdim, correction=correction)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return _red.norm(self, p, dim, keepdim, dtype=dtype)

    def logsumexp(self, dim, keepdim=False):
        return _red.logsumexp(self, dim, keepdim)

    def max(self, dim=None, keepdim=False):
        return _red.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return _red.min(self, dim, keepdim)

    def amax(self, dim=(), keepdim=False):
        return _red.amax(self, dim, keepdim)

    def amin(self, dim=(), keepdim=False):
        return _red.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return _red.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return _red.argmin(self, dim, keepdim)

    def all(self, dim=None, keepdim=False):
        return _red.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return _red.any(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return _red.cumsum(self, dim, dtype=dtype)

    def cumprod(self, dim, *, dtype=None):
        return _red.cumprod(self, dim, dtype=dtype)

    def softmax(self, dim, dtype=None):
        return _red.softmax(self, dim, dtype=dtype)

    def log_softmax(self, dim, dtype=None):
        return _red.log_softmax(self, dim, dtype=dtype)

    # ----------------------------------------------------------------- linear algebra
    def matmul(self, other):
        return _linalg.matmul(self, other)

    def mm(self, mat2):
        return _linalg.mm(self, mat2)

    def bmm(self, mat2):
        return _linalg.bmm(self, mat2)

    def mv(self, vec):
        return _linalg.mv(self, vec)

    def dot(self, other):
        return _linalg.dot(self, other)

    def outer(self, vec2):
        return _linalg.outer(self, vec2)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return _linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    # ----------------------------------------------------------------- views
    def view(self, *shape):
        return _shape.view(self, *shape)

    def view_as(self, other):
        return _shape.view(self, other.shape)

    def reshape(self, *shape):
        return _shape.reshape(self, *shape)

    def reshape_as(self, other):
        return _shape.reshape(self, other.shape)

    def t(self):
        return _shape.t(self)

    def t_(self):
        return _shape.t_(self)

    @property
    def T(self):  # noqa: N802 - PyTorch's name
        return _shape.permute(self, *reversed(range(self._data.ndim)))

    @property
    def mT(self):  # noqa: N802
        return _shape.matrix_transpose(self)

    def transpose(self, dim0, dim1):
        return _shape.transpose(self, dim0, dim1)

    def transpose_(self, dim0, dim1):
        return _shape.transpose_(self, dim0, dim1)

    swapaxes = transpose
    swapdims = transpose

    def permute(self, *dims):
        return _shape.permute(self, *dims)

    def expand(self, *sizes):
        return _shape.expand(self, *sizes)

    def expand_as(self, other):
        return _shape.expand(self, other.shape)

    def broadcast_to(self, size):
        return _shape.expand(self, size)

    def squeeze(self, dim=None):
        return _shape.squeeze(self, dim)

    def squeeze_(self, dim=None):
        return _shape.squeeze_(self, dim)

    def unsqueeze(self, dim):
        return _shape.unsqueeze(self, dim)

    def unsqueeze_(self, dim):
        return _shape.unsqueeze_(self, dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return _shape.flatten(self, start_dim, end_dim)

    def unflatten(self, dim, sizes):
        return _shape.unflatten(self, dim, sizes)

    def ravel(self):
        return _shape.ravel(self)

    def narrow(self, dim, start, length):
        return _shape.narrow(self, dim, start, length)

    def select(self, dim, index):
        return _shape.select(self, dim, index)

    def chunk(self, chunks, dim=0):
        return _shape.chunk(self, chunks, dim)

    def split(self, split_size, dim=0):
        return _shape.split(self, split_size, dim)

    def unbind(self, dim=0):
        return _shape.unbind(self, dim)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return _shape.diagonal(self, offset, dim1, dim2)

    def movedim(self, source, destination):
        return _shape.movedim(self, source, destination)

    def repeat(self, *sizes):
        return _shape.repeat(self, *sizes)

    def tile(self, *dims):
        return _shape.tile(self, *dims)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return _shape.repeat_interleave(self, repeats, dim, output_size=output_size)

    def flip(self, *dims):
        return _shape.flip(self, *dims)

    def fliplr(self):
        return _shape.fliplr(self)

    def flipud(self):
        return _shape.flipud(self)

    def roll(self, shifts, dims=None):
        return _shape.roll(self, shifts, dims)

    def tril(self, diagonal=0):
        return _shape.tril(self, diagonal)

    def triu(self, diagonal=0):
        return _shape.triu(self, diagonal)

    def tril_(self, diagonal=0):
        return _shape.tril_(self, diagonal)

    def triu_(self, diagonal=0):
        return _shape.triu_(self, diagonal)

    # ----------------------------------------------------------------- indexing
    def __getitem__(self, index):
        return _index.getitem(self, index)

    def __setitem__(self, index, value) -> None:
        _index.setitem(self, index, value)

    def gather(self, dim, index):
        return _index.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return _index.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return _index.scatter_(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return _index.scatter_add(self, dim, index, src)

    def scatter_add_(self, dim, index, src):
        return _index.scatter_add_(self, dim, index, src)

    def index_select(self, dim, index):
        return _index.index_select(self, dim, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return _index.index_add(self, dim, index, source, alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return _index.index_add_(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask, value):
        return _index.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        return _index.masked_fill_(self, mask, value)

    def masked_select(self, mask):
        return _index.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        return _index.nonzero(self, as_tuple=as_tuple)

    def take(self, index):
        return _index.take(self, index)

    def index_put(self, indices, values, accumulate=False):
        return _index.index_put(self, indices, values, accumulate)

    def index_put_(self, indices, values, accumulate=False):
        return _index.index_put_(self, indices, values, accumulate)

    # ----------------------------------------------------------------- in-place fills
    def zero_(self):
        return _ew.zero_(self)

    def fill_(self, value):
        return _ew.fill_(self, value)

    def copy_(self, src, non_blocking=False):
        return _ew.copy_(self, src)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        return _random.normal_(self, mean, std, generator=generator)

    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        return _random.uniform_(self, a, b, generator=generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        return _random.bernoulli_(self, p, generator=generator)

    def random_(self, from_=0, to=None, *, generator=None):
        return _random.random_(self, from_, to, generator=generator)

    def exponential_(self, lambd=1.0, *, generator=None):
        return _random.exponential_(self, lambd, generator=generator)

    # ----------------------------------------------------------------- sorting and friends
    def sort(self, dim=-1, descending=False, stable=False):
        return _sort.sort(self, dim, descending, stable=stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return _sort.argsort(self, dim, descending, stable=stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return _sort.topk(self, k, dim, largest, sorted)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        return _sort.unique(self, sorted, return_inverse, return_counts, dim)


def _wrap_dim(dim: int, ndim: int) -> int:
    """A dimension index in ``[0, ndim)``, with PyTorch's error for out-of-range dims."""
    lo, hi = (-ndim, ndim - 1) if ndim else (-1, 0)
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim + ndim if dim < 0 and ndim else (0 if dim < 0 else dim)


def _tensor_type_from_string(t: Tensor, name: str) -> Tensor:
    """``t.type("autograd_lab.IntTensor")`` (``torch.`` prefixes are accepted too)."""
    module, _, kind = name.rpartition(".")
    dev = "cuda" if module.endswith(".cuda") else "cpu"
    if module.removesuffix(".cuda") in ("autograd_lab", "torch"):
        for d in _dtype._ALL:
            if d._tensor_type == kind:
                return t.to(dev, d)
    raise ValueError(f"invalid type: '{name}'")


def _wrap_dim_attr(dim: int, ndim: int) -> int:
    """``size(dim)``/``stride(dim)``: like ``_wrap_dim``, but a 0-d tensor has no dim 0."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return _wrap_dim(dim, ndim)


def _data_ptr(arr) -> int:
    if isinstance(arr, np.ndarray):
        return arr.__array_interface__["data"][0]
    return int(arr.data.ptr)


def _rebuild_tensor(arr, device_str, requires_grad, grad_state):
    from .backend import canonical_device, to_device

    dev = canonical_device(device_str)
    t = Tensor._make(to_device(arr, dev) if dev.type != "cpu" else arr, device=dev)
    t._requires_grad = requires_grad
    if grad_state is not None:
        fn, args = grad_state
        t._grad = fn(*args)
    return t


_function._set_tensor_class(Tensor)

# Op modules are imported last: they need Tensor to exist. Methods above look them up at call.
from . import _creation, _random  # noqa: E402
from .ops import compare as _cmp  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import index as _index  # noqa: E402
from .ops import linalg as _linalg  # noqa: E402
from .ops import reduce as _red  # noqa: E402
from .ops import shape as _shape  # noqa: E402
from .ops import sorting as _sort  # noqa: E402

"""Compare what autograd_lab.utils.data returns with what torch.utils.data returns."""

from __future__ import annotations

import numpy as np

import autograd_lab as al


def dtype_name(t) -> str:
    return str(t.dtype).split(".")[-1]


def assert_same(ours, theirs, path: str = "batch") -> None:
    """``ours`` (autograd_lab) matches ``theirs`` (torch): container types, dtypes, shapes,
    values, recursively."""
    import torch

    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, al.Tensor), f"{path}: {type(ours).__name__} is not a Tensor"
        assert dtype_name(ours) == dtype_name(theirs), f"{path}: dtype"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{path}: shape"
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=path)
        return
    assert type(ours) is type(theirs), \
        f"{path}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{path}: keys"
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k!r}]")
    elif isinstance(theirs, list | tuple):
        assert len(ours) == len(theirs), f"{path}: length"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{path}[{i}]")
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(ours, theirs, err_msg=path)
    else:
        assert ours == theirs, path


def to_torch(obj):
    """The same structure with every autograd_lab Tensor replaced by a torch tensor."""
    import torch

    if isinstance(obj, al.Tensor):
        return torch.from_numpy(obj.numpy().copy())
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):
        return type(obj)(*(to_torch(o) for o in obj))
    if isinstance(obj, list | tuple):
        return type(obj)(to_torch(o) for o in obj)
    if isinstance(obj, dict):
        return type(obj)((k, to_torch(v)) for k, v in obj.items())
    return obj

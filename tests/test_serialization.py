"""save / load: round trips, file forms, map_location, damaged and hostile files, torch files."""

from __future__ import annotations

import functools
import io
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab.serialization import MANIFEST, load, save

Parameter = pytest.importorskip("autograd_lab.nn.parameter").Parameter

DTYPES = [al.float32, al.float64, al.float16, al.int64, al.int32, al.int16, al.int8, al.uint8,
          al.bool]


# ----------------------------------------------------------------------------- helpers
def assert_same(got, want, where="obj"):
    """Exact structural equality: container types, key order, dtypes, values (nan == nan)."""
    assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
    if isinstance(want, al.Tensor):
        assert got.dtype == want.dtype and got.shape == want.shape, where
        assert got.requires_grad == want.requires_grad, where
        assert got.device == want.device, where
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy(), err_msg=where)
    elif isinstance(want, dict):
        assert list(got) == list(want), where
        for k in want:
            assert type(k) is type(next(g for g in got if g == k)), where
            assert_same(got[k], want[k], f"{where}[{k!r}]")
        assert getattr(got, "_metadata", None) == getattr(want, "_metadata", None), where
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and math.isnan(want):
        assert math.isnan(got), where
    else:
        assert got == want, where


def tensor_of(dtype, shape=(2, 3)):
    values = np.arange(int(np.prod(shape))).reshape(shape) - 2
    return al.tensor(values.astype(dtype.np))


def roundtrip(obj, tmp_path, **load_kwargs):
    path = tmp_path / "ckpt.pt"
    save(obj, path)
    return load(path, **load_kwargs)


def state_with_metadata():
    sd = OrderedDict([("fc.weight", al.randn(3, 2)), ("fc.bias", al.zeros(3)),
                      ("bn.num_batches_tracked", al.tensor(4))])
    sd._metadata = OrderedDict([("", {"version": 1}), ("bn", {"version": 2})])
    return sd


base = al.arange(24, dtype=al.float32).reshape(4, 6)
ROUND_TRIPS = {
    **{f"dtype-{d.name}": tensor_of(d) for d in DTYPES},
    "0-d": al.tensor(3.5),
    "0-d-int": al.tensor(7),
    "empty": al.zeros(0, 3),
    "empty-int": al.zeros(2, 0, dtype=al.int64),
    "transposed-view": base.t(),
    "strided-view": base[1:, ::2],
    "expanded": al.tensor([1.0, 2.0]).expand(3, 2),
    "requires-grad": al.randn(2, 2, requires_grad=True),
    "non-leaf": al.randn(2, requires_grad=True) * 2,
    "parameter": Parameter(al.randn(3)),
    "frozen-parameter": Parameter(al.randn(3), requires_grad=False),
    "scalars": [0, -1, 2**70, 1.5, -0.0, float("inf"), float("-inf"), float("nan"), True, False,
                None, "", "héllo\n\"quoted\"", b"\x00\xffbytes"],
    "list-vs-tuple": ([1, (2, [3])], (), []),
    "key-types": {1: "int", "1": "str", 1.5: "float", None: "none", (1, "a"): "tuple",
                  False: "bool"},
    "ordered": OrderedDict([("b", 1), ("a", 2)]),
    "state-dict-metadata": state_with_metadata(),
    "size-dtype-device": [al.Size([2, 3]), al.float16, al.int64, al.device("cpu")],
    "optimizer-state": {"state": {0: {"step": al.tensor(3.0), "exp_avg": al.randn(2, 2)}},
                        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                                          "amsgrad": False, "foreach": None, "params": [0]}]},
    "checkpoint": {"epoch": 7, "loss": 0.25, "model": state_with_metadata(),
                   "history": [[0.5, 0.4], [0.3]], "note": "best"},
    "deep": [[[[[[{"x": [al.ones(1)]}]]]]]],
}


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_round_trip(name, tmp_path):
    obj = ROUND_TRIPS[name]
    got = roundtrip(obj, tmp_path)
    if isinstance(obj, al.Tensor) and obj.grad_fn is not None:
        obj = obj.detach().requires_grad_()  # loads as a leaf, as in PyTorch
    assert_same(got, obj)


def test_loaded_tensors_are_contiguous_leaves_with_own_memory(tmp_path):
    got = roundtrip({"a": base, "v": base[1]}, tmp_path)
    assert got["a"].is_contiguous() and got["a"].grad_fn is None
    got["v"].add_(100)  # views are saved as values: no sharing after load (documented)
    np.testing.assert_array_equal(got["a"].numpy(), base.numpy())


def test_same_tensor_twice_is_stored_once_and_loads_as_one_object(tmp_path):
    t = al.randn(5)
    got = roundtrip({"a": t, "b": [t]}, tmp_path)
    assert got["a"] is got["b"][0]
    names = zipfile.ZipFile(tmp_path / "ckpt.pt").namelist()
    assert sorted(names) == [MANIFEST, "autograd_lab/tensors/0.npy"]


@pytest.mark.parametrize("form", ["str", "pathlib", "bytesio", "open-file", "non-seekable"])
def test_path_and_file_object_forms(form, tmp_path):
    obj = {"w": al.randn(3, 2), "n": 3}
    path = tmp_path / "f.pt"
    if form in ("str", "pathlib"):
        target = str(path) if form == "str" else Path(path)
        save(obj, target)
        got = load(target)
    elif form == "bytesio":
        buf = io.BytesIO()
        save(obj, buf)
        buf.seek(0)
        got = load(buf)
    elif form == "open-file":
        with open(path, "wb") as fh:
            save(obj, fh)
        with open(path, "rb") as fh:
            got = load(fh)
    else:
        save(obj, path)

        class Stream(io.RawIOBase):  # readable, not seekable (a pipe, a socket)
            def __init__(self, data):
                self.inner = io.BytesIO(data)

            def readable(self):
                return True

            def readinto(self, b):
                return self.inner.readinto(b)

        got = load(io.BufferedReader(Stream(path.read_bytes())))
    assert_same(got, obj)


def test_saved_file_permissions_follow_umask(tmp_path):
    path = tmp_path / "perm.pt"
    save({"a": 1}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_save_to_missing_directory_raises_like_torch(tmp_path):
    with pytest.raises(RuntimeError, match="Parent directory .*missing does not exist"):
        save({"a": 1}, tmp_path / "missing" / "x.pt")


def test_load_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "nope.pt")


# ----------------------------------------------------------------------------- map_location
def _rewrite_manifest(path, change):
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members[MANIFEST])
    change(manifest)
    members[MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)


@pytest.mark.parametrize("map_location", [None, "cpu", al.device("cpu"), {"cpu": "cpu"},
                                          lambda storage, loc: storage,
                                          lambda storage, loc: None])
def test_map_location_to_cpu(map_location, tmp_path):
    obj = {"w": al.randn(2, 2, requires_grad=True), "p": Parameter(al.ones(2))}
    got = roundtrip(obj, tmp_path, map_location=map_location)
    assert_same(got, obj)


def test_map_location_callable_sees_each_tensor_and_location(tmp_path):
    seen = []

    def fn(t, location):
        seen.append((tuple(t.shape), location))
        return t * 2

    got = roundtrip({"a": al.ones(2), "b": al.ones(3, 1)}, tmp_path, map_location=fn)
    assert seen == [((2,), "cpu"), ((3, 1), "cpu")]
    np.testing.assert_array_equal(got["a"].numpy(), [2.0, 2.0])


@pytest.mark.skipif(al.cuda.is_available(), reason="checks the message shown without a GPU")
def test_cuda_checkpoint_without_gpu_needs_map_location(tmp_path):
    path = tmp_path / "gpu.pt"
    save({"w": al.ones(2)}, path)
    _rewrite_manifest(path, lambda m: m["tensors"][0].update(device="cuda:0"))
    with pytest.raises(RuntimeError, match=r"map_location=autograd_lab.device\('cpu'\)"):
        load(path)
    for loc in ("cpu", al.device("cpu"), {"cuda:0": "cpu"}, lambda s, loc: s):
        assert load(path, map_location=loc)["w"].device == al.device("cpu")


def test_bad_map_location_type(tmp_path):
    with pytest.raises(TypeError, match="map_location"):
        roundtrip({"w": al.ones(1)}, tmp_path, map_location=3)


# ----------------------------------------------------------------------------- failed saves
class Custom:
    pass


@pytest.mark.parametrize("obj, where, hint", [
    ({"model": {"layer": Custom()}}, r"obj\['model'\]\['layer'\]", "convert it"),
    ([1, np.zeros(2)], r"obj\[1\]", "from_numpy"),
    ({"n": np.int64(3)}, r"obj\['n'\]", r"\.item\(\)"),
    ({"s": {1, 2}}, r"obj\['s'\]", "convert it"),
    ({"f": lambda: 0}, r"obj\['f'\]", "convert it"),
])
def test_unsupported_objects_name_the_key(obj, where, hint, tmp_path):
    with pytest.raises(TypeError, match=f"can't store {where}.*{hint}"):
        save(obj, tmp_path / "x.pt")
    assert list(tmp_path.iterdir()) == []


def test_module_hint():
    nn = pytest.importorskip("autograd_lab.nn")
    if not hasattr(nn, "Module"):
        pytest.skip("autograd_lab.nn.Module not available yet")
    with pytest.raises(TypeError, match=r"save module.state_dict\(\)"):
        save({"m": nn.Module()}, io.BytesIO())


def test_reference_cycle_is_refused():
    loop = [1]
    loop.append(loop)
    with pytest.raises(TypeError, match="reference cycle"):
        save(loop, io.BytesIO())


def _old_file(tmp_path):
    path = tmp_path / "ckpt.pt"
    save({"epoch": 1, "w": al.ones(3)}, path)
    return path, path.read_bytes()


def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path):
    path, before = _old_file(tmp_path)
    with pytest.raises(TypeError):
        save({"epoch": 2, "bad": Custom()}, path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("fail_in", ["np.save", "os.replace", "fsync"])
def test_interrupted_save_keeps_old_file_and_leaves_no_temp(fail_in, tmp_path, monkeypatch):
    path, before = _old_file(tmp_path)
    calls = []

    def boom(*args, **kwargs):
        calls.append(1)
        if fail_in != "np.save" or len(calls) == 2:  # np.save: fail on the second tensor
            raise KeyboardInterrupt("interrupted")
        return real(*args, **kwargs)

    module, name = {"np.save": (np, "save"), "os.replace": (os, "replace"),
                    "fsync": (os, "fsync")}[fail_in]
    real = getattr(module, name)
    monkeypatch.setattr(module, name, boom)
    with pytest.raises(KeyboardInterrupt):
        save({"epoch": 2, "a": al.zeros(1000), "b": al.zeros(1000)}, path)
    monkeypatch.undo()
    assert calls and path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]
    assert_same(load(path), {"epoch": 1, "w": al.ones(3)})


# ----------------------------------------------------------------------------- damaged files
BROKEN = r"truncated or corrupted|file is empty"


@pytest.fixture
def saved(tmp_path):
    obj = {"epoch": 3, "model": state_with_metadata(), "x": al.randn(50, 20)}
    path = tmp_path / "ckpt.pt"
    save(obj, path)
    return obj, path, path.read_bytes()


@pytest.mark.parametrize("cut", [0, 1, 3, 10, 100, 0.25, 0.5, 0.75, -200, -60, -22, -1])
def test_truncated_file_fails_cleanly(cut, saved):
    _, path, data = saved
    n = int(len(data) * cut) if isinstance(cut, float) else cut % len(data) if cut else 0
    path.write_bytes(data[:n])
    with pytest.raises(RuntimeError, match=BROKEN):
        load(path)


def test_flipped_bytes_fail_cleanly_or_load_unchanged(saved):
    obj, path, data = saved
    outcomes = set()
    for pos in range(0, len(data), max(1, len(data) // 300)):
        damaged = bytearray(data)
        damaged[pos] ^= 0xFF
        path.write_bytes(bytes(damaged))
        try:
            got = load(path)
        except (RuntimeError, pickle.UnpicklingError) as exc:
            assert "autograd_lab.load" in str(exc), (pos, exc)
            outcomes.add("error")
        else:  # a byte zip doesn't check (a timestamp): nothing changed
            assert_same(got, obj)
            outcomes.add("same")
    assert "error" in outcomes


def test_flipped_tensor_values_are_detected(saved):
    _, path, data = saved
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("autograd_lab/tensors/2.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    for pos in range(start, start + info.file_size - 300, 97):
        damaged = bytearray(data)
        damaged[pos] ^= 0x01
        path.write_bytes(bytes(damaged))
        with pytest.raises(RuntimeError, match="Bad CRC-32"):
            load(path)


@pytest.mark.parametrize("content, message", [
    (b"", "file is empty"),
    (np.random.default_rng(0).bytes(1000), "not an autograd_lab or PyTorch checkpoint"),
    (b"PK\x03\x04" + np.random.default_rng(1).bytes(500), "truncated or corrupted"),
    (pickle.dumps({"a": 1}), r"not an autograd_lab or PyTorch checkpoint \(a pickle file\)"),
    (b"hello world\n", "not an autograd_lab or PyTorch checkpoint"),
])
def test_foreign_files(content, message, tmp_path):
    path = tmp_path / "foreign.pt"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=message):
        load(path)


def _zip(path, members, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_without_manifest(tmp_path):
    path = _zip(tmp_path / "other.zip", {"readme.txt": b"hi", "a/b.npy": b"x"})
    with pytest.raises(RuntimeError, match="not an autograd_lab or PyTorch checkpoint"):
        load(path)


@pytest.mark.parametrize("change, message", [
    (lambda m: m.update(format="something else"), "not an autograd_lab checkpoint"),
    (lambda m: m.update(version=99), "format version 99.*upgrade autograd_lab"),
    (lambda m: m["tensors"][0].update(shape=[7, 7]), "expected 196"),
    (lambda m: m["tensors"][0].update(dtype="complex64"), "bad dtype/shape"),
    (lambda m: m["root"].update(type="pickle"), "unknown node 'pickle'"),
    (lambda m: m["root"]["items"][0][1].update(value="3"), "bad int node"),
    (lambda m: m["root"]["items"][1][1].update(index=5), "no tensor 5"),
    (lambda m: m["tensors"][0].update(requires_grad=True), "int32 tensor marked requires_grad"),
])
def test_damaged_manifest(change, message, tmp_path):
    path = tmp_path / "m.pt"
    save({"n": 3, "t": al.zeros(3, 4, dtype=al.int32)}, path)
    _rewrite_manifest(path, change)
    with pytest.raises(RuntimeError, match=message):
        load(path)


def test_compressed_member_is_refused(tmp_path):
    path = tmp_path / "c.pt"
    save({"t": al.zeros(100)}, path)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    _zip(path, members, zipfile.ZIP_DEFLATED)
    with pytest.raises(RuntimeError, match="is compressed"):
        load(path)


# ----------------------------------------------------------------------------- hostile pickles
def g(module, name):
    """The GLOBAL opcode."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def body(value):
    """Opcodes that push a plain value (protocol 2, without PROTO and STOP)."""
    return pickle.dumps(value, 2)[2:-1]


def tensor_ops(key, storage, numel, offset, size, stride, requires_grad=False):
    pid = b"((" + body("storage") + g("torch", storage) + body(key) + body("cpu") + body(numel)
    return (g("torch._utils", "_rebuild_tensor_v2") + pid + b"tQ" + body(offset) + body(size)
            + body(stride) + body(requires_grad) + g("collections", "OrderedDict") + b")RtR")


def torch_like(path, data_pkl, storages=(), byteorder=b"little", prefix="archive"):
    members = {f"{prefix}/data.pkl": b"\x80\x02" + data_pkl + b"."}
    members[f"{prefix}/byteorder"] = byteorder
    members.update({f"{prefix}/data/{k}": v for k, v in dict(storages).items()})
    return _zip(path, members)


def test_fake_torch_file_with_strides_offsets_and_big_endian(tmp_path):
    values = np.arange(12, dtype=">f4")
    pkl = (b"}(" + body("t") + tensor_ops("0", "FloatStorage", 12, 1, (3, 2), (1, 4))
           + body("b") + tensor_ops("1", "BoolStorage", 3, 0, (3,), (1,)) + b"u")
    path = torch_like(tmp_path / "fake.pt", pkl, {"0": values.tobytes(), "1": b"\x01\x00\x01"},
                      byteorder=b"big")
    got = load(path)
    want = np.arange(12, dtype=np.float32)[1:].copy()
    np.testing.assert_array_equal(got["t"].numpy(),
                                  np.lib.stride_tricks.as_strided(want, (3, 2), (4, 16)))
    assert got["t"].dtype == al.float32 and got["t"].numpy().dtype.isnative
    assert got["b"].tolist() == [True, False, True]


EVIL = {}


class _System:
    def __reduce__(self):
        return os.system, (f"touch {EVIL['canary']}",)


class _Eval:
    def __reduce__(self):
        return eval, (f"open({str(EVIL['canary'])!r}, 'w')",)


@pytest.mark.parametrize("protocol", [2, 4])
@pytest.mark.parametrize("evil, name", [(_System, r"(posix|nt|os)\.system"),
                                        (_Eval, r"builtins\.eval")])
def test_pickles_calling_code_are_refused(evil, name, protocol, tmp_path):
    EVIL["canary"] = tmp_path / "canary"
    payload = pickle.dumps({"state": [evil()]}, protocol)
    path = _zip(tmp_path / "evil.pt", {"archive/data.pkl": payload})
    for weights_only in (None, True, False):  # never unrestricted, whatever the flag says
        with pytest.raises(pickle.UnpicklingError, match=f"refusing to load '{name}' from the "
                           "file: only tensors and plain containers are allowed"):
            load(path, weights_only=weights_only)
    assert not EVIL["canary"].exists()


@pytest.mark.parametrize("pkl, error, message", [
    (g("torch", "float32") + b"N}" + body("name") + body("hacked") + b"s\x86b",
     pickle.UnpicklingError, "refusing to set the state"),
    (g("collections", "OrderedDict") + b")R}" + body("__class__") + b"Ns" + b"b",
     pickle.UnpicklingError, "other than _metadata"),
    (g("torch._utils", "_rebuild_tensor_v2") + b"}" + body("__defaults__") + body((1,)) + b"sb",
     pickle.UnpicklingError, "refusing to set the state"),
    (g("torch", "BFloat16Storage"), pickle.UnpicklingError, "bfloat16.*not support"),
    (g("torch.nn.modules.linear", "Linear"), pickle.UnpicklingError,
     "'torch.nn.modules.linear.Linear'"),
    (b"N" + b"r\xff\xff\xff\xff", RuntimeError, "memo index"),
    (b"(" * 100_000 + b"l" * 100_000, RuntimeError, "nested too deeply"),
    (b"(" + body(1) + b"l" + g("copy_reg", "_reconstructor") + b")\x81", pickle.UnpicklingError,
     "'copyreg._reconstructor'"),
    (b"}\x81", pickle.UnpicklingError, "opcode NEWOBJ"),
    (b"\x8a\x01", RuntimeError, "truncated or corrupted"),
    (tensor_ops("0", "FloatStorage", 4, 2, (3,), (1,)), RuntimeError, "reaches element 4"),
    (tensor_ops("0", "FloatStorage", 4, 0, (2**20, 2**20), (0, 0)), RuntimeError, "expands"),
    (tensor_ops("9", "FloatStorage", 4, 0, (4,), (1,)), RuntimeError, "data/9 is missing"),
    (tensor_ops("0", "FloatStorage", 8, 0, (4,), (1,)), RuntimeError, "expected 32"),
    (tensor_ops("0", "FloatStorage", 4, 0, (2, 2), (-1, 1)), RuntimeError, "invalid size"),
    (tensor_ops("0", "LongStorage", 2, 0, (2,), (1,), True), RuntimeError, "requires_grad"),
    (b"((" + body("storage") + body(1) + b"tQ", RuntimeError, "persistent id"),
])
def test_hostile_torch_like_files(pkl, error, message, tmp_path):
    path = torch_like(tmp_path / "h.pt", pkl, {"0": np.zeros(4, np.float32).tobytes()})
    with pytest.raises(error, match=message):
        load(path)
    assert al.float32.name == "float32"


def test_shared_references_load_without_blowing_up(tmp_path):
    tree = ["lol"]
    for _ in range(60):  # 2**60 leaves when expanded; 60 small lists when shared
        tree = [tree, tree]
    path = _zip(tmp_path / "laughs.pt", {"archive/data.pkl": pickle.dumps(tree, 2)})
    got = load(path)
    assert got[0] is got[1] and got[0][0][0][0] is got[1][1][1][1]


def test_reference_cycle_in_pickle_is_refused(tmp_path):
    loop = []
    loop.append(loop)
    path = _zip(tmp_path / "cycle.pt", {"archive/data.pkl": pickle.dumps(loop, 2)})
    with pytest.raises(RuntimeError, match="reference cycle"):
        load(path)


# ----------------------------------------------------------------------------- PyTorch files
def assert_matches_torch(got, want, torch, where="obj"):
    """``got`` (loaded by us) holds what ``want`` (PyTorch objects) holds, type for type."""
    if isinstance(want, torch.nn.Parameter):
        assert type(got) is Parameter, where
    if isinstance(want, torch.Tensor):
        assert isinstance(got, al.Tensor), where
        assert got.dtype.name == str(want.dtype).removeprefix("torch."), where
        assert tuple(got.shape) == tuple(want.shape), where
        assert got.requires_grad == want.requires_grad, where
        np.testing.assert_array_equal(got.detach().numpy(), want.detach().numpy(), err_msg=where)
    elif isinstance(want, torch.Size):
        assert type(got) is al.Size and tuple(got) == tuple(want), where
    elif isinstance(want, torch.dtype):
        assert got is getattr(al, str(want).removeprefix("torch.")), where
    elif isinstance(want, torch.device):
        assert got == al.device(str(want)), where
    elif isinstance(want, dict):
        assert type(got) is type(want) and list(got) == list(want), where
        for k in want:
            assert_matches_torch(got[k], want[k], torch, f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert type(got) is type(want) and len(got) == len(want), where
        for i, (a, b) in enumerate(zip(got, want)):
            assert_matches_torch(a, b, torch, f"{where}[{i}]")
    else:
        assert type(got) is type(want) and got == want, where


def torch_net(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                              torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(64, 3),
                              torch.nn.BatchNorm1d(3))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(2):  # running stats, num_batches_tracked and Adam state all move
        opt.zero_grad()
        net(torch.randn(5, 1, 4, 4)).square().mean().backward()
        opt.step()
    return net, opt


@functools.cache
def torch_objects(torch):
    net, opt = torch_net(torch)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    net(torch.randn(2, 1, 4, 4)).sum().backward()
    sgd.step()
    base = torch.arange(24.0).reshape(4, 6)
    shared = torch.randn(3, 3)
    return {
        "state_dict": net.state_dict(),
        "adam": opt.state_dict(),
        "sgd": sgd.state_dict(),
        "checkpoint": {"epoch": 5, "loss": 0.125, "best": None, "tag": "run-1",
                       "model": net.state_dict(), "optimizer": opt.state_dict(),
                       "history": [(1, 0.5), (2, 0.25)]},
        "views": {"t": base.t(), "cols": base[:, 1::2], "row": base[2], "base": base,
                  "expanded": torch.tensor([1.0, 2.0]).expand(3, 2),
                  "same": [shared, shared], "flipped": torch.randn(3, 4).permute(1, 0)},
        "dtypes": {str(d): (torch.arange(-3, 3) % 2 == 0 if d == torch.bool
                            else torch.arange(-3, 3).to(d))
                   for d in (torch.float32, torch.float64, torch.float16, torch.int64,
                             torch.int32, torch.int16, torch.int8, torch.uint8, torch.bool)},
        "scalars": [torch.tensor(2.5), torch.tensor(7), torch.zeros(0, 3), torch.empty(2, 0)],
        "grad": {"w": torch.randn(2, requires_grad=True),
                 "p": torch.nn.Parameter(torch.randn(2, 2)),
                 "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False)},
        "misc": [torch.Size([2, 3]), torch.float16, torch.device("cpu"), b"raw", 2**70,
                 OrderedDict(a=1)],
    }


@pytest.mark.torch
@pytest.mark.parametrize("name", ["state_dict", "adam", "sgd", "checkpoint", "views", "dtypes",
                                  "scalars", "grad", "misc"])
@pytest.mark.parametrize("via", ["path", "buffer"])
def test_torch_files_load(name, via, tmp_path):
    torch = require_torch()
    obj = torch_objects(torch)[name]
    if via == "path":
        torch.save(obj, tmp_path / "model.pt")
        got = load(tmp_path / "model.pt", map_location="cpu")
    else:
        buf = io.BytesIO()
        torch.save(obj, buf)
        got = load(io.BytesIO(buf.getvalue()))
    assert_matches_torch(got, obj, torch)


@pytest.mark.torch
def test_torch_state_dict_keeps_keys_metadata_and_sharing_of_objects(tmp_path):
    torch = require_torch()
    net, _ = torch_net(torch)
    torch.save({"sd": net.state_dict(), "views": torch_objects(torch)["views"]}, tmp_path / "a")
    got = load(tmp_path / "a")
    assert got["sd"]._metadata == net.state_dict()._metadata
    assert got["sd"]["1.num_batches_tracked"].dtype == al.int64
    assert got["sd"]["1.num_batches_tracked"].item() == 2
    assert got["views"]["same"][0] is got["views"]["same"][1]  # one tensor, as in torch.load


@pytest.mark.torch
def test_torch_weights_drive_our_linear(tmp_path):
    torch = require_torch()
    nn = pytest.importorskip("autograd_lab.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("autograd_lab.nn.Linear not available yet")
    theirs = torch.nn.Linear(4, 3)
    torch.save(theirs.state_dict(), tmp_path / "linear.pt")
    ours = nn.Linear(4, 3)
    ours.load_state_dict(load(tmp_path / "linear.pt"))
    x = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)
    np.testing.assert_allclose(ours(al.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-6)


@pytest.mark.torch
def test_torch_file_with_custom_class_is_refused(tmp_path):
    torch = require_torch()
    torch.save({"model": torch.nn.Linear(2, 2)}, tmp_path / "whole.pt")
    with pytest.raises(pickle.UnpicklingError,
                       match="'torch.nn.modules.linear.Linear'.*save model.state_dict"):
        load(tmp_path / "whole.pt")


@pytest.mark.torch
def test_torch_bfloat16_is_refused_by_name(tmp_path):
    torch = require_torch()
    torch.save({"w": torch.ones(2, dtype=torch.bfloat16)}, tmp_path / "bf16.pt")
    with pytest.raises(pickle.UnpicklingError, match="dtype bfloat16"):
        load(tmp_path / "bf16.pt")


@pytest.mark.torch
def test_legacy_torch_format_is_refused(tmp_path):
    torch = require_torch()
    torch.save({"w": torch.ones(2)}, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(RuntimeError, match="legacy PyTorch file"):
        load(tmp_path / "old.pt")


@pytest.mark.torch
@pytest.mark.parametrize("cut", [10, 0.3, 0.6, -30])
def test_truncated_torch_file(cut, tmp_path):
    torch = require_torch()
    path = tmp_path / "t.pt"
    torch.save(torch_objects(torch)["checkpoint"], path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut) if isinstance(cut, float) else cut % len(data)])
    with pytest.raises(RuntimeError, match="truncated or corrupted"):
        load(path)

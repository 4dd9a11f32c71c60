"""``nn.Module``, ``Parameter`` and the containers against PyTorch.

Each network is written once as a function of the library (``build(nn)``), built in PyTorch
and in autograd_lab, and compared: repr, state_dict keys and shapes, parameter counts,
module/parameter/buffer names and order, outputs and gradients after copying PyTorch's weights
into ours through a NumPy state_dict round trip, and the text of the errors.
"""

from __future__ import annotations

import copy
import pickle
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
import autograd_lab.nn as alnn

pytestmark = pytest.mark.torch


def _norm(text: str) -> str:
    return text.replace("torch.", "autograd_lab.")


# ----------------------------------------------------------------------------- the networks
def mlp(lib, nn):
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3))


def nested(lib, nn):
    class Block(nn.Module):
        def __init__(self, n):
            super().__init__()
            self.fc = nn.Linear(n, n)
            self.scale = nn.Parameter(lib.ones(n))
            self.register_buffer("count", lib.zeros(1, dtype=lib.int64))
            self.register_buffer("tmp", lib.zeros(n), persistent=False)

        def forward(self, x):
            return self.fc(x) * self.scale

    class Nested(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Linear(6, 8)
            self.blocks = nn.ModuleList([Block(8), Block(8)])
            self.heads = nn.ModuleDict({"a": nn.Linear(8, 2), "b": nn.Sequential(
                OrderedDict([("fc", nn.Linear(8, 4)), ("act", nn.Sigmoid())]))})
            self.extra = nn.ParameterList([nn.Parameter(lib.zeros(2, 3)),
                                           nn.Parameter(lib.ones(3))])
            self.flat = nn.Flatten()

        def forward(self, x):
            h = self.stem(x).relu()
            for b in self.blocks:
                h = b(h)
            return self.heads["a"](h).sum() + self.heads["b"](h).sum() + self.extra[1].sum()

    return Nested()


def lenet(lib, nn):
    """The LeNet ``Net`` of shared/seeds/004 (conv layers when ``nn.Conv2d`` exists)."""
    F = nn.functional  # noqa: N806

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 3)
            self.conv2 = nn.Conv2d(6, 16, 3)
            self.fc1 = nn.Linear(16 * 6 * 6, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
            x = F.max_pool2d(F.relu(self.conv2(x)), 2)
            x = x.view(-1, self.num_flat_features(x))
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            return self.fc3(x)

        def num_flat_features(self, x):
            num_features = 1
            for s in x.size()[1:]:
                num_features *= s
            return num_features

    return Net()


NETS = {"mlp": (mlp, (5, 8)), "nested": (nested, (4, 6)), "lenet": (lenet, (2, 1, 32, 32))}


def _has_conv() -> bool:
    return hasattr(alnn, "Conv2d") and hasattr(getattr(alnn, "functional", None), "max_pool2d")


def pair(name):
    torch = require_torch()
    if name == "lenet" and not _has_conv():
        pytest.fail("nn.Conv2d / F.max_pool2d missing: the LeNet of the tutorials cannot build")
    build, shape = NETS[name]
    torch.manual_seed(0)
    return build(torch, torch.nn), build(al, alnn), shape


def copy_weights(theirs, ours, **kw):
    sd = {k: al.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()}
    return ours.load_state_dict(sd, **kw)


def state_dicts(theirs, ours):
    return theirs.state_dict(), ours.state_dict()


# ----------------------------------------------------------------------------- structure
@pytest.mark.parametrize("name", list(NETS))
def test_structure_matches_torch(name):
    theirs, ours, _ = pair(name)
    assert repr(ours) == _norm(repr(theirs))
    t_sd, o_sd = state_dicts(theirs, ours)
    assert isinstance(o_sd, OrderedDict)
    assert list(o_sd) == list(t_sd)
    assert [tuple(v.shape) for v in o_sd.values()] == [tuple(v.shape) for v in t_sd.values()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [type(m).__name__
                                                         for m in theirs.modules()]
    assert (sum(p.numel() for p in ours.parameters())
            == sum(p.numel() for p in theirs.parameters()))
    assert all(isinstance(p, alnn.Parameter) and p.requires_grad for p in ours.parameters())
    assert ([n for n, _ in ours.named_parameters(prefix="net", recurse=False)]
            == [n for n, _ in theirs.named_parameters(prefix="net", recurse=False)])
    assert list(o_sd._metadata) == list(t_sd._metadata)
    assert (list(ours.state_dict(prefix="m.", keep_vars=True))
            == list(theirs.state_dict(prefix="m.", keep_vars=True)))


@pytest.mark.parametrize("name", list(NETS))
def test_outputs_and_grads_match_torch(name):
    torch = require_torch()
    theirs, ours, shape = pair(name)
    assert repr(copy_weights(theirs, ours)) == "<All keys matched successfully>"
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
    tx, ox = torch.tensor(x, requires_grad=True), al.tensor(x, requires_grad=True)
    t_out, o_out = theirs(tx), ours(ox)
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    t_out.sum().backward()
    o_out.sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    t_params = dict(theirs.named_parameters())
    for n, p in ours.named_parameters():
        tg = t_params[n].grad
        if tg is None:
            assert p.grad is None, n
        else:
            np.testing.assert_allclose(p.grad.numpy(), tg.numpy(), rtol=1e-4, atol=1e-5,
                                       err_msg=n)


def test_state_dict_shares_storage_and_detaches():
    _, ours, _ = pair("mlp")
    sd = ours.state_dict()
    w = sd["0.weight"]
    assert type(w) is al.Tensor and not w.requires_grad
    w[0, 0] = 123.0
    assert ours[0].weight[0, 0].item() == 123.0
    assert ours.state_dict(keep_vars=True)["0.weight"] is ours[0].weight


# ----------------------------------------------------------------------------- load errors
def _load_error(lib_model, sd):
    with pytest.raises(RuntimeError) as info:
        lib_model.load_state_dict(sd)
    return str(info.value)


def _edits(lib, sd):
    """Ways to break a state_dict: (name, new dict)."""
    missing = OrderedDict((k, v) for k, v in sd.items() if k != "2.bias")
    extra = OrderedDict(sd, **{"5.weight": sd["0.bias"], "foo": sd["0.bias"]})
    shape = OrderedDict(sd, **{"4.weight": lib.zeros(3, 15)})
    both = OrderedDict((k, v) for k, v in extra.items() if k not in ("0.weight", "4.bias"))
    both["2.weight"] = lib.zeros(1)
    return {"missing": missing, "unexpected": extra, "size": shape, "all": both}


@pytest.mark.parametrize("case", ["missing", "unexpected", "size", "all"])
def test_load_state_dict_errors_match_torch(case):
    torch = require_torch()
    theirs, ours, _ = pair("mlp")
    t_sd = _edits(torch, theirs.state_dict())[case]
    o_sd = _edits(al, ours.state_dict())[case]
    assert _load_error(ours, o_sd) == _norm(_load_error(theirs, t_sd))
    if case != "size" and case != "all":
        t_res = theirs.load_state_dict(t_sd, strict=False)
        o_res = ours.load_state_dict(o_sd, strict=False)
        assert o_res == tuple(t_res)
        assert (o_res.missing_keys, o_res.unexpected_keys) == (t_res.missing_keys,
                                                               t_res.unexpected_keys)
        assert repr(o_res) == repr(t_res)


def test_load_state_dict_copies_in_place_and_assign():
    theirs, ours, _ = pair("mlp")
    w = ours[0].weight
    copy_weights(theirs, ours)
    assert ours[0].weight is w
    np.testing.assert_array_equal(w.detach().numpy(), theirs[0].weight.detach().numpy())
    new = {k: al.zeros_like(v) for k, v in ours.state_dict().items()}
    ours.load_state_dict(new, assign=True)
    assert ours[0].weight is not w and isinstance(ours[0].weight, alnn.Parameter)
    assert ours[0].weight.requires_grad and float(ours[0].weight.abs().sum()) == 0.0
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        ours.load_state_dict([1, 2])


def test_load_non_tensor_value_reports_error():
    _, ours, _ = pair("mlp")
    sd = dict(ours.state_dict())
    sd["0.bias"] = np.zeros(16, np.float32)
    with pytest.raises(RuntimeError, match='While copying the parameter named "0.bias"'):
        ours.load_state_dict(sd)


# ----------------------------------------------------------------------------- attributes
def _err(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is what we compare
        return type(e).__name__, _norm(str(e))
    return None


def _attr_cases(lib, nn):
    """Each case mutates a fresh Linear-holding net and may raise."""

    def net():
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 3)
                self.register_buffer("buf", lib.zeros(2))
                self.weight = nn.Parameter(lib.zeros(2))

            def forward(self, x):
                return self.fc(x)

        return Net()

    class NoForward(nn.Module):
        pass

    class EarlyAssign(nn.Module):
        def __init__(self):
            self.p = nn.Parameter(lib.zeros(1))

    class EarlyModule(nn.Module):
        def __init__(self):
            self.m = nn.Linear(1, 1)

    return {
        "typo": lambda: net().wieght,
        "tensor_to_param": lambda: setattr(net(), "weight", lib.ones(2)),
        "int_to_param": lambda: setattr(net(), "weight", 3),
        "tensor_to_module": lambda: setattr(net(), "fc", lib.ones(2)),
        "int_to_buffer": lambda: setattr(net(), "buf", 3),
        "param_none": lambda: setattr(net(), "weight", None),
        "register_dot": lambda: net().register_buffer("a.b", lib.zeros(1)),
        "register_empty": lambda: net().register_parameter("", None),
        "register_exists": lambda: net().register_buffer("fc", lib.zeros(1)),
        "register_param_exists": lambda: net().register_parameter("buf", None),
        "register_bad_param": lambda: net().register_parameter("q", lib.zeros(1)),
        "register_bad_buffer": lambda: net().register_buffer("q", 3.0),
        "register_name_type": lambda: net().register_buffer(1, None),
        "add_module_bad": lambda: net().add_module("q", 3),
        "add_module_dot": lambda: net().add_module("a.b", nn.ReLU()),
        "add_module_exists": lambda: net().add_module("buf", nn.ReLU()),
        "nonleaf_param": lambda: net().register_parameter(
            "q", nn.Parameter(lib.zeros(1)) * 2),
        "no_forward": lambda: NoForward()(lib.zeros(1)),
        "early_param": lambda: EarlyAssign(),
        "early_module": lambda: EarlyModule(),
        "init_kwargs": lambda: nn.Module(foo=1),
        "init_args": lambda: nn.Module(1, 2),
        "submodule": lambda: net().get_submodule("fc.nothing"),
        "submodule_not_module": lambda: net().get_submodule("fc.weight"),
        "get_parameter_missing": lambda: net().get_parameter("fc.nothing"),
        "get_parameter_buffer": lambda: net().get_parameter("buf"),
        "get_buffer_param": lambda: net().get_buffer("weight"),
        "train_bad": lambda: net().train("yes"),
        "to_int": lambda: net().to(lib.int64),
        "delattr_missing": lambda: delattr(net(), "nothing"),
        "get_parameter_ok": lambda: net().get_parameter("fc.bias").shape,
        "get_buffer_ok": lambda: net().get_buffer("buf").shape,
        "get_submodule_ok": lambda: net().get_submodule(""),
    }


@pytest.mark.parametrize("case", list(_attr_cases(al, alnn)))
def test_attribute_rules_and_errors_match_torch(case):
    torch = require_torch()
    theirs = _attr_cases(torch, torch.nn)[case]
    ours = _attr_cases(al, alnn)[case]
    t_err, o_err = _err(theirs), _err(ours)
    if case in ("int_to_buffer",):
        # PyTorch names its nn.Buffer marker class, which autograd_lab does not have.
        assert t_err[0] == o_err[0] == "TypeError"
        assert o_err[1] == ("cannot assign 'int' as buffer 'buf' "
                            "(autograd_lab.Tensor or None expected)")
    elif case in ("register_bad_buffer",):
        assert t_err[0] == o_err[0] and o_err[1] == _norm(t_err[1]).replace("torch", "autograd_lab")
    else:
        assert o_err == t_err


def test_registration_moves_between_kinds():
    m = alnn.Module()
    m.x = alnn.Parameter(al.zeros(1))
    assert "x" in m._parameters
    with pytest.raises(TypeError, match="cannot assign 'autograd_lab.nn.modules.linear.Linear"):
        m.x = alnn.Linear(1, 1)
    m.x = None
    m.__dict__["y"] = 1
    m.y = alnn.Linear(1, 1)  # a plain attribute becomes a child module
    assert "y" not in m.__dict__ and "y" in m._modules
    del m.x
    m.x = alnn.Linear(1, 1)  # a module now: the parameter entry went with del
    assert "x" not in m._parameters and "x" in m._modules
    m.register_buffer("b", al.zeros(1))
    m.b = al.ones(2)  # re-assigning a buffer name keeps it a buffer
    assert m._buffers["b"].shape == (2,)
    m.b = None
    assert m._buffers["b"] is None and "b" not in m.state_dict()
    del m.x, m.y, m.b
    assert not m._modules and not m._buffers and not m._parameters
    m.plain = 3
    assert m.plain == 3 and "plain" in m.__dict__
    assert "plain" in dir(m) and "training" in dir(m)
    m.register_parameter("p", alnn.Parameter(al.zeros(2)))
    assert "p" in dir(m) and list(m.state_dict()) == ["p"]


# ----------------------------------------------------------------------------- hooks
def _hook_program(lib, nn):
    log = []
    net = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    lin = net[0]

    def pre(mod, args):
        log.append(("pre", type(mod).__name__, len(args)))
        return (args[0] * 2,)

    def pre_single(mod, args):
        log.append(("pre_single",))
        return args[0] + 1  # not a tuple: wrapped in one

    def pre_kw(mod, args, kwargs):
        log.append(("pre_kw", sorted(kwargs)))
        return None

    def fwd(mod, args, out):
        log.append(("fwd", tuple(out.shape)))
        return out * 0 + 5

    def fwd_kw(mod, args, kwargs, out):
        log.append(("fwd_kw", tuple(out.shape)))

    def first(mod, args):
        log.append(("first",))

    x = lib.ones(4, 3)
    h1 = lin.register_forward_pre_hook(pre)
    h2 = lin.register_forward_pre_hook(pre_single)
    h3 = net.register_forward_pre_hook(pre_kw, with_kwargs=True)
    h4 = lin.register_forward_hook(fwd)
    h5 = net.register_forward_hook(fwd_kw, with_kwargs=True)
    h6 = lin.register_forward_pre_hook(first, prepend=True)
    out1 = net(x)
    for h in (h1, h2, h4):
        h.remove()
    out2 = net(x)
    with lin.register_forward_hook(fwd):
        out3 = net(x)
    h3.remove()
    h5.remove()
    h6.remove()
    out4 = net(x)
    return log, [o.detach().numpy().copy() for o in (out1, out2, out3, out4)]


def test_forward_hooks_match_torch():
    torch = require_torch()
    torch.manual_seed(0)
    t_log, t_outs = _hook_program(torch, torch.nn)
    al.manual_seed(0)
    o_log, o_outs = _hook_program(al, alnn)
    assert o_log == t_log
    # Outputs depend on random weights except where the forward hook forces 5.
    np.testing.assert_array_equal(o_outs[0], t_outs[0])
    np.testing.assert_array_equal(o_outs[2], t_outs[2])


def test_forward_pre_hook_with_kwargs_bad_result():
    torch = require_torch()
    for lib, nn in ((torch, torch.nn), (al, alnn)):
        m = nn.ReLU()
        m.register_forward_pre_hook(lambda mod, a, k: 3, with_kwargs=True)
        with pytest.raises(RuntimeError, match="forward pre-hook must return None or a tuple"):
            m(lib.ones(1))


# ----------------------------------------------------------------------------- modes, moves
def test_train_eval_apply_requires_grad():
    torch = require_torch()
    theirs, ours, _ = pair("nested")
    for m in (theirs, ours):
        m.eval()
        m.blocks.train()
    assert [m.training for m in ours.modules()] == [m.training for m in theirs.modules()]
    assert ours.train() is ours and all(m.training for m in ours.modules())
    names = []
    assert ours.apply(lambda m: names.append(type(m).__name__)) is ours
    t_names = []
    theirs.apply(lambda m: t_names.append(type(m).__name__))
    assert names == t_names
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())
    assert torch is not None


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    _, ours, _ = pair("mlp")
    ours(al.ones(2, 8)).sum().backward()
    grads = [p.grad for p in ours.parameters()]
    ours.zero_grad(set_to_none=set_to_none)
    for p, g in zip(ours.parameters(), grads, strict=True):
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is g and float(p.grad.abs().sum()) == 0.0


@pytest.mark.parametrize("move", ["to_dtype", "to_kw", "double", "to_tensor", "type", "half"])
def test_dtype_moves_keep_parameter_identity(move):
    _, ours, _ = pair("nested")
    ours(al.ones(2, 6)).backward()
    params = list(ours.parameters())
    do = {"to_dtype": lambda m: m.to(al.float64), "to_kw": lambda m: m.to(dtype=al.float64),
          "double": lambda m: m.double(), "to_tensor": lambda m: m.to(al.zeros(1).double()),
          "type": lambda m: m.type(al.float64), "half": lambda m: m.half()}[move]
    assert do(ours) is ours
    want = al.float16 if move == "half" else al.float64
    assert [p for p in ours.parameters()] == params  # same objects (compared by identity)
    assert all(p.dtype is want and isinstance(p, alnn.Parameter) for p in params)
    assert all(p.grad.dtype is want for p in params if p.grad is not None)
    count = ours.blocks[0].count
    assert count.dtype is (want if move == "type" else al.int64)
    if move != "half":
        assert ours(al.ones(2, 6, dtype=want)).dtype is want
    ours.float()
    assert all(p.dtype is al.float32 for p in ours.parameters())
    assert ours.cpu() is ours


class PicklableBlock(alnn.Module):
    def __init__(self):
        super().__init__()
        self.stem = alnn.Linear(6, 4)
        self.blocks = alnn.ModuleList([alnn.Linear(4, 4), alnn.ReLU()])
        self.heads = alnn.ModuleDict({"a": alnn.Sequential(alnn.Linear(4, 1), alnn.Tanh())})
        self.extra = alnn.ParameterList([al.ones(1)])
        self.register_buffer("tmp", al.zeros(2), persistent=False)

    def forward(self, x):
        return (self.heads["a"](self.blocks[1](self.blocks[0](self.stem(x)))).sum()
                + self.extra[0].sum())


def test_deepcopy_and_pickle_roundtrip():
    ours = PicklableBlock()
    ours(al.ones(2, 6)).backward()
    for clone in (copy.deepcopy(ours), pickle.loads(pickle.dumps(ours))):
        assert repr(clone) == repr(ours)
        for (n1, p1), (n2, p2) in zip(clone.named_parameters(), ours.named_parameters(),
                                      strict=True):
            assert n1 == n2 and p1 is not p2 and isinstance(p1, alnn.Parameter)
            np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())
            assert p1.grad is None  # PyTorch's Parameter.__deepcopy__ drops .grad too
        assert list(clone.state_dict()) == list(ours.state_dict())
        assert clone.tmp is not None and "tmp" not in clone.state_dict()
        clone.stem.weight.data.zero_()
        assert float(ours.stem.weight.abs().sum()) > 0
        assert clone(al.ones(2, 6)).shape == ()
    shared = alnn.Sequential(ours.stem, ours.stem)
    assert len(list(shared.parameters())) == 2
    assert len(list(shared.named_parameters(remove_duplicate=False))) == 4
    twin = copy.deepcopy(shared)
    assert twin[0] is twin[1]


# ----------------------------------------------------------------------------- containers
def _sequential_program(lib, nn):
    s = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh())
    out = [repr(s[-1]), repr(s[1:3]), repr(s[::2]), len(s)]
    s.append(nn.Sigmoid())
    s.insert(1, nn.Identity())
    s.insert(-1, nn.ELU())
    out.append(repr(s))
    popped = s.pop(2)
    del s[0]
    out += [repr(popped), repr(s)]
    s.extend(nn.Sequential(nn.ReLU6()))
    s[0] = nn.GELU()
    out += [repr(s), [n for n, _ in s.named_children()]]
    out.append(repr(s + nn.Sequential(nn.ReLU())))
    out.append(repr(nn.Sequential(nn.ReLU(), nn.Tanh()) * 2))
    del s[1:3]
    out.append(repr(s))
    named = nn.Sequential(OrderedDict([("first", nn.Linear(1, 2)), ("act", nn.ReLU())]))
    out += [repr(named), list(named.state_dict()), repr(named[0]), repr(named[-1:])]
    out.append(_err(lambda: s[10]))
    out.append(_err(lambda: s.insert(10, nn.ReLU())))
    out.append(_err(lambda: s + 3))
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)] + [nn.ReLU()])
    ml.append(nn.ReLU())
    ml.insert(0, nn.Tanh())
    ml += [nn.Sigmoid()]
    out += [repr(ml), len(ml), repr(ml[-1]), repr(ml[1:3]), list(ml.state_dict())]
    del ml[0]
    out += [repr(ml.pop(-1)), repr(ml), repr(nn.ModuleList()), _err(lambda: ml[20])]
    out.append(_err(lambda: ml.extend(3)))
    md = nn.ModuleDict({"a": nn.ReLU(), "b": nn.Linear(1, 1)})
    md["c"] = nn.Tanh()
    md.update([("d", nn.ReLU())])
    out += [repr(md), list(md.keys()), "a" in md, len(md), repr(md.pop("a")), list(md)]
    out.append(_err(lambda: md.update([("x",)])))
    pl = nn.ParameterList([nn.Parameter(lib.zeros(2, 3)), lib.ones(4)])
    pl.append(nn.Parameter(lib.zeros(1, dtype=lib.float64)))
    out += [repr(pl), len(pl), type(pl[1]).__name__, [n for n, _ in pl.named_parameters()]]
    out += [repr(pl[0:2]), _err(lambda: pl(1)), _err(lambda: pl.extend(lib.zeros(2)))]
    return out


def test_containers_match_torch():
    torch = require_torch()
    t_out = _sequential_program(torch, torch.nn)
    o_out = _sequential_program(al, alnn)
    assert len(o_out) == len(t_out)
    for i, (o, t) in enumerate(zip(o_out, t_out, strict=True)):
        if isinstance(t, str):
            t = _norm(t)
        elif isinstance(t, tuple):
            t = (t[0], _norm(t[1]))
        assert o == t, (i, o, t)


def test_sequential_forward_and_slicing_shares_modules():
    s = alnn.Sequential(alnn.Linear(2, 3), alnn.ReLU(), alnn.Linear(3, 1))
    assert s[0:2][0] is s[0] and isinstance(s[0:2], alnn.Sequential)
    x = al.ones(4, 2)
    np.testing.assert_allclose(s(x).detach().numpy(), s[2](s[1](s[0](x))).detach().numpy())
    assert list(iter(s)) == [s[0], s[1], s[2]]


# ----------------------------------------------------------------------------- Parameter
def test_parameter_matches_torch():
    torch = require_torch()
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    tp, op = torch.nn.Parameter(torch.tensor(data)), alnn.Parameter(al.tensor(data))
    assert repr(op) == _norm(repr(tp))
    assert str(op) == _norm(str(tp))
    assert repr(alnn.Parameter(al.tensor(data), requires_grad=False)) == _norm(
        repr(torch.nn.Parameter(torch.tensor(data), requires_grad=False)))
    assert repr(alnn.Parameter()) == _norm(repr(torch.nn.Parameter()))
    assert isinstance(op, al.Tensor) and op.is_leaf and op.requires_grad
    assert type(op * 2) is al.Tensor and type(op.detach()) is al.Tensor
    assert type(op.data) is al.Tensor
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype"):
        alnn.Parameter(al.zeros(2, dtype=al.int64))
    assert not alnn.Parameter(al.zeros(2, dtype=al.int64), requires_grad=False).requires_grad


def test_parameter_shares_storage_copy_and_pickle():
    base = al.zeros(3)
    p = alnn.Parameter(base)
    base[0] = 7.0
    assert p[0].item() == 7.0
    p.grad = al.ones(3)
    for clone in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(clone) is alnn.Parameter and clone.requires_grad
        assert clone.tolist() == [7.0, 0.0, 0.0] and clone.grad is None
        clone.data[1] = 5.0
        assert p[1].item() == 0.0
    frozen = pickle.loads(pickle.dumps(alnn.Parameter(al.ones(1), requires_grad=False)))
    assert not frozen.requires_grad
    memo = {}
    assert copy.deepcopy(p, memo) is copy.deepcopy(p, memo)


# ----------------------------------------------------------------------------- ParameterDict
def _parameter_dict_program(lib, nn):
    out = []
    pd = nn.ParameterDict({"b": nn.Parameter(lib.zeros(2, 3)), "a": lib.ones(3)})  # sorted
    pd["c"] = lib.zeros(1, dtype=lib.float64)
    pd.update([("z", 1.5), ("y", nn.Parameter(lib.ones(2), requires_grad=False))])
    pd.update(OrderedDict([("e", lib.ones(4)), ("d", lib.ones(5))]))  # order kept
    out += [repr(pd), list(pd.state_dict()), [n for n, _ in pd.named_parameters()], len(pd)]
    out += [list(pd), list(pd.keys()), [type(v).__name__ for v in pd.values()],
            [k for k, _ in pd.items()], list(reversed(pd)), "a" in pd, "q" in pd]
    out += [type(pd["a"]).__name__, pd["a"].requires_grad, pd["y"].requires_grad,
            pd.get("q", 7), pd.get("z")]
    out += [tuple(pd.pop("b").shape), list(pd), pd.popitem()[0], list(pd)]
    out += [tuple(pd.setdefault("n", lib.zeros(2)).shape), pd.setdefault("n") is pd["n"]]
    del pd["z"]
    out += [list(pd), repr(pd.copy()), list(pd.copy().state_dict())]
    merged = pd | nn.ParameterDict({"w": lib.ones(1)})
    out += [list(merged), list(nn.ParameterDict({"w": lib.ones(1)}) | pd)]
    pd |= {"v": lib.ones(1)}
    out += [list(pd), repr(pd.fromkeys(["k1", "k2"], lib.ones(2)))]
    net = nn.Module()
    net.extra = pd
    out += [list(net.state_dict()), [n for n, _ in net.named_parameters()]]
    out.append(_err(lambda: pd[3]))
    out.append(_err(lambda: pd.update(3)))
    out.append(_err(lambda: pd.update([("x",)])))
    out.append(_err(lambda: pd.update([3])))
    out.append(_err(lambda: pd(1)))
    out.append(_err(lambda: pd["nothing"]))
    pd.clear()
    out += [len(pd), repr(pd), list(pd.state_dict()), repr(nn.ParameterDict())]
    return out


def test_parameter_dict_matches_torch():
    torch = require_torch()
    t_out = _parameter_dict_program(torch, torch.nn)
    o_out = _parameter_dict_program(al, alnn)
    assert len(o_out) == len(t_out)
    for i, (o, t) in enumerate(zip(o_out, t_out, strict=True)):
        if isinstance(t, str):
            t = _norm(t)
        elif isinstance(t, tuple) and len(t) == 2 and isinstance(t[1], str):
            t = (t[0], _norm(t[1]))
        assert o == t, (i, o, t)


def test_parameter_dict_trains_and_moves():
    pd = alnn.ParameterDict({"w": al.ones(2, 3), "b": al.zeros(3)})
    loss = (al.ones(4, 2) @ pd["w"] + pd["b"]).sum()
    loss.backward()
    assert pd["w"].grad.tolist() == [[4.0] * 3] * 2 and pd["b"].grad.tolist() == [4.0] * 3
    w = pd["w"]
    pd.double()
    assert pd["w"] is w and w.dtype is al.float64
    copied = copy.deepcopy(pd)
    assert list(copied) == ["b", "w"] and copied["w"] is not w
    loaded = pickle.loads(pickle.dumps(pd))
    assert list(loaded.state_dict()) == ["b", "w"]


# ----------------------------------------------------------------------------- backward hooks
def _r(t):
    return None if t is None else np.round(t.detach().numpy(), 5).tolist()


def _backward_hook_program(lib, nn):
    """Full backward hooks and pre-hooks: what they see, what they change, their order."""
    log = []
    lin = nn.Linear(3, 2)
    with lib.no_grad():
        lin.weight.copy_(lib.tensor(np.arange(6, dtype=np.float32).reshape(2, 3) / 10))
        lin.bias.copy_(lib.tensor([0.5, -0.5]))

    def bh(m, gi, go):
        log.append(("bh", type(m).__name__, [_r(g) for g in gi], [_r(g) for g in go]))

    def bh_scale(m, gi, go):
        log.append(("bh_scale",))
        return tuple(None if g is None else g * 10 for g in gi)

    def pre(m, go):
        log.append(("pre", [_r(g) for g in go]))
        return tuple(g * 2 for g in go)

    h1 = lin.register_full_backward_hook(bh)
    h2 = lin.register_full_backward_pre_hook(pre)
    x = lib.ones(4, 3, requires_grad=True)
    y = lin(x)
    log.append(("nodes", y.grad_fn.name(), y.grad_fn.next_functions[0][0].name()))
    y.sum().backward()
    log.append(("grads", _r(x.grad), _r(lin.weight.grad)))
    h3 = lin.register_full_backward_hook(bh_scale, prepend=True)
    x.grad = None
    lin(x).pow(2).sum().backward()
    log.append(("scaled", _r(x.grad)))
    for h in (h1, h2, h3):
        h.remove()
    x.grad = None
    lin(x).sum().backward()
    log.append(("removed", _r(x.grad)))
    with lin.register_full_backward_hook(bh):  # no input requires grad: fires at the outputs
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lin(lib.ones(2, 3)).sum().backward()
        log.append(("warned", [str(w.message)[:60] for w in caught]))

    class Two(nn.Module):
        def forward(self, a, k, b):
            return a * k, b.sum() * 2, 3

    two = Two()
    two.register_full_backward_hook(bh)
    two.register_full_backward_pre_hook(lambda m, go: log.append(("pre2", [_r(g) for g in go])))
    a, b = lib.tensor([1.0, 2.0], requires_grad=True), lib.tensor([3.0, 4.0])
    out = two(a, 5.0, b)
    log.append(("outs", type(out).__name__, out[0].grad_fn.name(), out[1].requires_grad,
                out[2]))
    out[0].sum().backward()
    b2 = lib.tensor([3.0, 4.0], requires_grad=True)
    a.grad = None
    (two(a, 2.0, b2)[1] * 3).backward()  # only the second output carries gradient
    log.append(("grads2", _r(a.grad), _r(b2.grad)))
    seq = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1))
    for i, mod in enumerate(seq):
        mod.register_full_backward_hook(
            lambda m, gi, go, i=i: log.append(("seq", i, [_r(g) is None for g in gi])))
        mod.register_full_backward_pre_hook(lambda m, go, i=i: log.append(("seqpre", i)))
    seq.register_full_backward_hook(lambda m, gi, go: log.append(("all", len(gi), len(go))))
    seq(lib.ones(3, 2, requires_grad=True)).sum().backward()
    with lib.no_grad():
        log.append(("no_grad", lin(lib.ones(1, 3, requires_grad=True)).requires_grad))
    return log


def test_full_backward_hooks_match_torch():
    torch = require_torch()
    t_log = _backward_hook_program(torch, torch.nn)
    o_log = _backward_hook_program(al, alnn)
    assert len(o_log) == len(t_log)
    for o, t in zip(o_log, t_log, strict=True):
        assert o == t


def _backward_hook_errors(lib, nn):
    def wrong_count(m, gi, go):
        return (gi[0], gi[0])

    def wrong_pre_count(m, go):
        return (go[0], go[0])

    cases = {}
    m = nn.Tanh()
    m.register_full_backward_hook(wrong_count)
    cases["grad_input count"] = lambda: m(lib.ones(2, requires_grad=True)).sum().backward()
    p = nn.Tanh()
    p.register_full_backward_pre_hook(wrong_pre_count)
    cases["grad_output count"] = lambda: p(lib.ones(2, requires_grad=True)).sum().backward()
    r = nn.ReLU(inplace=True)
    r.register_full_backward_hook(lambda *a: None)
    cases["in-place module"] = lambda: r(lib.ones(2, requires_grad=True) * 1)
    q = nn.Linear(2, 2)
    q.register_full_backward_hook(lambda m, gi, go: (lib.ones(2),))
    cases["no input grad, non-None result"] = lambda: q(lib.ones(1, 2)).sum().backward()
    return cases


@pytest.mark.filterwarnings("ignore:Full backward hook is firing")
@pytest.mark.parametrize("case", ["grad_input count", "grad_output count", "in-place module",
                                  "no input grad, non-None result"])
def test_backward_hook_errors_match_torch(case):
    torch = require_torch()
    t_err = _err(_backward_hook_errors(torch, torch.nn)[case])
    o_err = _err(_backward_hook_errors(al, alnn)[case])
    assert o_err == t_err and o_err is not None


def test_backward_hook_non_tensor_output_warns_like_torch():
    torch = require_torch()
    messages = []
    for lib, nn in ((torch, torch.nn), (al, alnn)):
        class ListOut(nn.Module):
            def forward(self, x):
                return [x * 2]

        m = ListOut()
        m.register_full_backward_hook(lambda *a: None)
        with pytest.warns(UserWarning) as caught:
            m(lib.ones(2, requires_grad=True))
        messages.append(_norm(str(caught[0].message)))
    assert messages[0] == messages[1]


def _always_call_program(lib, nn):
    log = []

    class Boom(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    m = Boom()
    m.register_forward_hook(lambda mod, a, out: log.append(("always", out)), always_call=True)
    m.register_forward_hook(lambda mod, a, out: log.append(("normal",)))
    m.register_forward_hook(lambda mod, a, k, out: log.append(("kw", sorted(k), out)),
                            with_kwargs=True, always_call=True)
    log.append(_err(lambda: m(lib.ones(1))))
    ok = nn.ReLU()
    ok.register_forward_hook(lambda mod, a, out: log.append(("ok", out.tolist())),
                             always_call=True)
    ok(lib.ones(1))
    return log


def test_forward_hook_always_call_matches_torch():
    torch = require_torch()
    assert _always_call_program(al, alnn) == _always_call_program(torch, torch.nn)


def test_load_state_dict_size_mismatch_raises_even_when_not_strict():
    torch = require_torch()
    theirs, ours, _ = pair("mlp")
    t_sd = _edits(torch, theirs.state_dict())["all"]
    o_sd = _edits(al, ours.state_dict())["all"]
    with pytest.raises(RuntimeError) as t_info:
        theirs.load_state_dict(t_sd, strict=False)
    with pytest.raises(RuntimeError) as o_info:
        ours.load_state_dict(o_sd, strict=False)
    assert str(o_info.value) == _norm(str(t_info.value))
    t_res = theirs.load_state_dict(_edits(torch, theirs.state_dict())["unexpected"],
                                   strict=False)
    o_res = ours.load_state_dict(_edits(al, ours.state_dict())["unexpected"], strict=False)
    assert type(o_res).__name__ == type(t_res).__name__ == "_IncompatibleKeys"
    assert o_res._fields == t_res._fields and repr(o_res) == repr(t_res)

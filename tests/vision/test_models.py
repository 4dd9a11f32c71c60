"""autograd_lab.vision.models against torchvision's published numbers and against torchvision's
architectures rebuilt in plain ``torch.nn``.

torchvision is not installed (and cannot be), so the parity tests carry a compact reference
implementation written from torchvision's ``resnet.py`` / ``vgg.py`` (and the CIFAR ResNet
built from the same pieces). Against it: state_dict keys in order, shapes and dtypes, ``repr``,
eval outputs, train-mode outputs, running statistics, input and parameter gradients after the
same weights are copied over, and a ``torch.save``-d state_dict loaded with
``autograd_lab.load``. The published parameter counts anchor the reference itself.
"""

from __future__ import annotations

import doctest
import functools
import math
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import require_torch

import autograd_lab as al
from autograd_lab import nn
from autograd_lab.vision import models
from autograd_lab.vision.models import (
    VGG,
    BasicBlock,
    Bottleneck,
    CifarResNet,
    ResNet,
    ZeroPadShortcut,
    cifar_resnet,
    resnet,
    vgg,
)

# ----------------------------------------------------------------------------- the reference


@functools.cache
def reference() -> SimpleNamespace:
    """torchvision's ResNet and VGG (and the CIFAR ResNet) in plain torch.nn, one builder per
    model name of ``autograd_lab.vision.models``."""
    torch = require_torch()
    tnn, F = torch.nn, torch.nn.functional

    def conv3x3(i, o, stride=1, groups=1, dilation=1):
        return tnn.Conv2d(i, o, 3, stride, padding=dilation, groups=groups, bias=False,
                          dilation=dilation)

    def conv1x1(i, o, stride=1):
        return tnn.Conv2d(i, o, 1, stride, bias=False)

    class BasicBlock(tnn.Module):
        expansion = 1

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1,
                     base_width=64, dilation=1, norm_layer=tnn.BatchNorm2d):
            super().__init__()
            self.conv1, self.bn1 = conv3x3(inplanes, planes, stride), norm_layer(planes)
            self.relu = tnn.ReLU(inplace=True)
            self.conv2, self.bn2 = conv3x3(planes, planes), norm_layer(planes)
            self.downsample, self.stride = downsample, stride

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += x if self.downsample is None else self.downsample(x)
            return self.relu(out)

    class Bottleneck(tnn.Module):
        expansion = 4

        def __init__(self, inplanes, planes, stride=1, downsample=None, groups=1,
                     base_width=64, dilation=1, norm_layer=tnn.BatchNorm2d):
            super().__init__()
            width = int(planes * (base_width / 64.0)) * groups
            self.conv1, self.bn1 = conv1x1(inplanes, width), norm_layer(width)
            self.conv2 = conv3x3(width, width, stride, groups, dilation)
            self.bn2 = norm_layer(width)
            self.conv3 = conv1x1(width, planes * 4)
            self.bn3 = norm_layer(planes * 4)
            self.relu = tnn.ReLU(inplace=True)
            self.downsample, self.stride = downsample, stride

        def forward(self, x):
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            out += x if self.downsample is None else self.downsample(x)
            return self.relu(out)

    class ResNet(tnn.Module):
        def __init__(self, block, layers, num_classes=1000, zero_init_residual=False,
                     groups=1, width_per_group=64, replace_stride_with_dilation=None):
            super().__init__()
            self.inplanes, self.dilation = 64, 1
            self.groups, self.base_width = groups, width_per_group
            dilate = replace_stride_with_dilation or [False, False, False]
            self.conv1 = tnn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
            self.bn1 = tnn.BatchNorm2d(64)
            self.relu = tnn.ReLU(inplace=True)
            self.maxpool = tnn.MaxPool2d(kernel_size=3, stride=2, padding=1)
            self.layer1 = self._make_layer(block, 64, layers[0])
            self.layer2 = self._make_layer(block, 128, layers[1], 2, dilate[0])
            self.layer3 = self._make_layer(block, 256, layers[2], 2, dilate[1])
            self.layer4 = self._make_layer(block, 512, layers[3], 2, dilate[2])
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(512 * block.expansion, num_classes)

        def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
            downsample, previous_dilation = None, self.dilation
            if dilate:
                self.dilation *= stride
                stride = 1
            if stride != 1 or self.inplanes != planes * block.expansion:
                downsample = tnn.Sequential(conv1x1(self.inplanes, planes * block.expansion,
                                                    stride),
                                            tnn.BatchNorm2d(planes * block.expansion))
            layers = [block(self.inplanes, planes, stride, downsample, self.groups,
                            self.base_width, previous_dilation)]
            self.inplanes = planes * block.expansion
            layers += [block(self.inplanes, planes, groups=self.groups,
                             base_width=self.base_width, dilation=self.dilation)
                       for _ in range(1, blocks)]
            return tnn.Sequential(*layers)

        def forward(self, x):
            x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    class VGG(tnn.Module):
        def __init__(self, features, num_classes=1000, init_weights=True, dropout=0.5):
            super().__init__()
            self.features = features
            self.avgpool = tnn.AdaptiveAvgPool2d((7, 7))
            self.classifier = tnn.Sequential(
                tnn.Linear(512 * 7 * 7, 4096), tnn.ReLU(True), tnn.Dropout(p=dropout),
                tnn.Linear(4096, 4096), tnn.ReLU(True), tnn.Dropout(p=dropout),
                tnn.Linear(4096, num_classes))

        def forward(self, x):
            return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))

    def make_layers(cfg, batch_norm):
        layers, c = [], 3
        for v in cfg:
            if v == "M":
                layers.append(tnn.MaxPool2d(kernel_size=2, stride=2))
                continue
            layers.append(tnn.Conv2d(c, v, kernel_size=3, padding=1))
            layers += [tnn.BatchNorm2d(v), tnn.ReLU(True)] if batch_norm else [tnn.ReLU(True)]
            c = v
        return tnn.Sequential(*layers)

    class ZeroPadShortcut(tnn.Module):
        def __init__(self, inplanes, planes, stride=1):
            super().__init__()
            self.inplanes, self.planes, self.stride = inplanes, planes, stride

        def forward(self, x):
            extra = self.planes - self.inplanes
            return F.pad(x[:, :, ::self.stride, ::self.stride],
                         (0, 0, 0, 0, extra // 2, extra - extra // 2))

        def extra_repr(self):
            return f"{self.inplanes}, {self.planes}, stride={self.stride}"

    class CifarResNet(tnn.Module):
        def __init__(self, n, num_classes=10, shortcut="A"):
            super().__init__()
            self.conv1 = tnn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
            self.bn1 = tnn.BatchNorm2d(16)
            self.relu = tnn.ReLU(inplace=True)
            blocks, c = [], 16
            for planes, stride in ((16, 1), (32, 2), (64, 2)):
                down = None
                if stride != 1:
                    down = (ZeroPadShortcut(c, planes, stride) if shortcut == "A" else
                            tnn.Sequential(conv1x1(c, planes, stride), tnn.BatchNorm2d(planes)))
                blocks.append(tnn.Sequential(BasicBlock(c, planes, stride, down),
                                             *[BasicBlock(planes, planes) for _ in range(n - 1)]))
                c = planes
            self.layer1, self.layer2, self.layer3 = blocks
            self.avgpool = tnn.AdaptiveAvgPool2d((1, 1))
            self.fc = tnn.Linear(64, num_classes)

        def forward(self, x):
            x = self.relu(self.bn1(self.conv1(x)))
            x = self.layer3(self.layer2(self.layer1(x)))
            return self.fc(torch.flatten(self.avgpool(x), 1))

    cfg_a = [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]
    builders = {
        "resnet18": lambda **kw: ResNet(BasicBlock, [2, 2, 2, 2], **kw),
        "resnet34": lambda **kw: ResNet(BasicBlock, [3, 4, 6, 3], **kw),
        "resnet50": lambda **kw: ResNet(Bottleneck, [3, 4, 6, 3], **kw),
        "vgg11": lambda **kw: VGG(make_layers(cfg_a, False), **kw),
        "vgg11_bn": lambda **kw: VGG(make_layers(cfg_a, True), **kw),
        "cifar_resnet20": lambda **kw: CifarResNet(3, **kw),
        # VGG's convolutional part alone: the classifier (25088 x 4096) is too big for fast
        # float64 gradient checks
        "vgg11.features": lambda: make_layers(cfg_a, False),
        "vgg11_bn.features": lambda: make_layers(cfg_a, True),
    }
    return SimpleNamespace(torch=torch, builders=builders)


def build_pair(name: str, kwargs: dict):
    """Our model and the torch reference, both with ``kwargs``."""
    ref = reference()
    ref.torch.manual_seed(0)
    if name.endswith(".features"):
        ours = vgg.make_layers(vgg.cfgs["A"], batch_norm=name.startswith("vgg11_bn"))
    else:
        ours = models.get_model(name, **kwargs)
    return ours, ref.builders[name](**kwargs)


def randomize_norm(torch_model) -> None:
    """Give every BatchNorm non-trivial weights and running statistics, so that eval mode
    really tests them (fresh ones are the identity)."""
    torch = reference().torch
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in torch_model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(0.1 * torch.randn(c, generator=g))
                m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
                m.running_var.copy_(0.5 + torch.rand(c, generator=g))


def copy_weights(torch_model, ours) -> None:
    state = {k: al.tensor(v.detach().numpy()) for k, v in torch_model.state_dict().items()}
    ours.load_state_dict(state, strict=True)


def assert_close(ours, theirs, rtol: float = 1e-4, what: str = "") -> None:
    """Agreement relative to the size of the whole tensor: sums over many terms cancel, so an
    entry near 0 carries the rounding of the large terms, not a relative error of its own."""
    a = ours.detach().numpy() if hasattr(ours, "detach") else ours
    b = theirs.detach().numpy()
    assert a.shape == b.shape, what
    floor = 1e-7 if b.dtype == np.float32 else 1e-12  # for all-zero (or all-noise) tensors
    np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * float(np.abs(b).max()) + floor,
                               err_msg=what)


# ------------------------------------------------------------------ published parameter counts

def arr(t: al.Tensor) -> np.ndarray:
    return t.detach().numpy()


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


COUNTS = [
    # torchvision's documented counts
    ("resnet18", {}, 11_689_512),
    ("resnet34", {}, 21_797_672),
    ("resnet50", {}, 25_557_032),
    ("resnet101", {}, 44_549_160),
    ("resnet152", {}, 60_192_808),
    # fc shrinks from 512*1000+1000 to 512*10+10
    ("resnet18", {"num_classes": 10}, 11_689_512 - 513_000 + 5_130),
    # He et al.'s CIFAR nets ("0.27M", ... "1.7M"): option A adds no parameters, option B
    # adds two 1x1 projections with their BatchNorms (16*32 + 64 + 32*64 + 128 = 2,752)
    ("cifar_resnet20", {}, 269_722),
    ("cifar_resnet20", {"shortcut": "B"}, 272_474),
    ("cifar_resnet32", {}, 464_154),
    ("cifar_resnet44", {}, 658_586),
    ("cifar_resnet56", {}, 853_018),
    ("cifar_resnet110", {}, 1_727_962),
    ("cifar_resnet110", {"shortcut": "B"}, 1_730_714),
]


@pytest.mark.parametrize("name, kwargs, count", COUNTS)
def test_parameter_count(name, kwargs, count):
    assert n_params(models.get_model(name, **kwargs)) == count


VGG_COUNTS = [  # torchvision's documented counts
    ("vgg11", "A", False, 132_863_336),
    ("vgg11_bn", "A", True, 132_868_840),
    ("vgg13", "B", False, 133_047_848),
    ("vgg13_bn", "B", True, 133_053_736),
    ("vgg16", "D", False, 138_357_544),
    ("vgg16_bn", "D", True, 138_365_992),
    ("vgg19", "E", False, 143_667_240),
    ("vgg19_bn", "E", True, 143_678_248),
]
# VGG's classifier, the same in all eight: 25088*4096 + 4096*4096 + 4096*1000 weights + biases
CLASSIFIER = 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000


@pytest.mark.parametrize("name, cfg, batch_norm, count", VGG_COUNTS)
def test_vgg_features_count(name, cfg, batch_norm, count):
    # the features alone are small; a whole VGG holds half a gigabyte (see the slow test)
    assert n_params(vgg.make_layers(vgg.cfgs[cfg], batch_norm=batch_norm)) + CLASSIFIER == count


@pytest.mark.slow  # eight models of 133M-144M parameters
@pytest.mark.parametrize("name, cfg, batch_norm, count", VGG_COUNTS)
def test_vgg_count(name, cfg, batch_norm, count):
    # init_weights=False skips a 100M-sample normal_; the shapes are the same
    model = models.get_model(name, init_weights=False)
    assert n_params(model) == count
    assert n_params(model.classifier) == CLASSIFIER
    assert len(model.features) == len(vgg.cfgs[cfg]) + (2 if batch_norm else 1) * sum(
        v != "M" for v in vgg.cfgs[cfg])


@pytest.mark.parametrize("name, count", [("vgg11", 132_863_336), ("vgg11_bn", 132_868_840)])
def test_vgg11_count_and_shape(name, count):
    # one build serves both checks: a VGG takes a second or more just to allocate
    model = models.get_model(name, init_weights=False).eval()
    assert n_params(model) == count
    with al.no_grad():  # 32x32: five max-pools leave 1x1, which avgpool repeats to 7x7
        out = model(al.randn(1, 3, 32, 32))
    assert tuple(out.shape) == (1, 1000) and np.isfinite(out.numpy()).all()


@pytest.mark.parametrize("kwargs, count", [
    # torchvision's resnext50_32x4d and wide_resnet50_2: the ResNet class supports them
    ({"groups": 32, "width_per_group": 4}, 25_028_904),
    ({"width_per_group": 64 * 2}, 68_883_240),
])
def test_resnet_variants_count(kwargs, count):
    assert n_params(ResNet(Bottleneck, [3, 4, 6, 3], **kwargs)) == count


def test_cifar_resnet20_layout():
    # 6n + 2 weighted layers: stem conv, 3 stages x 3 blocks x 2 convs, fc
    model = models.cifar_resnet20()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) + len(linears) == 20
    assert [len(s) for s in (model.layer1, model.layer2, model.layer3)] == [3, 3, 3]
    assert isinstance(model.layer2[0].downsample, ZeroPadShortcut)
    assert model.layer1[0].downsample is None


# ------------------------------------------------------------------------------ output shapes

SHAPES = [
    ("resnet18", {}, (2, 3, 224, 224), (2, 1000)),
    ("resnet18", {}, (2, 3, 64, 64), (2, 1000)),
    ("resnet18", {"num_classes": 10}, (1, 3, 32, 32), (1, 10)),  # smallest: layer4 is 1x1
    pytest.param("resnet34", {}, (1, 3, 224, 224), (1, 1000), marks=pytest.mark.slow),
    ("resnet34", {}, (1, 3, 64, 64), (1, 1000)),
    ("resnet50", {"num_classes": 10}, (1, 3, 64, 64), (1, 10)),
    ("resnet50", {"replace_stride_with_dilation": [False, True, True]}, (1, 3, 64, 64),
     (1, 1000)),
    ("cifar_resnet20", {}, (2, 3, 32, 32), (2, 10)),
    ("cifar_resnet20", {"shortcut": "B", "num_classes": 100}, (2, 3, 32, 32), (2, 100)),
]


@pytest.mark.parametrize("name, kwargs, in_shape, out_shape", SHAPES)
def test_output_shape(name, kwargs, in_shape, out_shape):
    model = models.get_model(name, **kwargs).eval()
    with al.no_grad():
        out = model(al.randn(*in_shape))
    assert tuple(out.shape) == out_shape
    assert out.dtype == al.float32
    assert np.isfinite(out.numpy()).all()


@pytest.mark.slow
def test_vgg11_shape_at_224():
    model = models.vgg11(init_weights=False).eval()
    with al.no_grad():
        assert tuple(model(al.randn(1, 3, 224, 224)).shape) == (1, 1000)


def test_dilation_keeps_resolution():
    # replace_stride_with_dilation: stages 3-4 keep layer2's 8x8 for a 64x64 input (else 2x2)
    model = models.resnet50(replace_stride_with_dilation=[False, True, True]).eval()
    seen = []
    model.layer4.register_forward_hook(lambda m, i, o: seen.append(tuple(o.shape)))
    with al.no_grad():
        model(al.randn(1, 3, 64, 64))
    assert seen == [(1, 2048, 8, 8)]
    assert model.layer4[1].conv2.dilation == (4, 4)
    assert model.layer4[0].conv2.dilation == (2, 2)  # the first block keeps the previous one


# ---------------------------------------------------------------------------- initialisation

def test_resnet_init():
    al.manual_seed(0)  # statistical checks: same samples every run
    model = models.resnet18()
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):  # kaiming_normal_(mode="fan_out", nonlinearity="relu")
            w = arr(m.weight)
            fan_out = w.shape[0] * w.shape[2] * w.shape[3]
            assert abs(w.std() / math.sqrt(2 / fan_out) - 1) < 0.05, name
            assert abs(w.mean()) < 0.1 * w.std(), name
        elif isinstance(m, nn.BatchNorm2d):
            assert (arr(m.weight) == 1).all() and (arr(m.bias) == 0).all(), name
            assert (arr(m.running_var) == 1).all(), name
    bound = 1 / math.sqrt(512)  # Linear's own init: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    assert np.abs(arr(model.fc.weight)).max() <= bound
    assert np.abs(arr(model.fc.bias)).max() <= bound
    assert arr(model.fc.weight).std() > 0.5 * bound / math.sqrt(3)


@pytest.mark.parametrize("name, block, last_bn", [
    ("resnet18", BasicBlock, "bn2"),
    ("resnet50", Bottleneck, "bn3"),
    ("cifar_resnet20", BasicBlock, "bn2"),
])
def test_zero_init_residual(name, block, last_bn):
    plain = models.get_model(name)
    zeroed = models.get_model(name, zero_init_residual=True)
    blocks = [m for m in zeroed.modules() if isinstance(m, block)]
    assert blocks
    for b in blocks:
        assert (arr(getattr(b, last_bn).weight) == 0).all()
        assert (arr(b.bn1.weight) == 1).all()
        if b.downsample is not None and not isinstance(b.downsample, ZeroPadShortcut):
            assert (arr(b.downsample[1].weight) == 1).all()
    for b in (m for m in plain.modules() if isinstance(m, block)):
        assert (arr(getattr(b, last_bn).weight) == 1).all()
    if block is BasicBlock:  # no projection in layer1: each block starts as ReLU(x + 0)
        x = al.rand(1, zeroed.layer1[0].conv1.in_channels, 8, 8)
        with al.no_grad():
            np.testing.assert_allclose(zeroed.eval().layer1(x).numpy(), x.numpy(), rtol=1e-6)


def test_cifar_resnet_init():
    al.manual_seed(0)  # statistical checks: same samples every run
    model = models.cifar_resnet20(shortcut="B")
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            w = arr(m.weight)
            fan_out = w.shape[0] * w.shape[2] * w.shape[3]
            assert abs(w.std() / math.sqrt(2 / fan_out) - 1) < 0.15, name
        elif isinstance(m, nn.BatchNorm2d):
            assert (arr(m.weight) == 1).all() and (arr(m.bias) == 0).all(), name


@pytest.mark.slow  # a 100M-sample normal_ for the classifier: several seconds
def test_vgg_init():
    al.manual_seed(0)  # statistical checks: same samples every run
    model = models.vgg11()
    for name, m in model.named_modules():
        if isinstance(m, nn.Conv2d):
            w = arr(m.weight)
            fan_out = w.shape[0] * w.shape[2] * w.shape[3]
            assert abs(w.std() / math.sqrt(2 / fan_out) - 1) < 0.05, name
            assert (arr(m.bias) == 0).all(), name
        elif isinstance(m, nn.Linear):
            assert abs(arr(m.weight).std() / 0.01 - 1) < 0.05, name
            assert (arr(m.bias) == 0).all(), name


# ------------------------------------------------------------------------ option A shortcut

def test_zero_pad_shortcut():
    x = al.randn(2, 16, 8, 8, requires_grad=True)
    short = ZeroPadShortcut(16, 32, stride=2)
    out = short(x)
    assert tuple(out.shape) == (2, 32, 4, 4)
    got = out.detach().numpy()
    np.testing.assert_array_equal(got[:, 8:24], x.detach().numpy()[:, :, ::2, ::2])
    assert (got[:, :8] == 0).all() and (got[:, 24:] == 0).all()
    assert list(short.parameters()) == [] and short.state_dict() == {}
    assert repr(short) == "ZeroPadShortcut(16, 32, stride=2)"
    out.sum().backward()  # the kept pixels get the gradient unchanged, the others none
    expected = np.zeros((2, 16, 8, 8), np.float32)
    expected[:, :, ::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_training_steps_reduce_the_loss():
    # the in-place `out += identity` and ReLU(inplace=True) must backpropagate correctly
    al.manual_seed(0)
    model = models.cifar_resnet20()
    opt = al.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    x, y = al.randn(8, 3, 32, 32), al.randint(0, 10, (8,))
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


# ------------------------------------------------------------------------ weights and errors

TORCHVISION_BUILDERS = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg11",
                        "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19",
                        "vgg19_bn"]


@pytest.mark.parametrize("name", TORCHVISION_BUILDERS)
@pytest.mark.parametrize("weights", ["IMAGENET1K_V1", "DEFAULT"])
def test_weights_refused_with_instructions(name, weights):
    with pytest.raises(NotImplementedError) as err:
        models.get_model(name, weights=weights)
    msg = str(err.value)
    assert f"{name}(weights={weights!r})" in msg
    assert "does not download pretrained weights" in msg
    assert "autograd_lab.load(" in msg and "load_state_dict" in msg
    assert f"model = {name}()" in msg


def test_legacy_pretrained_argument():
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        with pytest.raises(NotImplementedError, match="does not download"):
            models.resnet18(pretrained=True)
    with pytest.warns(UserWarning, match="'pretrained' is deprecated"):
        model = models.resnet18(pretrained=False, num_classes=3)
    assert model.fc.out_features == 3


ERRORS = [
    (lambda: models.resnet18(None), TypeError, "positional"),  # keyword-only, as torchvision
    (lambda: BasicBlock(64, 64, groups=2), ValueError,
     "BasicBlock only supports groups=1 and base_width=64"),
    (lambda: BasicBlock(64, 64, dilation=2), NotImplementedError,
     "Dilation > 1 not supported in BasicBlock"),
    (lambda: ResNet(BasicBlock, [2, 2, 2, 2], replace_stride_with_dilation=[True]), ValueError,
     "replace_stride_with_dilation should be None or a 3-element tuple"),
    (lambda: CifarResNet(BasicBlock, [3, 3]), ValueError, "three stages"),
    (lambda: models.cifar_resnet20(shortcut="C"), ValueError, "shortcut should be 'A'"),
    (lambda: ZeroPadShortcut(32, 16), ValueError, "must be >= inplanes"),
    (lambda: models.get_model("resnet9"), ValueError, "Unknown model resnet9"),
]


@pytest.mark.parametrize("make, exc, match", ERRORS)
def test_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_registry():
    names = models.list_models()
    assert names == sorted(names) and len(names) == 18
    assert models.list_models(include="resnet*") == ["resnet101", "resnet152", "resnet18",
                                                     "resnet34", "resnet50"]
    assert models.list_models(include=["vgg11*", "cifar_resnet20"], exclude="*_bn") == [
        "cifar_resnet20", "vgg11"]
    assert models.get_model_builder("ResNet18") is models.resnet18
    model = models.get_model("resnet18", num_classes=7)
    assert isinstance(model, ResNet) and model.fc.out_features == 7
    assert isinstance(models.get_model("cifar_resnet20"), CifarResNet)
    assert VGG.__module__ == "autograd_lab.vision.models.vgg"


@pytest.mark.parametrize("module", [
    models, resnet, cifar_resnet,
    pytest.param(vgg, marks=pytest.mark.slow),  # the examples build eight VGGs (seconds each)
], ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_docstring_examples(module):
    result = doctest.testmod(module, extraglobs={"autograd_lab": al})
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------- structure vs the torch reference

STRUCTURES = [
    ("resnet18", {}),
    ("resnet18", {"num_classes": 10, "zero_init_residual": True}),
    ("resnet34", {}),
    ("resnet50", {}),
    ("resnet50", {"replace_stride_with_dilation": [False, True, True]}),
    ("resnet50", {"groups": 32, "width_per_group": 4}),
    pytest.param("vgg11", {"init_weights": False}, marks=pytest.mark.slow),  # as vgg11_bn
    ("vgg11_bn", {"init_weights": False, "dropout": 0.2, "num_classes": 10}),
    ("cifar_resnet20", {}),
    ("cifar_resnet20", {"shortcut": "B"}),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs", STRUCTURES)
def test_structure_matches_torchvision(name, kwargs):
    ours, theirs = build_pair(name, kwargs)
    ours_sd, theirs_sd = ours.state_dict(), theirs.state_dict()
    assert list(ours_sd) == list(theirs_sd)  # same keys, same order
    for key, value in theirs_sd.items():
        assert tuple(ours_sd[key].shape) == tuple(value.shape), key
        assert str(ours_sd[key].dtype).split(".")[-1] == str(value.dtype).split(".")[-1], key
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == repr(theirs)


def test_repr_excerpt():
    # what a learner sees, spelled out once (torchvision under torch 2.13 prints exactly this;
    # test_structure_matches_torchvision compares whole reprs with the installed torch)
    text = repr(models.resnet18())
    assert text.startswith(
        "ResNet(\n"
        "  (conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), "
        "bias=False)\n"
        "  (bn1): BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=True, bias=True, "
        "track_running_stats=True)\n"
        "  (relu): ReLU(inplace=True)\n"
        "  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, "
        "ceil_mode=False)\n")
    assert ("      (downsample): Sequential(\n"
            "        (0): Conv2d(64, 128, kernel_size=(1, 1), stride=(2, 2), bias=False)\n"
            ) in text
    assert text.endswith(
        "  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))\n"
        "  (fc): Linear(in_features=512, out_features=1000, bias=True)\n"
        ")")


# --------------------------------------------------------------- numerics vs the torch reference

PARITY = [
    # name, kwargs, input shape (train mode needs a batch > 1 for BatchNorm)
    ("resnet18", {}, (2, 3, 64, 64)),
    # Bottleneck: the same primitives as resnet18, three times the work (layer4 1x1: BN over 4)
    pytest.param("resnet50", {"num_classes": 10}, (4, 3, 32, 32), marks=pytest.mark.slow),
    ("cifar_resnet20", {}, (2, 3, 32, 32)),
    ("cifar_resnet20", {"shortcut": "B"}, (2, 3, 32, 32)),
    ("vgg11.features", {}, (2, 3, 32, 32)),
    ("vgg11_bn.features", {}, (2, 3, 32, 32)),
    # whole VGGs: copying and doubling 133M parameters twice takes a while. dropout=0: the two
    # libraries draw different masks
    pytest.param("vgg11_bn", {"init_weights": False, "dropout": 0.0, "num_classes": 10},
                 (2, 3, 32, 32), marks=pytest.mark.slow),
    pytest.param("vgg11", {"init_weights": False, "dropout": 0.0}, (2, 3, 32, 32),
                 marks=pytest.mark.slow),
]


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs, shape", PARITY)
def test_forward_backward_match_torch(name, kwargs, shape):
    torch = reference().torch
    ours, theirs = build_pair(name, kwargs)
    randomize_norm(theirs)
    copy_weights(theirs, ours)
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)

    ours.eval()
    theirs.eval()
    with al.no_grad(), torch.no_grad():
        assert_close(ours(al.tensor(x)), theirs(torch.tensor(x)), what="eval output")

    # Training mode in float64: BatchNorm over a batch of 2 at 2x2 pixels (layer4) amplifies
    # rounding so much that torch's own float32 gradients differ from its float64 ones by ~3%
    # (resnet50), and the gradient of a conv bias in front of a BatchNorm is 0 plus rounding.
    ours.double().train()
    theirs.double().train()
    x = x.astype(np.float64)
    x_al, x_t = al.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_al, out_t = ours(x_al), theirs(x_t)
    assert out_al.dtype == al.float64
    assert_close(out_al, out_t, rtol=1e-9, what="train output")
    g = np.random.default_rng(1).standard_normal(tuple(out_t.shape))
    out_al.backward(al.tensor(g))
    out_t.backward(torch.tensor(g))
    assert_close(x_al.grad, x_t.grad, rtol=1e-7, what="input grad")
    theirs_params = dict(theirs.named_parameters())
    for key, p in ours.named_parameters():
        assert_close(p.grad, theirs_params[key].grad, rtol=1e-7, what=f"grad of {key}")
    theirs_sd = theirs.state_dict()
    for key, buf in ours.named_buffers():  # running statistics after one training step
        assert_close(buf, theirs_sd[key], rtol=1e-9, what=key)


@pytest.mark.torch
@pytest.mark.parametrize("name, kwargs, shape", [
    ("resnet18", {}, (1, 3, 64, 64)),
    ("cifar_resnet20", {"shortcut": "B"}, (1, 3, 32, 32)),
])
def test_torch_checkpoint_loads(tmp_path, name, kwargs, shape):
    # what a learner does with a torchvision checkpoint: torch.save'd, read without torch code
    torch = reference().torch
    _, theirs = build_pair(name, kwargs)
    randomize_norm(theirs)
    path = tmp_path / f"{name}.pth"
    torch.save(theirs.state_dict(), path)

    ours = models.get_model(name, **kwargs)
    result = ours.load_state_dict(al.load(path, map_location="cpu"), strict=True)
    assert list(result.missing_keys) == [] and list(result.unexpected_keys) == []
    x = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    ours.eval()
    theirs.eval()
    with al.no_grad(), torch.no_grad():
        assert_close(ours(al.tensor(x)), theirs(torch.tensor(x)), what="loaded model output")
    assert int(ours.bn1.num_batches_tracked.item()) == 0
    assert ours.state_dict()["conv1.weight"].dtype == al.float32

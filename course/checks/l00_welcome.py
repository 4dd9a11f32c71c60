"""Checks for lesson 00_welcome.

As everywhere in the course: the check calls the learner's function on inputs it makes itself,
compares with a reference computed here, and names the likely mistake (in English and Chinese)
without giving the answer.
"""

from __future__ import annotations

import zlib

import numpy as np

import autograd_lab as torch
from course.checks import Hint, exercise


def _rng(ex_id: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(ex_id.encode()))


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _close(a, b) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-4))


# ---- 00.1 warm-up: arithmetic on a tensor ------------------------------------------------------


@exercise("00.1")
def _(fahrenheit):
    rng = _rng("00.1")
    inputs = [np.array([0.0, 100.0, -40.0, 37.0], dtype=np.float32)]
    inputs += [rng.uniform(-50, 150, size=shape).astype(np.float32) for shape in [(5,), (2, 3)]]
    for c_np in inputs:
        c = torch.tensor(c_np)
        result = fahrenheit(c)
        if not np.array_equal(_np(c), c_np):
            raise Hint(
                "your function changed its input tensor in place (an operation ending in _, or "
                "*=, +=): compute a new tensor and leave the input alone",
                zh="你的函数原地修改了输入张量（以 _ 结尾的操作，或 *=、+=）：请计算一个新张量，"
                "不要改动输入")
        if not isinstance(result, torch.Tensor):
            raise Hint(
                f"your function returned {type(result).__name__}, not a tensor: arithmetic on "
                "a tensor gives a tensor, return that",
                zh=f"你的函数返回的是 {type(result).__name__}，不是张量：对张量做算术得到的就是"
                "张量，直接返回它")
        if tuple(result.shape) != c_np.shape:
            raise Hint(
                f"one temperature in, one temperature out: the input has shape {c_np.shape}, "
                f"your result {tuple(result.shape)}",
                zh=f"输入一个温度就输出一个温度：输入形状是 {c_np.shape}，你的结果是 "
                f"{tuple(result.shape)}")
        got = _np(result)
        if _close(got, c_np * 9 / 5 + 32):
            continue
        if _close(got, c_np * 9 / 5):
            raise Hint(
                "close: you scaled by 9/5 but forgot the offset (water freezes at 0 °C = 32 °F)",
                zh="差一点：乘了 9/5，但忘了加上偏移量（水在 0 °C = 32 °F 结冰）")
        if _close(got, c_np * 5 / 9 + 32) or _close(got, c_np * 5 / 9):
            raise Hint(
                "the factor is upside down: a step of 1 °C is a step of 1.8 °F",
                zh="系数写反了：升高 1 °C 相当于升高 1.8 °F")
        if _close(got, (c_np - 32) * 5 / 9):
            raise Hint(
                "that is the formula the other way round (Fahrenheit to Celsius)",
                zh="这是反方向的公式（华氏度转摄氏度）")
        raise Hint(
            "wrong values: 100 °C should give 212 °F and 0 °C should give 32 °F",
            zh="数值不对：100 °C 应得到 212 °F，0 °C 应得到 32 °F")
    return "100 °C is 212 °F"


# ---- 00.2 CPU or GPU -------------------------------------------------------------------------


@exercise("00.2")
def _(pick_device):
    device = pick_device()
    if isinstance(device, str):
        raise Hint(
            f"you returned the string {device!r}; return a torch.device object (.to() accepts "
            "both, but a device object is what the tutorials build)",
            zh=f"你返回的是字符串 {device!r}；请返回 torch.device 对象（.to() 两者都接受，但教程里"
            "构造的是设备对象）")
    if not isinstance(device, torch.device):
        raise Hint(f"you returned {type(device).__name__}; return a torch.device",
                   zh=f"你返回的是 {type(device).__name__}；请返回 torch.device")
    available = torch.cuda.is_available()
    if device.type == "cuda" and not available:
        raise Hint(
            "torch.cuda.is_available() is False on this machine, so the device must fall back "
            "to the CPU: ask whether CUDA is available instead of assuming it",
            zh="这台机器上 torch.cuda.is_available() 为 False，设备应退回 CPU：先判断 CUDA 是否"
            "可用，而不是想当然地使用它")
    if device.type == "cpu" and available:
        raise Hint(
            "a GPU is available here but you chose the CPU: choose CUDA when "
            "torch.cuda.is_available() is True",
            zh="这里有可用的 GPU，你却选了 CPU：torch.cuda.is_available() 为 True 时应选 CUDA")
    if device.type not in ("cpu", "cuda"):
        raise Hint(f"device type {device.type!r}: the choice is between 'cuda' and 'cpu'",
                   zh=f"设备类型 {device.type!r}：只在 'cuda' 和 'cpu' 之间选择")
    return f"{device} on this machine"

"""Checks for lesson 01_tensors.

Every check calls the learner's function on fresh inputs it makes itself (random shapes and
values from a generator seeded by the exercise id, so a check is reproducible), compares with a
reference computed here with NumPy, and explains the most likely mistake, in English and
Chinese. A hint never shows the solution. A learner function that still raises
``NotImplementedError`` is reported as "not attempted" by the framework: the checks call it and
let that exception through.
"""

from __future__ import annotations

import zlib

import numpy as np

import autograd_lab as torch
from course.checks import Hint, exercise

# ---- helpers ---------------------------------------------------------------------------------


def _rng(ex_id: str) -> np.random.Generator:
    """A generator seeded by the exercise id: fresh inputs, the same on every run."""
    return np.random.default_rng(zlib.crc32(ex_id.encode()))


def _np(t) -> np.ndarray:
    return t.detach().cpu().numpy()


def _close(a, b, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _shape(t) -> tuple:
    return tuple(t.shape)


def _shares_memory(t, other) -> bool:
    """Whether tensor ``t`` uses (part of) the memory of ``other`` (a tensor or an array)."""
    a = _np(t)
    b = other if isinstance(other, np.ndarray) else _np(other)
    return bool(np.shares_memory(a, b))


def _need_tensor(result) -> None:
    if not isinstance(result, torch.Tensor):
        name = type(result).__name__
        raise Hint(
            f"your function returned {name}, not a tensor: return the tensor itself (no "
            ".tolist(), .numpy() or .item() at the end)",
            zh=f"你的函数返回的是 {name}，不是张量：直接返回张量本身（末尾不要加 .tolist()、"
            ".numpy() 或 .item()）")


_BROADCAST = (
    "two shapes did not broadcast ({msg}). Print the shapes of the tensors you combine: a "
    "reduced dimension that disappeared, or a missing new axis, lines the data up the wrong way",
    "两个形状无法广播（{msg}）。打印参与运算的张量的形状：被归约掉的维度消失了，或者缺少新轴，"
    "都会让数据错位",
)


def _call(fn, *args, broadcast: tuple[str, str] = _BROADCAST):
    """Call the learner's function; explain the errors a tensor mistake typically causes."""
    try:
        return fn(*args)
    except NotImplementedError:
        raise
    except RuntimeError as e:
        msg = str(e)
        if "must match the size of tensor" in msg or "not broadcastable" in msg:
            en, zh = broadcast
            raise Hint(en.format(msg=msg), zh=zh.format(msg=msg)) from e
        if "view size is not compatible" in msg:
            raise Hint(
                f"view() refused a tensor whose memory is not laid out contiguously ({msg}); "
                "think about which tensor you are viewing",
                zh=f"view() 拒绝了一个内存不连续的张量（{msg}）；想一想你在对哪个张量调用 view",
            ) from e
        raise


# ---- 01.1 creation and dtype -------------------------------------------------------------------


@exercise("01.1")
def _(zeros_long):
    rng = _rng("01.1")
    for rows, cols in [(5, 3), *(tuple(int(v) for v in rng.integers(1, 8, 2)) for _ in range(3))]:
        if rows == cols:
            cols += 1
        t = _call(zeros_long, rows, cols)
        _need_tensor(t)
        if _shape(t) == (cols, rows):
            raise Hint(
                f"shape {_shape(t)} for rows={rows}, cols={cols}: rows and columns are swapped "
                "(the first size is the number of rows)",
                zh=f"rows={rows}, cols={cols} 时形状为 {_shape(t)}：行列颠倒了（第一个尺寸是行数）")
        if _shape(t) != (rows, cols):
            raise Hint(
                f"wrong shape: zeros_long({rows}, {cols}) gave shape {_shape(t)}, expected "
                f"({rows}, {cols})",
                zh=f"形状不对：zeros_long({rows}, {cols}) 得到 {_shape(t)}，应为 ({rows}, {cols})")
        if t.dtype != torch.int64:
            if t.dtype.is_floating_point:
                raise Hint(
                    f"dtype is {t.dtype}: zeros() makes the default floating dtype unless you "
                    "ask for another; the exercise wants 64-bit integers (torch.long)",
                    zh=f"数据类型是 {t.dtype}：不指定时 zeros() 使用默认的浮点类型；本题要求 64 位"
                    "整数（torch.long）")
            raise Hint(
                f"dtype is {t.dtype}, not torch.long: torch.long is the 64-bit integer (int64)",
                zh=f"数据类型是 {t.dtype}，不是 torch.long：torch.long 是 64 位整数（int64）")
        if (_np(t) != 0).any():
            raise Hint(
                "not every element is zero: torch.empty() does not initialise memory (you get "
                "whatever was there), torch.ones() gives ones",
                zh="并非所有元素都是 0：torch.empty() 不初始化内存（内存里原来是什么就是什么），"
                "torch.ones() 得到的是 1")
    return "a zero matrix of 64-bit integers, any size"


# ---- 01.2 a view, not a copy -----------------------------------------------------------------


@exercise("01.2")
def _(rows_of):
    rng = _rng("01.2")
    for shape, k in [((12,), 4), ((6, 4), 3), ((30,), 5), ((2, 3, 4), 8)]:
        x = torch.tensor(rng.standard_normal(shape).astype(np.float32))
        before = _np(x).copy()
        n = x.numel() // k
        t = _call(rows_of, x, k)
        _need_tensor(t)
        if _shape(t) == (k, n) and n != k:
            raise Hint(
                f"shape {_shape(t)} for k={k}: you want rows of length k, so k is the last size "
                f"({n}, {k}), and -1 stands for the other one",
                zh=f"k={k} 时形状为 {_shape(t)}：要的是长度为 k 的行，所以 k 是最后一个尺寸 "
                f"({n}, {k})，另一个尺寸用 -1 让它自动推断")
        if _shape(t) != (n, k):
            raise Hint(
                f"wrong shape: x of shape {tuple(x.shape)} with k={k} should give ({n}, {k}), "
                f"yours is {_shape(t)}",
                zh=f"形状不对：形状为 {tuple(x.shape)} 的 x、k={k} 时应得到 ({n}, {k})，"
                f"你的是 {_shape(t)}")
        if not np.array_equal(_np(t), before.reshape(n, k)):
            if np.array_equal(np.sort(_np(t), axis=None), np.sort(before, axis=None)):
                raise Hint(
                    "right shape, right numbers, wrong order: the rows must hold x's elements "
                    "in their memory order (x.flatten()'s order); a transpose is not a reshape",
                    zh="形状对、数也对，但顺序错了：各行应按 x 在内存中的顺序（即 x.flatten() 的"
                    "顺序）排列元素；转置不等于改变形状")
            raise Hint("the values are not x's values: don't create new data, re-arrange x",
                       zh="数值不是 x 的数值：不要创建新数据，只重新排列 x")
        if not _shares_memory(t, x):
            raise Hint(
                "your result is a copy: it has its own memory, so writing to it would not "
                "change x. clone(), torch.tensor(...) and .contiguous() of a non-contiguous "
                "tensor copy; a view shares x's storage",
                zh="你的结果是一份拷贝（copy）：它有自己的内存，写入它不会改变 x。clone()、"
                "torch.tensor(...) 以及对非连续张量调用 .contiguous() 都会拷贝；视图（view）"
                "则与 x 共享存储")
        if not np.array_equal(_np(x), before):
            raise Hint("your function changed x's values: only re-shape it",
                       zh="你的函数改变了 x 的数值：只需改变形状")
        t[0, 0] = 1000.0  # a view: the write shows in x
        if float(x.flatten()[0]) != 1000.0:
            raise Hint(
                "writing to your result did not change x: it is not a view of x's memory from "
                "its first element",
                zh="写入你的结果没有改变 x：它不是从 x 第一个元素开始的视图")
    return "a view: it shares x's memory"


# ---- 01.3 the NumPy bridge without a copy ------------------------------------------------------


@exercise("01.3")
def _(shared_tensor):
    rng = _rng("01.3")
    arrays = [
        rng.standard_normal((3, 4)),  # float64
        rng.integers(-5, 5, size=(6,)).astype(np.int32),
        rng.random((2, 2, 3)).astype(np.float32),
        rng.integers(0, 9, size=(5,)),  # int64
    ]
    for a in arrays:
        original = a.copy()
        t = _call(shared_tensor, a)
        _need_tensor(t)
        if _shape(t) != a.shape:
            raise Hint(f"shape {_shape(t)}, but the array has shape {a.shape}",
                       zh=f"形状为 {_shape(t)}，但数组的形状是 {a.shape}")
        name = str(t.dtype).rsplit(".", 1)[-1]
        if name != a.dtype.name:
            raise Hint(
                f"the array is {a.dtype.name} but your tensor is {name}: converting the dtype "
                "(.float(), .long(), .to(...), dtype=...) always makes a copy. Keep the array's "
                "dtype",
                zh=f"数组是 {a.dtype.name}，你的张量却是 {name}：转换数据类型（.float()、.long()、"
                ".to(...)、dtype=...）总会拷贝。保持数组原来的数据类型")
        if not np.array_equal(_np(t), original):
            raise Hint("the tensor's values differ from the array's",
                       zh="张量的数值与数组不同")
        if not _shares_memory(t, a):
            raise Hint(
                "your tensor is a copy of the array (torch.tensor(a) always copies, and so does "
                "a.copy()): changing the array would not change the tensor",
                zh="你的张量是数组的一份拷贝（torch.tensor(a) 总会拷贝，a.copy() 也是）：修改数组"
                "不会影响张量")
        a += 1  # in place, as np.add(a, 1, out=a)
        if not np.array_equal(_np(t), original + 1):
            raise Hint("after changing the array in place, your tensor did not follow",
                       zh="原地修改数组之后，你的张量没有跟着变")
    return "the tensor and the array share one block of memory"


# ---- 01.4 a reduction along the right axis ----------------------------------------------------

_ACC_BROADCAST = (
    "the predictions and the labels have different shapes ({msg}): row i of outputs holds the "
    "class scores of sample i. Along which dimension did you take the max?",
    "预测和标签的形状不同（{msg}）：outputs 的第 i 行是样本 i 的各类别得分。你是沿哪个维度取"
    "最大值的？",
)


@exercise("01.4")
def _(accuracy):
    rng = _rng("01.4")
    for n, c in [(4, 10), (12, 3), (6, 6), (20, 5)]:
        outputs = rng.standard_normal((n, c)).astype(np.float32)
        pred = outputs.argmax(axis=1)
        # half the predictions right, half wrong, in random places: the answer is 0.5
        labels = (pred + 1) % c
        right = rng.permutation(n)[: n // 2]
        labels[right] = pred[right]
        hits = pred == labels
        expected = float(hits.mean())
        out_t, lab_t = torch.tensor(outputs), torch.tensor(labels)
        result = _call(accuracy, out_t, lab_t, broadcast=_ACC_BROADCAST)
        if not np.array_equal(_np(out_t), outputs) or not np.array_equal(_np(lab_t), labels):
            raise Hint(
                "your function changed its inputs: an in-place operation (ending in _) on "
                "outputs or labels",
                zh="你的函数修改了输入：对 outputs 或 labels 做了原地操作（以 _ 结尾）")
        value = result
        if isinstance(result, torch.Tensor):
            if result.numel() != 1:
                raise Hint(
                    f"you returned a tensor of shape {tuple(result.shape)}; the accuracy is one "
                    "number: compare predictions with labels, then reduce",
                    zh=f"你返回了形状为 {tuple(result.shape)} 的张量；准确率只是一个数：先比较"
                    "预测和标签，再做归约")
            value = result.item()
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise Hint(f"return a Python float, not {type(result).__name__}",
                       zh=f"请返回 Python 的 float，而不是 {type(result).__name__}")
        if abs(value - expected) < 1e-6:
            if isinstance(result, torch.Tensor):
                raise Hint(
                    "right value, but it is still a tensor: return a plain Python float (a "
                    "one-element tensor gives its number with .item())",
                    zh="数值对了，但它仍是张量：请返回普通的 Python float（单元素张量用 .item() "
                    "取出数值）")
            if not isinstance(value, float):
                raise Hint(f"return a float, not {type(value).__name__}",
                           zh=f"请返回 float，而不是 {type(value).__name__}")
            continue
        if abs(value - hits.sum()) < 1e-6:
            raise Hint(
                f"you returned {value:g}, the number of correct predictions; the accuracy is the "
                "fraction of correct predictions",
                zh=f"你返回了 {value:g}，这是预测正确的个数；准确率是预测正确的比例")
        if abs(value - 100 * expected) < 1e-4:
            raise Hint("you returned a percentage; return the fraction, between 0 and 1",
                       zh="你返回的是百分数；请返回 0 到 1 之间的比例")
        if n == c and abs(value - float((outputs.argmax(axis=0) == labels).mean())) < 1e-6:
            raise Hint(
                "wrong axis: row i holds the class scores of sample i, so the predicted class is "
                "the position of the largest score along dim=1, not dim=0",
                zh="维度错了：第 i 行是样本 i 的各类别得分，所以预测类别是沿 dim=1（而不是 dim=0）"
                "最大得分所在的位置")
        if abs(value - float((outputs.max(axis=1) == labels).mean())) < 1e-6:
            raise Hint(
                "you compared the largest *scores* with the labels; compare the *positions* of "
                "the largest scores (torch.max returns both)",
                zh="你拿最大*得分*去和标签比较；应比较最大得分所在的*位置*（torch.max 两者都返回）")
        raise Hint(
            f"wrong value: {value:g} for a batch of {n} samples with {c} classes where the true "
            "accuracy is 0.5; the predicted class of a sample is the index of its largest score",
            zh=f"数值不对：{n} 个样本、{c} 个类别的这一批，真实准确率是 0.5，你得到 {value:g}；"
            "一个样本的预测类别是其最大得分的下标")
    return "accuracy on four batches, square ones included"


# ---- 01.5 broadcasting a per-row normalisation -----------------------------------------------

_KEEPDIM = (
    "a per-row statistic of shape (n,) broadcasts along the *last* dimension of x, not along "
    "the rows{detail}. Keep the reduced dimension, so that it has shape (n, 1)",
    "形状为 (n,) 的逐行统计量会沿 x 的*最后*一个维度广播，而不是沿行{detail}。保留被归约的维度，"
    "使它的形状为 (n, 1)",
)


@exercise("01.5")
def _(standardize_rows):
    rng = _rng("01.5")
    for n, m in [(3, 5), (6, 2), (4, 4), (7, 9)]:
        raw = (rng.standard_normal((n, m)) * rng.uniform(0.5, 4, (n, 1))
               + rng.uniform(-5, 5, (n, 1)))
        x_np = raw.astype(np.float32)
        x = torch.tensor(x_np)
        mean, std = x_np.mean(axis=1, keepdims=True), x_np.std(axis=1, ddof=1, keepdims=True)
        expected = (x_np - mean) / std
        result = _call(standardize_rows, x, broadcast=(
            _KEEPDIM[0].format(detail=" ({msg})"), _KEEPDIM[1].format(detail="（{msg}）")))
        if not np.array_equal(_np(x), x_np):
            raise Hint(
                "your function changed x in place (-=, /=, sub_, div_...): the caller's tensor "
                "is destroyed. Build a new tensor instead",
                zh="你的函数原地修改了 x（-=、/=、sub_、div_……）：调用者的张量被破坏了。请构造"
                "新张量")
        _need_tensor(result)
        if _shape(result) != (n, m):
            raise Hint(
                f"shape {_shape(result)}; standardising an ({n}, {m}) matrix keeps its shape "
                f"({n}, {m})",
                zh=f"形状为 {_shape(result)}；标准化 ({n}, {m}) 矩阵后形状不变，仍是 ({n}, {m})")
        got = _np(result)

        def same(ref, got=got):
            return _close(got, ref, rtol=1e-4, atol=1e-4)

        if same(expected):
            continue
        cols = (x_np - x_np.mean(0, keepdims=True)) / x_np.std(0, ddof=1, keepdims=True)
        if same(cols):
            raise Hint(
                "wrong axis: you standardised each *column* (dim=0). Each row is standardised "
                "with its own mean and std, computed along dim=1",
                zh="维度错了：你标准化的是每一*列*（dim=0）。每一行应使用自己的均值和标准差，"
                "沿 dim=1 计算")
        if same((x_np - mean) / x_np.std(axis=1, keepdims=True)):
            raise Hint(
                "you used the biased standard deviation (dividing by m); x.std() divides by m - 1 "
                "(Bessel's correction), as the exercise asks",
                zh="你用的是有偏标准差（除以 m）；x.std() 默认除以 m - 1（贝塞尔校正），本题要求"
                "与之一致")
        if n == m:
            flat_mean = x_np.mean(axis=1)[None, :]
            flat_std = x_np.std(axis=1, ddof=1)[None, :]
            if (same((x_np - flat_mean) / flat_std) or same((x_np - mean) / flat_std)
                    or same((x_np - flat_mean) / std)):
                raise Hint(
                    _KEEPDIM[0].format(detail=": for a square matrix element (i, j) silently "
                                       "used row j's statistic"),
                    zh=_KEEPDIM[1].format(detail="：对方阵来说，元素 (i, j) 悄悄用了第 j 行的"
                                          "统计量"))
        if same(x_np - mean):
            raise Hint(
                "the rows are centred but not scaled: divide by each row's standard deviation "
                "too",
                zh="各行已减去均值，但还没有缩放：还要除以每一行的标准差")
        raise Hint(
            "each row of the result should have mean 0 and standard deviation 1 (unbiased, as "
            "x.std() computes it)",
            zh="结果的每一行都应均值为 0、标准差为 1（无偏标准差，与 x.std() 的算法一致）")
    return "each row now has mean 0 and std 1"


# ---- 01.6 broadcasting with new axes: pairwise squared distances ------------------------------

_PAIRS = (
    "{msg}: a - b pairs row i of a with row i of b only (and needs n == m). You want every "
    "pair (i, j): give a and b axes of size 1 so that their shapes broadcast to (n, m, d)",
    "{msg}：a - b 只把 a 的第 i 行和 b 的第 i 行配对（而且要求 n == m）。你要的是所有的 (i, j) "
    "组合：给 a 和 b 各加一个大小为 1 的轴，让它们的形状广播成 (n, m, d)",
)


@exercise("01.6")
def _(pairwise_sq_dists):
    rng = _rng("01.6")
    for n, m, d in [(4, 6, 3), (5, 2, 7), (3, 3, 2), (8, 5, 4)]:
        a_np = rng.standard_normal((n, d)).astype(np.float32)
        b_np = rng.standard_normal((m, d)).astype(np.float32)
        expected = ((a_np[:, None, :] - b_np[None, :, :]) ** 2).sum(-1)
        a, b = torch.tensor(a_np), torch.tensor(b_np)
        result = _call(pairwise_sq_dists, a, b, broadcast=_PAIRS)
        if not (np.array_equal(_np(a), a_np) and np.array_equal(_np(b), b_np)):
            raise Hint("your function changed a or b in place: build new tensors instead",
                       zh="你的函数原地修改了 a 或 b：请构造新张量")
        _need_tensor(result)
        shape = _shape(result)
        if shape == (m, n) and n != m:
            raise Hint(
                f"shape {shape}: rows should belong to a ({n} points) and columns to b "
                f"({m} points), so the result is ({n}, {m})",
                zh=f"形状为 {shape}：行应对应 a（{n} 个点），列对应 b（{m} 个点），结果应为 "
                f"({n}, {m})")
        if shape in ((n, m, d), (m, n, d)):
            raise Hint(
                f"shape {shape}: you have the squared differences of every coordinate; add them "
                "up over the coordinate (last) dimension",
                zh=f"形状为 {shape}：你得到的是每个坐标上的差的平方；还要沿坐标维度（最后一维）"
                "求和")
        if shape != (n, m):
            raise Hint(
                f"shape {shape}: for a of shape ({n}, {d}) and b of shape ({m}, {d}) the table "
                f"of distances has shape ({n}, {m}). Check which dimension you summed over",
                zh=f"形状为 {shape}：a 的形状为 ({n}, {d})、b 为 ({m}, {d}) 时，距离表的形状应是 "
                f"({n}, {m})。检查你是沿哪个维度求和的")
        got = _np(result)
        if _close(got, expected, rtol=1e-4, atol=1e-4):
            continue
        if _close(got, np.sqrt(expected), rtol=1e-4, atol=1e-4):
            raise Hint(
                "these are the distances; the exercise asks for the *squared* distances (no "
                "square root)",
                zh="这是距离本身；本题要的是距离的*平方*（不开根号）")
        if n == m and _close(got, expected.T, rtol=1e-4, atol=1e-4):
            raise Hint(
                "entry (i, j) must be the distance between a[i] and b[j]: your table is "
                "transposed",
                zh="第 (i, j) 项应是 a[i] 与 b[j] 之间的距离：你的表转置了")
        raise Hint(
            "wrong values: entry (i, j) is the sum over coordinates of (a[i] - b[j]) ** 2",
            zh="数值不对：第 (i, j) 项是 (a[i] - b[j]) ** 2 在各坐标上的和")
    return "an (n, m) table of squared distances, without a loop"

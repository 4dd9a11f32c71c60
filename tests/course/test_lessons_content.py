"""The content of lessons 00_welcome, 01_tensors and 02_autograd, read from their sources.

- Every exercise: the solution in the source passes its check, the learner stub is reported
  "not attempted", and at least two deliberately wrong answers each get the *specific* hint
  (asserted on a fragment of its English text, with a Chinese translation present); no hint
  quotes a line of the solution; a check gives the same verdict twice (its inputs are seeded).
- English and Chinese prose pair up cell by cell (same headings, same formulas, same code
  blocks), and the Chinese text gives the English term beside each key term.
- Every tensor/autograd concept and snippet of the five seed tutorials (``shared/seeds``) is
  taught: ``SEED_CONCEPTS`` lists where each one lives.
- Lesson structure: objectives, recap, "how PyTorch does it", the #6 widgets, a seed-fix note
  for each seed bug, the syllabus entries.
- (slow) Each lesson runs top to bottom in both languages, learner and solution versions, in a
  fresh kernel, in under 60 s, with deterministic, address-free outputs.

Exercise cells are compiled with a notebook-like file name, as IPython does for cells, because
``check()`` tells a learner's exception from a checker's by where it was raised.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="jupytext is needed to read lesson sources")
checks = pytest.importorskip(
    "course.checks", reason="the course check framework (course/checks/__init__.py) is missing"
)

REPO_ROOT = Path(__file__).resolve().parents[2]
LESSONS_DIR = REPO_ROOT / "course" / "lessons"
LESSON_IDS = ("00_welcome", "01_tensors", "02_autograd")
CELL_FILE = "/tmp/ipykernel_4242/{}.py"  # how ipykernel names a cell's code
BEGIN, END, STUB = "### BEGIN SOLUTION", "### END SOLUTION", "# STUB:"
CJK = re.compile(r"[\u4e00-\u9fff]")

# a wrong answer below reads .grad of a non-leaf on purpose
pytestmark = pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor that is not a leaf")

# --------------------------------------------------------------------------------------------
# Reading the sources
# --------------------------------------------------------------------------------------------


def read_cells(lesson: str) -> list:
    return jupytext.read(LESSONS_DIR / f"{lesson}.py").cells


def split_regions(source: str) -> tuple[str, str]:
    """(solution code, learner stub code) of an exercise cell, as the release builder makes them:
    a region's ``# STUB: <line>`` lines become the stub, its other lines the solution."""
    solution, stub, inside, indent = [], [], False, ""
    for line in source.split("\n"):
        if line.strip() == BEGIN:
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            continue
        if line.strip() == END:
            inside = False
            continue
        if inside and line.strip().startswith(STUB):
            text = line.strip()[len(STUB):]
            stub.append(indent + (text[1:] if text.startswith(" ") else text))
        elif inside:
            solution.append(line)
        else:
            solution.append(line)
            stub.append(line)
    return "\n".join(solution), "\n".join(stub)


class Exercise:
    def __init__(self, lesson: str, ex_id: str, source: str, answer_name: str, setup: str):
        self.lesson, self.id, self.source = lesson, ex_id, source
        self.answer_name, self.setup = answer_name, setup
        self.solution_code, self.stub_code = split_regions(source)

    def namespace(self) -> dict:
        """The lesson's first code cell (its imports) run in a fresh namespace."""
        ns: dict = {"__name__": "__main__"}
        exec(compile(self.setup, CELL_FILE.format(f"{self.lesson}_setup"), "exec"), ns)
        return ns

    def answer(self, code: str):
        """Run learner ``code`` (defining the answer) as a notebook cell; return the answer."""
        ns = self.namespace()
        exec(compile(code, CELL_FILE.format(f"{self.lesson}_{self.id}"), "exec"), ns)
        return ns[self.answer_name]

    def __repr__(self) -> str:
        return self.id


def load_exercises() -> dict[str, Exercise]:
    found = {}
    for lesson in LESSON_IDS:
        cells = read_cells(lesson)
        code = [c for c in cells if c.cell_type == "code"]
        setup = code[0].source
        answer_names = {}
        for cell in code:
            if "check" in cell.metadata.get("tags", []):
                call = ast.parse(cell.source).body[0].value
                answer_names[call.args[0].value] = call.args[1].id
        for cell in code:
            if "exercise" in cell.metadata.get("tags", []):
                ex_id = cell.metadata["exercise"]
                found[ex_id] = Exercise(lesson, ex_id, cell.source, answer_names[ex_id], setup)
    return found


EXERCISES = load_exercises()


def evaluate(ex_id: str, answer):
    return checks.evaluate(ex_id, answer)


# --------------------------------------------------------------------------------------------
# Wrong answers: (name, learner code defining the answer, fragment of the expected hint)
# --------------------------------------------------------------------------------------------

CLAMP_FORWARD = """
class Clamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return {forward}

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        inside = (x >= ctx.lo) & (x <= ctx.hi)
        return {backward}
"""


def clamp(forward: str = "x.clamp(lo, hi)", backward: str = "grad_output * inside, None, None"):
    return CLAMP_FORWARD.format(forward=forward, backward=backward)


WRONG = {
    "00.1": [
        ("forgot the offset", "def fahrenheit(c):\n    return c * 9 / 5\n", "forgot the offset"),
        ("factor upside down", "def fahrenheit(c):\n    return c * 5 / 9 + 32\n",
         "factor is upside down"),
        ("the other direction", "def fahrenheit(c):\n    return (c - 32) * 5 / 9\n",
         "the other way round"),
        ("in place", "def fahrenheit(c):\n    return c.mul_(1.8).add_(32)\n",
         "changed its input tensor in place"),
        ("a list", "def fahrenheit(c):\n    return (c * 1.8 + 32).tolist()\n",
         "returned list, not a tensor"),
    ],
    "00.2": [
        ("a string", "def pick_device():\n    return 'cpu'\n", "return a torch.device object"),
        ("the other device",
         "def pick_device():\n"
         "    return torch.device('cpu' if torch.cuda.is_available() else 'cuda:0')\n",
         "torch.cuda.is_available() is"),
    ],
    "01.1": [
        ("default dtype", "def zeros_long(r, c):\n    return torch.zeros(r, c)\n",
         "zeros() makes the default floating dtype"),
        ("int32", "def zeros_long(r, c):\n    return torch.zeros(r, c, dtype=torch.int32)\n",
         "torch.long is the 64-bit integer"),
        ("swapped", "def zeros_long(r, c):\n    return torch.zeros(c, r, dtype=torch.long)\n",
         "rows and columns are swapped"),
        ("ones", "def zeros_long(r, c):\n    return torch.ones(r, c, dtype=torch.long)\n",
         "not every element is zero"),
    ],
    "01.2": [
        ("clone", "def rows_of(x, k):\n    return x.view(-1, k).clone()\n",
         "your result is a copy"),
        ("torch.tensor copy",
         "def rows_of(x, k):\n    return torch.tensor(x.numpy()).view(-1, k)\n",
         "your result is a copy"),
        ("k rows", "def rows_of(x, k):\n    return x.view(k, -1)\n",
         "you want rows of length k"),
        ("transpose", "def rows_of(x, k):\n    return x.view(k, -1).t()\n",
         "a transpose is not a reshape"),
    ],
    "01.3": [
        ("torch.tensor", "def shared_tensor(a):\n    return torch.tensor(a)\n",
         "torch.tensor(a) always copies"),
        ("float()", "def shared_tensor(a):\n    return torch.from_numpy(a).float()\n",
         "converting the dtype"),
        ("a.copy()", "def shared_tensor(a):\n    return torch.from_numpy(a.copy())\n",
         "is a copy of the array"),
    ],
    "01.4": [
        ("dim=0", "def accuracy(o, l):\n    return (o.argmax(dim=0) == l).float().mean().item()\n",
         "Along which dimension did you take the max"),
        ("a tensor", "def accuracy(o, l):\n    return (o.argmax(dim=1) == l).float().mean()\n",
         "it is still a tensor"),
        ("the count", "def accuracy(o, l):\n    return (o.argmax(dim=1) == l).sum().item()\n",
         "the number of correct predictions"),
        ("percentage",
         "def accuracy(o, l):\n    return 100 * (o.argmax(dim=1) == l).float().mean().item()\n",
         "percentage"),
        ("max values", "def accuracy(o, l):\n"
         "    return (torch.max(o, 1)[0] == l).float().mean().item()\n",
         "compare the *positions*"),
    ],
    "01.5": [
        ("columns", "def standardize_rows(x):\n"
         "    return (x - x.mean(dim=0, keepdim=True)) / x.std(dim=0, keepdim=True)\n",
         "standardised each *column*"),
        ("no keepdim", "def standardize_rows(x):\n"
         "    return (x - x.mean(dim=1)) / x.std(dim=1)\n",
         "Keep the reduced dimension"),
        ("biased std", "def standardize_rows(x):\n"
         "    return (x - x.mean(1, keepdim=True)) / x.std(1, keepdim=True, unbiased=False)\n",
         "biased standard deviation"),
        ("in place", "def standardize_rows(x):\n"
         "    x -= x.mean(dim=1, keepdim=True)\n    x /= x.std(dim=1, keepdim=True)\n"
         "    return x\n",
         "changed x in place"),
        ("not scaled", "def standardize_rows(x):\n    return x - x.mean(dim=1, keepdim=True)\n",
         "centred but not scaled"),
    ],
    "01.6": [
        ("sqrt", "def pairwise_sq_dists(a, b):\n"
         "    return ((a[:, None] - b[None]) ** 2).sum(-1).sqrt()\n", "*squared* distances"),
        ("roles swapped", "def pairwise_sq_dists(a, b):\n"
         "    return ((b[:, None] - a[None]) ** 2).sum(-1)\n", "rows should belong to a"),
        ("no sum", "def pairwise_sq_dists(a, b):\n    return (a[:, None] - b[None]) ** 2\n",
         "add them up over the coordinate"),
        ("no new axes", "def pairwise_sq_dists(a, b):\n    return ((a - b) ** 2).sum(1)\n",
         "pairs row i of a with row i of b"),
        ("wrong axis", "def pairwise_sq_dists(a, b):\n"
         "    return ((a[:, None] - b[None]) ** 2).sum(0)\n", "Check which dimension you summed"),
    ],
    "02.1": [
        ("f's values", "def grad_of_f(x):\n    return x**2 + 3 * x + 1\n",
         "returned f's values"),
        ("mean", "def grad_of_f(x):\n    x = x.detach().requires_grad_()\n"
         "    (x**2 + 3 * x + 1).mean().backward()\n    return x.grad\n", "(mean)"),
        ("no requires_grad", "def grad_of_f(x):\n    (x**2 + 3 * x + 1).sum().backward()\n"
         "    return x.grad\n", "must have requires_grad=True *before*"),
        ("in-place on a saved tensor", "def grad_of_f(x):\n    x = x.detach().requires_grad_()\n"
         "    y = x * 1\n    y.mul_(y)  # square in place\n    f = (y + 3 * x + 1).sum()\n"
         "    f.backward()\n    return x.grad\n", "changed a tensor that autograd had saved"),
        ("twice", "def grad_of_f(x):\n    x = x.detach().requires_grad_()\n"
         "    f = (x**2 + 3 * x + 1).sum()\n    f.backward(retain_graph=True)\n    f.backward()\n"
         "    return x.grad\n", "twice the right gradient"),
        ("grad of a non-leaf", "def grad_of_f(x):\n    x = x.detach().requires_grad_() * 1\n"
         "    (x**2 + 3 * x + 1).sum().backward()\n    return x.grad\n", "returned None"),
    ],
    "02.2": [
        ("ones", "def vjp(f, x, v):\n    x = x.detach().requires_grad_()\n"
         "    f(x).sum().backward()\n    return x.grad\n", "a vector of ones"),
        ("no argument", "def vjp(f, x, v):\n    x = x.detach().requires_grad_()\n"
         "    f(x).backward()\n    return x.grad\n", "only works on a scalar"),
        ("accumulates across calls", "def vjp(f, x, v):\n    x.requires_grad_()\n"
         "    f(x).backward(v)\n    return x.grad\n", "twice the answer"),
        ("returns v", "def vjp(f, x, v):\n    return v\n", "has the shape of x"),
    ],
    "02.3": [
        ("stale gradient", "def accumulated_gradient(w, batches):\n    for x, y in batches:\n"
         "        ((x @ w - y) ** 2).sum().backward()\n    return w.grad\n",
         "zero w.grad once, before the loop"),
        ("zeroed in the loop", "def accumulated_gradient(w, batches):\n    for x, y in batches:\n"
         "        w.grad.zero_()\n        ((x @ w - y) ** 2).sum().backward()\n    return w.grad\n",
         "only the last mini-batch"),
        ("= instead of +=", "def accumulated_gradient(w, batches):\n    total = None\n"
         "    for x, y in batches:\n        w.grad = None\n"
         "        ((x @ w - y) ** 2).sum().backward()\n        total = w.grad.clone()\n"
         "    return total\n", "instead of adding to it (+=)"),
        ("mean loss", "def accumulated_gradient(w, batches):\n    w.grad = None\n"
         "    for x, y in batches:\n        ((x @ w - y) ** 2).mean().backward()\n"
         "    return w.grad\n", "not their mean"),
        ("return in the loop", "def accumulated_gradient(w, batches):\n    w.grad = None\n"
         "    for x, y in batches:\n        ((x @ w - y) ** 2).sum().backward()\n"
         "        return w.grad\n", "return inside the loop"),
        ("graph reused", "def accumulated_gradient(w, batches):\n    w.grad = None\n"
         "    x, y = batches[0]\n    loss = ((x @ w - y) ** 2).sum()\n"
         "    for _ in batches:\n        loss.backward()\n    return w.grad\n",
         "backward twice through the same graph"),
    ],
    "02.4": [
        ("no no_grad",
         "def sgd_step(params, lr):\n    for p in params:\n        p -= lr * p.grad\n",
         "in a torch.no_grad() block"),
        ("rebinding", "def sgd_step(params, lr):\n    with torch.no_grad():\n"
         "        for p in params:\n            p = p - lr * p.grad\n", "only makes the name p"),
        ("no zeroing", "def sgd_step(params, lr):\n    with torch.no_grad():\n"
         "        for p in params:\n            p -= lr * p.grad\n", "p.grad still holds"),
        ("wrong sign", "def sgd_step(params, lr):\n    with torch.no_grad():\n"
         "        for p in params:\n            p += lr * p.grad\n            p.grad = None\n",
         "wrong sign"),
        ("no lr", "def sgd_step(params, lr):\n    with torch.no_grad():\n"
         "        for p in params:\n            p -= p.grad\n            p.grad = None\n",
         "ignores the learning rate"),
    ],
    "02.5": [
        ("identity backward", clamp(backward="grad_output, None, None"),
         "lets the gradient through everywhere"),
        ("inverted mask", clamp(backward="grad_output * ~inside, None, None"),
         "the mask is inverted"),
        ("one gradient", clamp(backward="grad_output * inside"),
         "one gradient per argument of forward"),
        ("in-place forward", clamp(forward="x.clamp_(lo, hi)"), "forward changed its input"),
        ("no chain rule", clamp(backward="inside.to(grad_output.dtype), None, None"),
         "multiply by grad_output"),
        ("no clamp", clamp(forward="x * 1"), "returned x unchanged"),
    ],
    "02.6": [
        ("no create_graph", "def hvp(f, x, v):\n    x = x.detach().requires_grad_()\n"
         "    (g,) = torch.autograd.grad(f(x), x)\n"
         "    return torch.autograd.grad((g * v).sum(), x)[0]\n", "create_graph=True"),
        ("the gradient", "def hvp(f, x, v):\n    x = x.detach().requires_grad_()\n"
         "    return torch.autograd.grad(f(x), x)[0]\n", "returned the gradient of f"),
        ("g * v", "def hvp(f, x, v):\n    x = x.detach().requires_grad_()\n"
         "    (g,) = torch.autograd.grad(f(x), x, create_graph=True)\n    return g * v\n",
         "multiplies element by element"),
        ("backward accumulates", "def hvp(f, x, v):\n    x.requires_grad_()\n"
         "    (g,) = torch.autograd.grad(f(x), x, create_graph=True)\n"
         "    (g * v).sum().backward()\n    return x.grad\n", "a second call on the same x"),
    ],
}

WRONG_CASES = [
    pytest.param(ex_id, name, code, fragment, id=f"{ex_id}-{name}")
    for ex_id, cases in WRONG.items()
    for name, code, fragment in cases
]

# --------------------------------------------------------------------------------------------
# Exercises and their checks
# --------------------------------------------------------------------------------------------


def test_every_exercise_has_at_least_two_wrong_answers():
    assert set(WRONG) == set(EXERCISES)
    assert all(len(cases) >= 2 for cases in WRONG.values())


def test_exercise_counts():
    per_lesson = {lesson: [e for e in EXERCISES.values() if e.lesson == lesson]
                  for lesson in LESSON_IDS}
    assert len(per_lesson["00_welcome"]) >= 1
    assert len(per_lesson["01_tensors"]) >= 5 and len(per_lesson["02_autograd"]) >= 5


@pytest.mark.parametrize("ex", EXERCISES.values(), ids=repr)
def test_solution_passes(ex):
    outcome = evaluate(ex.id, ex.answer(ex.solution_code))
    assert outcome.status == "passed", outcome.en


@pytest.mark.parametrize("ex", EXERCISES.values(), ids=repr)
def test_stub_is_not_attempted(ex):
    assert "NotImplementedError" in ex.stub_code and f"Exercise {ex.id}" in ex.stub_code
    assert "### BEGIN" not in ex.stub_code and STUB not in ex.stub_code
    outcome = evaluate(ex.id, ex.answer(ex.stub_code))
    assert outcome.status == "not_attempted", outcome.en


@pytest.mark.parametrize("ex", EXERCISES.values(), ids=repr)
def test_stub_does_not_give_the_solution_away(ex):
    solution_lines = {
        line.strip() for line in split_regions_only_solution(ex.source) if len(line.strip()) > 8
    }
    assert not any(line in ex.stub_code for line in solution_lines)


def split_regions_only_solution(source: str) -> list[str]:
    """The lines inside solution regions that are not stub lines."""
    lines, inside = [], False
    for line in source.split("\n"):
        if line.strip() in (BEGIN, END):
            inside = line.strip() == BEGIN
        elif inside and not line.strip().startswith(STUB):
            lines.append(line)
    return [line for line in lines if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize(("ex_id", "name", "code", "fragment"), WRONG_CASES)
def test_wrong_answer_gets_the_specific_hint(ex_id, name, code, fragment):
    ex = EXERCISES[ex_id]
    outcome = evaluate(ex_id, ex.answer(code))
    assert outcome.status == "hint", f"{name}: {outcome.status}: {outcome.en}"
    assert fragment in outcome.en, f"{name}: {outcome.en}"
    assert CJK.search(outcome.zh), f"{name}: no Chinese hint: {outcome.zh}"
    # a hint names the mistake; it never quotes the solution
    for line in split_regions_only_solution(ex.source):
        code_line = line.split("#")[0].strip()
        if len(code_line) > 12:
            assert code_line not in outcome.en and code_line not in outcome.zh, code_line


@pytest.mark.parametrize("ex", EXERCISES.values(), ids=repr)
def test_checks_are_reproducible(ex):
    """Seeded inputs: the same answer gets the same verdict and message twice."""
    wrong = WRONG[ex.id][0][1]
    first, second = evaluate(ex.id, ex.answer(wrong)), evaluate(ex.id, ex.answer(wrong))
    assert (first.status, first.en) == (second.status, second.en)


def test_check_does_not_disturb_the_global_random_stream():
    import autograd_lab as torch

    ex = EXERCISES["01.5"]
    answer = ex.answer(ex.solution_code)  # (runs the lesson's imports, which seed)
    torch.manual_seed(123)
    expected = torch.rand(3).tolist()
    torch.manual_seed(123)
    evaluate(ex.id, answer)
    assert torch.rand(3).tolist() == expected


def test_syllabus_lists_the_exercises_of_the_sources():
    from course._syllabus import load_syllabus

    syllabus = load_syllabus()
    for lesson in LESSON_IDS:
        entry = syllabus.lesson(lesson)
        in_source = sorted(e.id for e in EXERCISES.values() if e.lesson == lesson)
        assert sorted(e.id for e in entry.exercises) == in_source
        assert entry.objectives["en"] and len(entry.objectives["en"]) == len(
            entry.objectives["zh"])
        assert all(e.points >= 1 for e in entry.exercises)
    assert set(EXERCISES) <= set(checks.registered())


# --------------------------------------------------------------------------------------------
# English and Chinese
# --------------------------------------------------------------------------------------------


def headings(text: str) -> list[int]:
    return [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, flags=re.MULTILINE)]


def fenced_blocks(text: str) -> list[str]:
    return re.findall(r"```.*?```", text, flags=re.DOTALL)


def formulas(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", f) for f in re.findall(r"\$[^$]+\$", text)]


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_english_and_chinese_cells_pair_up(lesson):
    cells = read_cells(lesson)
    langs = [c.metadata.get("lang") for c in cells]
    assert langs.count("en") == langs.count("zh") > 0
    for i, cell in enumerate(cells):
        lang = cell.metadata.get("lang")
        if lang == "en":
            partner = cells[i + 1]
            assert partner.metadata.get("lang") == "zh", f"cell {i} has no Chinese partner"
            assert cell.cell_type == partner.cell_type == "markdown"
            assert headings(cell.source) == headings(partner.source), f"cell {i}: headings"
            assert len(fenced_blocks(cell.source)) == len(fenced_blocks(partner.source))
            assert sorted(formulas(cell.source)) == sorted(formulas(partner.source)), f"cell {i}"
            prose = re.sub(r"`[^`]*`", "", cell.source)  # code spans may quote the seeds
            assert not CJK.search(prose), f"cell {i}: Chinese in the English text"
            assert len(CJK.findall(partner.source)) > 5, f"cell {i + 1} is not Chinese"
        elif lang == "zh":
            assert cells[i - 1].metadata.get("lang") == "en", f"cell {i} has no English partner"
        elif cell.cell_type == "markdown":
            pytest.fail(f"cell {i}: markdown without lang (every prose cell has two languages)")


#: Key terms: (lesson, Chinese term, English term) -- the English must stand beside the Chinese
#: at least once in that lesson's Chinese text, e.g. "**张量**（tensor）".
KEY_TERMS = [
    ("00_welcome", "单元格", "cell"), ("00_welcome", "内核", "kernel"),
    ("00_welcome", "设备", "device"),
    ("01_tensors", "张量", "tensor"), ("01_tensors", "数据类型", "dtype"),
    ("01_tensors", "视图", "view"), ("01_tensors", "拷贝", "copy"),
    ("01_tensors", "存储", "storage"), ("01_tensors", "步长", "stride"),
    ("01_tensors", "广播", "broadcasting"), ("01_tensors", "归约", "reduction"),
    ("01_tensors", "原地", "in-place"), ("01_tensors", "索引", "indexing"),
    ("01_tensors", "切片", "slicing"), ("01_tensors", "类型提升", "type promotion"),
    ("01_tensors", "连续", "contiguous"),
    ("02_autograd", "梯度", "gradient"), ("02_autograd", "叶子", "leaf"),
    ("02_autograd", "动态计算图", "dynamic computation graph"),
    ("02_autograd", "向量-雅可比积", "vector-Jacobian product"),
    ("02_autograd", "雅可比矩阵", "Jacobian"), ("02_autograd", "黑塞矩阵", "Hessian"),
    ("02_autograd", "黑塞-向量积", "Hessian-vector product"),
    ("02_autograd", "版本计数器", "version counter"),
    ("02_autograd", "保存的张量", "saved tensors"), ("02_autograd", "小批量", "mini-batch"),
]


@pytest.mark.parametrize(("lesson", "zh", "en"), KEY_TERMS, ids=lambda v: str(v))
def test_chinese_key_terms_carry_the_english_term(lesson, zh, en):
    text = "\n".join(c.source for c in read_cells(lesson) if c.metadata.get("lang") == "zh")
    pattern = re.escape(zh) + r"(?:\*\*)?（[^）]*" + r"\s+".join(map(re.escape, en.split()))
    assert re.search(pattern, text), f"{zh}（{en}） not found in {lesson}"


# --------------------------------------------------------------------------------------------
# Seed coverage
# --------------------------------------------------------------------------------------------

#: Every tensor/autograd concept and snippet of the seed tutorials, and the lesson that teaches
#: it: (seed, concept, lesson, text that must appear in that lesson's source).
SEED_CONCEPTS = [
    ("000", "uninitialised matrix torch.empty(5, 3)", "01_tensors", "torch.empty(5, 3)"),
    ("000", "random matrix torch.rand(5, 3)", "01_tensors", "torch.rand(5, 3)"),
    ("000", "zeros with dtype long", "01_tensors", "torch.zeros(5, 3, dtype=torch.long)"),
    ("000", "tensor from a list", "01_tensors", "torch.tensor([5.5, 3])"),
    ("000", "requires_grad=True and the mean example", "02_autograd",
     "torch.ones(2, 2, requires_grad=True)"),
    ("000", "out.backward() and x.grad", "02_autograd", "out.backward()"),
    ("000", "dynamic computation graph vs static graphs", "02_autograd", "TensorFlow 1.x"),
    ("000", "zero_grad before backward", "02_autograd", "optimizer.zero_grad()"),
    ("000", "torch.device with cuda/cpu", "00_welcome",
     'torch.device("cuda:0" if torch.cuda.is_available() else "cpu")'),
    ("000", "curly quotes bug", "00_welcome", "“cuda”"),
    ("000", "tensor .to(device)", "01_tensors", "x = x.to(device)"),
    ("000", "torch.randint labels of the sample data", "01_tensors", "torch.randint(0, 2, ("),
    ("000", "comments run into code lines (scrape bug)", "01_tensors", "import torch创建"),
    ("004", "the graph is no doubly linked list", "02_autograd", "doubly linked list"),
    ("001", "x + y with broadcasting", "01_tensors", "z = x + y"),
    ("001", "torch.matmul and its dtype bug", "01_tensors", "torch.matmul(y, x.T)"),
    ("001", "matmul fix", "01_tensors", "torch.matmul(y, x.float())"),
    ("001", "y.view(3, 2)-style reshaping", "01_tensors", ".view(-1, 8)"),
    ("001", "from_numpy and .numpy()", "01_tensors", "torch.from_numpy(a)"),
    ("001", "autograd example with the x*2 bug", "02_autograd", "y = x*2 + 3x + 1"),
    ("001", "its fix", "02_autograd", "y = x**2 + 3 * x + 1"),
    ("001", "torch.no_grad() for inference", "02_autograd", "with torch.no_grad():"),
    ("001", "unsqueeze(0) batch dimension", "01_tensors", "unsqueeze(0)"),
    ("001", "torch.max(output, 1)", "01_tensors", "torch.max(outputs, 1)"),
    ("002", "flatten before the linear layer", "01_tensors", "torch.flatten(feats, 1)"),
    ("002", "view(-1, C*H*W)", "01_tensors", "view(-1, 16 * 5 * 5)"),
    ("002", "loss.item()", "01_tensors", ".item()"),
    ("003", "requires_grad records operations", "02_autograd", "requires_grad"),
    ("003", ".to(device) for GPU", "01_tensors", ".to(device)"),
    ("004", "rand is uniform on [0, 1)", "01_tensors", "$[0, 1)$"),
    ("004", "randn is standard normal", "01_tensors", "torch.randn(5, 3)"),
    ("004", "zeros long prints integers (output bug)", "01_tensors", "`0.` floats"),
    ("004", "tensor from data", "01_tensors", "torch.tensor([2.5, 3.5])"),
    ("004", "new_ones keeps dtype/device", "01_tensors", "x4.new_ones(5, 3, dtype=torch.double)"),
    ("004", "x4 undefined bug", "01_tensors", "never defines"),
    ("004", "randn_like with dtype", "01_tensors", "torch.randn_like(x, dtype=torch.float)"),
    ("004", "size() and shape", "01_tensors", "print(x.size())"),
    ("004", "torch.Size is a tuple", "01_tensors", "isinstance(x.size(), tuple)"),
    ("004", "add 1: operator", "01_tensors", "z = x + y"),
    ("004", "add 2: torch.add", "01_tensors", "torch.add(x, y)"),
    ("004", "add 3: out=", "01_tensors", "torch.add(x, y, out=result)"),
    ("004", "add 4: in place", "01_tensors", "y.add_(x)"),
    ("004", "in-place suffix: copy_ and add_", "01_tensors", "x.copy_(y)"),
    ("004", "NumPy-style slicing x[:, 1]", "01_tensors", "x[:, 1]"),
    ("004", "view keeps numel", "01_tensors", "y = x.view(16)"),
    ("004", "view with -1", "01_tensors", "z = x.view(-1, 8)"),
    ("004", "item()", "01_tensors", "y = x.item()"),
    ("004", "tensor.numpy() shares memory", "01_tensors", "b = a.numpy()"),
    ("004", "a.add_(1) changes b", "01_tensors", "a.add_(1)"),
    ("004", "from_numpy + np.add(out=)", "01_tensors", "np.add(a, 1, out=a)"),
    ("004", "torch.tensor copies, from_numpy shares", "01_tensors", "b = torch.tensor(a)"),
    ("004", "CharTensor remark", "01_tensors", "CharTensor"),
    ("004", "int32 on Windows", "01_tensors", "Windows"),
    ("004", "cuda if-block with .to(device)", "01_tensors", "if torch.cuda.is_available():"),
    ("004", "ones_like on a device", "01_tensors", "torch.ones_like(x, device=device)"),
    ("004", "z.to('cpu', torch.double)", "01_tensors", 'z.to("cpu", torch.double)'),
    ("004", "Z vs z bug", "01_tensors", "`Z = x + y`"),
    ("004", "torch.ones(3, 3) without grad", "02_autograd", "x1 = torch.ones(3, 3)"),
    ("004", "Function and Tensor", "02_autograd", "torch.autograd.Function"),
    ("004", "grad_fn of a user tensor is None", "02_autograd", "print(x.grad_fn)"),
    ("004", "ExpBackward.apply(x)", "02_autograd", "ExpBackward.apply(x)"),
    ("004", "x.exp() and its backward", "02_autograd", "y = x.exp()"),
    ("004", "y = x + 2 grad_fn", "02_autograd", "y = x + 2"),
    ("004", "z = y * y * 3, out = z.mean()", "02_autograd", "z = y * y * 3"),
    ("004", "requires_grad_", "02_autograd", "a.requires_grad_(True)"),
    ("004", "(a * a).sum() grad_fn", "02_autograd", "b = (a * a).sum()"),
    ("004", "x.grad is 4.5", "02_autograd", "4.5"),
    ("004", "no_grad stops tracking", "02_autograd", "print((x**2).requires_grad)"),
    ("004", "detach", "02_autograd", "y = x.detach()"),
    ("004", "x.eq(y).all()", "02_autograd", "x.eq(y).all()"),
    ("004", "grad_fn.next_functions walk", "02_autograd", "next_functions[0][0]"),
    ("004", "AccumulateGrad", "02_autograd", "AccumulateGrad"),
    ("004", "output.backward(torch.randn(1, 10))", "02_autograd",
     "output.backward(torch.randn(1, 10))"),
    ("004", "net.zero_grad() accumulates otherwise", "02_autograd", "net.zero_grad()"),
    ("004", "zero_grad sets None in new versions", "02_autograd", "set_to_none=True"),
    ("004", "manual SGD with .data", "02_autograd", "f.data.sub_(f.grad.data * learning_rate)"),
    ("004", "target.view(1, -1)", "01_tensors", "target.view(1, -1)"),
    ("004", "num_flat_features: size()[1:]", "01_tensors", "size()[1:]"),
    ("004", "imshow transpose", "01_tensors", "np.transpose(npimg, (1, 2, 0))"),
    ("004", "accuracy: (predicted == labels).sum().item()", "01_tensors",
     "(predicted == labels).sum().item()"),
    ("004", "labels.size(0)", "01_tensors", "labels.size(0)"),
    ("004", "device cuda:0", "00_welcome", "cuda:0"),
    ("004", "torch.cuda.is_available()", "00_welcome", "torch.cuda.is_available()"),
]


def lesson_text(lesson: str) -> str:
    return (LESSONS_DIR / f"{lesson}.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(("seed", "concept", "lesson", "text"), SEED_CONCEPTS,
                         ids=[f"{s}-{c}" for s, c, _, _ in SEED_CONCEPTS])
def test_seed_concept_is_taught(seed, concept, lesson, text):
    assert text in lesson_text(lesson), f"seed {seed}: {concept!r} missing from {lesson}"


def test_seed_concepts_cover_every_seed_tensor_snippet():
    """Each snippet of tests/test_seeds.py (the seeds' tensor/autograd code) has a concept row."""
    covered_seeds = {seed for seed, *_ in SEED_CONCEPTS}
    assert covered_seeds == {"000", "001", "002", "003", "004"}
    assert len(SEED_CONCEPTS) >= 70


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------

SECTIONS = {
    "en": ["**Objectives.**", "## Recap", "## How PyTorch does it"],
    "zh": ["**学习目标。**", "## 小结", "## PyTorch 是怎么做的"],
}
WIDGETS = {"01_tensors": ["viz.inspect("], "02_autograd": ["viz.graph(", "viz.stepper("]}


@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_structure(lesson):
    text = lesson_text(lesson)
    for markers in SECTIONS.values():
        for marker in markers:
            if lesson == "00_welcome" and "Objectives" in marker:
                marker = "**In this lesson you will**"
            if lesson == "00_welcome" and "学习目标" in marker:
                marker = "**本课你将**"
            assert marker in text, f"{lesson}: {marker}"
    for widget in WIDGETS.get(lesson, []):
        assert widget in text
    code = [c for c in read_cells(lesson) if c.cell_type == "code"]
    assert "from course import check, progress" in code[0].source
    assert "import autograd_lab as torch" in code[0].source
    assert any(c.source.strip() == "progress()" for c in code)


# --------------------------------------------------------------------------------------------
# Running the lessons (slow: a kernel per notebook)
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("solution", [False, True], ids=["learner", "solution"])
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("lesson", LESSON_IDS)
def test_lesson_runs_top_to_bottom(lesson, lang, solution, tmp_path):
    pytest.importorskip("nbclient")
    source_mod = pytest.importorskip("course._source")
    execute = pytest.importorskip("course._execute")
    nb = source_mod.build_notebook(
        source_mod.read_source(LESSONS_DIR / f"{lesson}.py"), lang, solution=solution)
    start = time.perf_counter()
    execute.execute_notebook(nb, tmp_path, timeout=60)
    assert time.perf_counter() - start < 60
    statuses, texts = {}, []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(checks.CHECK_MIME)
            if record:
                statuses[record["id"]] = record["status"]
            texts.append(output.get("text", "") + str(output.get("data", {}).get("text/plain", "")))
    expected = {e.id for e in EXERCISES.values() if e.lesson == lesson}
    assert set(statuses) == expected
    want = "passed" if solution else "not_attempted"
    assert all(status == want for status in statuses.values()), statuses
    joined = "\n".join(texts)
    assert " object at 0x" not in joined and "at 0x" not in joined

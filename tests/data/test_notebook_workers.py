"""DataLoader workers inside a real Jupyter kernel (where learners use them).

A Dataset class defined in a notebook cell lives in the kernel's ``__main__``. Forked workers
(Linux's default) inherit it; spawned workers (the default on macOS and Windows) cannot import it
and must fail with a clear message that says what to do, not hang.
"""

from __future__ import annotations

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

CELLS = [
    """
import autograd_lab as torch
from autograd_lab.utils.data import DataLoader, Dataset

class Squares(Dataset):  # defined in the notebook, as learners do
    def __len__(self):
        return 10

    def __getitem__(self, i):
        return torch.tensor(float(i * i)), i
""",
    """
loader = DataLoader(Squares(), batch_size=4, num_workers=2)
print([y.tolist() for x, y in loader], [x.tolist() for x, y in loader][-1])
""",
    """
try:
    list(DataLoader(Squares(), batch_size=4, num_workers=2, multiprocessing_context="spawn"))
except Exception as e:
    print(type(e).__name__, "|", e)
""",
]


@pytest.fixture(scope="module")
def outputs() -> list[str]:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c.strip()) for c in CELLS]
    nbclient.NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    return ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells]


def test_forked_workers_see_a_notebook_defined_dataset(outputs):
    assert outputs[1] == "[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] [64.0, 81.0]\n"


def test_spawned_workers_explain_a_notebook_defined_dataset(outputs):
    kind, _, message = outputs[2].partition(" | ")
    assert kind == "AttributeError"
    assert "Caught AttributeError in DataLoader worker process" in message
    assert "define them in an importable module" in message
    assert "Squares" in message  # the worker's traceback names what it could not find

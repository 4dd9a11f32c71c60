"""Shared test helpers: PyTorch for parity tests, marker skips, the ``device`` fixture.

Markers (registered in pyproject.toml) skip with a clear reason when their requirement is
absent:

- ``torch``: needs PyTorch. Skips without it, but *fails* when the environment variable
  ``AUTOGRAD_LAB_REQUIRE_TORCH=1`` is set (CI sets it, so parity can never silently vanish).
- ``gpu``: needs ``autograd_lab.cuda.is_available()``.
- ``data``: needs the real datasets in ``shared/data`` beside the repository.
- ``browser``: needs ``/usr/bin/chromium`` and the ``playwright`` package.
- ``slow``: never skipped here; deselect with ``-m "not slow"``.

Parity tests get PyTorch from the ``torch`` fixture, or call ``require_torch()`` (also fine at
module level: ``torch = require_torch()`` skips the whole module)::

    from conftest import require_torch
"""

from __future__ import annotations

import os

# Several pytest-xdist workers on a small machine: one BLAS/OpenMP thread each. With the default
# (one thread per core in every worker) the threads of different workers spin against each
# other and some matrix products run ~70x slower. Must happen before NumPy or torch is imported.
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import functools  # noqa: E402
import importlib.util  # noqa: E402
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
#: The ``shared`` folder beside the repository holds real datasets (absent in a user's clone).
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
CHROMIUM = Path("/usr/bin/chromium")

DATA_MISSING = f"needs the datasets in {DATA_DIR}"
TORCH_MISSING = "PyTorch not installed (pip install torch==2.13.0 for parity tests)"

try:  # shape-logic property tests run on slow machines too: no per-example deadline
    from hypothesis import settings

    settings.register_profile("autograd_lab", deadline=None)
    settings.load_profile("autograd_lab")
except ImportError:
    pass


def torch_required() -> bool:
    return os.environ.get("AUTOGRAD_LAB_REQUIRE_TORCH") == "1"


def require_torch():
    """Return the ``torch`` module, or skip (fail under ``AUTOGRAD_LAB_REQUIRE_TORCH=1``)."""
    try:
        import torch
    except ImportError:
        if torch_required():
            pytest.fail(f"{TORCH_MISSING}, and AUTOGRAD_LAB_REQUIRE_TORCH=1", pytrace=False)
        pytest.skip(TORCH_MISSING, allow_module_level=True)
    return torch


@pytest.fixture
def torch():
    """PyTorch itself (the reference), for parity tests."""
    return require_torch()


@functools.cache
def gpu_unavailable_reason() -> str | None:
    """``None`` when autograd_lab can compute on a CUDA GPU, else why not (checked once)."""
    try:
        import autograd_lab

        if autograd_lab.cuda.is_available():
            return None
    except Exception as exc:  # no CuPy, no driver, or engine without a cuda module
        return f"no usable CUDA GPU ({type(exc).__name__}: {exc})"
    return "no CUDA GPU visible to CuPy (autograd_lab.cuda.is_available() is False)"


def browser_unavailable_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"browser test needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser test needs the playwright package (pip install playwright)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("torch") is not None:
        require_torch()
    if item.get_closest_marker("gpu") is not None and (reason := gpu_unavailable_reason()):
        pytest.skip(reason)
    if item.get_closest_marker("data") is not None and not DATA_DIR.is_dir():
        pytest.skip(DATA_MISSING)
    if item.get_closest_marker("browser") is not None and (reason := browser_unavailable_reason()):
        pytest.skip(reason)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request) -> str:
    """Run a test on ``"cpu"`` always and on ``"cuda"`` when a GPU is available."""
    return request.param


@pytest.fixture
def data_dir() -> Path:
    """The real datasets folder (``shared/data`` beside the repo); skips when absent."""
    if not DATA_DIR.is_dir():
        pytest.skip(DATA_MISSING)
    return DATA_DIR


def pytest_report_header(config) -> list[str]:
    has_torch = importlib.util.find_spec("torch") is not None
    parity = "on" if has_torch else ("MISSING (will fail)" if torch_required() else "skipped")
    data = DATA_DIR if DATA_DIR.is_dir() else "absent (data tests skip)"
    return [f"autograd_lab: torch parity {parity}; data dir {data}"]

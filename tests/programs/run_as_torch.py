"""Run a PyTorch program unchanged on autograd_lab.

::

    python tests/programs/run_as_torch.py SCRIPT [ARGS...]

runs ``SCRIPT`` as ``python SCRIPT ARGS...`` would (``__name__ == '__main__'``, ``sys.argv``,
``sys.path[0]`` the script's folder), except that ``import torch`` gives ``autograd_lab`` and
``import torchvision`` gives ``autograd_lab.vision``, submodules included
(``torch.nn.functional`` is ``autograd_lab.nn.functional``, ``torchvision.transforms`` is
``autograd_lab.vision.transforms``).
A real PyTorch installed beside it is never imported.

The aliases are made by a meta path finder placed first on ``sys.meta_path``: it maps
``torch[.x]`` to ``autograd_lab[.x]`` and ``torchvision[.x]`` to ``autograd_lab.vision[.x]``,
imports the real module and hands that very module back, so ``torch.nn is autograd_lab.nn``
and no module is ever loaded twice under two names (which plain ``sys.modules`` entries for the
top packages alone would do: ``import torch.nn`` would execute ``autograd_lab/nn`` again as a
new module).

Worker processes (DataLoader ``num_workers > 0``):

- ``fork`` (Linux's default): the child is a copy of this process, aliases included.
- ``spawn`` / ``forkserver``: the child is a fresh interpreter (or a fork of a fresh server
  process) that knows nothing of the aliases. Before it unpickles anything,
  ``multiprocessing`` re-runs the parent's main script in it as ``__mp_main__`` (which is why the
  tutorial keeps its code under ``if __name__ == '__main__':``); the script's ``import torch``
  would then find the real PyTorch, or fail. So in the parent this runner makes multiprocessing
  re-run *this file* in the child instead (``init_main_from_path`` of
  ``multiprocessing.spawn.get_preparation_data``); run as ``__mp_main__`` it installs the aliases
  and then runs the script as ``__mp_main__``, exactly as multiprocessing would have. Children
  forked by a ``forkserver`` prepare themselves from the same data, so this covers them too.
  (The parent's script path reaches the child in the environment variable ``_RUN_AS_TORCH_SCRIPT``.)

Environment:

- ``RUN_AS_TORCH_START_METHOD``: ``fork``, ``spawn`` or ``forkserver``: passed to
  ``multiprocessing.set_start_method`` before the script runs (default: the platform's).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import multiprocessing
import multiprocessing.spawn
import os
import runpy
import sys

#: alias root -> the real package it stands for
ALIASES = {"torch": "autograd_lab", "torchvision": "autograd_lab.vision"}
START_METHOD_ENV = "RUN_AS_TORCH_START_METHOD"
#: Set by the runner for its spawned children: the script they must re-run. (Not sys.argv[0]:
#: while a child re-runs this file, runpy has set sys.argv[0] to this file's path.)
_SCRIPT_ENV = "_RUN_AS_TORCH_SCRIPT"
_RUNNER = os.path.abspath(__file__)


def real_name(fullname: str) -> str | None:
    """``torch.nn`` -> ``autograd_lab.nn``; None for names that are not aliased."""
    root, dot, rest = fullname.partition(".")
    target = ALIASES.get(root)
    if target is None:
        return None
    return target + dot + rest


class _AliasLoader(importlib.abc.Loader):
    """Hands back the already imported real module instead of creating one."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self._spec = module.__spec__
        return module

    def exec_module(self, module) -> None:
        # The import system has just set module.__spec__ to the alias's spec: give the real
        # module its own back (its relative imports and pickling by reference rely on it).
        module.__spec__ = self._spec


class AliasFinder(importlib.abc.MetaPathFinder):
    """``import torch...`` / ``import torchvision...`` -> autograd_lab / autograd_lab.vision."""

    def find_spec(self, fullname, path=None, target=None):
        name = real_name(fullname)
        if name is None:
            return None
        if importlib.util.find_spec(name) is None:
            return None  # no such module: ModuleNotFoundError names the alias
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(name))


def install_aliases() -> None:
    """Make ``torch``/``torchvision`` and their submodules resolve to autograd_lab (idempotent)."""
    if not any(isinstance(f, AliasFinder) for f in sys.meta_path):
        # Something imported before the aliases (the real torch) would stay in sys.modules.
        stale = [n for n in sys.modules if real_name(n) is not None
                 and sys.modules[n] is not sys.modules.get(real_name(n))]
        if stale:
            raise RuntimeError(f"already imported before the aliases: {', '.join(stale)}")
        sys.meta_path.insert(0, AliasFinder())


def _redirect_spawned_main(script: str) -> None:
    """Make spawned children run this runner (which installs the aliases, then the script)
    where multiprocessing would run the script itself."""
    original = multiprocessing.spawn.get_preparation_data
    if getattr(original, "_run_as_torch", False):
        return

    def get_preparation_data(name):
        data = original(name)
        if data.get("init_main_from_path") == os.path.normpath(script):
            data["init_main_from_path"] = _RUNNER
        return data

    get_preparation_data._run_as_torch = True
    multiprocessing.spawn.get_preparation_data = get_preparation_data


def run(script: str, args: list[str]) -> None:
    """Run ``script`` as ``__main__`` with the aliases, like ``python script args...``."""
    script = os.path.abspath(script)
    install_aliases()
    method = os.environ.get(START_METHOD_ENV)
    if method:
        multiprocessing.set_start_method(method)
    _redirect_spawned_main(script)
    os.environ[_SCRIPT_ENV] = script
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(script)  # where `python script` would look first
    runpy.run_path(script, run_name="__main__")


def _child_main() -> None:
    """In a spawned child (this file re-run as ``__mp_main__``): install the aliases, then run
    the parent's script as multiprocessing would have."""
    install_aliases()
    globals().update(runpy.run_path(os.environ[_SCRIPT_ENV], run_name="__mp_main__"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(f"usage: {sys.executable} {sys.argv[0]} SCRIPT [ARGS...]")
    run(sys.argv[1], sys.argv[2:])
elif __name__ == "__mp_main__":
    _child_main()

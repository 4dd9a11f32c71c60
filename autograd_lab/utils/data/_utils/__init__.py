"""The machinery behind ``DataLoader`` (``torch.utils.data._utils``): collate, fetch, worker.

Worker processes can only run functions that can be found by name in an importable module,
so the code a worker runs lives at module level here rather than in methods of the loader.
"""

from __future__ import annotations

import atexit

from . import collate, fetch, pin_memory, worker

#: How often (seconds) a process waiting on another one checks that it is still alive.
#: PyTorch uses 5 s; we check more often so that a dead worker is reported quickly.
MP_STATUS_CHECK_INTERVAL = 0.5

#: Set when the interpreter starts shutting down: from then on, iterators leave their workers
#: to multiprocessing's own exit handler (it terminates daemonic children).
python_exit_status = False


def _set_python_exit_flag() -> None:
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)

__all__ = ["MP_STATUS_CHECK_INTERVAL", "collate", "fetch", "pin_memory", "worker"]

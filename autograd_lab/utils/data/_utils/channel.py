"""The pipe that carries batches from the workers to the main process.

``multiprocessing.Queue`` would do, but it has two failure modes that make a DataLoader hang
instead of raising:

- it pickles in a background thread: an unpicklable batch is printed to the worker's stderr
  and dropped, and the main process waits for it forever;
- a message bigger than the pipe's buffer (a batch of images is ~1 MB) is written in pieces.
  If the worker dies between two pieces (the out-of-memory killer, Ctrl-C), the reader blocks
  forever waiting for the rest of the message.

So workers pickle in their own thread (errors are caught and sent home instead) and write
each message whole, one worker at a time (a shared lock). The main process reads whatever
bytes are there, with a timeout, and assembles messages itself: between two reads it can
notice that a worker died, whether or not a message was half written.

A message is ``[n][size_0 .. size_n-1][pickle][buffer_1]..[buffer_n-1]``. Pickle protocol 5
leaves the arrays' memory *out of band*: it is written to the pipe straight from the array and
read straight into the new array's memory, so a batch is copied only by the kernel.
"""

from __future__ import annotations

import os
import pickle
import queue
import struct
import sys
import time
from multiprocessing.connection import wait
from typing import Any

import numpy as np

_U64 = struct.Struct("!Q")
_RAW_FDS = sys.platform != "win32"  # Windows pipes are handles, not file descriptors
_PIPE_SIZE = 1 << 20  # Linux: room for a whole batch, so writers seldom block mid-message
_MAX_IOV = 512  # buffers per readv call (the OS limit is 1024 or more)


def enlarge_pipe(conn) -> None:
    """Grow the pipe's buffer where the OS allows (Linux); harmless elsewhere."""
    try:
        import fcntl

        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass


class ResultWriter:
    """The worker's end: ``put(obj)`` pickles ``obj`` here and writes it whole.

    Picklable while a process is being started (it holds a Connection and a Lock), so it
    works with every start method.
    """

    def __init__(self, conn, lock) -> None:
        self.conn = conn
        self.lock = lock

    def put(self, obj: Any) -> None:
        if not _RAW_FDS:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
            with self.lock:
                self.conn.send_bytes(data)
            return
        buffers: list[pickle.PickleBuffer] = []
        data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)  # may raise
        parts = [memoryview(data)] + [b.raw() for b in buffers]
        header = _U64.pack(len(parts)) + struct.pack(f"!{len(parts)}Q",
                                                     *(p.nbytes for p in parts))
        fd = self.conn.fileno()
        with self.lock:
            for part in (memoryview(header), *parts):
                while part.nbytes:
                    part = part[os.write(fd, part):]


class ResultReader:
    """The main process's end: ``get(timeout)`` returns the next object or raises
    ``queue.Empty``; a message half read when the time runs out is kept for the next call.
    Raises ``EOFError`` once every writer has closed the pipe."""

    def __init__(self, conn) -> None:
        self.conn = conn
        if _RAW_FDS:
            os.set_blocking(conn.fileno(), False)  # read what is there, never wait in read()
        self._count: int | None = None  # parts in the message being read, once known
        self._sizes: list[int] | None = None  # their sizes, once known
        self._parts: list[np.ndarray] = []
        self._filled = 0  # bytes of the current stage already read
        self._stage = bytearray(_U64.size)  # the stage being read: count, then sizes

    def get(self, timeout: float) -> Any:
        if not _RAW_FDS:
            if not self.conn.poll(timeout):
                raise queue.Empty
            return pickle.loads(self.conn.recv_bytes())
        deadline = time.monotonic() + timeout
        while True:
            if self._read_available():
                return self._finish()
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not wait([self.conn], remaining):
                raise queue.Empty

    def _read_available(self) -> bool:
        """Read as much of the current message as the pipe holds; True once it is whole."""
        fd = self.conn.fileno()
        while True:
            if self._sizes is None:  # header: 8 bytes of count, then 8 bytes per part
                targets = [memoryview(self._stage)[self._filled:]]
            else:
                targets = self._unfilled_parts()[:_MAX_IOV]
                if not targets:
                    return True
            try:
                n = os.readv(fd, targets)
            except BlockingIOError:
                return False
            if n == 0:
                raise EOFError
            self._filled += n
            if self._sizes is None and self._filled == len(self._stage):
                self._advance_header()

    def _advance_header(self) -> None:
        if self._count is None:  # got the count: now read the sizes
            self._count = _U64.unpack(self._stage)[0]
            self._stage = bytearray(_U64.size * self._count)
        else:  # got the sizes: allocate the message's parts
            self._sizes = list(struct.unpack(f"!{self._count}Q", self._stage))
            self._parts = [np.empty(s, dtype=np.uint8) for s in self._sizes]
        self._filled = 0

    def _unfilled_parts(self) -> list[memoryview]:
        out, start = [], 0
        for part in self._parts:
            end = start + part.nbytes
            if self._filled < end:
                out.append(memoryview(part)[max(0, self._filled - start):])
            start = end
        return out

    def _finish(self) -> Any:
        parts = self._parts
        self._count, self._sizes, self._parts, self._filled = None, None, [], 0
        self._stage = bytearray(_U64.size)
        # The arrays in the batch are built on top of the parts' memory: no copy.
        return pickle.loads(parts[0], buffers=parts[1:])

    def close(self) -> None:
        self.conn.close()

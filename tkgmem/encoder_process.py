"""Question encodings in a helper process, so that they run beside the index reads instead of waiting on them.

Why: the numpy encoder (`numpy_encoder`) makes ~200 numpy calls per question, and each needs Python's GIL.
While another thread of the process runs Python (a search decoding rows, another API request), every one of
those calls waits for the GIL: one question's encoding went from 11 ms to 229 ms beside a busy Python thread,
and a search's encoding on a worker thread hid only 3.5 of its 11 ms behind the full-text read it overlaps.
A child process has its own GIL. It runs the same numpy code on the same weights, so it gives the same vectors.

Protocol, over the child's stdin and stdout: a request is a 4-byte little-endian length and a JSON list of
texts; the reply is a 4-byte length and the float32 rows. The child says it is ready with a fixed line and
the dimension.
It exits when its stdin closes, so it never outlives the parent, even one that was killed.

The child is started with `python -m tkgmem.encoder_process`, not `multiprocessing`: spawning would import
the parent's `__main__` again in the child, running a user's unguarded script twice.
"""

from __future__ import annotations

import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

import numpy as np

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # loading is ~1-2 s; a machine busy with an ingest can be much slower
REPLY_TIMEOUT = 10.0  # a question takes ~10 ms; no reply in this long means the child is stuck
_HEADER = struct.Struct("<I")
_READY = b"tkgmem-encoder\n"  # then the dimension: anything else on stdout is not our child speaking


class EncoderProcess:
    """A child process that encodes a few texts at a time. `encode` returns None while it is not (or no
    longer) able to: the caller then encodes in its own process. One request at a time; threads queue."""

    def __init__(self, model_dir: str) -> None:
        self.model_dir = model_dir
        self.dimension = 0
        self.served = 0  # requests answered by the child
        self._state = "idle"  # idle -> starting -> ready; failed or closed for good (no restart loop)
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self.owner = os.getpid()  # a forked copy of this object must not talk to its parent's child

    @property
    def mine(self) -> bool:
        return os.getpid() == self.owner

    @property
    def ready(self) -> bool:
        return self._state == "ready"

    @property
    def failed(self) -> bool:
        return self._state == "failed"

    def start(self) -> None:
        """Start the child on a background thread (loading takes a second or two); returns at once."""
        with self._lock:
            if self._state != "idle":
                return
            self._state = "starting"
        threading.Thread(target=self._start, name="tkgmem-encoder-start", daemon=True).start()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> bool:
        """Block until the child is ready or has failed (tests; a server's warm-up)."""
        deadline = time.monotonic() + timeout
        while self._state == "starting" and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.ready

    def encode(self, texts: Sequence[str]) -> np.ndarray | None:
        if not self.ready or not self.mine:
            return None
        payload = json.dumps(list(texts)).encode("utf-8")
        with self._lock:
            proc = self._proc
            if not self.ready or proc is None or proc.stdin is None or proc.stdout is None:
                return None
            try:
                # Raw writes and reads, one system call each way when the frame fits: each call gives up the
                # GIL, and getting it back costs up to 5 ms while another thread runs Python.
                _write_all(proc.stdin, _HEADER.pack(len(payload)) + payload)
                data = _read_frame(proc.stdout, REPLY_TIMEOUT)
                if len(data) != 4 * self.dimension * len(texts):
                    raise ValueError(f"{len(data)} bytes for {len(texts)} texts")
            except (OSError, ValueError) as exc:
                self._fail(f"it stopped answering ({exc})")
                return None
            self.served += 1
        return np.frombuffer(data, dtype=np.float32).reshape(len(texts), -1)

    def close(self) -> None:
        """Stop the child; later calls encode in this process."""
        with self._lock:
            proc, self._proc, self._state = self._proc, None, "closed"
        if proc is not None:
            _stop(proc)

    def _start(self) -> None:
        # The child imports what this process imports (tkgmem may be on sys.path without being installed).
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
        try:
            proc = subprocess.Popen([sys.executable, "-m", "tkgmem.encoder_process", self.model_dir],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    env=env)
        except OSError as exc:
            with self._lock:
                self._fail(f"it could not be started ({exc})")
            return
        try:
            assert proc.stdout is not None
            ready = _read_ready(proc.stdout.fileno())
            if not ready.startswith(_READY):
                raise ValueError(f"it printed {ready[:40]!r}")
            (dimension,) = _HEADER.unpack_from(ready, len(_READY))
        except (OSError, ValueError, struct.error) as exc:
            _stop(proc)
            with self._lock:
                self._fail(f"it did not load the model ({exc})")
            return
        with self._lock:
            if self._state != "starting":  # closed meanwhile
                _stop(proc)
                return
            self._proc, self.dimension, self._state = proc, dimension, "ready"

    def _fail(self, reason: str) -> None:
        """Called with the lock held."""
        log.warning("the question encoder process failed: %s; questions are encoded in this process from now on",
                    reason)
        self._state = "failed"
        proc, self._proc = self._proc, None
        if proc is not None:
            _stop(proc)


def _write_all(stream: IO[bytes], data: bytes) -> None:
    fd = stream.fileno()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_frame(stream: IO[bytes], timeout: float) -> bytes:
    """One length-prefixed frame from a pipe, waiting at most `timeout` for each chunk."""
    buffer = b""
    size = None
    while size is None or len(buffer) < _HEADER.size + size:
        buffer += _read_some(stream.fileno(), timeout)
        if size is None and len(buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack_from(buffer)
    if len(buffer) > _HEADER.size + size:
        raise ValueError("the reply was longer than it said")
    return buffer[_HEADER.size:]


def _read_some(fd: int, timeout: float) -> bytes:
    if not select.select([fd], [], [], timeout)[0]:
        raise OSError(f"no reply in {timeout:g} s")
    chunk = os.read(fd, 1 << 20)
    if not chunk:
        raise OSError("the process exited")
    return chunk


def _read_ready(fd: int) -> bytes:
    data = b""
    while len(data) < len(_READY) + _HEADER.size:
        data += _read_some(fd, START_TIMEOUT)
    return data


def _stop(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=2)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _serve(model_dir: str) -> int:
    """The child: load the model, say so, then answer requests until stdin closes."""
    from tkgmem.numpy_encoder import NumpyBertEncoder

    encoder = NumpyBertEncoder(model_dir)
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    out.write(_READY + _HEADER.pack(encoder.dimension))
    out.flush()
    while True:
        header = inp.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return 0
        texts = json.loads(inp.read(_HEADER.unpack(header)[0]))
        data = np.ascontiguousarray(encoder.encode(texts), dtype=np.float32).tobytes()
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()


if __name__ == "__main__":
    raise SystemExit(_serve(sys.argv[1]))


__all__ = ["EncoderProcess"]

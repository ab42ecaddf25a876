"""Encoding processes: a large batch of texts split over ``python -m shopmind.text.encode_worker``
processes, each loading the encoder by name and running it on one native thread.

Protocol over the worker's pipes: the parent writes one JSON list of texts per line to its stdin; the
worker answers each with an 8-byte header (rows, dimension: two little-endian int32) and the
rows × dimension little-endian float32 vectors on its stdout. A closed stdin ends the worker. Its
stderr is the parent's, so its errors reach the same log. A worker that ends early, answers wrongly
or does not answer a batch within ``timeout`` seconds raises RuntimeError (the cache then encodes
the rest in its own process).

Plain subprocesses rather than :mod:`multiprocessing`: a spawned multiprocessing child re-imports
the caller's main script, which runs an unguarded script twice and can loop forever.
"""

from __future__ import annotations

import json
import os
import select
import struct
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np

HEADER = struct.Struct("<ii")
TIMEOUT = 600.0  # seconds a worker may take to answer one batch (about 10 s for 256 texts on a busy core)


def _command(name: str, query: bool) -> list[str]:
    return [sys.executable, "-m", "shopmind.text.encode_worker", name, "query" if query else "passage"]


class WorkerPool:
    """``workers`` encoding processes for encoder ``name`` (query or passage encoding)."""

    def __init__(self, name: str, query: bool, workers: int, timeout: float = TIMEOUT) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cmd = _command(name, query)
        self.timeout = timeout
        self._procs: list[subprocess.Popen] = []
        try:
            for _ in range(workers):
                proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
                self._procs.append(proc)
        except OSError:
            self.close()
            raise

    def map(self, chunks: list[list[str]]) -> Iterator[np.ndarray]:
        """The vectors of each chunk, in order; the workers take the chunks in rounds, one each."""
        n = len(self._procs)
        for start in range(0, len(chunks), n):
            batch = chunks[start : start + n]
            for proc, chunk in zip(self._procs, batch, strict=False):
                proc.stdin.write(json.dumps(chunk, ensure_ascii=False).encode() + b"\n")
                proc.stdin.flush()
            for proc, chunk in zip(self._procs, batch, strict=False):
                deadline = time.monotonic() + self.timeout
                rows, dim = HEADER.unpack(_read(proc, HEADER.size, deadline))
                if rows != len(chunk):
                    raise RuntimeError(f"an encoding process answered {rows} vectors for {len(chunk)} texts")
                yield np.frombuffer(_read(proc, rows * dim * 4, deadline), dtype="<f4").reshape(rows, dim)

    def close(self) -> None:
        for proc in self._procs:
            if proc.stdin and not proc.stdin.closed:
                try:
                    proc.stdin.close()
                except OSError:
                    pass
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        self._procs = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read(proc: subprocess.Popen, size: int, deadline: float) -> bytes:
    """``size`` bytes of the worker's answer (read from the pipe itself, never through a buffer, so
    that waiting for more is a select on it); a worker that misses ``deadline`` is killed."""
    fd = proc.stdout.fileno()
    parts, got = [], 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            proc.kill()
            raise RuntimeError("an encoding process did not answer in time")
        data = os.read(fd, min(size - got, 1 << 20))
        if not data:
            raise RuntimeError(f"an encoding process ended early (exit code {proc.poll()})")
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def main(argv: list[str]) -> int:
    from shopmind.text.encoder import get_encoder

    name, kind = argv
    # the vectors get the pipe to themselves: anything else written to stdout goes to stderr
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    encoder = get_encoder(name)
    encode = encoder.encode_queries if kind == "query" else encoder.encode_passages
    for line in sys.stdin.buffer:
        texts = json.loads(line)
        vecs = np.ascontiguousarray(encode(texts), dtype="<f4")
        out.write(HEADER.pack(vecs.shape[0], vecs.shape[1]))
        out.write(vecs.tobytes())
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

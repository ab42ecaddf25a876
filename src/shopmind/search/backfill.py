"""Dense backfill: the vectors the product index asks for, filled off the request path.

:func:`backfill` does one step and returns how many vectors it set (0: nothing to do now); anything
can drive it — the :class:`Backfiller` thread a search service owns (started by the engine), or a
``dense:backfill`` job on a worker (:func:`backfill_job`). One step, in order of need:

1. **Fast cover**: when more than ``fast_above`` products wait for the slow preferred encoder, their
   vectors are first looked up among those already stored (another replica's, or this process's
   before a restart: 5,000 per step, no encoding); when none are, every live product is encoded at
   once by the fast encoder (the static word table, fitted on the catalog now) and that set serves
   queries. A static set is also re-covered (refitted) once the catalog has doubled since its fit.
2. **Waiting products** of the serving set: encoded by its encoder (static: all at once; a neural
   encoder: one batch).
3. **The preferred encoder behind a fast cover**: one batch into the staging set; when that set has a
   vector for every product it replaces the serving one.
4. **The second encoder's** waiting products, one batch.

Encoding happens outside the index's lock; the vectors are set under it only for slots that still
want one (a product changed or deleted meanwhile is skipped). With ``encode=False`` a step only takes
vectors that another process already put in the shared embedding cache (API replicas beside workers
that run ``dense:backfill``). Batches start at a random place among the waiting products, so replicas
that encode at the same time mostly encode different texts and then read each other's.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, islice
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.search.dense import STATIC

if TYPE_CHECKING:
    from shopmind.search.index import ProductIndex
    from shopmind.search.vectors import VectorIndex

log = logging.getLogger(__name__)
JOB_KIND = "dense:backfill"
STORED_BATCH = 5000  # waiting products looked up per step among the vectors already stored


@dataclass(frozen=True)
class BackfillConfig:
    """How the background backfill works."""

    batch: int = 256  # texts a neural encoder encodes per step (a step holds no lock while encoding)
    encode: bool = True  # encode here; False: only take vectors another process stored in the cache
    idle: float = 2.0  # seconds between looks while nothing is waiting (or, without encoding, found)


def backfill(
    index: ProductIndex,
    batch: int = 256,
    encode: bool = True,
    rng: random.Random | None = None,
    fast: bool = True,
) -> int:
    """One step of filling ``index``'s dense vectors (see the module docstring); returns vectors set.
    ``fast=False`` skips the fast cover (a caller that waits for the preferred encoder anyway)."""
    cfg, dense = index.config, index.dense
    if not cfg.dense:
        return 0
    quick = cfg.fast_encoder if fast and cfg.fast_encoder not in ("", cfg.encoder) else ""
    with index.lock:
        serving = dense.serving
        if serving is None:
            return 0
        slow_queue = bool(quick) and serving.encoder != quick and len(serving.wanted) > cfg.fast_above
        unfitted = serving.encoder == STATIC and (  # a static set is fitted on the catalog it covers
            serving.model is None or len(index) > 2 * max(dense.static_fitted_on, 1)
        )
    if slow_queue:  # vectors stored by another process (or before a restart) first, else the fast cover
        return fill(index, serving, STORED_BATCH, encode=False) or cover(index, quick)
    if unfitted:
        return cover(index, STATIC)
    if serving.wanted:
        return fill(index, serving, None if serving.encoder == STATIC else batch, encode, rng)
    if serving.encoder != cfg.encoder:
        staging = dense.staging or _stage(index, cfg.encoder)
        if staging.wanted:
            return fill(index, staging, batch, encode, rng)
        return _promote(index, staging)
    if dense.extra is not None and dense.extra.wanted:
        return fill(index, dense.extra, batch, encode, rng)
    return 0


def cover(index: ProductIndex, name: str) -> int:
    """Encode every live product with encoder ``name`` (static: fitted on them first) and serve that
    set; the preferred encoder's set, if it was serving, keeps filling behind it."""
    dense = index.dense
    t0 = time.perf_counter()
    with index.lock:
        slots = np.fromiter(index.slot_of.values(), dtype=np.int64, count=len(index.slot_of))
        texts = index.passage_texts(slots)
    new = dense.new_set(name)
    new.model = dense.fit_static(texts) if name == STATIC else None
    new.set(slots, dense.encode_passages(new, texts))  # the graph is built here, outside the lock
    with index.lock:
        live = np.array([index.ids[s] is not None for s in slots], dtype=bool)
        new.delete(slots[~live])  # changed or deleted meanwhile
        covered = set(slots.tolist())
        new.want([s for s in index.slot_of.values() if s not in covered])
        old = dense.serving
        if old is not None and old.encoder == index.config.encoder and dense.staging is None:
            dense.staging = old  # what the preferred encoder already filled is kept
        dense.serving, dense.static_fitted_on = new, len(texts)
    log.info("dense: %d products covered by %s in %.1f s", int(live.sum()), name, time.perf_counter() - t0)
    return int(live.sum())


def fill(
    index: ProductIndex,
    target: VectorIndex,
    limit: int | None,
    encode: bool = True,
    rng: random.Random | None = None,
) -> int:
    """Encode up to ``limit`` (None: all) of ``target``'s waiting products and set their vectors."""
    dense = index.dense
    with index.lock:
        if target not in dense.sets():
            return 0  # replaced meanwhile
        slots = _take(target.wanted, limit, rng)
        texts = index.passage_texts(slots)
    if encode:
        found = list(dense.encode_passages(target, texts))
    else:
        found = dense.lookup_passages(target, texts)
    with index.lock:
        keep = [i for i, s in enumerate(slots) if s in target.wanted and found[i] is not None]
        if keep:
            target.set(np.array([slots[i] for i in keep]), np.stack([found[i] for i in keep]))
    return len(keep)


def _take(wanted: dict[int, None], limit: int | None, rng: random.Random | None) -> list[int]:
    if limit is None or len(wanted) <= limit:
        return list(wanted)
    start = rng.randrange(len(wanted)) if rng is not None else 0
    return list(islice(chain(islice(wanted, start, None), wanted), limit))


def _stage(index: ProductIndex, name: str) -> VectorIndex:
    with index.lock:
        staging = index.dense.new_set(name)
        staging.want(list(index.slot_of.values()))
        index.dense.staging = staging
    log.info("dense: filling %s vectors for %d products behind the fast ones", name, len(staging.wanted))
    return staging


def _promote(index: ProductIndex, staging: VectorIndex) -> int:
    with index.lock:
        dense = index.dense
        if dense.staging is not staging or staging.wanted:
            return 0
        dense.serving, dense.staging = staging, None
    log.info("dense: %s vectors now serve (%d products)", staging.encoder, staging.live)
    return 1


class Backfiller:
    """A daemon thread that runs :func:`backfill` on one index until stopped, and measures its rate."""

    def __init__(self, index: ProductIndex, config: BackfillConfig | None = None) -> None:
        self.index = index
        self.config = config or BackfillConfig()
        self.filled = 0  # vectors set since the start
        self._steps: deque[tuple[float, int]] = deque()  # (when, vectors) over the last minute
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rng = random.Random()  # each process starts its batches elsewhere

    def start(self) -> Backfiller:
        if self.index.config.dense and (self._thread is None or not self._thread.is_alive()):
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="shopmind-backfill", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current step (a step encodes at most one batch)."""
        self._stop.set()
        self.index.dense.wanted.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def step(self, encode: bool | None = None, fast: bool = True) -> int:
        """One backfill step, counted in the rate."""
        encode = self.config.encode if encode is None else encode
        n = backfill(self.index, self.config.batch, encode, self._rng, fast)
        if n:
            now = time.monotonic()
            self.filled += n
            self._steps.append((now, n))
            while self._steps and self._steps[0][0] < now - 60.0:
                self._steps.popleft()
        return n

    def run_until_done(
        self, progress: Callable[..., Any] | None = None, encode: bool = True, fast: bool = True
    ) -> int:
        """Step until nothing is waiting (tests, the ``dense:backfill`` job); returns vectors set."""
        total = 0
        while (n := self.step(encode, fast)) > 0:
            total += n
            if progress is not None:
                progress(**self.index.dense.status(len(self.index)), filled=total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                n = self.step()
            except Exception:  # noqa: BLE001 - a failed step is retried after a pause, never fatal
                log.exception("dense backfill step failed")
                n = 0
            if n == 0:
                self.index.dense.wanted.wait(self.config.idle)
                self.index.dense.wanted.clear()

    def rate(self) -> float:
        """Vectors set per second over the last minute (0 when idle)."""
        steps = list(self._steps)
        if not steps or steps[-1][0] < time.monotonic() - 10.0:
            return 0.0
        span = max(time.monotonic() - steps[0][0], 1.0)
        return sum(n for _, n in steps) / span

    def status(self) -> dict[str, Any]:
        """Coverage of the index's vectors and the current rate."""
        out = self.index.dense.status(len(self.index))
        out.update(rate=round(self.rate(), 1), running=self.running, encodes=self.config.encode)
        return out


def backfill_job(backfiller: Callable[[], Backfiller]) -> Callable:
    """The handler of ``dense:backfill`` jobs: fill the (worker's) index with the preferred encoder until
    nothing waits (no fast cover: what matters is the shared cache every replica reads from)."""

    def run(job) -> dict[str, Any]:
        filler = backfiller()
        filled = filler.run_until_done(progress=job.update, encode=True, fast=False)
        return {"filled": filled, **filler.index.dense.status(len(filler.index))}

    return run

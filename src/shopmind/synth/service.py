"""Synthetic data as a service: fit a synthesizer on a store table (or a file), sample, report.

Artifacts live in ``<artifacts>/synth/<name>/<version>/`` (``name`` = the table, or the file's
stem); CURRENT names the version in service. A parent table with a child (customers → orders)
is fitted as one :class:`RelationalSynthesizer` so that sampled orders reference sampled customers.

Uses: cold-start augmentation (synthetic customers), safe sharing (``export``: no exact copies
of a real row, and rows closer to a real record than ``min_dcr`` dropped), load-test data
(``sample`` any number of rows, consistent keys).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind import artifacts
from shopmind.synth.relational import Relation, RelationalSynthesizer
from shopmind.synth.tabular import Progress, TabularGAN, TabularGANConfig

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store

log = logging.getLogger(__name__)
# primary keys of the store tables (regenerated, never learned)
KEYS = {"customers": "customer_id", "orders": "order_id", "products": "product_id", "events": "event_id"}
# the child tables the service knows how to attach to a parent
RELATIONS = {
    ("customers", "orders"): Relation("customers", "orders", "customer_id", "customer_id", "order_id"),
    ("customers", "events"): Relation("customers", "events", "customer_id", "customer_id", "event_id"),
}


def read_table(source: str, store: Store | None = None) -> tuple[str, pd.DataFrame]:
    """(name, frame) of a store table name or a CSV / Parquet / JSON Lines file path."""
    import pandas as pd

    path = Path(source)
    if path.suffix and path.exists():
        readers = {
            ".csv": pd.read_csv,
            ".parquet": pd.read_parquet,
            ".jsonl": lambda p: pd.read_json(p, lines=True),
        }
        if path.suffix not in readers:
            raise ValueError(f"{path}: expected .csv, .parquet or .jsonl")
        return path.stem.split(".")[0], readers[path.suffix](path)
    from shopmind.data import tables as T

    if source not in T.metadata.tables:
        raise ValueError(
            f"{source!r} is neither a file nor a store table ({', '.join(sorted(T.metadata.tables))})"
        )
    if store is None:
        raise ValueError("reading a store table needs a store")
    return source, store.frame(source)


def learnable(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a synthesizer can learn: nested values (dicts, lists) are left out."""
    keep = []
    for col in frame.columns:
        first = frame[col].dropna().head(1).tolist()
        if first and isinstance(first[0], dict | list | tuple | set | bytes):
            log.info("%s: nested values, not synthesised", col)
            continue
        keep.append(col)
    return frame[keep]


@dataclass
class Job:
    id: str
    name: str
    state: str = "queued"  # queued | running | done | failed
    epoch: int = 0
    epochs: int = 0
    losses: dict[str, float] = field(default_factory=dict)
    version: str | None = None
    error: str | None = None
    started: float = field(default_factory=time.time)


class SynthService:
    """Plain Python over the store and the artifacts folder; the CLI and the API call this."""

    def __init__(self, store: Store | None = None, root: str | Path | None = None) -> None:
        self.store, self.root = store, root
        self.jobs: dict[str, Job] = {}

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        source: str,
        *,
        child: str | None = None,
        config: TabularGANConfig | None = None,
        seed: int = 0,
        progress: Progress | None = None,
        publish: bool = True,
    ) -> Path:
        """Fit on ``source`` (and its ``child`` table), save a version, publish it; returns its folder."""
        name, frame = read_table(source, self.store)
        config = config or TabularGANConfig()
        if child:
            if (name, child) not in RELATIONS:
                raise ValueError(f"no known relation {name} -> {child}; known: {sorted(RELATIONS)}")
            _, child_frame = read_table(child, self.store)
            model: Any = RelationalSynthesizer(RELATIONS[(name, child)], config)
            model.fit(learnable(frame), learnable(child_frame), seed, progress)
            name = f"{name}+{child}"
        else:
            key = KEYS.get(name)
            frame = learnable(frame.drop(columns=[key]) if key in frame.columns else frame)
            model = TabularGAN(config).fit(frame, seed, progress)
        version = artifacts.new_version_dir(f"synth/{name}", "ctgan", self.root)
        model.save(version)
        info = {
            "name": name,
            "source": source,
            "child": child,
            "rows": len(frame),
            "seed": seed,
            "config": asdict(config),
            "fitted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (version / "fit.json").write_text(json.dumps(info, indent=1), encoding="utf-8")
        if publish:
            artifacts.publish(f"synth/{name}", version, self.root)
        log.info("synth %s: saved %s", name, version)
        return version

    def fit_async(self, source: str, **kwargs: Any) -> Job:
        """Start :meth:`fit` in a thread; poll :meth:`job` for its state."""
        job = Job(uuid.uuid4().hex[:12], source, epochs=(kwargs.get("config") or TabularGANConfig()).epochs)
        self.jobs[job.id] = job

        def tick(epoch: int, epochs: int, losses: dict[str, float]) -> None:
            job.epoch, job.epochs, job.losses = epoch, epochs, losses

        def run() -> None:
            job.state = "running"
            try:
                job.version = self.fit(source, progress=tick, **kwargs).name
                job.state = "done"
            except Exception as exc:  # noqa: BLE001 - reported through the job
                log.exception("synth fit %s failed", source)
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"

        threading.Thread(target=run, daemon=True, name=f"synth-{job.id}").start()
        return job

    def job(self, job_id: str) -> Job:
        if job_id not in self.jobs:
            raise KeyError(f"no synth job {job_id!r}")
        return self.jobs[job_id]

    # ------------------------------------------------------------------ sample
    def names(self) -> list[str]:
        base = artifacts.artifacts_root(self.root) / "synth"
        return sorted(p.parent.name for p in base.glob("*/CURRENT")) if base.is_dir() else []

    def model_dir(self, name: str) -> Path:
        path = artifacts.current(f"synth/{name}", self.root)
        if path is None:
            raise LookupError(
                f"no synthesizer for {name!r} yet (fitted: {', '.join(self.names()) or 'none'})"
            )
        return path

    def load(self, name: str) -> TabularGAN | RelationalSynthesizer:
        path = self.model_dir(name)
        kind = json.loads((path / "meta.json").read_text(encoding="utf-8"))["kind"]
        return RelationalSynthesizer.load(path) if kind == "relational" else TabularGAN.load(path)

    def sample(
        self, name: str, n: int, seed: int = 0, where: dict[str, Any] | None = None
    ) -> dict[str, pd.DataFrame]:
        """``n`` synthetic rows (for a relational model: ``n`` parents and their children) per table;
        ``where`` = {discrete column: value} keeps to rows with those values (a single-table model)."""
        model = self.load(name)
        if isinstance(model, RelationalSynthesizer):
            if where:
                raise ValueError(f"{name!r} is a parent+child model: conditions apply to single-table models")
            return model.sample(n, seed)
        frame = model.sample(n, seed, where=where)
        key = KEYS.get(name)
        if key:
            from shopmind.synth.relational import synthetic_keys

            frame.insert(0, key, synthetic_keys(name, n))
        return {name: frame}

    def export(
        self, name: str, n: int, real: pd.DataFrame, seed: int = 0, min_dcr: float = 0.0
    ) -> pd.DataFrame:
        """Rows safe to share: no exact copy of a row of ``real`` and none closer than ``min_dcr``."""
        from shopmind.synth.report import dcr, exact_copy_share

        frame = next(iter(self.sample(name, n, seed).values()))
        cols = [c for c in real.columns if c in frame.columns and c != KEYS.get(name)]
        if min_dcr > 0:
            frame = frame[dcr(real[cols], [frame[cols]], max_rows=len(frame))[0] >= min_dcr]
        assert exact_copy_share(real[cols], frame[cols]) == 0.0
        return frame.reset_index(drop=True)

    # ------------------------------------------------------------------ report
    def report(
        self, name: str, real: pd.DataFrame, *, n: int | None = None, seed: int = 0, plots: bool = True
    ) -> dict[str, Any]:
        """Score ``n`` samples against ``real``; writes report.json (+ PNGs) into the model's folder."""
        from shopmind.synth.report import evaluate

        path = self.model_dir(name)
        synth = next(iter(self.sample(name, n or len(real), seed).values()))
        cols = [c for c in real.columns if c in synth.columns and c != KEYS.get(name)]
        result = evaluate(learnable(real[cols]), synth[cols])
        if plots:
            from shopmind.synth.plots import plot_report

            result["plots"] = [p.name for p in plot_report(learnable(real[cols]), synth[cols], result, path)]
        (path / "report.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        return result

    def last_report(self, name: str) -> dict[str, Any] | None:
        path = self.model_dir(name) / "report.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

"""Synthetic data as a service: fit a synthesizer on a store table (or a file), sample, report.

Every fitted model is a version of kind ``synth/<name>`` in the :class:`~shopmind.artifacts.ArtifactStore`
(``name`` = the table, the file's stem, or ``parent+child``), saved and published through
:meth:`~shopmind.artifacts.ArtifactStore.save_version`; its ``meta.json`` holds the common fields
(config, data fingerprint, losses of the last epoch as metrics, seconds) and the fit's own
(``source``, ``child``, ``rows``, ``seed``). A parent table with a child (customers → orders) is
fitted as one :class:`~shopmind.synth.relational.RelationalSynthesizer` so that sampled orders
reference sampled customers. The class-conditional DCGAN is kind ``synth-images/<dataset>``.

Long fits run as jobs of the durable :class:`~shopmind.jobs.JobQueue` (kind ``synth:<name>``, one
at a time per name; the payload holds the fit's arguments, :meth:`SynthService.run_job` runs it in a
worker) with the epoch and losses as the job's progress.

Uses: cold-start augmentation (synthetic customers), safe sharing (``export``: no exact copies
of a real row, and rows closer to a real record than ``min_dcr`` dropped), load-test data
(``sample`` any number of rows, consistent keys).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore, read_meta
from shopmind.synth.image_service import IMAGE_DATASETS, EpochLog, ImageMethods  # noqa: F401
from shopmind.synth.sources import (  # the table helpers, also imported from here
    frame_fingerprint,
    learnable,
    parse_dates,
    read_table,
    synth_name,
    table_name,
)

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store
    from shopmind.jobs import Job, JobQueue
    from shopmind.synth.relational import RelationalSynthesizer
    from shopmind.synth.shop import ShopConfig
    from shopmind.synth.tabular import TabularGAN, TabularGANConfig

log = logging.getLogger(__name__)
# progress(epoch done (1-based), epochs, {"loss_g": …, "loss_d": …})
Progress = Callable[[int, int, dict[str, float]], None]
# primary keys of the store tables (regenerated, never learned)
KEYS = {"customers": "customer_id", "orders": "order_id", "products": "product_id", "events": "event_id"}
# the child tables the service knows how to attach to a parent: (parent, child) -> (parent key,
# the child's foreign key, the child's own key)
RELATIONS = {
    ("customers", "orders"): ("customer_id", "customer_id", "order_id"),
    ("customers", "events"): ("customer_id", "customer_id", "event_id"),
}


class SynthService(ImageMethods):
    """Plain Python over the store, the artifact store and the shared job queue; the CLI and the
    API call this."""

    def __init__(self, store: Store | None, artifacts: ArtifactStore, jobs: JobQueue | None = None) -> None:
        self.store, self.artifacts, self.jobs = store, artifacts, jobs
        if jobs is not None:  # an engine registers its own handler first; a bare queue runs ours
            jobs.register("synth:*", self.run_job, replace=False)

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
        synthesizer: str = "ctgan-style",
        report: bool = True,
    ) -> Path:
        """Fit on ``source`` (and its ``child`` table), save a version, publish it; returns its folder.

        ``synthesizer`` is a :data:`~shopmind.synth.SYNTHESIZERS` name for a single table; a
        parent+child pair is fitted as ctgan-style models joined by their key. With ``report`` the
        version's report (:mod:`shopmind.synth.fit_report`) is written into its folder as part of
        the fit."""
        from shopmind.synth import SYNTHESIZERS

        synth_cls = SYNTHESIZERS.get(synthesizer)
        if child and synthesizer != "ctgan-style":
            raise ValueError(f"a parent+child model is built from ctgan-style, not {synthesizer!r}")
        name, frame = read_table(source, self.store)
        config = config or synth_cls.Config()
        tracker = EpochLog(f"synth {synth_name(source, child)}", progress)
        t0 = time.perf_counter()
        if child:
            model, frame, fingerprint = self._fit_pair(name, frame, child, config, seed, tracker)
            name = f"{name}+{child}"
        else:
            key = KEYS.get(name)
            frame = learnable(frame.drop(columns=[key]) if key in frame.columns else frame)
            model = synth_cls(config).fit(frame, seed, tracker)
            fingerprint = frame_fingerprint(frame)
        path = self.artifacts.save_version(
            f"synth/{name}",
            "ctgan",
            model.save,
            config=asdict(config),
            metrics=tracker.losses,
            data_fingerprint=fingerprint,
            seconds=time.perf_counter() - t0,
            extra={
                "source": source,
                "child": child,
                "rows": len(frame),
                "seed": seed,
                "synthesizer": synthesizer,
            },
            publish=publish,
        )
        if report and (hasattr(model, "rules_") or hasattr(model, "parent_model_")):
            from shopmind.synth.fit_report import after_fit

            after_fit(model, [frame], path, seed)
        return path

    def _fit_pair(
        self, name: str, frame: pd.DataFrame, child: str, config: Any, seed: int, tracker: EpochLog
    ) -> tuple[Any, pd.DataFrame, str]:
        """(the fitted parent+child model, the parent frame, the data fingerprint)."""
        from shopmind.synth.relational import Relation, RelationalSynthesizer

        keys = _relation(name, child)
        _, child_frame = read_table(child, self.store)
        frame, child_frame = learnable(frame), learnable(child_frame)
        model = RelationalSynthesizer(Relation(name, child, *keys), config)
        model.fit(frame, child_frame, seed, tracker)
        return model, frame, frame_fingerprint(frame, child_frame)

    def fit_shop(
        self,
        *,
        config: ShopConfig | None = None,
        seed: int = 0,
        progress: Progress | None = None,
        publish: bool = True,
    ) -> Path:
        """Fit the whole shop (customers, orders with items and timelines, events; the catalog as it
        is) from the store; saved and published as ``synth/shop``."""
        from shopmind.synth.shop import SOURCES, ShopConfig, ShopSynthesizer

        if self.store is None:
            raise ValueError("fitting the shop needs a store")
        frames = {t: self.store.frame(t) for t in SOURCES}
        config = config or ShopConfig()
        tracker = EpochLog("synth shop", progress)
        t0 = time.perf_counter()
        model = ShopSynthesizer(config).fit(frames, seed, tracker)
        return self.artifacts.save_version(
            "synth/shop",
            "shop",
            model.save,
            config=asdict(config),
            metrics=tracker.losses,
            data_fingerprint=frame_fingerprint(*[learnable(f) for f in frames.values()]),
            seconds=time.perf_counter() - t0,
            extra={"source": "store", "rows": {t: len(f) for t, f in frames.items()}, "seed": seed},
            publish=publish,
        )

    def sample_shop(
        self, n_customers: int, seed: int = 0, chunk: int = 5000
    ) -> Iterator[dict[str, pd.DataFrame]]:
        """The published shop model's tables for ``n_customers`` customers, chunk by chunk."""
        return self.load("shop").sample(n_customers, seed, chunk)

    def fit_async(
        self,
        source: str,
        *,
        child: str | None = None,
        config: Any = None,
        seed: int = 0,
        publish: bool = True,
        synthesizer: str = "ctgan-style",
    ) -> Job:
        """Queue :meth:`fit` as a job (kind ``synth:<name>``); its progress holds ``epoch``, ``epochs``
        and ``losses``, its result ``name`` and ``version``. A fit of a name already queued or running
        raises :class:`~shopmind.jobs.JobBusyError`."""
        if self.jobs is None:
            raise RuntimeError("this synth service has no job queue")
        name = synth_name(source, child)
        if child:
            _relation(table_name(source), child)
        payload = {"source": source, "child": child, "config": None if config is None else asdict(config),
                   "seed": seed, "publish": publish, "synthesizer": synthesizer}  # fmt: skip
        return self.jobs.submit(f"synth:{name}", f"fit synthesizer {name}", payload, exclusive=True)

    def run_job(self, job: Job) -> dict[str, Any]:
        """Run a ``synth:<name>`` job (the handler a worker calls); an earlier attempt's complete
        version of this job is published instead of fitting again."""
        from shopmind.synth import SYNTHESIZERS

        p = job.payload
        name = synth_name(p["source"], p.get("child"))
        earlier = self.artifacts.saved_by_job(f"synth/{name}", job.job_id)
        if earlier is not None:
            if p.get("publish", True):
                self.artifacts.publish(f"synth/{name}", earlier)
            return {"name": name, "version": earlier.name, "retried": True}
        synthesizer = p.get("synthesizer", "ctgan-style")
        config = None if p.get("config") is None else SYNTHESIZERS.get(synthesizer).Config(**p["config"])

        def tick(epoch: int, total: int, losses: dict[str, float]) -> None:
            job.update(epoch=epoch, epochs=total, losses=losses)

        job.update(epoch=0, epochs=config.epochs if config is not None else None, losses={})
        version = self.fit(p["source"], child=p.get("child"), config=config, seed=p.get("seed", 0),
                           progress=tick, publish=p.get("publish", True),
                           synthesizer=synthesizer)  # fmt: skip
        return {"name": name, "version": version.name}

    def job(self, job_id: str) -> Job:
        """A synth job of the shared queue; KeyError when there is none with that id."""
        job = self.jobs.get(job_id) if self.jobs is not None else None
        if job is None or not job.kind.startswith("synth:"):
            raise KeyError(f"no synth job {job_id!r}")
        return job

    # ------------------------------------------------------------------ sample
    def names(self) -> list[str]:
        """Names with a published synthesizer."""
        return sorted(k.removeprefix("synth/") for k in self.artifacts.kinds() if k.startswith("synth/"))

    def model_dir(self, name: str) -> Path:
        path = self.artifacts.current(f"synth/{name}")
        if path is None:
            raise LookupError(
                f"no synthesizer for {name!r} yet (fitted: {', '.join(self.names()) or 'none'})"
            )
        return path

    def fit_info(self, name: str) -> dict[str, Any]:
        """The published version's meta (``source``, ``child``, ``rows``, ``seed``, config …); a
        ``fit.json`` in the version folder fills in the fields its meta lacks."""
        path = self.model_dir(name)
        info = read_meta(path)
        old = path / "fit.json"
        if old.is_file():
            for key, value in json.loads(old.read_text(encoding="utf-8")).items():
                info.setdefault(key, value)
        return info

    def load(self, name: str) -> TabularGAN | RelationalSynthesizer:
        """The published model of ``name``; a single-table model's class comes from the registry by
        the ``synthesizer`` saved in its meta (``ctgan-style`` when the meta names none)."""
        from shopmind.synth import SYNTHESIZERS
        from shopmind.synth.relational import RelationalSynthesizer

        path = self.model_dir(name)
        meta = read_meta(path)
        if "relation" in meta or meta.get("model") == "relational":
            return RelationalSynthesizer.load(path)
        if meta.get("model") == "shop":
            from shopmind.synth.shop import ShopSynthesizer

            return ShopSynthesizer.load(path)
        return SYNTHESIZERS.get(meta.get("synthesizer", "ctgan-style")).load(path)

    def sample(
        self, name: str, n: int, seed: int = 0, where: dict[str, Any] | None = None
    ) -> dict[str, pd.DataFrame]:
        """``n`` synthetic rows (for a relational model: ``n`` parents and their children) per table;
        ``where`` = {discrete column: value} keeps to rows with those values (a single-table model)."""
        from shopmind.synth.relational import RelationalSynthesizer, synthetic_keys

        model = self.load(name)
        if isinstance(model, RelationalSynthesizer) or hasattr(model, "models_"):
            if where:
                raise ValueError(f"{name!r} is a multi-table model: conditions apply to single-table models")
            if hasattr(model, "models_"):  # the whole shop: n customers with their orders and events
                import pandas as pd

                chunks = list(model.sample(n, seed))
                return {t: pd.concat([c[t] for c in chunks], ignore_index=True) for t in chunks[0]}
            return model.sample(n, seed)
        frame = model.sample(n, seed, where=where)
        key = KEYS.get(name)
        if key:
            frame.insert(0, key, synthetic_keys(name, n))
        return {name: frame}

    def export(
        self, name: str, n: int, real: pd.DataFrame, seed: int = 0, min_dcr: float = 0.0
    ) -> pd.DataFrame:
        """Rows safe to share: no exact copy of a row of ``real`` and none closer than ``min_dcr``."""
        from shopmind.synth.privacy import dcr, exact_copy_share

        frame = next(iter(self.sample(name, n, seed).values()))
        real = parse_dates(real)
        cols = [c for c in real.columns if c in frame.columns and c != KEYS.get(name)]
        if min_dcr > 0:
            frame = frame[dcr(real[cols], [frame[cols]], max_rows=len(frame))[0] >= min_dcr]
        if exact_copy_share(real[cols], frame[cols]) != 0.0:
            raise RuntimeError(f"{name}: a synthetic row equals a real one; nothing exported")
        return frame.reset_index(drop=True)

    # ------------------------------------------------------------------ report
    def report(
        self, name: str, real: pd.DataFrame, *, n: int | None = None, seed: int = 0, plots: bool = True
    ) -> dict[str, Any]:
        """Score ``n`` samples against ``real`` (with the model's rules; ``real`` may hold its
        training rows, so no hold-out measures); writes report.json (+ PNGs) into the model's folder."""
        from shopmind.synth.report import evaluate
        from shopmind.synth.report_text import explain

        path = self.model_dir(name)
        synth = next(iter(self.sample(name, n or len(real), seed).values()))
        real = parse_dates(real)
        cols = [c for c in real.columns if c in synth.columns and c != KEYS.get(name)]
        rules = getattr(self.load(name), "rules_", None)
        result = evaluate(learnable(real[cols]), synth[cols], rules=rules)
        result["summary"] = explain(result)
        if plots:
            from shopmind.synth.plots import plot_report

            result["plots"] = [p.name for p in plot_report(learnable(real[cols]), synth[cols], result, path)]
        (path / "report.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
        return result

    def last_report(self, name: str) -> dict[str, Any] | None:
        path = self.model_dir(name) / "report.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _relation(parent: str, child: str) -> tuple[str, str, str]:
    if (parent, child) not in RELATIONS:
        raise ValueError(f"no known relation {parent} -> {child}; known: {sorted(RELATIONS)}")
    return RELATIONS[(parent, child)]

"""Synthetic data as a service: fit a synthesizer on a store table (or a file), sample, report.

Every fitted model is a version of kind ``synth/<name>`` in the :class:`~shopmind.artifacts.ArtifactStore`
(``name`` = the table, the file's stem, or ``parent+child``), saved and published through
:meth:`~shopmind.artifacts.ArtifactStore.save_version`; its ``meta.json`` holds the common fields
(config, data fingerprint, losses of the last epoch as metrics, seconds) and the fit's own
(``source``, ``child``, ``rows``, ``seed``). A parent table with a child (customers → orders) is
fitted as one :class:`~shopmind.synth.relational.RelationalSynthesizer` so that sampled orders
reference sampled customers. The class-conditional DCGAN is kind ``synth-images/<dataset>``.

Long fits run as jobs on the shared :class:`~shopmind.jobs.JobRunner` (kind ``synth:<name>``, one
at a time per name) with the epoch and losses as the job's progress.

Uses: cold-start augmentation (synthetic customers), safe sharing (``export``: no exact copies
of a real row, and rows closer to a real record than ``min_dcr`` dropped), load-test data
(``sample`` any number of rows, consistent keys).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore, read_meta

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from shopmind.data.store import Store
    from shopmind.jobs import Job, JobRunner
    from shopmind.synth.image import DCGANConfig, ImageGAN
    from shopmind.synth.relational import RelationalSynthesizer
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
IMAGE_DATASETS = ("fashion-mnist",)  # data sets the image GAN can be fitted on
LOG_EVERY = 5.0  # seconds between two per-epoch log lines (the first and the last are always logged)


def table_name(source: str) -> str:
    """The synthesizer name of a store table or a file (its stem): ``data/people.csv`` -> ``people``."""
    path = Path(source)
    return path.stem.split(".")[0] if path.suffix else source


def synth_name(source: str, child: str | None = None) -> str:
    """The name a fit of ``source`` (and ``child``) is saved under: ``customers`` or ``customers+orders``."""
    name = table_name(source)
    return f"{name}+{table_name(child)}" if child else name


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
        return table_name(source), readers[path.suffix](path)
    from shopmind.data.store import Store

    tables = Store.table_names()
    if source not in tables:
        raise ValueError(f"{source!r} is neither a file nor a store table ({', '.join(tables)})")
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


def frame_fingerprint(*frames: pd.DataFrame) -> str:
    """A short hash of the columns and values of ``frames``, saved with the model it trained."""
    import pandas as pd

    h = hashlib.sha256()
    for frame in frames:
        h.update(json.dumps([str(c) for c in frame.columns]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


class EpochLog:
    """A progress callback that logs one line per epoch, at most every ``every`` seconds (the first
    and the last epoch always), passes each epoch on to ``then`` and keeps the last losses."""

    def __init__(self, label: str, then: Progress | None = None, every: float = LOG_EVERY) -> None:
        self.label, self.then, self.every = label, then, every
        self.losses: dict[str, float] = {}
        self._last = float("-inf")

    def __call__(self, epoch: int, epochs: int, losses: dict[str, float]) -> None:
        self.losses = dict(losses)
        now = time.monotonic()
        if epoch in (1, epochs) or now - self._last >= self.every:
            self._last = now
            text = "  ".join(f"{k} {v:+.4f}" for k, v in losses.items())
            log.info("%s: epoch %d/%d  %s", self.label, epoch, epochs, text)
        if self.then is not None:
            self.then(epoch, epochs, losses)


class SynthService:
    """Plain Python over the store, the artifact store and the shared job runner; the CLI and the
    API call this."""

    def __init__(self, store: Store | None, artifacts: ArtifactStore, jobs: JobRunner | None = None) -> None:
        self.store, self.artifacts, self.jobs = store, artifacts, jobs

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
    ) -> Path:
        """Fit on ``source`` (and its ``child`` table), save a version, publish it; returns its folder.

        ``synthesizer`` is a :data:`~shopmind.synth.SYNTHESIZERS` name for a single table; a
        parent+child pair is fitted as ctgan-style models joined by their key."""
        from shopmind.synth import SYNTHESIZERS

        synth_cls = SYNTHESIZERS.get(synthesizer)
        if child and synthesizer != "ctgan-style":
            raise ValueError(f"a parent+child model is built from ctgan-style, not {synthesizer!r}")
        name, frame = read_table(source, self.store)
        config = config or synth_cls.Config()
        tracker = EpochLog(f"synth {synth_name(source, child)}", progress)
        t0 = time.perf_counter()
        if child:
            from shopmind.synth.relational import Relation, RelationalSynthesizer

            keys = _relation(name, child)
            _, child_frame = read_table(child, self.store)
            frame, child_frame = learnable(frame), learnable(child_frame)
            model: Any = RelationalSynthesizer(Relation(name, child, *keys), config)
            model.fit(frame, child_frame, seed, tracker)
            fingerprint = frame_fingerprint(frame, child_frame)
            name = f"{name}+{child}"
        else:
            key = KEYS.get(name)
            frame = learnable(frame.drop(columns=[key]) if key in frame.columns else frame)
            model = synth_cls(config).fit(frame, seed, tracker)
            fingerprint = frame_fingerprint(frame)
        return self.artifacts.save_version(
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

    def fit_async(self, source: str, *, child: str | None = None, **kwargs: Any) -> Job:
        """Queue :meth:`fit` on the shared job runner (kind ``synth:<name>``); its progress holds
        ``epoch``, ``epochs`` and ``losses``, its result ``name`` and ``version``. A fit of a name
        already queued or running raises :class:`~shopmind.jobs.JobBusyError`."""
        if self.jobs is None:
            raise RuntimeError("this synth service has no job runner")
        name = synth_name(source, child)
        if child:
            _relation(table_name(source), child)
        config = kwargs.get("config")

        def run(job: Job) -> dict[str, Any]:
            def tick(epoch: int, total: int, losses: dict[str, float]) -> None:
                job.update(epoch=epoch, epochs=total, losses=losses)

            job.update(epoch=0, epochs=config.epochs if config is not None else None, losses={})
            version = self.fit(source, child=child, progress=tick, **kwargs)
            return {"name": name, "version": version.name}

        return self.jobs.submit(f"synth:{name}", f"fit synthesizer {name}", run, exclusive=True)

    def job(self, job_id: str) -> Job:
        """A synth job of the shared runner; KeyError when there is none with that id."""
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
        return SYNTHESIZERS.get(meta.get("synthesizer", "ctgan-style")).load(path)

    def sample(
        self, name: str, n: int, seed: int = 0, where: dict[str, Any] | None = None
    ) -> dict[str, pd.DataFrame]:
        """``n`` synthetic rows (for a relational model: ``n`` parents and their children) per table;
        ``where`` = {discrete column: value} keeps to rows with those values (a single-table model)."""
        from shopmind.synth.relational import RelationalSynthesizer, synthetic_keys

        model = self.load(name)
        if isinstance(model, RelationalSynthesizer):
            if where:
                raise ValueError(f"{name!r} is a parent+child model: conditions apply to single-table models")
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
        from shopmind.synth.report import dcr, exact_copy_share

        frame = next(iter(self.sample(name, n, seed).values()))
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

    # ------------------------------------------------------------------ images
    def fit_images(
        self,
        dataset: str = "fashion-mnist",
        *,
        part: str = "train_subset",
        config: DCGANConfig | None = None,
        seed: int = 0,
        progress: Progress | None = None,
        folder: str | Path | None = None,
        publish: bool = True,
    ) -> Path:
        """Fit the class-conditional DCGAN on ``dataset`` (its ``part``; ``folder`` overrides where
        the data set lies), save a version of ``synth-images/<dataset>``, publish it; returns its folder."""
        from shopmind.data.datasets import load_fashion_mnist
        from shopmind.synth.image import DCGANConfig, ImageGAN

        kind = _image_kind(dataset)
        images, labels = load_fashion_mnist(part, folder=Path(folder) if folder else None)
        config = config or DCGANConfig()
        tracker = EpochLog(f"dcgan {dataset}", progress)
        t0 = time.perf_counter()
        model = ImageGAN(config).fit(images, labels, seed=seed, progress=tracker)
        digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:16]
        return self.artifacts.save_version(
            kind,
            "dcgan",
            model.save,
            config=asdict(config),
            metrics=tracker.losses,
            data_fingerprint=digest,
            seconds=time.perf_counter() - t0,
            extra={"dataset": dataset, "part": part, "rows": len(images), "seed": seed},
            publish=publish,
        )

    def load_images(self, dataset: str = "fashion-mnist") -> ImageGAN:
        """The published image GAN of ``dataset``; LookupError when none was fitted."""
        from shopmind.synth.image import ImageGAN

        path = self.artifacts.current(_image_kind(dataset))
        if path is None:
            raise LookupError(f"no image GAN for {dataset!r} yet: run `shopmind synth images`")
        return ImageGAN.load(path)

    def sample_images(
        self,
        labels: np.ndarray | list[int] | None = None,
        *,
        dataset: str = "fashion-mnist",
        per_class: int = 10,
        seed: int = 0,
    ) -> np.ndarray:
        """uint8 images (N, 28, 28) of the published image GAN, one per label (default: ``per_class``
        of every class, class by class)."""
        import numpy as np

        model = self.load_images(dataset)
        if labels is None:
            labels = np.repeat(np.arange(model.config.n_classes), per_class)
        return model.sample(labels, seed=seed)

    def image_grid(
        self, out: str | Path, *, dataset: str = "fashion-mnist", per_class: int = 10, seed: int = 0
    ) -> Path:
        """A PNG grid of ``per_class`` samples of every class, one class per row; returns its path."""
        from shopmind.synth.image import save_grid

        return save_grid(self.sample_images(dataset=dataset, per_class=per_class, seed=seed), out, per_class)


def _relation(parent: str, child: str) -> tuple[str, str, str]:
    if (parent, child) not in RELATIONS:
        raise ValueError(f"no known relation {parent} -> {child}; known: {sorted(RELATIONS)}")
    return RELATIONS[(parent, child)]


def _image_kind(dataset: str) -> str:
    if dataset not in IMAGE_DATASETS:
        raise ValueError(f"unknown image data set {dataset!r}; known: {', '.join(IMAGE_DATASETS)}")
    return f"synth-images/{dataset}"

"""Serving the marketing models: the current data version, the published models, refits as jobs.

:class:`ServedModels` holds what the marketing service answers from:

- the shop's **data version** (purchases, labelled campaign rows, their fingerprint), reloaded when
  the cheap change check (the orders' count and latest time) moves or an outcome is recorded;
- the **published models** (kind ``marketing``, :mod:`shopmind.marketing.models`) in a
  :class:`~shopmind.artifacts.Hot` holder: loading never fits;
- **refits**: when the published version's fingerprint is not the current one (or nothing is
  published), :meth:`ServedModels.served` queues one ``train:marketing`` job on the job queue —
  exactly one per data version, even when it fails — and answers with what there is. With no job
  queue it fits in the caller only when ``MarketingConfig.fit_inline`` says so.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore, Hot, read_meta
from shopmind.data.store import NotFoundError
from shopmind.jobs import Job, JobBusyError, JobQueue
from shopmind.marketing.models import KIND, NAME, FitConfig, MarketingModels, data_fingerprint, fit_models
from shopmind.marketing.threads import limited_threads

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

    from shopmind.data.store import Store
    from shopmind.marketing.data import Purchases

log = logging.getLogger(__name__)

JOB_KIND = f"train:{KIND}"
FALLBACK = (
    "RFM, segments and profiles without CLV/churn (null); CLV, churn, campaign plans and the CLV, "
    "Qini and forecast charts answer 503 until the marketing models are fitted"
)


class ModelNotReadyError(RuntimeError):
    """An answer needs the fitted marketing models and none is published yet (HTTP 503)."""

    def __init__(self, message: str, job_id: str | None = None) -> None:
        super().__init__(message)
        self.job_id = job_id


@dataclass(frozen=True)
class MarketingConfig:
    """How the marketing service serves and fits (built by the engine from settings)."""

    threads: int = 1  # native (OpenMP/BLAS) threads of fits, k-means and predictions
    prior_lift: float = 0.2  # relative lift assumed before any campaign outcome exists
    as_of: datetime | None = None  # look at the shop as it was then (None: up to its last purchase)
    fit: FitConfig = field(default_factory=FitConfig)  # what a model version fits
    fit_inline: bool = False  # with no job queue: fit in the caller when the models are missing/stale


@dataclass
class DataVersion:
    """One version of the shop's data, as marketing reads it."""

    key: tuple  # the cheap change check (orders' count and latest time)
    purchases: Purchases
    labelled: pd.DataFrame  # campaign customers with recorded outcomes
    fingerprint: str  # what a model version must have been fitted on to be current
    fitted_on: dict[str, Any]


class ServedModels:
    """The data version and the published marketing models of one store (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        artifacts: ArtifactStore,
        jobs: JobQueue | None,
        config: MarketingConfig,
        orders_key: Callable[[], tuple],
    ) -> None:
        self.store, self.artifacts, self.jobs, self.config = store, artifacts, jobs, config
        self.orders_key = orders_key  # the cheap change check of the orders
        self.hot: Hot[MarketingModels] = Hot(KIND, MarketingModels.load, artifacts)
        self._lock = threading.Lock()  # the data version
        self._queue_lock = threading.Lock()  # one refit job per data version
        self._fit_lock = threading.Lock()  # one inline fit at a time
        self._data: DataVersion | None = None
        self._job: Job | None = None
        self._queued_for: str | None = None  # the data fingerprint the last job was queued for
        if jobs is not None:  # an engine registers its own handler first; a bare queue runs ours
            jobs.register(JOB_KIND, self._run, replace=False)

    # ------------------------------------------------------------------ data
    def data(self) -> DataVersion:
        """The shop's data now (reloaded when the orders changed or an outcome was recorded)."""
        from shopmind.marketing.campaigns import labelled_data
        from shopmind.marketing.data import load_purchases

        key = self.orders_key()
        with self._lock:
            if self._data is None or self._data.key != key:
                purchases = load_purchases(self.store, self.config.as_of)
                if purchases.orders.empty:
                    raise NotFoundError("the shop has no purchases yet: marketing needs orders")
                labelled = labelled_data(self.store, purchases)
                fingerprint, fitted_on = data_fingerprint(purchases, labelled)
                self._data = DataVersion(key, purchases, labelled, fingerprint, fitted_on)
            return self._data

    def invalidate(self) -> None:
        """Reload the data on the next call (e.g. after recording a campaign outcome)."""
        with self._lock:
            self._data = None

    # ------------------------------------------------------------------ models
    def served(self) -> tuple[DataVersion, MarketingModels | None]:
        """The current data and the published models (maybe stale); queues a refit when they differ."""
        data = self.data()
        models, _ = self.hot.get()
        if models is None or models.data_fingerprint != data.fingerprint:
            self._refit_for(data)
            if self.jobs is None and self.config.fit_inline:
                models, _ = self.hot.get()
        return data, models

    def ensure_fitted(self) -> Job | None:
        """Queue a refit when the published models are missing or stale; the refit job for the current
        data, or None when the models are current (or there is no job queue)."""
        data = self.data()
        models, _ = self.hot.get()
        if models is not None and models.data_fingerprint == data.fingerprint:
            return None
        return self._refit_for(data)

    def _refit_for(self, data: DataVersion) -> Job | None:
        if self.jobs is None:
            if self.config.fit_inline:
                with self._fit_lock:
                    models, _ = self.hot.get()
                    if models is None or models.data_fingerprint != data.fingerprint:
                        self.refit()
            return None
        with self._queue_lock:
            if self._queued_for == data.fingerprint and self._job is not None:
                return self._job  # queued, running, done or failed for this data: never a second job
            try:
                self._job = self.jobs.submit(JOB_KIND, "fit the marketing models", exclusive=True)
                self._queued_for = data.fingerprint
            except JobBusyError as exc:  # one is queued or running already (e.g. from the console)
                self._job = exc.job
            return self._job

    def _run(self, job: Job) -> dict[str, Any]:
        path = self.refit(job)
        return {"version": path.name, "metrics": read_meta(path).get("metrics", {})}

    def refit(self, job: Job | None = None) -> Path:
        """Fit every model on the current data, save a new ``marketing`` version and publish it."""

        def progress(step: str) -> None:
            log.info("marketing fit: %s", step)
            if job is not None:
                job.update(step=step)

        start = time.perf_counter()
        with limited_threads(self.config.threads):
            data = self.data()
            models = fit_models(data.purchases, data.labelled, self.config.fit, progress)
        models.fitted_on["orders_key"] = list(data.key)  # what status() compares without loading data
        path = self.artifacts.save_version(
            KIND,
            NAME,
            models.save,
            config=self.config.fit,
            metrics=models.metrics(),
            data_fingerprint=models.data_fingerprint,
            seconds=time.perf_counter() - start,
        )
        self.hot.get()  # load it now: the next request is served by it
        return path

    # ------------------------------------------------------------------ what answers say
    def _fresh_job(self) -> Job | None:
        """The last refit job, as the queue holds it now (a worker moves it on)."""
        job = self._job
        if job is not None and self.jobs is not None and job.status in ("queued", "running"):
            fresh = self.jobs.get(job.job_id)
            if fresh is not None:
                job.refresh(fresh)
        return job

    def job_line(self) -> str:
        """One line on the refit: queued, running, failed, or how to start one."""
        job = self._fresh_job()
        if job is not None and job.status in ("queued", "running"):
            return f"a refit is {job.status} (job {job.job_id}, {JOB_KIND})"
        if job is not None and job.status == "failed":
            return f"the refit failed (job {job.job_id}: {job.error})"
        if self.jobs is None and not self.config.fit_inline:
            return "fit them with `shopmind marketing fit`"
        return "a refit has been requested"

    def info(self, data: DataVersion, models: MarketingModels | None) -> dict[str, Any]:
        """What an answer was computed with: the version, what it was fitted on, whether that is stale."""
        if models is None:
            return {"model_version": None, "fitted_on": None, "stale": False, "serving": "fallback",
                    "note": f"no fitted marketing models yet: {self.job_line()}"}  # fmt: skip
        stale = models.data_fingerprint != data.fingerprint
        info = {"model_version": models.version, "fitted_on": models.fitted_on, "stale": stale,
                "serving": "model"}  # fmt: skip
        if stale:
            info["note"] = f"fitted on older data; {self.job_line()}"
        return info

    def require(self, models: MarketingModels | None) -> MarketingModels:
        """``models``, or ModelNotReadyError naming the refit when nothing is published."""
        if models is None:
            job = self._fresh_job()
            raise ModelNotReadyError(
                f"the marketing models (CLV, churn, uplift) are not fitted yet: {self.job_line()}; "
                "try again when it is done",
                job.job_id if job is not None else None,
            )
        return models

    def status(self) -> dict[str, Any]:
        """What serves marketing now (for /health and the admin console); never raises, never fits and
        never loads the purchases: staleness is exact once a request has loaded the current data, and
        otherwise judged by the orders' count and latest time the version was fitted at."""
        models, version = self.hot.get()
        out: dict[str, Any] = {"kind": KIND, "version": version, "serving": "model" if models else "fallback",
                               "fallback": FALLBACK, "stale": False}  # fmt: skip
        if models is not None:
            out["fitted_on"] = models.fitted_on
            try:
                key, data = self.orders_key(), self._data
                if data is not None and data.key == key:
                    out["stale"] = models.data_fingerprint != data.fingerprint
                else:
                    out["stale"] = models.fitted_on.get("orders_key") != list(key)
            except Exception as exc:  # noqa: BLE001 - a status report must not fail
                out["error"] = f"{type(exc).__name__}: {exc}"
        job = self._fresh_job()
        if job is not None:
            out["job"] = {"job_id": job.job_id, "status": job.status, "error": job.error}
        if self.hot.error:
            out["error"] = f"a version could not be loaded: {self.hot.error}"
        return out

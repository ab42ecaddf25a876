"""Trainable kinds and their versions: one table of what can be (re)trained, one way to run it.

Every kind that can be trained from the store's data — recommenders (``rec``), the assistant's NLU
(``nlu``), the marketing models (``marketing``) — is one :class:`Trainable` in the table that
:func:`trainers` builds for an engine: the model names it accepts and a function that trains and
publishes one version (always through :meth:`shopmind.artifacts.ArtifactStore.save_version`).
:class:`ModelService` queues a training as a durable job (kind ``train:<kind>``, payload: the model
name and its parameters; one job per kind at a time, across every process), runs such a job when a
worker hands it one, lists every kind's versions and publishes an older version back (roll back).
A retried training job (its worker died) publishes the version its earlier attempt saved, if it got
that far, instead of training a second one. Synthesizers are fitted per table through the synth
service, as jobs of the same queue; :func:`job_handlers` is the table of what a worker can run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore, Gate, read_meta
from shopmind.jobs import Handler, Job, JobQueue

if TYPE_CHECKING:
    from shopmind.engine import Engine

log = logging.getLogger(__name__)


class UnknownKindError(LookupError):
    """A kind that cannot be trained; the message lists the trainable kinds."""


class PublishRefusedError(RuntimeError):
    """A version the kind's quality gate refuses over the serving one (publish with force to serve it)."""


# The assistant's NLU is published only when its held-out in-scope intent accuracy is within 2% of the
# serving version's (the rec gate is recommend.train.GATE). Marketing has no gate: each version is a
# refit on the shop's current orders, which the service needs to follow; its metrics (log-likelihood,
# churn AUC) are measured on different data each time, so they cannot rank versions.
NLU_GATE = Gate("holdout_in_scope_accuracy", tolerance=0.02)


@dataclass(frozen=True)
class Trainable:
    """One trainable kind: the model names it accepts and how to train + publish one version."""

    kind: str
    names: Callable[[], list[str]]
    # (job, model, params, force) -> result: the version, its metrics, whether it was published and,
    # when the gate refused it, why (force publishes it anyway)
    train: Callable[[Job, str, dict[str, Any], bool], dict[str, Any]]
    description: str = ""
    gate: Gate | None = None  # what a new version must clear to replace the serving one


class ModelService:
    """Training jobs, versions and publishing for every trainable kind."""

    def __init__(self, artifacts: ArtifactStore, jobs: JobQueue, table: dict[str, Trainable]) -> None:
        self.artifacts, self.jobs, self.table = artifacts, jobs, table

    def trainable(self) -> dict[str, list[str]]:
        """kind -> the model names it accepts."""
        return {kind: t.names() for kind, t in self.table.items()}

    def train(self, kind: str, model: str, params: dict[str, Any] | None = None, force: bool = False) -> Job:
        """Queue a training of ``model`` for ``kind``, published when done if the kind's gate lets it
        (``force``: in any case); raises UnknownKindError, ValueError for an unknown model name,
        JobBusyError while one of that kind is queued/running."""
        spec = self.table.get(kind)
        if spec is None:
            raise UnknownKindError(f"no training for {kind!r}; trainable kinds: {', '.join(self.table)}")
        names = spec.names()
        if model not in names:
            raise ValueError(f"unknown {kind} model {model!r}; valid names: {', '.join(names)}")
        payload = {"model": model, "params": dict(params or {}), "force": bool(force)}
        return self.jobs.submit(f"train:{kind}", f"train {kind} with {model}", payload, exclusive=True)

    def run(self, job: Job) -> dict[str, Any]:
        """Run a ``train:<kind>`` job (the handler a worker calls): train, save and publish one version
        — or, when an earlier attempt of this job saved one already, publish that one."""
        kind = job.kind.removeprefix("train:")
        spec = self.table.get(kind)
        if spec is None:
            raise UnknownKindError(f"no training for {kind!r}; trainable kinds: {', '.join(self.table)}")
        force = bool(job.payload.get("force"))
        earlier = self.artifacts.saved_by_job(kind, job.job_id)
        if earlier is not None:
            refused = self.artifacts.publish_gated(kind, earlier, spec.gate, force)
            log.info("%s: version %s was saved by an earlier attempt of this job", kind, earlier.name)
            return {
                "version": earlier.name,
                "metrics": read_meta(earlier).get("metrics", {}),
                "retried": True,
                **published(refused),
            }
        model, params = job.payload.get("model", "default"), dict(job.payload.get("params") or {})
        return spec.train(job, model, params, force)

    def kinds(self) -> list[dict[str, Any]]:
        """Every kind with a published version: its versions (newest first) and the one in service."""
        out = []
        for kind in self.artifacts.kinds():
            live = self.artifacts.current(kind)
            out.append(
                {
                    "kind": kind,
                    "current": live.name if live else None,
                    "versions": self.artifacts.versions(kind),
                }
            )
        return out

    def publish(self, kind: str, version: str, force: bool = False) -> str:
        """Serve an existing version of ``kind`` (roll back); servers pick it up on their next request.

        A trainable kind's gate applies (PublishRefusedError when the version falls short of the
        serving one; ``force`` publishes it anyway). LookupError for an unknown version,
        InvalidNameError (a ValueError) for a kind or version that is not a name."""
        spec = self.table.get(kind)
        refused = self.artifacts.publish_gated(kind, version, spec.gate if spec else None, force)
        if refused is not None:
            raise PublishRefusedError(refused)
        return version


# ---------------------------------------------------------------------------- the tables
def job_handlers(engine: Engine) -> dict[str, Handler]:
    """What a worker over ``engine`` can run: each trainable kind's ``train:<kind>`` and the
    synthesizer fits ``synth:<name>``, resolved with the engine's own services."""

    def train(job: Job) -> dict[str, Any]:
        return engine.models.run(job)

    handlers: dict[str, Handler] = {f"train:{kind}": train for kind in trainers(engine)}
    handlers["synth:*"] = lambda job: engine.synth.run_job(job)
    return handlers


def trainers(engine: Engine) -> dict[str, Trainable]:
    """The trainable kinds of ``engine``'s shop (a new kind is one entry here)."""
    from shopmind.recommend.train import GATE as REC_GATE

    return {
        "rec": Trainable("rec", _rec_names,
                         lambda job, model, params, force: _train_rec(engine, model, params, force),
                         "recommenders (popular, item-kNN, BPR-MF, LightGCN, SASRec)", REC_GATE),
        "nlu": Trainable("nlu", lambda: ["shop"],
                         lambda job, model, params, force: _train_nlu(engine, params, force),
                         "the assistant's bilingual intents, out-of-scope and frustration model", NLU_GATE),
        "marketing": Trainable("marketing", lambda: ["default"],
                               lambda job, model, params, force: _train_marketing(engine, job),
                               "CLV (BG/NBD + Gamma-Gamma), churn and uplift models"),
    }  # fmt: skip


def _rec_names() -> list[str]:
    from shopmind.recommend.base import available

    return available()


def _train_rec(engine: Engine, model: str, params: dict[str, Any], force: bool) -> dict[str, Any]:
    from shopmind.recommend.train import train_and_publish

    result = train_and_publish(engine.store, model, params, engine.artifacts, force=force)
    return {
        "version": result.version_dir.name,
        "metrics": result.metrics,
        "seconds": result.seconds,
        **published(result.refused),
    }


def _train_nlu(engine: Engine, params: dict[str, Any], force: bool) -> dict[str, Any]:
    from shopmind.assistant.nlu.shop import ShopNLUConfig, train_and_publish_nlu

    s = engine.settings
    path = train_and_publish_nlu(
        engine.artifacts,
        ShopNLUConfig(**params),
        datasets_dir=s.datasets_dir,
        cache_path=s.var_dir / "cache" / "nlu-vectors.sqlite",
        publish=False,
    )
    refused = engine.artifacts.publish_gated("nlu", path, NLU_GATE, force)
    return {"version": path.name, "metrics": read_meta(path).get("metrics", {}), **published(refused)}


def _train_marketing(engine: Engine, job: Job) -> dict[str, Any]:
    path = engine.marketing.refit(job)
    return {"version": path.name, "published": True}


def published(refused: str | None) -> dict[str, Any]:
    """The part of a training job's result that says whether its version serves (and why not)."""
    return {"published": refused is None, **({"refused": refused} if refused else {})}

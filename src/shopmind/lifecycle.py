"""Trainable kinds and their versions: one table of what can be (re)trained, one way to run it.

Every kind that can be trained from the store's data — recommenders (``rec``), the assistant's NLU
(``nlu``), the marketing models (``marketing``) — is one :class:`Trainable` in the table that
:func:`trainers` builds for an engine: the model names it accepts and a function that trains and
publishes one version (always through :meth:`shopmind.artifacts.ArtifactStore.save_version`).
:class:`ModelService` runs a training as a background job on the engine's job runner (one job per
kind at a time), lists every kind's versions and publishes an older version back (roll back).
Synthesizers are fitted per table through the synth service, on the same job runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore
from shopmind.jobs import Job, JobRunner

if TYPE_CHECKING:
    from shopmind.engine import Engine


class UnknownKindError(LookupError):
    """A kind that cannot be trained; the message lists the trainable kinds."""


@dataclass(frozen=True)
class Trainable:
    """One trainable kind: the model names it accepts and how to train + publish one version."""

    kind: str
    names: Callable[[], list[str]]
    train: Callable[[Job, str, dict[str, Any]], dict[str, Any]]  # (job, model, params) -> result
    description: str = ""


class ModelService:
    """Training jobs, versions and publishing for every trainable kind."""

    def __init__(self, artifacts: ArtifactStore, jobs: JobRunner, table: dict[str, Trainable]) -> None:
        self.artifacts, self.jobs, self.table = artifacts, jobs, table

    def trainable(self) -> dict[str, list[str]]:
        """kind -> the model names it accepts."""
        return {kind: t.names() for kind, t in self.table.items()}

    def train(self, kind: str, model: str, params: dict[str, Any] | None = None) -> Job:
        """Queue a training of ``model`` for ``kind`` (published when done); raises UnknownKindError,
        ValueError for an unknown model name, JobBusyError while one of that kind is queued/running."""
        spec = self.table.get(kind)
        if spec is None:
            raise UnknownKindError(f"no training for {kind!r}; trainable kinds: {', '.join(self.table)}")
        names = spec.names()
        if model not in names:
            raise ValueError(f"unknown {kind} model {model!r}; valid names: {', '.join(names)}")
        params = dict(params or {})
        return self.jobs.submit(
            f"train:{kind}", f"train {kind} with {model}", lambda job: spec.train(job, model, params),
            exclusive=True,
        )  # fmt: skip

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

    def publish(self, kind: str, version: str) -> str:
        """Serve an existing version of ``kind`` (roll back); servers pick it up on their next request."""
        try:
            return self.artifacts.publish(kind, version).name
        except ValueError as exc:  # an invalid kind name
            raise LookupError(f"{kind} has no version {version!r}") from exc


# ---------------------------------------------------------------------------- the table
def trainers(engine: Engine) -> dict[str, Trainable]:
    """The trainable kinds of ``engine``'s shop (a new kind is one entry here)."""
    return {
        "rec": Trainable("rec", _rec_names, lambda job, model, params: _train_rec(engine, model, params),
                         "recommenders (popular, item-kNN, BPR-MF, LightGCN, SASRec)"),
        "nlu": Trainable("nlu", lambda: ["shop"], lambda job, model, params: _train_nlu(engine, params),
                         "the assistant's bilingual intents, out-of-scope and frustration model"),
        "marketing": Trainable("marketing", lambda: ["default"],
                               lambda job, model, params: _train_marketing(engine, job),
                               "CLV (BG/NBD + Gamma-Gamma), churn and uplift models"),
    }  # fmt: skip


def _rec_names() -> list[str]:
    from shopmind.recommend.base import available

    return available()


def _train_rec(engine: Engine, model: str, params: dict[str, Any]) -> dict[str, Any]:
    from shopmind.recommend.train import train_and_publish

    result = train_and_publish(engine.store, model, params, engine.artifacts)
    return {"version": result.version_dir.name, "metrics": result.metrics, "seconds": result.seconds}


def _train_nlu(engine: Engine, params: dict[str, Any]) -> dict[str, Any]:
    from shopmind.assistant.nlu.shop import ShopNLUConfig, train_and_publish_nlu

    s = engine.settings
    path = train_and_publish_nlu(
        engine.artifacts,
        ShopNLUConfig(**params),
        datasets_dir=s.datasets_dir,
        cache_path=s.var_dir / "cache" / "nlu-vectors.sqlite",
    )
    return {"version": path.name, "metrics": engine.artifacts.versions("nlu")[0].get("metrics", {})}


def _train_marketing(engine: Engine, job: Job) -> dict[str, Any]:
    path = engine.marketing.refit(job)
    return {"version": path.name}

"""What the admin console needs beyond the data routers: activity, rejects, models, training jobs.

All admin key. Training runs as a job of the durable queue in the store (``POST
/admin/models/{kind}/retrain`` answers 202 with the job), run by a worker in any process; the console
polls ``GET /admin/jobs/{job_id}`` — answered from the store, so by any replica — for its status,
progress and log lines. Synthesizer fits (``POST /synth/fit``) are jobs of the same queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api.deps import EngineDep, ModelsDep, StoreDep, admin
from shopmind.api.routers.common import IdPath
from shopmind.api.schemas import BODY, INPUT, KEYED, Job, Open, errors
from shopmind.artifacts import KIND_PATTERN, NAME_PATTERN
from shopmind.data.store import NotFoundError
from shopmind.jobs import JobBusyError
from shopmind.lifecycle import PublishRefusedError, UnknownKindError

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin], responses=KEYED)

# An artifact kind in the path: a name, or a name/name (synth/customers) — never a file path.
KindPath = Annotated[str, PathParam(pattern=KIND_PATTERN, description="e.g. rec, nlu, synth/customers")]
FORCE = "Publish even if its validation metric falls short of the serving version's (the kind's gate)"


class Rejects(BaseModel):
    run_id: str
    path: str = Field(description="The rejects CSV file")
    columns: list[str] = Field(
        description="The CSV's header: line, row, field, reason, neutralised, raw and the record's columns"
    )
    rows: list[list[str]] = Field(description="The first rejected rows, as CSV cells")
    total: int = Field(description="Rows the run rejected in all")


class ActivityDay(BaseModel):
    """One day: ``day`` and the number of events of each type that occurred (types with none left out)."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, int] = Field(init=False)
    day: str = Field(description="YYYY-MM-DD")


class Activity(BaseModel):
    days: list[ActivityDay] = Field(description="In day order, up to the newest event")
    orders_by_status: dict[str, int]


class ArtifactVersion(Open):
    """A saved version and its metadata (further keys a model kind saves pass through)."""

    version: str
    current: bool = Field(description="This version serves")
    model: str | None = Field(None, description="The model's name, e.g. itemknn")
    kind: str | None = None
    name: str | None = None
    created_at: str | None = None
    code_version: str | None = None
    config: dict[str, Any] | None = Field(None, description="The resolved config it was trained with")
    data_fingerprint: str | None = Field(None, description="Identifies the data it was trained on")
    metrics: dict[str, Any] | None = Field(None, description="Evaluation metrics by name")
    seconds: float | None = Field(None, description="Training time")


class ArtifactKind(BaseModel):
    kind: str = Field(description="e.g. rec, nlu, marketing, synth/customers")
    current: str | None = Field(description="The version in service")
    versions: list[ArtifactVersion] = Field(description="Newest first")


class Models(BaseModel):
    kinds: list[ArtifactKind]
    retrainable: dict[str, list[str]] = Field(description="Trainable kinds and the model names each accepts")


class Published(BaseModel):
    kind: str
    current: str = Field(description="The version now in service")


# ---------------------------------------------------------------------------- data
@router.get("/ingest-runs/{run_id}/rejects", response_model=Rejects, responses=errors(404, 422))
def rejects(run_id: IdPath, store: StoreDep, limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
    """The first rejected rows of an ingestion run, with line, row number, field and reason; a cell
    over 2,000 characters is cut (with a marker), bytes that were not valid text show as ``\\xNN``."""
    from shopmind.data.ingest_rejects import read_rejects

    run = store.ingest_run(run_id)
    path = Path(run["rejects_path"] or "")
    if not run["rejects_path"] or not path.is_file():
        raise NotFoundError(f"ingest run {run_id!r} has no rejects file")
    columns, rows = read_rejects(path, limit)
    return {
        "run_id": run_id,
        "path": str(path),
        "columns": columns,
        "rows": rows,
        "total": run["rows_rejected"],
    }


@router.get("/activity", response_model=Activity, responses=INPUT)
def activity(store: StoreDep, days: int = Query(60, ge=1, le=730)) -> dict[str, Any]:
    """Events per day and type over the last ``days`` of activity, and orders per status."""
    return {"days": store.events_per_day(days), "orders_by_status": store.order_status_counts()}


# ---------------------------------------------------------------------------- models
@router.get("/models", response_model=Models, response_model_exclude_unset=True)
def models(service: ModelsDep) -> dict[str, Any]:
    """Every artifact kind with its versions (newest first), their metrics, and which one serves; and
    the kinds that can be trained here with their model names."""
    return {"kinds": service.kinds(), "retrainable": service.trainable()}


@router.post("/models/{kind}/retrain", status_code=202, response_model=Job, responses=BODY | errors(404, 409))
def retrain(
    kind: KindPath,
    service: ModelsDep,
    model: str = Body(..., embed=True, max_length=128, description="Model name, e.g. itemknn"),
    params: dict[str, Any] = Body(default_factory=dict, embed=True, description="Model config overrides"),
    force: bool = Body(False, embed=True, strict=True, description=FORCE),
) -> dict[str, Any]:
    """Train ``model`` on the store's data in the background and publish it if it clears the kind's
    quality gate (or with ``force``); poll the returned job: its result says ``published`` and, when
    the gate refused the new version, why (the version is kept and can be published with force).
    404 for a kind that cannot be trained or a model name it does not have."""
    if kind in service.table and model not in service.table[kind].names():
        names = ", ".join(service.table[kind].names())
        raise NotFoundError(f"no {kind} model {model!r}; valid names: {names}")
    try:
        return service.train(kind, model, params, force=force).to_dict()
    except UnknownKindError as exc:
        raise NotFoundError(str(exc)) from exc
    except ValueError as exc:  # parameters the model's config does not take
        raise HTTPException(422, str(exc)) from exc
    except JobBusyError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/models/{kind:path}/publish", response_model=Published, responses=BODY | errors(404, 409))
def publish(
    kind: KindPath,
    service: ModelsDep,
    version: str = Body(..., embed=True, pattern=NAME_PATTERN, description="A version of the kind"),
    force: bool = Body(False, embed=True, strict=True, description=FORCE),
) -> dict[str, Any]:
    """Serve an existing version of ``kind`` (e.g. roll back); servers pick it up on their next request.
    A trainable kind's gate applies: 409 with the reason when the version's validation metric falls
    short of the serving one's, unless ``force``."""
    try:
        return {"kind": kind, "current": service.publish(kind, version, force=force)}
    except PublishRefusedError as exc:
        raise HTTPException(409, str(exc)) from exc
    except LookupError as exc:
        raise NotFoundError(str(exc)) from exc


@router.get("/jobs", response_model=list[Job])
def list_jobs(engine: EngineDep) -> list[dict[str, Any]]:
    """Background jobs (training, synthesizer fits), newest first."""
    return [j.to_dict() for j in engine.jobs.list()]


@router.get("/jobs/{job_id}", response_model=Job, responses=errors(404, 422))
def get_job(job_id: IdPath, engine: EngineDep) -> dict[str, Any]:
    """One job: status, progress, log lines, result or error."""
    job = engine.jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"job {job_id!r} not found (the store keeps the last finished jobs only)")
    return job.to_dict()

"""What the admin console needs beyond the data routers: activity, rejects, models, training jobs.

All admin key. Training runs as a background job on the engine's job runner (``POST
/admin/models/{kind}/retrain`` answers 202 with the job); the console polls ``GET /admin/jobs/{job_id}``
for its status, progress and log lines. Synthesizer fits (``POST /synth/fit``) are jobs of the same runner.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Body, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api.deps import EngineDep, ModelsDep, StoreDep, admin
from shopmind.api.schemas import Job, Open
from shopmind.data.store import NotFoundError
from shopmind.jobs import JobBusyError
from shopmind.lifecycle import UnknownKindError

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin])


class Rejects(BaseModel):
    run_id: str
    path: str = Field(description="The rejects CSV file")
    columns: list[str] = Field(description="The CSV's header: row, field, reason and the record's columns")
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
@router.get("/ingest-runs/{run_id}/rejects", response_model=Rejects)
def rejects(run_id: str, store: StoreDep, limit: int = Query(50, ge=1, le=1000)) -> dict[str, Any]:
    """The first rejected rows of an ingestion run, with row number, field and reason."""
    run = store.ingest_run(run_id)
    path = Path(run["rejects_path"] or "")
    if not run["rejects_path"] or not path.is_file():
        raise NotFoundError(f"ingest run {run_id!r} has no rejects file")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        columns = next(reader, [])
        rows = [row for _, row in zip(range(limit), reader, strict=False)]
    return {
        "run_id": run_id,
        "path": str(path),
        "columns": columns,
        "rows": rows,
        "total": run["rows_rejected"],
    }


@router.get("/activity", response_model=Activity)
def activity(store: StoreDep, days: int = Query(60, ge=1, le=730)) -> dict[str, Any]:
    """Events per day and type over the last ``days`` of activity, and orders per status."""
    return {"days": store.events_per_day(days), "orders_by_status": store.order_status_counts()}


# ---------------------------------------------------------------------------- models
@router.get("/models", response_model=Models, response_model_exclude_unset=True)
def models(service: ModelsDep) -> dict[str, Any]:
    """Every artifact kind with its versions (newest first), their metrics, and which one serves; and
    the kinds that can be trained here with their model names."""
    return {"kinds": service.kinds(), "retrainable": service.trainable()}


@router.post("/models/{kind}/retrain", status_code=202, response_model=Job)
def retrain(
    kind: str,
    service: ModelsDep,
    model: str = Body(..., embed=True, description="Model name, e.g. itemknn"),
    params: dict[str, Any] = Body(default_factory=dict, embed=True, description="Model config overrides"),
) -> dict[str, Any]:
    """Train ``model`` on the store's data in the background and publish it; poll the returned job."""
    try:
        return service.train(kind, model, params).to_dict()
    except UnknownKindError as exc:
        raise NotFoundError(str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    except JobBusyError as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/models/{kind:path}/publish", response_model=Published)
def publish(kind: str, service: ModelsDep, version: str = Body(..., embed=True)) -> dict[str, Any]:
    """Serve an existing version of ``kind`` (e.g. roll back); servers pick it up on their next request."""
    try:
        return {"kind": kind, "current": service.publish(kind, version)}
    except LookupError as exc:
        raise NotFoundError(str(exc)) from exc


@router.get("/jobs", response_model=list[Job])
def list_jobs(engine: EngineDep) -> list[dict[str, Any]]:
    """Background jobs (training, synthesizer fits), newest first."""
    return [j.to_dict() for j in engine.jobs.list()]


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(job_id: str, engine: EngineDep) -> dict[str, Any]:
    """One job: status, progress, log lines, result or error."""
    job = engine.jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"job {job_id!r} not found (the server keeps the last jobs only)")
    return job.to_dict()

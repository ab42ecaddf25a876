"""Synthetic data (admin key): start a fit, follow it, sample rows, read the last report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from shopmind.api.deps import SynthDep, admin
from shopmind.api.schemas import Job, Open
from shopmind.jobs import JobBusyError

router = APIRouter(prefix="/synth", tags=["synthetic data"], dependencies=[admin])
MAX_ROWS = 10_000


class FitRequest(BaseModel):
    table: str = Field(description="Store table: customers, orders, events, products")
    child: str | None = Field(None, description="Child table fitted with it (customers + orders)")
    epochs: int = Field(300, ge=1, le=5000)
    batch_size: int = Field(500, ge=10, le=10_000, multiple_of=10)
    seed: int = 0


class SampleRequest(BaseModel):
    name: str = Field(description="Fitted synthesizer, e.g. customers or customers+orders")
    n: int = Field(100, ge=1, le=MAX_ROWS)
    seed: int = 0
    where: dict[str, str | int | float | bool] | None = Field(
        None, description='Only rows with these values of discrete columns, e.g. {"Revenue": true}'
    )


class Synthesizer(BaseModel):
    name: str = Field(description="e.g. customers or customers+orders")
    version: str = Field(description="The version in service")


class RowCounts(BaseModel):
    real: int
    synthetic: int


class Report(Open):
    """Fidelity and privacy of a synthesizer's samples against the real table."""

    rows: RowCounts
    quality_score: float = Field(description="Mean of column_shapes and column_pairs (1 = same)")
    column_shapes: float = Field(description="Mean per-column distribution similarity")
    column_pairs: float = Field(description="Mean similarity of column pair correlations")
    per_column: dict[str, float] = Field(description="Distribution similarity by column")
    privacy: dict[str, float] = Field(
        description="exact_copy_share and distances to the closest real row (dcr_median, dcr_p05 …)"
    )
    ml_utility: dict[str, Any] | None = Field(
        None, description="Classifier scores trained on real vs synthetic rows (with a label column)"
    )
    plots: list[str] | None = Field(None, description="Chart files written beside the report")


@router.post("/fit", status_code=status.HTTP_202_ACCEPTED, response_model=Job)
def fit(body: FitRequest, service: SynthDep) -> dict[str, Any]:
    """Queue a fit on the server's job runner (202 with the job); poll ``GET /synth/jobs/{job_id}``.
    409 while a fit of the same synthesizer is queued or running."""
    from shopmind.data.store import Store
    from shopmind.synth.tabular import TabularGANConfig

    for t in filter(None, (body.table, body.child)):
        if t not in Store.table_names():
            raise HTTPException(422, f"unknown table {t!r}")
    cfg = TabularGANConfig(epochs=body.epochs, batch_size=body.batch_size)
    try:
        job = service.fit_async(body.table, child=body.child, config=cfg, seed=body.seed)
    except JobBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ValueError as exc:  # a child table the service cannot attach to this parent
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return job.to_dict()


@router.get("/jobs/{job_id}", response_model=Job)
def job(job_id: str, service: SynthDep) -> dict[str, Any]:
    """A fit job (the shape of ``GET /admin/jobs/{job_id}``): ``status`` queued, running (``progress``:
    epoch, epochs, losses), done (``result``: name, version) or failed (``error``)."""
    try:
        return service.job(job_id).to_dict()
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no synth job {job_id!r}") from exc


@router.get("/models", response_model=list[Synthesizer])
def models(service: SynthDep) -> list[dict[str, Any]]:
    """Fitted synthesizers with the version in service."""
    return [{"name": n, "version": service.model_dir(n).name} for n in service.names()]


@router.post(
    "/sample",
    response_model=dict[str, list[dict[str, Any]]],
    responses={
        200: {"description": "Synthetic rows by table name, each row a record of the table's columns"}
    },
)
def sample(body: SampleRequest, service: SynthDep) -> dict[str, Any]:
    """Synthetic rows per table (e.g. cold-start customers, or customers with their orders)."""
    import json

    try:
        frames = service.sample(body.name, body.n, body.seed, where=body.where)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ValueError as exc:  # a condition the model cannot meet
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return {t: json.loads(f.to_json(orient="records", date_format="iso")) for t, f in frames.items()}


@router.get("/report/{name}", response_model=Report, response_model_exclude_unset=True)
def report(name: str, service: SynthDep) -> dict[str, Any]:
    """The last report written by ``shopmind synth report`` (or the benchmark) for this synthesizer."""
    try:
        result = service.last_report(name)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    if result is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no report for {name!r} yet: run `shopmind synth report`"
        )
    return result

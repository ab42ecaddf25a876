"""Synthetic data (admin key): start a fit, follow it, sample rows, read the last report."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, status
from pydantic import BaseModel, Field, StringConstraints

from shopmind.api.deps import SynthDep, admin
from shopmind.api.routers.common import IdPath
from shopmind.api.schemas import BODY, KEYED, Job, Open, errors
from shopmind.artifacts import NAME_PATTERN
from shopmind.data.schema import LINE_PATTERN, Input
from shopmind.jobs import JobBusyError

router = APIRouter(prefix="/synth", tags=["synthetic data"], dependencies=[admin], responses=KEYED)
MAX_ROWS = 10_000
SynthName = Annotated[str, Path(pattern=NAME_PATTERN, description="e.g. customers or customers+orders")]


class FitOptions(Input):
    epochs: int = Field(
        300, ge=1, le=5000, description="At most this many epochs (held-out checks stop earlier)"
    )
    batch_size: int = Field(500, ge=10, le=10_000, multiple_of=10)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    label: str | None = Field(
        None,
        max_length=200,
        pattern=LINE_PATTERN,
        description="Column a model trained on the sample will predict (e.g. status)",
    )
    constraints: list[Annotated[str, StringConstraints(max_length=500, pattern=LINE_PATTERN)]] = Field(
        [],
        max_length=50,
        description='Declared rules, e.g. ["country -> city", "total >= 0"] (see docs/synth.md)',
    )
    dp_epsilon: float | None = Field(
        None, gt=0, le=100, description="Train the critic with differential privacy for this ε"
    )


class CustomersFit(FitOptions):
    """Customers, alone or with a child table fitted with them."""

    table: Literal["customers"] = Field(description="The store table")
    child: Literal["orders", "events"] | None = Field(None, description="The customers' orders or events")


class TableFit(FitOptions):
    """A table fitted alone."""

    table: Literal["orders", "events", "products"] = Field(description="The store table")
    child: None = Field(None, description="Only customers have a child table")


FitRequest = CustomersFit | TableFit  # told apart by `table`


class SampleRequest(Input):
    name: str = Field(
        pattern=NAME_PATTERN, description="Fitted synthesizer, e.g. customers or customers+orders"
    )
    n: int = Field(100, ge=1, le=MAX_ROWS)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    where: dict[str, str | int | float | bool] | None = Field(
        None, description='Only rows with these values of discrete columns, e.g. {"Revenue": true}'
    )


class Synthesizer(BaseModel):
    name: str = Field(description="e.g. customers or customers+orders")
    version: str = Field(description="The version in service")


class RowCounts(BaseModel):
    real: int
    synthetic: int
    holdout: int = Field(0, description="Real rows never trained on: the privacy and utility hold-out")


class Finding(BaseModel):
    topic: str = Field(description="e.g. resemblance, usefulness, rules, formats, membership")
    verdict: Literal["good", "fair", "poor"]
    en: str
    zh: str


class ColumnView(BaseModel):
    kind: Literal["numeric", "datetime", "category"]
    labels: list[str] = Field(description="Bins (their lower edge) or categories")
    real: list[float] = Field(description="Share of the real rows per bin or category")
    synthetic: list[float] = Field(description="Share of the synthetic rows per bin or category")


class RulesReport(BaseModel):
    constraints: dict[str, int] = Field(description="Synthetic rows breaking each declared or found rule")
    real: dict[str, int] = Field(description="Real rows breaking each rule")
    formats: dict[str, dict[str, Any]] = Field(
        description="Per generated column: kind, valid, copied, distinct"
    )


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
    summary: list[Finding] | None = Field(None, description="Findings in plain English and Chinese")
    columns: dict[str, ColumnView] | None = Field(
        None, description="Per-column chart data, real vs synthetic"
    )
    rules: RulesReport | None = None
    model: dict[str, Any] | None = Field(
        None, description="epochs_run, best_epoch, the held-out checks, the privacy spent (ε, δ)"
    )
    related: dict[str, dict[str, Any]] | None = Field(None, description="Reports of the child tables")


@router.post("/fit", status_code=status.HTTP_202_ACCEPTED, response_model=Job, responses=BODY | errors(409))
def fit(body: FitRequest, service: SynthDep) -> dict[str, Any]:
    """Queue a fit as a job (202 with the job; a worker runs it); poll ``GET /synth/jobs/{job_id}``.
    409 while a fit of the same synthesizer is queued or running."""
    from shopmind.data.store import Store
    from shopmind.synth.tabular import TabularGANConfig

    for t in filter(None, (body.table, body.child)):
        if t not in Store.table_names():
            raise HTTPException(422, f"unknown table {t!r}")
    try:
        cfg = TabularGANConfig(
            epochs=body.epochs,
            batch_size=body.batch_size,
            label=body.label,
            constraints=tuple(body.constraints),
            dp_epsilon=body.dp_epsilon,
        )
        job = service.fit_async(body.table, child=body.child, config=cfg, seed=body.seed)
    except JobBusyError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc
    except ValueError as exc:  # a child table the service cannot attach to this parent
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return job.to_dict()


@router.get("/jobs/{job_id}", response_model=Job, responses=errors(404, 422))
def job(job_id: IdPath, service: SynthDep) -> dict[str, Any]:
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
    responses={200: {"description": "Synthetic rows by table name, each row a record of the table's columns"}}
    | BODY
    | errors(404),
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


@router.get(
    "/report/{name}", response_model=Report, response_model_exclude_unset=True, responses=errors(404, 422)
)
def report(name: SynthName, service: SynthDep) -> dict[str, Any]:
    """The report of the version in service: written by its fit (and by ``shopmind synth report``)."""
    try:
        result = service.last_report(name)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    if result is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"no report for {name!r}: fit it again, or run `shopmind synth report`"
        )
    return result

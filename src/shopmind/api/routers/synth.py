"""Synthetic data (admin key): start a fit, follow it, sample rows, read the last report."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from shopmind.api.deps import admin, get_store
from shopmind.synth.service import SynthService

router = APIRouter(prefix="/synth", tags=["synthetic data"], dependencies=[admin])
MAX_ROWS = 10_000


def get_service(request: Request) -> SynthService:
    service = getattr(request.app.state, "synth", None)
    if service is None:
        service = SynthService(get_store(request), root=request.app.state.settings.artifacts_dir)
        request.app.state.synth = service
    return service


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


@router.post("/fit", status_code=status.HTTP_202_ACCEPTED)
def fit(body: FitRequest, service: SynthService = Depends(get_service)) -> dict[str, Any]:
    """Start fitting in the background; poll ``GET /synth/jobs/{id}``."""
    from shopmind.data import tables as T
    from shopmind.synth.tabular import TabularGANConfig

    for t in filter(None, (body.table, body.child)):
        if t not in T.metadata.tables:
            raise HTTPException(422, f"unknown table {t!r}")
    cfg = TabularGANConfig(epochs=body.epochs, batch_size=body.batch_size)
    job = service.fit_async(body.table, child=body.child, config=cfg, seed=body.seed)
    return asdict(job)


@router.get("/jobs/{job_id}")
def job(job_id: str, service: SynthService = Depends(get_service)) -> dict[str, Any]:
    """State of a fit: queued, running (epoch, losses), done (version) or failed (error)."""
    try:
        return asdict(service.job(job_id))
    except KeyError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no synth job {job_id!r}") from exc


@router.get("/models")
def models(service: SynthService = Depends(get_service)) -> list[dict[str, Any]]:
    """Fitted synthesizers with the version in service."""
    return [{"name": n, "version": service.model_dir(n).name} for n in service.names()]


@router.post("/sample")
def sample(body: SampleRequest, service: SynthService = Depends(get_service)) -> dict[str, Any]:
    """Synthetic rows per table (e.g. cold-start customers, or customers with their orders)."""
    import json

    try:
        frames = service.sample(body.name, body.n, body.seed, where=body.where)
    except LookupError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except ValueError as exc:  # a condition the model cannot meet
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    return {t: json.loads(f.to_json(orient="records", date_format="iso")) for t, f in frames.items()}


@router.get("/report/{name}")
def report(name: str, service: SynthService = Depends(get_service)) -> dict[str, Any]:
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

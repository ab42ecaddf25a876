"""Online measurement (admin key): metrics per surface × model version × day, search analytics, and
online experiments (define, list, analyse, stop). The rules are in docs/online.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api.deps import admin
from shopmind.api.impressions import OnlineDep
from shopmind.api.schemas import BODY, INPUT, KEYED, errors
from shopmind.online.experiments import ExperimentConflict, ExperimentError, sample_size

router = APIRouter(prefix="/admin/online", tags=["online"], dependencies=[admin], responses=KEYED)
ExperimentId = Path(pattern=r"^ex-[0-9a-f]{12}$", description="An experiment id (ex-…)")


class RateCI(BaseModel):
    value: float | None = Field(description="null: no impressions")
    ci: list[float] | None = Field(description="95% interval [low, high]")


class OnlineRates(BaseModel):
    impressions: int
    clicks: int = Field(description="Impressions with at least one attributed click")
    add_to_carts: int
    conversions: int = Field(description="Impressions with at least one attributed purchase")
    revenue: float
    ctr: RateCI
    add_to_cart_rate: RateCI
    conversion_rate: RateCI
    revenue_per_mille: RateCI = Field(description="Revenue per 1,000 impressions")


class DayRow(OnlineRates):
    day: str
    surface: str
    model_version: str = Field(description="'' for a fallback (nothing published)")


class LogCounts(BaseModel):
    written: int = Field(description="Impressions this process wrote")
    dropped: int = Field(description="Impressions this process could not log (queue full)")


class OnlineMetrics(BaseModel):
    since: str
    rows: list[DayRow]
    mismatches: dict[str, int] = Field(
        description="Per day: events whose impression_id was unknown or foreign"
    )
    attributions: dict[str, int] = Field(description="Attributions by how: id, window, mismatch")
    log: LogCounts


class Bought(BaseModel):
    product_id: str
    purchases: int


class QueryRow(BaseModel):
    query: str
    searches: int
    no_results: int
    clicked: int
    ctr: float | None
    bought: list[Bought]


class SearchReport(BaseModel):
    since: str
    searches: int
    zero_click_rate: RateCI
    top: list[QueryRow]
    no_results: list[QueryRow]
    low_ctr: list[QueryRow]
    bought: list[QueryRow]


class ExperimentArmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    share: float = Field(gt=0, le=1, description="The share of shoppers; the arms' shares add up to 1")
    version: str | None = Field(None, max_length=300, description="recommendations, similar: a model version")
    settings: dict[str, str] | None = Field(None, description='search: e.g. {"mode": "lexical"}')


class ExperimentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    surface: Literal["recommendations", "similar", "search"]
    arms: list[ExperimentArmIn] = Field(min_length=2, max_length=10, description="The control first")
    baseline: float = Field(0.05, gt=0, lt=1, description="Expected conversion rate of the control")
    min_effect: float = Field(0.01, description="Smallest difference worth detecting (absolute)")
    alpha: float = Field(0.05, gt=0, lt=0.5)
    power: float = Field(0.8, gt=0.5, lt=1)
    stop_at: datetime | None = None


class ExperimentArm(BaseModel):
    name: str
    share: float
    version: str | None = None
    settings: dict[str, str] | None = None


class ExperimentPlan(BaseModel):
    baseline: float
    min_effect: float
    alpha: float
    power: float
    sample_size_per_arm: int


class Experiment(BaseModel):
    experiment_id: str
    name: str
    surface: str
    arms: list[ExperimentArm]
    status: str = Field(description="running or stopped")
    start_at: datetime
    stop_at: datetime | None
    plan: ExperimentPlan
    created_at: datetime


class SampleRatio(BaseModel):
    p_value: float | None
    mismatch: bool = Field(description="True: the shoppers per arm do not fit the shares (p < 0.001)")


class ArmDay(OnlineRates):
    day: str
    arm: str


class ExperimentAnalysis(BaseModel):
    experiment: Experiment
    units: dict[str, int] = Field(description="Shoppers shown each arm")
    progress: float | None = Field(description="The smallest arm's shoppers over the planned sample size")
    srm: SampleRatio
    analysis: dict[str, Any] | None = Field(
        description="Conversion per shopper: marketing/abtest.py's analysis"
    )
    clicks: dict[str, Any] | None = Field(None, description="Click-through per shopper, the same analysis")
    daily: list[ArmDay]
    verdict: dict[str, str] = Field(description="The verdict in plain words: en and zh")


class SampleSize(BaseModel):
    sample_size_per_arm: int


@router.get("/metrics", response_model=OnlineMetrics, responses=INPUT)
def metrics(
    online: OnlineDep,
    days: int = Query(30, ge=1, le=366),
    surface: str | None = Query(None, pattern=r"^[a-z_]{1,20}$"),
) -> dict[str, Any]:
    """Impressions, click-through, add-to-cart and conversion rates and revenue per 1,000 impressions
    (each with a 95% interval) per day, surface and model version."""
    return online.metrics(days, surface)


@router.get("/search", response_model=SearchReport, responses=INPUT)
def search_report(
    online: OnlineDep, days: int = Query(30, ge=1, le=366), limit: int = Query(20, ge=1, le=200)
) -> dict[str, Any]:
    """Top queries, queries with no results, with low click-through, the zero-click rate, and what each
    query's searchers bought."""
    return online.search_report(days, limit)


@router.post("/attribute", response_model=dict[str, int])
def attribute(online: OnlineDep) -> dict[str, int]:
    """Attribute the events and orders that arrived since the latest attribution (less the window) now;
    the engine does it in the background as they arrive. Counts by how (id, window, mismatch)."""
    return online.attribute()


@router.get("/sample-size", response_model=SampleSize, responses=INPUT)
def planned_size(
    baseline: float = Query(gt=0, lt=1),
    min_effect: float = Query(),
    alpha: float = Query(0.05, gt=0, lt=0.5),
    power: float = Query(0.8, gt=0.5, lt=1),
) -> dict[str, int]:
    """Shoppers per arm needed to detect ``min_effect`` (absolute) on a conversion rate of ``baseline``."""
    try:
        return {"sample_size_per_arm": sample_size(baseline, min_effect, alpha, power)}
    except ExperimentError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/experiments", response_model=list[Experiment])
def experiments(online: OnlineDep) -> list[dict[str, Any]]:
    """Every experiment, newest first."""
    return online.experiments()


@router.post("/experiments", response_model=Experiment, status_code=201, responses=BODY | errors(409))
def define(body: ExperimentIn, online: OnlineDep) -> dict[str, Any]:
    """Define and start an experiment; refused with the reason: 422 when arms overlap, shares do not
    add up to 1 or a version does not exist; 409 while another experiment runs on the surface."""
    arms = [a.model_dump(exclude_none=True) for a in body.arms]
    plan = body.model_dump(include={"baseline", "min_effect", "alpha", "power", "stop_at"})
    try:
        return online.define(body.name, body.surface, arms, **plan)
    except ExperimentConflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except ExperimentError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/experiments/{experiment_id}", response_model=ExperimentAnalysis, responses=errors(404, 422))
def analyse(online: OnlineDep, experiment_id: str = ExperimentId) -> dict[str, Any]:
    """The experiment's analysis: per arm, conversion and revenue with intervals and tests against the
    control, the sample-ratio check, progress to the planned size, metrics per day, and the verdict."""
    return online.analyse(experiment_id)


@router.post("/experiments/{experiment_id}/stop", response_model=Experiment, responses=errors(404, 422))
def stop(online: OnlineDep, experiment_id: str = ExperimentId) -> dict[str, Any]:
    """Stop an experiment: every shopper is served the published model (or default search) again."""
    return online.stop(experiment_id)

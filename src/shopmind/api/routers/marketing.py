"""Marketing (admin key): customer profiles, RFM, CLV, churn, segments, campaigns, A/B tests, chart data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from shopmind.api.deps import admin, get_store
from shopmind.api.errors import error_body
from shopmind.marketing.campaigns import PlanConfig
from shopmind.marketing.service import MarketingService

router = APIRouter(tags=["marketing"], dependencies=[admin])


def get_service(request: Request) -> MarketingService:
    service = getattr(request.app.state, "marketing", None)
    if service is None:
        service = MarketingService(get_store(request), request.app.state.settings.artifacts_dir)
        request.app.state.marketing = service
    return service


class PlanIn(BaseModel):
    budget: float = Field(1000.0, ge=0, description="Most the campaign may cost")
    cost_per_contact: float = Field(0.5, ge=0, description="Cost of one message")
    offer_value: float = Field(5.0, ge=0, description="Value of the offer, paid when a customer converts")
    channel: str = "email"
    window_days: int = Field(30, ge=1, le=365, description="How long after launch a purchase counts")


class LaunchIn(PlanIn):
    name: str = Field(..., min_length=1)
    holdout_share: float = Field(0.1, gt=0, lt=1, description="Share of the target list held out as control")
    seed: int = 0


class ArmIn(BaseModel):
    name: str
    customers: int = Field(..., gt=0)
    conversions: int = Field(..., ge=0)
    revenue: list[float] = Field(default_factory=list, description="Revenue per customer (optional)")


def _run(fn, *args):
    """Call the service; a ValueError (input the analysis cannot use) becomes a 422 in the error shape."""
    try:
        return fn(*args)
    except ValueError as exc:
        return JSONResponse(error_body(422, str(exc)), 422)


def _plan_config(body: PlanIn) -> PlanConfig:
    return PlanConfig(body.budget, body.cost_per_contact, body.offer_value, body.channel)


@router.get("/customers/{customer_id}/profile")
def customer_profile(customer_id: str, service: MarketingService = Depends(get_service)) -> dict[str, Any]:
    """Recency, frequency, value, tenure, category affinities, price sensitivity, churn risk, CLV."""
    return _run(service.profile, customer_id)


@router.get("/marketing/rfm")
def rfm(service: MarketingService = Depends(get_service)) -> dict[str, Any]:
    """RFM segments with sizes and revenue shares, and the R×F grid."""
    return _run(service.rfm)


@router.get("/marketing/clv")
def clv(
    top: int = Query(20, ge=1, le=500), service: MarketingService = Depends(get_service)
) -> dict[str, Any]:
    """BG/NBD + Gamma-Gamma parameters, the value distribution and the most valuable customers."""
    return _run(service.clv, top)


@router.get("/marketing/churn")
def churn(
    horizon_days: int = Query(90, ge=7, le=365), top: int = Query(20, ge=1, le=500),
    service: MarketingService = Depends(get_service),
) -> dict[str, Any]:  # fmt: skip
    """Next-purchase propensity on the shop's own temporal split (AUC) and the customers most at risk."""
    return _run(service.churn, horizon_days, top)


@router.get("/marketing/segments")
def segments(
    k: int | None = Query(None, ge=2, le=20), service: MarketingService = Depends(get_service)
) -> dict[str, Any]:
    """Behavioural segments described in English and Chinese, with a 2-D map."""
    return _run(service.segments, k)


@router.post("/marketing/campaigns/plan")
def plan(
    body: PlanIn = Body(...),
    limit: int = Query(100, ge=0, le=10000),
    service: MarketingService = Depends(get_service),
):
    """The target list maximising expected incremental revenue within the budget (first ``limit``)."""
    ranked, summary = service.plan(_plan_config(body), body.window_days)
    chosen = ranked[ranked["selected"]].head(limit)
    summary["targets"] = [
        {
            "customer_id": cid,
            **{k: (float(v) if k != "segment" else v) for k, v in row.items() if k != "selected"},
        }
        for cid, row in chosen.iterrows()
    ]
    return summary


@router.post("/marketing/campaigns")
def launch(body: LaunchIn = Body(...), service: MarketingService = Depends(get_service)) -> dict[str, Any]:
    """Plan and launch: store the campaign with its target list and a random hold-out group."""
    return _run(
        service.launch, body.name, _plan_config(body), body.holdout_share, body.window_days, body.seed
    )


@router.post("/marketing/campaigns/{campaign_id}/outcome")
def outcome(campaign_id: str, service: MarketingService = Depends(get_service)) -> dict[str, Any]:
    """Read who bought in the window, analyse contacted vs held out, and store it as labelled data."""
    return _run(service.outcome, campaign_id)


@router.post("/marketing/abtest")
def abtest(arms: list[ArmIn] = Body(...), control: str | None = None) -> dict[str, Any]:
    """Conversion and revenue per arm with CIs and significance tests (first arm = control)."""
    from shopmind.marketing.abtest import Arm, analyse

    try:
        return analyse([Arm(a.name, a.customers, a.conversions, tuple(a.revenue)) for a in arms], control)
    except ValueError as exc:
        return JSONResponse(error_body(422, str(exc)), 422)


@router.get("/marketing/charts/{name}")
def chart(name: str, service: MarketingService = Depends(get_service)) -> dict[str, Any]:
    """Chart data for the admin UI: rfm-grid, clv, segments, qini, forecast."""
    from shopmind.marketing.charts import CHARTS

    if name not in CHARTS:
        return JSONResponse(error_body(404, f"unknown chart {name!r}: use one of {', '.join(CHARTS)}"), 404)
    return _run(service.chart, name)

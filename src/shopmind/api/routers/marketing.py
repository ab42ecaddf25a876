"""Marketing (admin key): customer profiles, RFM, CLV, churn, segments, campaigns, A/B tests, chart data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse, Response
from pydantic import Field, StringConstraints

from shopmind.api.deps import MarketingDep, admin
from shopmind.api.errors import error_body
from shopmind.api.routers import marketing_schemas as M
from shopmind.api.routers.common import IdPath
from shopmind.api.schemas import BODY, INPUT, KEYED, errors
from shopmind.data.schema import ID_PATTERN, MAX_AMOUNT, Input, Line, Money
from shopmind.marketing.campaigns import MAX_SHOWN, NoTargetsError, PlanConfig, recipients_csv
from shopmind.marketing.service import ModelNotReadyError

# Every route that reads the fitted marketing models may answer 503 while their first fit runs.
router = APIRouter(tags=["marketing"], dependencies=[admin], responses=KEYED | errors(503))
MAX_CUSTOMERS = 100_000_000  # customers of one A/B arm


class PlanIn(Input):
    budget: float = Money(1000.0, description=f"Most the campaign may cost (0 to {MAX_AMOUNT:,})")
    cost_per_contact: float = Money(0.5, description="Cost of one message")
    offer_value: float = Money(5.0, description="Value of the offer, paid when a customer converts")
    channel: str = Line(50, "email")
    window_days: int = Field(30, ge=1, le=365, description="How long after launch a purchase counts")


class LaunchIn(PlanIn):
    name: str = Line(200, ..., min_length=1)
    holdout_share: float = Field(0.1, gt=0, lt=1, description="Share of the target list held out as control")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    products: list[Annotated[str, StringConstraints(max_length=128, pattern=ID_PATTERN)]] = Field(
        default_factory=list,
        max_length=MAX_SHOWN,
        description="Products the message shows every recipient (an impression is logged per recipient)",
    )
    recommend_k: int = Field(
        0, ge=0, le=MAX_SHOWN, description="Or: show each recipient their top k recommendations (0: none)"
    )


class ArmIn(Input):
    name: str = Line(100, ..., min_length=1)
    customers: int = Field(..., gt=0, le=MAX_CUSTOMERS)
    conversions: int = Field(..., ge=0, le=MAX_CUSTOMERS, description="At most `customers`")
    revenue: list[float] = Field(
        default_factory=list,
        max_length=100_000,
        description="Revenue per customer (optional; then one value per customer)",
    )


def _run(fn, *args):
    """Call the service; a ValueError (input the analysis cannot use) becomes a 422 in the error shape,
    a campaign the shop's customers give no target a 409, an answer that needs marketing models not
    fitted yet a 503 naming the refit job."""
    try:
        return fn(*args)
    except NoTargetsError as exc:
        return JSONResponse(error_body(409, str(exc)), 409)
    except ValueError as exc:
        return JSONResponse(error_body(422, str(exc)), 422)
    except ModelNotReadyError as exc:
        details = {"job_id": exc.job_id} if exc.job_id else None
        return JSONResponse(error_body(503, str(exc), details), 503, headers={"Retry-After": "30"})


def _plan_config(body: PlanIn) -> PlanConfig:
    return PlanConfig(body.budget, body.cost_per_contact, body.offer_value, body.channel)


@router.get(
    "/customers/{customer_id}/profile",
    response_model=M.Profile,
    response_model_exclude_unset=True,
    responses=errors(404, 422),
)
def customer_profile(customer_id: IdPath, service: MarketingDep) -> dict[str, Any]:
    """Recency, frequency, value, tenure, category affinities, price sensitivity, churn risk, CLV."""
    return _run(service.profile, customer_id)


@router.get("/marketing/rfm", response_model=M.Rfm)
def rfm(service: MarketingDep) -> dict[str, Any]:
    """RFM segments with sizes and revenue shares, and the R×F grid."""
    return _run(service.rfm)


@router.get("/marketing/clv", response_model=M.Clv, response_model_exclude_unset=True, responses=INPUT)
def clv(service: MarketingDep, top: int = Query(20, ge=1, le=500)) -> dict[str, Any]:
    """BG/NBD + Gamma-Gamma parameters, the value distribution and the most valuable customers."""
    return _run(service.clv, top)


@router.get(
    "/marketing/churn", response_model=M.Churn, response_model_exclude_unset=True, responses=errors(404, 422)
)
def churn(
    service: MarketingDep,
    horizon_days: int = Query(90, ge=7, le=365),
    top: int = Query(20, ge=1, le=500),
) -> dict[str, Any]:
    """Next-purchase propensity on the shop's own temporal split (AUC) and the customers most at risk;
    404 for a horizon without a fitted model (the message lists the fitted ones)."""
    return _run(service.churn, horizon_days, top)


@router.get(
    "/marketing/segments", response_model=M.Segments, response_model_exclude_unset=True, responses=INPUT
)
def segments(service: MarketingDep, k: int | None = Query(None, ge=2, le=20)) -> dict[str, Any]:
    """Behavioural segments described in English and Chinese, with a 2-D map."""
    return _run(service.segments, k)


@router.post(
    "/marketing/campaigns/plan", response_model=M.Plan, response_model_exclude_unset=True, responses=BODY
)
def plan(service: MarketingDep, body: PlanIn = Body(...), limit: int = Query(100, ge=0, le=10000)):
    """The target list maximising expected incremental revenue within the budget (first ``limit``)."""
    planned = _run(service.plan, _plan_config(body), body.window_days)
    if isinstance(planned, JSONResponse):
        return planned
    ranked, summary = planned
    chosen = ranked[ranked["selected"]].head(limit)
    summary["targets"] = [
        {
            "customer_id": cid,
            **{k: (float(v) if k != "segment" else v) for k, v in row.items() if k != "selected"},
        }
        for cid, row in chosen.iterrows()
    ]
    return summary


@router.post(
    "/marketing/campaigns",
    response_model=M.Launched,
    response_model_exclude_unset=True,
    responses=BODY | errors(409),
)
def launch(service: MarketingDep, body: LaunchIn = Body(...)) -> dict[str, Any]:
    """Plan and launch: store the campaign with its target list and a random hold-out group. A message
    that shows products (``products``, or ``recommend_k`` recommendations per recipient) logs one
    impression per contacted recipient; ``GET …/recipients`` lists their impression ids."""
    shows = {"products": body.products, "recommend_k": body.recommend_k}
    return _run(
        lambda: service.launch(
            body.name, _plan_config(body), body.holdout_share, body.window_days, body.seed, **shows
        )
    )


@router.get(
    "/marketing/campaigns/{campaign_id}/recipients",
    response_model=M.Recipients,
    responses=errors(404, 422) | {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def recipients(
    campaign_id: IdPath,
    service: MarketingDep,
    fmt: str = Query("json", alias="format", pattern="^(json|csv)$", description="json, or csv (a download)"),
):
    """The contacted recipients (never the hold-out group), each with the ``impression_id`` of the
    products their message shows: put it in the message's links so that the clicks are attributed."""
    rows = _run(service.recipients, campaign_id)
    if isinstance(rows, JSONResponse):  # an unknown campaign: the error as _run shaped it
        return rows
    if fmt == "json":
        return {"campaign_id": campaign_id, "items": rows}
    headers = {"Content-Disposition": f'attachment; filename="{campaign_id}-recipients.csv"'}
    return Response(recipients_csv(rows), media_type="text/csv", headers=headers)


@router.post(
    "/marketing/campaigns/{campaign_id}/outcome",
    response_model=M.Outcome,
    response_model_exclude_unset=True,
    responses=errors(404, 409, 422),
)
def outcome(campaign_id: IdPath, service: MarketingDep) -> dict[str, Any]:
    """Read who bought in the window, analyse contacted vs held out, and store it as labelled data."""
    return _run(service.outcome, campaign_id)


@router.post("/marketing/abtest", response_model=M.ABTest, response_model_exclude_unset=True, responses=BODY)
def abtest(
    arms: list[ArmIn] = Body(..., min_length=2, max_length=100, description="The arms, the control first"),
    control: str | None = Query(
        None, max_length=100, description="The control arm's name (default: the first)"
    ),
) -> dict[str, Any]:
    """Conversion and revenue per arm with CIs and significance tests (first arm = control)."""
    from shopmind.marketing.abtest import Arm, analyse

    try:
        return analyse([Arm(a.name, a.customers, a.conversions, tuple(a.revenue)) for a in arms], control)
    except ValueError as exc:
        return JSONResponse(error_body(422, str(exc)), 422)


@router.get(
    "/marketing/charts/{name}",
    response_model=M.Chart,
    response_model_exclude_unset=True,
    responses=errors(404, 422),
)
def chart(name: str, service: MarketingDep) -> dict[str, Any]:
    """Chart data for the admin UI: rfm-grid, clv, segments, qini, forecast."""
    from shopmind.marketing.charts import CHARTS

    if name not in CHARTS:
        return JSONResponse(error_body(404, f"unknown chart {name!r}: use one of {', '.join(CHARTS)}"), 404)
    return _run(service.chart, name)

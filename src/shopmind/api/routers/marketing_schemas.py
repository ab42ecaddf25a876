"""Response models of the marketing routes (``routers/marketing.py``).

Statistics that can be undefined (a mean over no customers, a model that could not be fitted) are
``float | None``: NaN is written as null.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from shopmind.api.schemas import Open


# ---------------------------------------------------------------------------- the served models
class FittedOn(Open):
    """The data a version of the marketing models was fitted on."""

    orders: int
    customers: int
    latest_order: str | None
    as_of: str = Field(description="The analysis date")
    campaign_rows: int = Field(description="Labelled campaign customers the uplift model learnt from")


class Served(BaseModel):
    """Which fitted marketing models (CLV, churn, uplift) an answer was computed with."""

    model_version: str | None = Field(description="The version used (null: none published yet)")
    fitted_on: FittedOn | None
    stale: bool = Field(description="Fitted on older data than the shop's now (a refit is queued)")
    serving: str = Field(description="'model', or 'fallback' while no version is published")
    note: str | None = Field(None, description="Why the answer is stale or a fallback, and the refit job")


# ---------------------------------------------------------------------------- customers
class RfmScores(BaseModel):
    r: int
    f: int
    m: int
    code: str = Field(description="The three scores as one string, e.g. 545")


class SegmentName(BaseModel):
    key: str
    en: str
    zh: str


class Affinity(BaseModel):
    category: str
    affinity: float


class Profile(Served):
    customer_id: str
    as_of: str
    recency_days: float | None
    frequency: int = Field(description="Orders")
    monetary: float | None = Field(description="Total spend")
    tenure_days: float | None
    avg_order_value: float | None
    rfm: RfmScores
    segment: SegmentName = Field(description="The RFM segment")
    category_affinities: list[Affinity]
    affinity_source: str = Field(description="recommender item vectors or purchase shares")
    price_sensitivity: float | None
    p_alive: float | None = Field(description="BG/NBD probability that the customer is still active")
    churn_risk: float | None
    expected_purchases_90d: float | None
    clv_365d: float | None = Field(description="Predicted value of the next 365 days")


class RfmSegment(BaseModel):
    segment: str
    name_en: str
    name_zh: str
    customers: int
    customer_share: float
    revenue: float
    revenue_share: float
    mean_recency_days: float | None
    mean_frequency: float | None
    mean_monetary: float | None
    action_en: str
    action_zh: str


class RfmCell(BaseModel):
    r: int = Field(description="Recency score, 5 = most recent")
    f: int = Field(description="Frequency score, 5 = most frequent")
    customers: int
    mean_monetary: float
    segment: str


class RfmGrid(BaseModel):
    cells: list[RfmCell]
    customers: int


class Rfm(BaseModel):
    as_of: str
    customers: int
    revenue: float
    segments: list[RfmSegment]
    grid: RfmGrid


class ClvDistribution(BaseModel):
    """Histogram of predicted customer values; the summary fields are absent when there are none."""

    counts: list[int]
    edges: list[float] = Field(description="Bin edges (one more than counts; the top 1% clipped)")
    n: int
    total: float | None = None
    median: float | None = None
    p90: float | None = None
    p99: float | None = None


class TopCustomer(BaseModel):
    customer_id: str
    clv_365d: float


class Clv(Served):
    as_of: str
    time_unit: str = Field(description="The BG/NBD time unit, e.g. week")
    bgnbd: dict[str, float | None] | None = Field(description="BG/NBD parameters r, alpha, a, b")
    gamma_gamma: dict[str, float | None] | None = Field(description="Gamma-Gamma parameters p, q, v")
    notes: list[str]
    expected_purchases_90d: float
    clv_365d_total: float
    distribution: ClvDistribution
    top: list[TopCustomer] = Field(description="The most valuable customers")


class AtRisk(BaseModel):
    customer_id: str
    churn_risk: float


class Churn(Open, Served):
    """The churn model's temporal check and the customers most at risk (further report keys pass through)."""

    train_cutoff: str
    check_cutoff: str
    auc: float | None = Field(None, description="AUC on the later snapshot (absent with a single label)")
    at_risk: list[AtRisk]
    horizon_days: int


class SegmentDescription(BaseModel):
    segment: int
    customers: int
    share: float
    revenue_share: float
    z_scores: dict[str, float | None] = Field(description="Behaviour means against all customers, in SDs")
    top_category: str
    description_en: str
    description_zh: str


class MapPoint(BaseModel):
    customer_id: str
    x: float
    y: float
    segment: int


class SegmentMap(BaseModel):
    points: list[MapPoint] = Field(description="A seeded sample of customers on a 2-D map")
    segments: list[SegmentDescription]


class Segments(Served):
    k: int
    silhouette: float
    taste_features: str = Field(description="What the taste features came from")
    map: SegmentMap
    segments: list[SegmentDescription]
    sizes: list[int] = Field(description="Customers per segment")


# ---------------------------------------------------------------------------- campaigns
class PlanConfig(BaseModel):
    budget: float
    cost_per_contact: float
    offer_value: float
    channel: str


class Copy(BaseModel):
    en: str
    zh: str


class PlanSegment(BaseModel):
    segment: str
    name_en: str
    name_zh: str
    contacts: int
    copy_: Copy = Field(alias="copy", description="The segment's message in English and Chinese")


class Forecast(BaseModel):
    """Cumulative expectations over the ranked list, best customers first."""

    contacts: list[int]
    cost: list[float]
    incremental_revenue: list[float]
    net: list[float]
    selected: int = Field(description="Length of the target list")


class PlanSummary(Served):
    config: PlanConfig
    candidates: int
    contacts: int
    expected_cost: float
    expected_incremental_revenue: float
    expected_net: float
    expected_conversions: float
    expected_incremental_conversions: float
    profitable_candidates: int
    roi: float
    segments: list[PlanSegment] | None = Field(None, description="Contacts and message per RFM segment")
    uplift_source: str = Field(description="The uplift model used, or the prior assumed without one")


class Target(BaseModel):
    customer_id: str
    uplift: float
    p_convert: float
    value: float
    segment: str
    incremental_revenue: float
    expected_cost: float
    net: float


class Plan(PlanSummary):
    forecast: Forecast
    targets: list[Target] = Field(description="The first targets, best first")


class Launched(BaseModel):
    campaign_id: str
    treatment: int = Field(description="Customers to contact")
    control: int = Field(description="Customers held out")
    shown: int = Field(
        0, description="Contacted customers whose message shows products (one impression each)"
    )
    plan: PlanSummary


class Recipient(BaseModel):
    customer_id: str
    impression_id: str | None = Field(
        description="Put it in the message's links (sent back as impression_id with the click); null: the "
        "message shows no products, or the impression was not logged"
    )
    products: list[str] = Field(description="The products the message shows, in order")


class Recipients(BaseModel):
    campaign_id: str
    items: list[Recipient]


# ---------------------------------------------------------------------------- A/B tests
class ArmResult(BaseModel):
    arm: str
    customers: int
    conversions: int
    conversion_rate: float
    conversion_ci: tuple[float, float] = Field(description="Wilson score interval")
    revenue: float | None = None
    revenue_per_customer: float | None = None
    revenue_ci: tuple[float, float] | None = Field(None, description="t interval of revenue per customer")


class ConversionTest(BaseModel):
    difference: float = Field(description="Arm minus control conversion rate")
    ci: tuple[float, float] = Field(description="Wald interval of the difference")
    relative_lift: float | None
    z: float
    p_value: float = Field(description="Two-sided, pooled two-proportion z-test")


class RevenueTest(BaseModel):
    difference: float
    ci: tuple[float, float]
    p_value: float = Field(description="Welch's t-test")


class Comparison(BaseModel):
    arm: str
    conversion: ConversionTest
    significant: bool
    revenue: RevenueTest | None = None


class ABTest(BaseModel):
    control: str
    level: float = Field(description="Confidence level of the intervals")
    alpha: float = Field(description="Significance level of the tests")
    arms: list[ArmResult]
    comparisons: list[Comparison] = Field(description="Every other arm against the control")


class Window(BaseModel):
    start: str
    end: str
    complete: bool = Field(description="The window has ended in the data")


class Outcome(ABTest):
    window: Window


class Qini(BaseModel):
    x: list[int] = Field(description="Customers targeted, best first")
    qini: list[float]
    random: list[float] = Field(description="The random-targeting line")
    qini_coefficient: float


Chart = RfmGrid | ClvDistribution | SegmentMap | Qini | Forecast

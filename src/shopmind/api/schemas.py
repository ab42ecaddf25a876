"""Response models the routers share: pages, batch writes, jobs, scored products, ingestion runs and
what serves each capability.

Route-specific answers are declared beside their router. A model validates and filters an answer, so
each lists every field the service returns; fields a service leaves out in some answers have a
default and their routes set ``response_model_exclude_unset`` (the answer keeps exactly the keys the
service gave). Open-ended parts (metrics, per-kind results, artifact metadata) are ``dict`` fields or
models that allow extra keys.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Open(BaseModel):
    """A record whose listed fields are documented; any further keys pass through unchanged."""

    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------------------- data writes and pages
class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="Rows matching the filters, over all pages")
    limit: int
    offset: int


class Rejected(BaseModel):
    row: int = Field(description="Position of the record in the request, from 1")
    field: str
    reason: str


class BatchResult(BaseModel):
    written: int
    rejected: list[Rejected]


class IngestRun(BaseModel):
    """One ingestion run (CLI, API batch or demo load) from the ingestion log."""

    run_id: str
    kind: str = Field(description="Table ingested: products, customers, events, orders or docs")
    source: str = Field(description="The file or channel the rows came from")
    started_at: datetime
    finished_at: datetime | None
    rows_read: int
    rows_written: int
    rows_rejected: int
    rejects_path: str | None = Field(description="CSV of the rejected rows (row, field, reason, …)")
    status: str


# ---------------------------------------------------------------------------- engine state
class CapabilityStatus(Open):
    """What serves one capability now: a published model version, or its documented fallback."""

    kind: str = Field(description="Artifact kind (or capability) name")
    version: str | None = Field(None, description="The published version in service (null: none)")
    serving: str = Field(description="'model' (or the search mode) when a model serves, else 'fallback'")
    fallback: str = Field(description="What answers while no model is published")


class Counts(Open):
    """Row counts of the data tables."""

    products: int
    customers: int
    events: int
    orders: int
    order_items: int
    docs: int
    conversations: int
    campaigns: int


# ---------------------------------------------------------------------------- jobs
class Job(BaseModel):
    """A background job (training, a synthesizer or marketing fit) and what is known about it so far."""

    job_id: str
    kind: str = Field(description="What it does, e.g. train:rec or synth:customers")
    title: str
    status: Literal["queued", "running", "done", "failed"]
    created_at: str = Field(description="ISO 8601 UTC time, to the second")
    started_at: str | None
    finished_at: str | None
    seconds: float | None = Field(description="Run time so far (or in all once finished)")
    progress: dict[str, Any] = Field(
        description="Structured progress set by the job, e.g. epoch, epochs and losses of a fit"
    )
    log: list[str] = Field(description="The job's log lines, oldest first")
    result: dict[str, Any] | None = Field(
        description="What a finished job returns, e.g. the version it published"
    )
    error: str | None = Field(description="Why a failed job failed")


# ---------------------------------------------------------------------------- products in answers
class ScoredProduct(BaseModel):
    """A product in a recommendation list, with the score that ranked it."""

    product_id: str
    title: str
    category: str
    price: float
    score: float = Field(description="The ranking score (comparable within one list only)")

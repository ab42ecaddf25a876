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


# ---------------------------------------------------------------------------- errors
class FieldProblem(BaseModel):
    """One problem with the input: where it is and what was expected."""

    field: str = Field(description="Where: e.g. query.offset, body.items.0.quantity, path.product_id")
    reason: str


class ErrorInfo(BaseModel):
    code: str = Field(
        description="bad_request, unauthorized, forbidden, not_found, method_not_allowed, conflict, "
        "too_large, invalid_input, too_many_requests, internal_error or unavailable"
    )
    message: str = Field(description="What went wrong, for a person")
    details: list[FieldProblem] | dict[str, Any] | None = Field(
        None, description="invalid_input: every problem found; some errors add facts (e.g. a job id)"
    )


class ErrorBody(BaseModel):
    """The one shape of every error answer."""

    error: ErrorInfo


# What each documented error status means (the routers declare the ones they can answer).
ERRORS: dict[int, str] = {
    400: "The body is not readable JSON",
    401: "No API key, an unknown one (or a missing, invalid or expired session token)",
    403: "The key's scope does not allow this (or the request acts for another customer)",
    404: "Not found",
    409: "Conflicts with the current state",
    413: "The request is too large",
    422: "Invalid input: `details` lists each field and what was expected",
    429: "Too many requests: retry after the `Retry-After` seconds",
    503: "Not available now (the database is unreachable, or a model's first fit runs): retry after the "
    "`Retry-After` seconds",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting these error statuses with the error shape."""
    return {code: {"model": ErrorBody, "description": ERRORS[code]} for code in codes}


# The errors of a route that needs a key, and of one that reads parameters or a JSON body.
KEYED = errors(401, 403)
INPUT = errors(422)
BODY = errors(400, 422)


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
    rejects_path: str | None = Field(description="CSV of the rejected rows (line, row, field, reason, …)")
    status: str = Field(description="running, done, failed, or interrupted (its process died mid-run)")
    host: str | None = Field(None, description="The machine the run is on")
    pid: int | None = Field(None, description="Its process there")
    heartbeat_at: datetime | None = Field(None, description="Last sign of life (after each batch)")


# ---------------------------------------------------------------------------- engine state
class CapabilityStatus(Open):
    """What serves one capability now: a published model version, or its documented fallback."""

    kind: str = Field(description="Artifact kind (or capability) name")
    version: str | None = Field(None, description="The published version in service (null: none)")
    serving: str = Field(
        description="'model' (or the search mode) when a model serves, 'fallback' without one, 'loading' "
        "while the server builds it at start"
    )
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
    payload: dict[str, Any] = Field(default_factory=dict, description="What the job was asked to do")
    attempts: int = Field(0, description="Runs started so far (above 1: a worker died and it was retried)")
    worker_id: str | None = Field(None, description="Who runs it or ran it last (host:pid:name)")
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

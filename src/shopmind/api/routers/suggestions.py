"""Suggestion moderation (admin key): the logged queries with what each one is now, and the rules that
approve (always offer) or hide (never offer) one.

A logged query is offered to shoppers as a suggestion when enough distinct visitors searched it and
found results (``SHOPMIND_SUGGEST_MIN_VISITORS``, 3 by default) and the blocklist lets it through
(no links, domains, e-mail addresses, phone numbers, contact handles or profanity); an admin's rule
overrides both. Rules are kept in the store: every replica applies them within its refresh
(``SHOPMIND_SUGGEST_INTERVAL``), the replica that took the request at once.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api.deps import SearchDep, admin
from shopmind.api.schemas import BODY, INPUT, KEYED
from shopmind.data.schema import Line

router = APIRouter(prefix="/admin/search/suggestions", tags=["admin"], dependencies=[admin], responses=KEYED)


class LoggedQuery(BaseModel):
    text: str = Field(description="The query as it is counted: NFKC, lower case, single spaces")
    visitors: int = Field(description="Distinct visitors who searched it and found results")
    status: str = Field(description="live, pending (too few visitors), blocked (blocklist), approved, hidden")
    offered: bool = Field(description="Whether shoppers are offered it now")
    reason: str


class Moderation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Line(100, ..., min_length=1, description="The query, as a shopper types it")
    action: Literal["approve", "hide", "clear"] = Field(
        description="approve: always offer; hide: never offer; clear: back to the automatic rules"
    )


class Rule(BaseModel):
    text: str
    status: str = Field(description="approved, hidden or automatic")


@router.get("", response_model=list[LoggedQuery], responses=INPUT)
def list_suggestions(
    search: SearchDep,
    pending: bool = Query(False, description="Only queries not offered that no admin has decided on"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[dict[str, Any]]:
    """Logged queries, most visitors first, with their moderation status and why."""
    return search.suggestions(pending, limit)


@router.post("", response_model=Rule, responses=BODY)
def moderate(body: Moderation, search: SearchDep) -> dict[str, Any]:
    """Approve, hide or clear the rule of one query."""
    try:
        return search.moderate_suggestion(body.text, body.action)
    except ValueError as exc:  # a query that normalises to nothing or to too much
        raise HTTPException(422, str(exc)) from exc

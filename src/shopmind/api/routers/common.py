"""Pieces the routers share: paging and the batch-write response."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class Rejected(BaseModel):
    row: int
    field: str
    reason: str


class BatchResult(BaseModel):
    written: int
    rejected: list[Rejected]


class Paging:
    def __init__(self, limit: int = Query(20, ge=1, le=500), offset: int = Query(0, ge=0)) -> None:
        self.limit = limit
        self.offset = offset


def page(rows: list[dict[str, Any]], total: int, paging: Paging) -> dict[str, Any]:
    return {"items": rows, "total": total, "limit": paging.limit, "offset": paging.offset}

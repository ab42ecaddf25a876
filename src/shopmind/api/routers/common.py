"""Paging query parameters the list routes share (their response models are in ``api/schemas.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query


class Paging:
    def __init__(self, limit: int = Query(20, ge=1, le=500), offset: int = Query(0, ge=0)) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]


def page(rows: list[dict[str, Any]], total: int, paging: Paging) -> dict[str, Any]:
    return {"items": rows, "total": total, "limit": paging.limit, "offset": paging.offset}

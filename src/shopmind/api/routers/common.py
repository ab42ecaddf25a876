"""Parameters the routes share — paging, ids in paths and queries, text filters — each validated by the
rules of :mod:`shopmind.data.schema` (response models are in ``api/schemas.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query

from shopmind.data.schema import ID_PATTERN, LINE_PATTERN, MAX_BATCH, MAX_LIMIT, MAX_OFFSET

ID_HELP = "External id: 1-128 letters, digits and _.:@/-, starting with a letter or digit"
BATCH = f"at most {MAX_BATCH:,} records; each invalid one comes back in `rejected` (row, field, reason)"
# A signed customer or chat token as issued (base64url parts joined by '.')
TOKEN_PATTERN = r"^[A-Za-z0-9_=.-]{1,1024}$"

# An id in the path (``/products/{product_id}``) or in the query (``?customer_id=``).
IdPath = Annotated[str, Path(pattern=ID_PATTERN, description=ID_HELP)]
IdQuery = Annotated[str | None, Query(pattern=ID_PATTERN, description=ID_HELP)]


def line_query(max_length: int, description: str | None = None) -> Any:
    """A one-line text query parameter (no control characters) of at most ``max_length`` characters."""
    return Query(None, max_length=max_length, pattern=LINE_PATTERN, description=description)


class Paging:
    def __init__(
        self,
        limit: int = Query(20, ge=1, le=MAX_LIMIT, description=f"Rows per page (1-{MAX_LIMIT})"),
        offset: int = Query(0, ge=0, le=MAX_OFFSET, description=f"Rows to skip (0-{MAX_OFFSET:,})"),
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends()]


def page(rows: list[dict[str, Any]], total: int, paging: Paging) -> dict[str, Any]:
    return {"items": rows, "total": total, "limit": paging.limit, "offset": paging.offset}

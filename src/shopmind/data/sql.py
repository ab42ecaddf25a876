"""Helpers shared by the store's query modules: rows as plain dicts, one row by key, pages."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.errors import NotFoundError
from shopmind.data.schema import as_utc

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 900  # values per IN (...) list: well under SQLite's bound-parameter limit


def utc_or_none(value: Any) -> Any:
    return as_utc(value) if isinstance(value, datetime) else value


def plain(row: Mapping[str, Any], drop: Sequence[str] = ()) -> dict[str, Any]:
    """A result row as a dict with UTC timestamps, without the ``drop`` columns."""
    return {k: utc_or_none(v) for k, v in row.items() if k not in drop}


def chunks(values: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """``values`` (duplicates removed, order kept) in lists of at most ``size``."""
    items = list(dict.fromkeys(values))
    for i in range(0, len(items), size):
        yield items[i : i + size]


def one(engine: Engine, table: sa.Table, key: str, value: str, what: str | None = None) -> dict[str, Any]:
    """The row of ``table`` whose ``key`` is ``value``; NotFoundError naming ``what`` if there is none."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c[key] == value)).mappings().first()
    if row is None:
        raise NotFoundError(f"{what or table.name[:-1]} {value!r} not found")
    return plain(row)


def page(
    engine: Engine, table: sa.Table, cond: Sequence[Any], order_by: Any, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of ``table``'s rows matching every condition in ``cond``, and how many match in all."""
    where = sa.and_(sa.true(), *cond)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
        rows = (
            conn.execute(sa.select(table).where(where).order_by(order_by).limit(limit).offset(offset))
            .mappings()
            .all()
        )
    return [plain(r) for r in rows], total


def matching(table: sa.Table, where: Mapping[str, Any]) -> list[Any]:
    """Conditions from ``{column: value}``: equality, or membership for a list, tuple or set."""
    unknown = sorted(set(where) - set(table.c.keys()))
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    return [
        table.c[k].in_(list(v)) if isinstance(v, (list, tuple, set, frozenset)) else table.c[k] == v
        for k, v in where.items()
    ]


def frame(
    engine: Engine, table: sa.Table, cond: Sequence[Any] = (), columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """``table``'s rows matching every condition in ``cond`` as a pandas frame with UTC timestamps."""
    import pandas as pd

    stmt = sa.select(*(table.c[c] for c in columns)) if columns else sa.select(table)
    if cond:
        stmt = stmt.where(*cond)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for col in table.columns:
        if isinstance(col.type, (sa.DateTime, T.UTCDateTime)) and col.name in df.columns:
            df[col.name] = pd.to_datetime(df[col.name], utc=True)
    return df

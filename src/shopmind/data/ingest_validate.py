"""Validation of a batch of raw rows, column by column (vectorised, so a million rows stay fast).

Each column is coerced by its :class:`~shopmind.data.ingest_specs.FieldSpec`; a row's first
problem (in spec order) is kept as its field and reason. Rules that span columns live here too:
a search event needs a query, other events a product, a rating a value between 1 and 5; an id
repeated in one file is rejected on its second appearance.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_specs import SPECS, FieldSpec


class Checker:
    """Collects the first problem of each row of a batch."""

    def __init__(self, n: int) -> None:
        self.field = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)

    def flag(self, mask: np.ndarray, name: str, reason: str | np.ndarray) -> None:
        new = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        self.field[new] = name
        self.reason[new] = reason[new] if isinstance(reason, np.ndarray) else reason

    @property
    def bad(self) -> np.ndarray:
        return pd.notna(self.reason)


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()


def _text(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    values = raw.to_numpy(dtype=object)
    text = [None if b else str(v).strip() for v, b in zip(values, blank, strict=True)]
    if spec.kind == "enum":
        text = [None if v is None else v.lower() for v in text]
    elif spec.case == "upper":
        text = [None if v is None else v.upper() for v in text]
    s = pd.Series(np.array(text, dtype=object), index=raw.index, dtype=object)
    if spec.pattern:
        bad = ~blank & ~s.fillna("").astype(str).str.fullmatch(spec.pattern).to_numpy(dtype=bool)
        chk.flag(bad, spec.name, f"{spec.name} {spec.message}")
    if spec.kind == "enum":
        bad = ~blank & ~s.isin(spec.choices).to_numpy()
        chk.flag(bad, spec.name, f"{spec.name} must be one of {', '.join(spec.choices)}")
    if spec.max_length is not None:
        long = ~blank & (s.fillna("").astype(str).str.len() > spec.max_length).to_numpy()
        chk.flag(long, spec.name, f"{spec.name} must be at most {spec.max_length} characters")
    if spec.default is not None:
        s = s.where(~blank, spec.default)
    return s


def _number(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    num = pd.to_numeric(raw.where(~blank, None), errors="coerce")
    bad = ~blank & (num.isna().to_numpy() | ~np.isfinite(num.fillna(0).to_numpy(dtype=float)))
    chk.flag(bad, spec.name, f"{spec.name} must be a number")
    if spec.kind == "int":
        frac = ~blank & ~bad & (num.fillna(0) % 1 != 0).to_numpy()
        chk.flag(frac, spec.name, f"{spec.name} must be a whole number")
    if spec.min_value is not None:
        low = ~blank & ~bad & (num.fillna(spec.min_value) < spec.min_value).to_numpy()
        chk.flag(low, spec.name, f"{spec.name} must be at least {spec.min_value:g}")
    if spec.default is not None:
        num = num.where(~blank, spec.default)
    return num


def _datetime(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    text = raw.where(~blank, None)
    if pd.api.types.is_numeric_dtype(raw.dtype):
        ts = pd.to_datetime(text, unit="s", utc=True, errors="coerce")
    elif isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw.dtype):
        ts = pd.to_datetime(text, utc=True)
    else:
        ts = pd.to_datetime(text, utc=True, errors="coerce", format="ISO8601")
        retry = ts.isna().to_numpy() & ~blank
        if retry.any():  # other layouts (e.g. "12/1/2010 8:26"): parse the leftovers one by one
            ts[retry] = pd.to_datetime(text[retry], utc=True, errors="coerce", format="mixed")
    chk.flag(
        ~blank & ts.isna().to_numpy(),
        spec.name,
        f"{spec.name} must be a date/time such as 2025-03-01T12:30:00Z",
    )
    return ts


def _json(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    out = np.full(len(raw), None, dtype=object)
    reasons = np.full(len(raw), None, dtype=object)
    for i, v in enumerate(raw.to_numpy()):
        if isinstance(v, dict):
            out[i] = v
        elif v is None or (isinstance(v, str) and not v.strip()):
            out[i] = {}
        else:
            try:
                parsed = json.loads(v) if isinstance(v, str) else None
            except ValueError:
                parsed = None
            if isinstance(parsed, dict):
                out[i] = parsed
            else:
                reasons[i] = f'{spec.name} must be a JSON object such as {{"colour": "red"}}'
    chk.flag(pd.notna(reasons), spec.name, reasons)
    return pd.Series(out, index=raw.index, dtype=object)


_COERCE: dict[str, Callable[[FieldSpec, pd.Series, np.ndarray, Checker], pd.Series]] = {
    "text": _text,
    "enum": _text,
    "float": _number,
    "int": _number,
    "datetime": _datetime,
    "json": _json,
}


def coerce(spec: FieldSpec, raw: pd.Series, chk: Checker) -> pd.Series:
    """One column read by its spec; problems go to ``chk`` (a missing required value first)."""
    blank = _blank(raw)
    if spec.required:
        chk.flag(blank, spec.name, f"{spec.name} is required")
    return _COERCE[spec.kind](spec, raw, blank, chk)


def _event_ids(df: pd.DataFrame) -> pd.Series:
    """A deterministic 128-bit id for events without one, so re-ingesting a file is idempotent."""
    cols = ("customer_id", "session_id", "type", "product_id", "query", "value", "ts")
    parts = [df[c].astype(object).astype(str) for c in cols]
    key = parts[0].str.cat(parts[1:], sep="|", na_rep="")
    lo = pd.util.hash_pandas_object(key, index=False, hash_key="shopmind-events1").to_numpy()
    hi = pd.util.hash_pandas_object(key, index=False, hash_key="shopmind-events2").to_numpy()
    ids = np.char.add(
        np.char.add("ev-", np.char.zfill(np.char.mod("%x", hi), 16)), np.char.zfill(np.char.mod("%x", lo), 16)
    )
    return pd.Series(ids.astype(object), index=df.index)


def _flag_bad_encoding(raw: pd.DataFrame, chk: Checker) -> None:
    replaced = np.zeros(len(raw), dtype=bool)
    for c in raw.columns:
        if not c.startswith("__") and (raw[c].dtype == object or pd.api.types.is_string_dtype(raw[c].dtype)):
            text = raw[c].astype(object)
            replaced |= text.map(lambda v: isinstance(v, str) and "\ufffd" in v).to_numpy(dtype=bool)
    chk.flag(replaced, "(encoding)", "the row holds bytes that are not valid in the file's encoding")


def validate(kind: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, Checker]:
    """Coerce a batch of raw rows to the kind's columns; the checker holds each bad row's reason."""
    chk = Checker(len(raw))
    if "__error__" in raw.columns:
        err = raw["__error__"].to_numpy(dtype=object)
        chk.flag(pd.notna(err), "(line)", err)
    out = pd.DataFrame(index=raw.index)
    for spec in SPECS[kind]:
        col = raw[spec.name] if spec.name in raw.columns else pd.Series([None] * len(raw), index=raw.index)
        out[spec.name] = coerce(spec, col, chk)
    _flag_bad_encoding(raw, chk)
    if kind == "products":
        _fold_extra_attributes(raw, out)
    if kind == "events":
        _check_event_subjects(out, chk)
        missing = out["event_id"].isna()
        if missing.any():
            out.loc[missing, "event_id"] = _event_ids(out[missing])
    return out, chk


def _fold_extra_attributes(raw: pd.DataFrame, out: pd.DataFrame) -> None:
    """Columns of a product file that are not product fields become its attributes."""
    known = {s.name for s in SPECS["products"]}
    extra = [c for c in raw.columns if c not in known and not c.startswith("__")]
    if not extra:
        return
    attrs = out["attributes"].to_numpy(dtype=object).copy()
    for c in extra:
        for i, v in enumerate(raw[c].to_numpy(dtype=object)):
            if v is not None and v == v and v != "" and attrs[i] is not None:
                attrs[i] = {**attrs[i], c: v.item() if isinstance(v, np.generic) else v}
    out["attributes"] = attrs


def _check_event_subjects(out: pd.DataFrame, chk: Checker) -> None:
    is_search = (out["type"] == "search").to_numpy()
    chk.flag(is_search & out["query"].isna().to_numpy(), "query", "a search event needs a query")
    chk.flag(
        ~is_search & out["product_id"].isna().to_numpy() & out["type"].notna().to_numpy(),
        "product_id",
        "this event type needs a product_id",
    )
    rating = (out["type"] == "rating").to_numpy()
    v = out["value"].to_numpy(dtype=float, na_value=np.nan)
    chk.flag(rating & ~((v >= 1) & (v <= 5)), "value", "a rating needs a value between 1 and 5")


def _dedup_keys(kind: str, key: str, clean: pd.DataFrame) -> list[Any]:
    if kind == "orders":
        return list(zip(clean["order_id"], clean["line_no"].fillna(-1), clean["product_id"], strict=True))
    return clean[key].tolist()


def flag_duplicates(
    kind: str, key: str, clean: pd.DataFrame, raw: pd.DataFrame, chk: Checker, seen: dict[Any, int]
) -> None:
    """A repeated id in one file is rejected (the first occurrence wins, so no row is silently lost)."""
    ids = _dedup_keys(kind, key, clean)
    rows = raw["__row__"].to_numpy()
    bad = chk.bad
    dup = np.zeros(len(ids), dtype=bool)
    reasons = np.full(len(ids), None, dtype=object)
    last_order = None
    for i, k in enumerate(ids):
        if bad[i] or k is None:
            continue
        if kind == "orders":
            oid = k[0]
            if oid != last_order and oid in seen:
                dup[i], reasons[i] = (
                    True,
                    f"order {oid} appeared before at row {seen[oid]}: rows of one order must be contiguous",
                )
                continue
            if oid != last_order:
                seen[oid] = int(rows[i])
                last_order = oid
            k = (k[0], k[1]) if k[1] != -1 else None
            if k is None:
                continue
        if k in seen:
            dup[i], reasons[i] = True, f"duplicate {key} (first at row {seen[k]})"
        else:
            seen[k] = int(rows[i])
    chk.flag(dup, key, reasons)

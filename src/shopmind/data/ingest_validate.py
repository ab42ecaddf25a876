"""Validation of a batch of raw rows, column by column (vectorised, so a million rows stay fast).

Each column is coerced by its :class:`~shopmind.data.ingest_specs.FieldSpec`; a row's first
problem (in spec order) is kept as its field and reason. A value's JSON type counts: ``true`` is
not a number, a list or an object is not text (only JSON fields such as ``attributes`` take objects).
Dates are ISO 8601, other common layouts, or epoch numbers (:func:`epoch_datetimes`). Rules that
span columns live here too: a search event needs a query, other events a product, a rating a value
between 1 and 5; an id repeated in one file is rejected on its second appearance. Whole-order rules
are in :mod:`.ingest_orders`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from shopmind.data.ingest_dates import FIRST_DATE, LAST_DATE, epoch_datetimes, text_datetimes
from shopmind.data.ingest_read import ERROR, ERROR_FIELD, type_name
from shopmind.data.ingest_specs import PATTERNS, SPECS, FieldSpec
from shopmind.data.schema import FILLED_LINE_PATTERN, FILLED_TEXT_PATTERN, TEXT_PATTERN, clean_json

# Whole-number columns without their own bound still have to fit the store's 32-bit integers.
INT_LIMIT = 2**31 - 1
_NUMBER_TYPES = ("integer", "floating", "mixed-integer-float", "decimal", "string", "empty")
_NEGATED = re.compile(r"\^\[\^([^\]]+)\]\*\$")  # a pattern such as ^[^\x00-\x1f]*$: characters it forbids
# Patterns that also forbid blank text are, for a value that is not blank, the plain ones.
_FORBIDDEN: dict[str, re.Pattern[str]] = {
    FILLED_LINE_PATTERN: re.compile(r"[\x00-\x1f\x7f]"),
    FILLED_TEXT_PATTERN: re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"),
}


class Checker:
    """Collects the first problem of each row of a batch."""

    def __init__(self, n: int) -> None:
        self.field = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)
        self._bad = np.zeros(n, dtype=bool)

    def flag(self, mask: np.ndarray, name: str | np.ndarray, reason: str | np.ndarray) -> None:
        """Rows in ``mask`` without a problem yet get this one (``name``/``reason`` per row or for all)."""
        new = np.asarray(mask, dtype=bool) & ~self._bad
        if not new.any():
            return
        self.field[new] = name[new] if isinstance(name, np.ndarray) else name
        self.reason[new] = reason[new] if isinstance(reason, np.ndarray) else reason
        self._bad |= new

    @property
    def bad(self) -> np.ndarray:
        return self._bad.copy()


def _as_text(s: pd.Series) -> pd.Series | None:
    """An all-text column as pandas' Arrow-backed strings (vectorised strip, case and regex), or
    None when it is not all text (or holds what Arrow cannot, an unpaired surrogate)."""
    if pd.api.types.infer_dtype(s, skipna=True) != "string":
        return None
    try:
        return s.astype("str")
    except (UnicodeError, ValueError, TypeError):
        return None


def _blank(s: pd.Series) -> np.ndarray:
    text = _as_text(s)
    if text is not None:
        return (text.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)
    values = s.to_numpy(dtype=object)
    blank = pd.isna(values)
    if pd.api.types.infer_dtype(values, skipna=True) != "empty":
        blank |= np.fromiter((isinstance(v, str) and not v.strip() for v in values), bool, len(values))
    return blank


def _wrong_type(
    spec: FieldSpec, values: np.ndarray, blank: np.ndarray, ok: Callable[[Any], bool], want: str, chk: Checker
) -> np.ndarray:
    """Rows whose value is of a JSON type the field cannot take (flagged, and then treated as blank)."""
    wrong = ~blank & np.fromiter((not ok(v) for v in values), dtype=bool, count=len(values))
    if wrong.any():
        reasons = np.full(len(values), None, dtype=object)
        reasons[wrong] = [f"{spec.name} must be {want}, not {type_name(v)}" for v in values[wrong]]
        chk.flag(wrong, spec.name, reasons)
    return wrong


def _is_text(v: Any) -> bool:
    return isinstance(v, str | int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)


def _is_number(v: Any) -> bool:
    return _is_text(v) or isinstance(v, np.number) or type(v).__name__ == "Decimal"


def _mismatch(s: pd.Series, pattern: str, blank: np.ndarray) -> np.ndarray:
    """Rows whose (text) value does not match ``pattern``. A pattern that only forbids characters is
    first searched for in the whole column at once (the common case: none of them anywhere)."""
    forbidden = _FORBIDDEN.get(pattern)
    if forbidden is None and (m := _NEGATED.fullmatch(pattern)):
        forbidden = _FORBIDDEN[pattern] = re.compile(f"[{m.group(1)}]")
    if forbidden is not None and s.dtype != object:  # Arrow strings: one vectorised search
        return ~blank & s.str.contains(forbidden.pattern, regex=True).fillna(False).to_numpy(dtype=bool)
    if forbidden is not None and not forbidden.search(" ".join(s[~blank].tolist())):
        return np.zeros(len(s), dtype=bool)
    return ~blank & ~s.fillna("").str.fullmatch(pattern).to_numpy(dtype=bool)


def _text_values(
    spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker
) -> tuple[pd.Series, np.ndarray]:
    """The column's values trimmed (and case-folded for enums and upper-case codes), blank as NaN/None;
    values of another JSON type than text are flagged and count as blank."""
    text = _as_text(raw)
    if text is not None:
        text = text.str.strip()
    else:
        values = raw.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) != "empty":
            blank = blank | _wrong_type(spec, values, blank, _is_text, "text", chk)
        cells = [None if b else str(v).strip() for v, b in zip(values, blank, strict=True)]
        text = pd.Series(np.array(cells, dtype=object), index=raw.index, dtype=object)
    if spec.kind == "enum":
        text = text.str.lower()
    elif spec.case == "upper":
        text = text.str.upper()
    return text.where(~blank), blank


def _text(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    s, blank = _text_values(spec, raw, blank, chk)
    if spec.kind == "enum":
        bad = ~blank & ~s.isin(spec.choices).to_numpy()
        chk.flag(bad, spec.name, f"{spec.name} must be one of {', '.join(spec.choices)}")
    else:
        pattern, message = (
            (spec.pattern, spec.message) if spec.pattern else (TEXT_PATTERN, PATTERNS[TEXT_PATTERN][0])
        )
        chk.flag(_mismatch(s, pattern, blank), spec.name, f"{spec.name} {message}")
    if spec.max_length is not None:
        long = ~blank & (s.str.len().fillna(0) > spec.max_length).to_numpy(dtype=bool)
        chk.flag(long, spec.name, f"{spec.name} must be at most {spec.max_length} characters")
    out = s.astype(object).where(~blank, None)
    return out.where(~blank, spec.default) if spec.default is not None else out


def _number(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    if pd.api.types.is_bool_dtype(raw.dtype):
        raw = raw.astype(object)
    if raw.dtype == object and pd.api.types.infer_dtype(raw, skipna=True) not in _NUMBER_TYPES:
        blank = blank | _wrong_type(spec, raw.to_numpy(dtype=object), blank, _is_number, "a number", chk)
    num = pd.to_numeric(raw.where(~blank, None), errors="coerce").astype(float)
    bad = ~blank & (num.isna().to_numpy() | ~np.isfinite(num.fillna(0).to_numpy(dtype=float)))
    chk.flag(bad, spec.name, f"{spec.name} must be a number")
    top = spec.max_value if spec.max_value is not None or spec.kind != "int" else INT_LIMIT
    if spec.kind == "int":
        frac = ~blank & ~bad & (num.fillna(0) % 1 != 0).to_numpy()
        chk.flag(frac, spec.name, f"{spec.name} must be a whole number")
    if spec.min_value is not None:
        low = ~blank & ~bad & (num.fillna(spec.min_value) < spec.min_value).to_numpy()
        chk.flag(low, spec.name, f"{spec.name} must be at least {spec.min_value:g}")
    if top is not None:
        high = ~blank & ~bad & (num.fillna(top) > top).to_numpy()
        chk.flag(high, spec.name, f"{spec.name} must be at most {top:,g}")
    if spec.default is not None:
        num = num.where(~blank, spec.default)
    return num


def _is_date(v: Any) -> bool:
    return _is_number(v) or isinstance(v, str | datetime | date)


def _object_datetimes(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    """Dates from Python objects: text, epoch numbers, datetime/date objects; anything else flagged."""
    values = raw.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return text_datetimes(raw.astype(object), ~blank)
    blank = blank | _wrong_type(spec, values, blank, _is_date, "a date/time", chk)
    is_text = np.fromiter((isinstance(v, str) for v in values), dtype=bool, count=len(values))
    text = pd.Series(values, index=raw.index, dtype=object)
    ts = text_datetimes(text, ~blank & is_text)
    rest = ~blank & ~is_text
    number = rest & np.fromiter((_is_number(v) for v in values), bool, len(values))
    if number.any():
        ts[number] = epoch_datetimes(pd.to_numeric(text[number], errors="coerce")).array
    other = rest & ~number
    if other.any():  # datetime and date objects
        ts[other] = pd.to_datetime(text[other], utc=True, errors="coerce").array
    return ts


def _datetime(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    if isinstance(raw.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(raw.dtype):
        ts = pd.to_datetime(raw.where(~blank), utc=True).astype("datetime64[us, UTC]")
    elif pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        ts = epoch_datetimes(raw.where(~blank)).astype("datetime64[us, UTC]")
    else:
        ts = _object_datetimes(spec, raw, blank, chk)
    missing = ~blank & ts.isna().to_numpy()
    chk.flag(missing, spec.name, f"{spec.name} must be a date/time such as 2025-03-01T12:30:00Z")
    inside = ((ts >= FIRST_DATE) & (ts < LAST_DATE)).to_numpy(dtype=bool)
    out_of_range = ~blank & ~missing & ~inside
    chk.flag(out_of_range, spec.name, f"{spec.name} must be between {FIRST_DATE:%Y} and {LAST_DATE:%Y}")
    return ts.where(~out_of_range)


def json_safe(value: Any) -> Any:
    """A value any JSON column can store: numpy scalars as Python, dates as ISO text, NaN as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if type(value).__name__ == "Decimal":
        return float(value)
    return value


def _json(spec: FieldSpec, raw: pd.Series, blank: np.ndarray, chk: Checker) -> pd.Series:
    out = np.full(len(raw), None, dtype=object)
    reasons = np.full(len(raw), None, dtype=object)
    for i, v in enumerate(raw.to_numpy(dtype=object)):
        if blank[i]:
            out[i] = {}
            continue
        parsed = v
        if isinstance(v, str):
            try:
                parsed = json.loads(v)
            except ValueError:
                parsed = None
        if not isinstance(parsed, dict):
            what = "not valid JSON" if parsed is None else f"not {type_name(parsed)}"
            reasons[i] = f'{spec.name} must be a JSON object such as {{"colour": "red"}}, {what}'
            continue
        try:
            out[i] = clean_json(json_safe(parsed))
        except ValueError as exc:
            reasons[i] = f"{spec.name} {exc}"
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


def _read_errors(raw: pd.DataFrame, chk: Checker) -> pd.DataFrame:
    """Rows the reader could not read are rejected with its reason; their values are not validated."""
    if ERROR not in raw.columns:
        return raw
    err = raw[ERROR].to_numpy(dtype=object)
    failed = pd.notna(err)
    if not failed.any():
        return raw
    field = raw[ERROR_FIELD].to_numpy(dtype=object) if ERROR_FIELD in raw.columns else np.full(len(raw), None)
    chk.flag(failed, np.where(pd.isna(field), "(line)", field), err)
    work = raw.copy()
    data = [c for c in raw.columns if not c.startswith("__")]
    work.loc[failed, data] = None
    return work


def validate(kind: str, raw: pd.DataFrame) -> tuple[pd.DataFrame, Checker]:
    """Coerce a batch of raw rows to the kind's columns; the checker holds each bad row's reason."""
    chk = Checker(len(raw))
    work = _read_errors(raw, chk)
    out = pd.DataFrame(index=raw.index)
    for spec in SPECS[kind]:
        col = work[spec.name] if spec.name in work.columns else pd.Series([None] * len(raw), index=raw.index)
        out[spec.name] = coerce(spec, col, chk)
    if kind == "products":
        _fold_extra_attributes(work, out, chk)
    if kind == "events":
        _check_event_subjects(out, chk)
        missing = out["event_id"].isna()
        if missing.any():
            out.loc[missing, "event_id"] = _event_ids(out[missing])
    return out, chk


def _fold_extra_attributes(raw: pd.DataFrame, out: pd.DataFrame, chk: Checker) -> None:
    """Columns of a product file that are not product fields become its attributes."""
    known = {s.name for s in SPECS["products"]}
    extra = [c for c in raw.columns if c not in known and not c.startswith("__")]
    if not extra:
        return
    attrs = out["attributes"].to_numpy(dtype=object).copy()
    reasons = np.full(len(raw), None, dtype=object)
    for c in extra:
        for i, v in enumerate(raw[c].to_numpy(dtype=object)):
            if isinstance(v, bytes | bytearray):
                reasons[i] = reasons[i] or f"{c} holds binary data, which an attribute cannot take"
            elif attrs[i] is not None and not _blank_value(v):
                attrs[i] = {**attrs[i], c: json_safe(v)}
    for i in np.flatnonzero(pd.isna(reasons)):
        if attrs[i]:
            try:
                attrs[i] = clean_json(attrs[i])
            except ValueError as exc:
                reasons[i] = f"attributes {exc}"
    chk.flag(pd.notna(reasons), "attributes", reasons)
    out["attributes"] = attrs


def _blank_value(v: Any) -> bool:
    if isinstance(v, list | dict | tuple | np.ndarray):
        return False
    return v is None or v == "" or bool(pd.isna(v))


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


def flag_duplicates(
    kind: str, key: str, clean: pd.DataFrame, raw: pd.DataFrame, chk: Checker, seen: dict[Any, int]
) -> None:
    """A repeated id in one file is rejected (the first occurrence wins, so no row is silently lost).
    Orders are checked whole, in :mod:`.ingest_orders`."""
    if kind == "orders":
        return
    ids = clean[key].tolist()
    rows = raw["__row__"].to_numpy()
    bad = chk.bad
    dup = np.zeros(len(ids), dtype=bool)
    reasons = np.full(len(ids), None, dtype=object)
    for i, k in enumerate(ids):
        if bad[i] or k is None:
            continue
        if k in seen:
            dup[i], reasons[i] = True, f"duplicate {key} (first at row {seen[k]})"
        else:
            seen[k] = int(rows[i])
    chk.flag(dup, key, reasons)

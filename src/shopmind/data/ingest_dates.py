"""Timestamps in ingested text: ISO 8601, other common layouts, and epoch numbers.

An epoch number counts seconds, or milliseconds when it is above :data:`EPOCH_MS_ABOVE` in absolute
value — pydantic's rule, so the API's models and files read the same number as the same instant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# An epoch number above this (in absolute value) counts milliseconds, below it seconds.
EPOCH_MS_ABOVE = 2e10
# The dates a timestamp may hold (the store's columns and Python's datetime agree on these).
FIRST_DATE, LAST_DATE = pd.Timestamp("1900-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")
_EPOCH_TEXT = r"[+-]?\d+(?:\.\d*)?"


def epoch_datetimes(num: pd.Series) -> pd.Series:
    """Epoch numbers as UTC timestamps: seconds, or milliseconds above :data:`EPOCH_MS_ABOVE`."""
    num = num.astype(float)
    seconds = num.where(num.abs() <= EPOCH_MS_ABOVE, num / 1000)
    return pd.to_datetime(seconds, unit="s", utc=True, errors="coerce")


def text_datetimes(text: pd.Series, todo: np.ndarray) -> pd.Series:
    """Text dates: ISO 8601, then epoch numbers (never exactly 8 digits: that is YYYYMMDD), then
    other common layouts such as ``12/1/2010 8:26``, each on what the one before left."""
    ts = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us, UTC]")
    if not todo.any():
        return ts
    ts[todo] = pd.to_datetime(text[todo], utc=True, errors="coerce", format="ISO8601")
    left = todo & ts.isna().to_numpy()
    if left.any():
        pos = np.flatnonzero(left)
        stripped = text.iloc[pos].str.strip()
        epoch = (stripped.str.fullmatch(_EPOCH_TEXT) & ~stripped.str.fullmatch(r"\d{8}")).to_numpy(dtype=bool)
        if epoch.any():
            ts.iloc[pos[epoch]] = epoch_datetimes(pd.to_numeric(stripped[epoch], errors="coerce")).array
            left[pos[epoch]] = False
    if left.any():
        ts[left] = pd.to_datetime(text[left], utc=True, errors="coerce", format="mixed")
    return ts

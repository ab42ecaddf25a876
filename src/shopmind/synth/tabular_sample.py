"""Drawing rows from a fitted :class:`~shopmind.synth.tabular.TabularGAN`: conditions, rejection of
rows that break a rule or copy a training row, and putting the kept rows together."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.synth.tabular import TabularGAN


def accept(
    model: TabularGAN, frame: pd.DataFrame, fixed: list, allow_copies: bool, dropped: dict[str, int]
) -> np.ndarray:
    """Which generated rows to keep: rules obeyed, conditions met, no copy of a training row."""
    from shopmind.synth.privacy import row_hashes

    ok = model.rules_.satisfied(frame)
    dropped["rules"] += int((~ok).sum())
    for name, _j, _code, value in fixed:
        ok &= frame[name].map(lambda v, value=value: same_value(v, value)).to_numpy(dtype=bool)
    if not allow_copies and len(model.train_hashes_):
        copy = np.isin(row_hashes(frame), model.train_hashes_)
        dropped["copies"] += int((copy & ok).sum())
        ok &= ~copy
    return ok


def assemble(columns: list[str], parts: list[pd.DataFrame], by_row: bool) -> pd.DataFrame:
    """The kept rows of every round as one frame (in context-row order ``by_row``)."""
    import pandas as pd

    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    if by_row:
        out = out.sort_values("_row", kind="stable").drop(columns="_row")
    return out.reset_index(drop=True)


def conditions(model: TabularGAN, where: Mapping[str, Any]) -> list[tuple[str, int, int, Any]]:
    """(column, index among the discrete columns, category index, category value) per condition."""
    discrete = [c for c in model.transformer_.columns_ if c.kind == "discrete"]
    by_name = {c.name: j for j, c in enumerate(discrete)}
    out = []
    for name, wanted in where.items():
        if name not in by_name:
            kind = "a continuous column" if name in model.columns_ else "not a column of this model"
            raise ValueError(
                f"cannot condition on {name!r}: {kind}; discrete columns: {', '.join(by_name) or 'none'}"
            )
        j = by_name[name]
        cats = discrete[j].categories
        hits = [i for i, c in enumerate(cats) if same_value(c, wanted)]
        if not hits:
            shown = ", ".join(repr(c) for c in cats[:20]) + (" …" if len(cats) > 20 else "")
            raise ValueError(f"{name!r} has no category {wanted!r} in training; categories: {shown}")
        out.append((name, j, hits[0], cats[hits[0]]))
    return out


def same_value(value: Any, wanted: Any) -> bool:
    """Whether a generated or category value equals a condition given as a value or as text
    ("True" matches True, "3" matches 3, "cancelled" matches "cancelled")."""
    import pandas as pd

    if value is None or (not isinstance(value, str | bytes) and bool(np.ndim(value) == 0 and pd.isna(value))):
        return wanted is None  # None, NaN, NaT and pd.NA are all "missing"
    if isinstance(value, np.generic):
        value = value.item()
    if value == wanted:
        return True
    return str(value).strip().lower() == str(wanted).strip().lower()

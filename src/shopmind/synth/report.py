"""How good and how private a synthetic table is, compared with the real one.

- **Column shapes**: per column 1 − KS statistic (numbers, datetimes) or 1 − total variation
  distance ½ Σ|p − q| (categories; missing is a category). 1 = identical marginals.
- **Column pairs**: two numeric columns: 1 − |ρ_real − ρ_synth| / 2 (Pearson); a pair with a
  category: 1 − TVD of the two joint distributions, numbers cut into 5 bins at the real quantiles.
- **Quality score** = mean(column-shape mean, column-pair mean) (the SDMetrics convention).
- **ML utility**: a gradient-boosted classifier trained on synthetic rows and tested on a real
  held-out split (AUC, F1 of the minority class), beside the same model trained on the real
  training rows. The synthesizer must have been fitted on the real training rows only.
- **Privacy**: share of synthetic rows that are exact copies of a real training row; distance
  to the closest real record (DCR; numbers min-max scaled on the real rows, categories one-hot),
  beside the DCR of real held-out rows (a synthetic row should be no closer than a fresh real one).

Column kinds follow the synthesizer's rule: text, categories, booleans and integers with at most
``max_levels`` distinct values are categories; everything else is numeric.
"""

from __future__ import annotations

import logging
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- column kinds and values
def is_numeric(s: pd.Series, max_levels: int = 20) -> bool:
    import pandas as pd

    if pd.api.types.is_bool_dtype(s) or not (
        pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s)
    ):
        return False
    if pd.api.types.is_datetime64_any_dtype(s):
        return True
    vals = s.dropna().to_numpy(dtype=float)
    integral = bool(len(vals)) and bool(np.all(np.mod(vals, 1) == 0))
    return not (integral and len(np.unique(vals)) <= max_levels)


def numeric_values(s: pd.Series) -> np.ndarray:
    """Numbers as float64, datetimes as seconds since the epoch (missing dropped)."""
    from shopmind.synth.transform import to_numeric

    dtype = "datetime" if _is_datetime(s) else "float"
    x = to_numeric(s, dtype)
    return x[~np.isnan(x)]


def _is_datetime(s: pd.Series) -> bool:
    import pandas as pd

    return pd.api.types.is_datetime64_any_dtype(s)


def _canon(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "<NA>"
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return format(float(v), ".9g")
    return str(v)


def category_strings(s: pd.Series) -> np.ndarray:
    """Values as canonical strings ("3" for 3 and 3.0, "True" for True and "True", "<NA>" for missing)."""
    return np.array([_canon(v) for v in s.astype(object).where(s.notna(), None)], dtype=object)


# ---------------------------------------------------------------------------- fidelity
def _ks_score(r: pd.Series, s: pd.Series) -> float:
    from scipy.stats import ks_2samp

    a, b = numeric_values(r), numeric_values(s)
    return 1.0 - float(ks_2samp(a, b).statistic) if len(a) and len(b) else 0.0


def _tv_score(r: np.ndarray, s: np.ndarray) -> float:
    import pandas as pd

    p = pd.Series(r).value_counts(normalize=True)
    q = pd.Series(s).value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return 1.0 - 0.5 * float(np.abs(p - q).sum())


def column_shapes(real: pd.DataFrame, synth: pd.DataFrame, max_levels: int = 20) -> dict[str, float]:
    """Per column: 1 − KS (numeric) or 1 − TVD (categorical)."""
    out = {}
    for col in real.columns:
        if is_numeric(real[col], max_levels):
            out[col] = _ks_score(real[col], synth[col])
        else:
            out[col] = _tv_score(category_strings(real[col]), category_strings(synth[col]))
    return out


def _binned(real: pd.Series, other: pd.Series, bins: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Both columns as bin labels, cut at the real column's quantiles (missing = its own bin)."""
    from shopmind.synth.transform import to_numeric

    dtype = "datetime" if _is_datetime(real) else "float"
    r, o = to_numeric(real, dtype), to_numeric(other, dtype)
    edges = np.unique(np.nanquantile(r, np.linspace(0, 1, bins + 1)[1:-1])) if np.isfinite(r).any() else []
    lab = lambda x: np.where(np.isnan(x), -1, np.searchsorted(edges, x, side="right"))  # noqa: E731
    return lab(r).astype(str).astype(object), lab(o).astype(str).astype(object)


def column_pairs(real: pd.DataFrame, synth: pd.DataFrame, max_levels: int = 20) -> dict[str, float]:
    """Per pair of columns: correlation similarity (two numbers) or contingency similarity."""
    numeric = {c: is_numeric(real[c], max_levels) for c in real.columns}
    as_cat = {}
    for c in real.columns:
        if numeric[c]:
            as_cat[c] = _binned(real[c], synth[c])
        else:
            as_cat[c] = (category_strings(real[c]), category_strings(synth[c]))
    out = {}
    for a, b in combinations(real.columns, 2):
        if numeric[a] and numeric[b]:
            out[f"{a}|{b}"] = _corr_score(real[[a, b]], synth[[a, b]])
        else:
            (ra, sa), (rb, sb) = as_cat[a], as_cat[b]
            out[f"{a}|{b}"] = _tv_score(ra + "\x1f" + rb, sa + "\x1f" + sb)
    return out


def _corr_score(r: pd.DataFrame, s: pd.DataFrame) -> float:
    def rho(df: pd.DataFrame) -> float:
        from shopmind.synth.transform import to_numeric

        x, y = (to_numeric(df[c], "datetime" if _is_datetime(df[c]) else "float") for c in df.columns)
        ok = ~(np.isnan(x) | np.isnan(y))
        if ok.sum() < 3 or x[ok].std() == 0 or y[ok].std() == 0:
            return 0.0
        return float(np.corrcoef(x[ok], y[ok])[0, 1])

    return 1.0 - abs(rho(r) - rho(s)) / 2


# ---------------------------------------------------------------------------- utility
def _features(frames: list[pd.DataFrame], label: str, max_levels: int) -> list[np.ndarray]:
    """The frames' non-label columns as one aligned numeric matrix each (categories one-hot)."""
    import pandas as pd

    ref = frames[0]
    parts: list[list[np.ndarray]] = [[] for _ in frames]
    for col in ref.columns:
        if col == label:
            continue
        if is_numeric(ref[col], max_levels):
            for i, f in enumerate(frames):
                parts[i].append(_num_with_nan(f[col])[:, None])
        else:
            cats = pd.Index(pd.unique(category_strings(ref[col])))
            for i, f in enumerate(frames):
                codes = cats.get_indexer(category_strings(f[col]))
                onehot = np.zeros((len(f), len(cats)), dtype=np.float32)
                hit = codes >= 0
                onehot[np.nonzero(hit)[0], codes[hit]] = 1.0
                parts[i].append(onehot)
    return [np.hstack(p).astype(np.float64) for p in parts]


def _num_with_nan(s: pd.Series) -> np.ndarray:
    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime" if _is_datetime(s) else "float")


def ml_utility(
    train: pd.DataFrame,
    test: pd.DataFrame,
    synth: pd.DataFrame,
    label: str,
    max_levels: int = 20,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """AUC and F1 (of the real training set's minority class) on ``test`` for a model trained on
    ``train`` (real) and one trained on ``synth``; HistGradientBoostingClassifier with fixed seed."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import f1_score, roc_auc_score

    y = {k: category_strings(f[label]) for k, f in (("train", train), ("test", test), ("synth", synth))}
    values, counts = np.unique(y["train"], return_counts=True)
    positive = values[counts.argmin()]
    x_train, x_test, x_synth = _features([train, test, synth], label, max_levels)
    out = {}
    for name, x, yy in (("real", x_train, y["train"]), ("synthetic", x_synth, y["synth"])):
        target = (yy == positive).astype(int)
        if target.min() == target.max():  # a synthetic set with one class cannot be trained on
            out[name] = {"auc": 0.5, "f1": 0.0}
            continue
        clf = HistGradientBoostingClassifier(max_iter=200, random_state=seed).fit(x, target)
        truth = (y["test"] == positive).astype(int)
        proba = clf.predict_proba(x_test)[:, 1]
        out[name] = {"auc": float(roc_auc_score(truth, proba)), "f1": float(f1_score(truth, proba >= 0.5))}
    out["positive"] = {"label": str(positive)}
    return out


# ---------------------------------------------------------------------------- formats and rules
FORMAT_CHECKS = {
    "email": r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",
    "name": r"^([A-Z][A-Za-z'’-]+( [A-Z][A-Za-z'’.-]*){1,2}|[\u4e00-\u9fff]{2,4})$",
    "address": r"^(\d+[A-Za-z]?\s+[^,]+(,\s*[^,]+){1,2}|[\u4e00-\u9fff]+.*\d+号.*)$",
    "code": r"^[A-Za-z0-9][A-Za-z0-9_-]{3,39}$",
}


def signature(s: pd.Series, kind: str) -> pd.Series:
    """A format column's values as what they are compared on: an e-mail's domain, a name's or an
    address's script and layout, a code's letter prefix and shape."""
    from shopmind.synth.roles import address_parts, code_shape, name_style

    if kind == "email":
        return s.map(lambda v: v.split("@", 1)[1].lower() if isinstance(v, str) and "@" in v else v)
    if kind == "name":
        return s.map(name_style)
    if kind == "address":
        return s.map(lambda v: address_parts(v)[0])
    return s.map(lambda v: code_shape(v, {v[:k] for k in (1, 2, 3)} if isinstance(v, str) else set()))


def format_checks(train: pd.DataFrame, synth: pd.DataFrame, formats: dict[str, str]) -> dict[str, dict]:
    """Per format column: share of non-empty synthetic values in the right format, share equal to a
    training value, share distinct."""
    import re

    out = {}
    for col, kind in formats.items():
        values = synth[col][synth[col].map(lambda v: isinstance(v, str) and v != "")]
        pattern = re.compile(FORMAT_CHECKS[kind])
        seen = set(train[col].dropna().astype(str))
        n = max(len(values), 1)
        out[col] = {
            "kind": kind,
            "valid": float(values.map(lambda v, p=pattern: bool(p.match(v))).sum() / n),
            "copied": float(values.isin(seen).sum() / n),
            "distinct": float(values.nunique() / n),
        }
    return out


# ---------------------------------------------------------------------------- per-column views
def column_view(
    real: pd.Series, synth: pd.Series, max_levels: int = 20, bins: int = 20, top: int = 12
) -> dict:
    """What a per-column chart draws: the share of real and synthetic rows per bin (numbers and
    datetimes, bins between the real 0.5 % and 99.5 % quantiles) or per category (the ``top``
    most frequent real ones, the rest as "(other)")."""
    import pandas as pd

    if is_numeric(real, max_levels):
        r, s = numeric_values(real), numeric_values(synth)
        lo, hi = np.quantile(r, [0.005, 0.995]) if len(r) else (0.0, 1.0)
        edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
        share = lambda x: (np.histogram(np.clip(x, lo, hi), edges)[0] / max(len(x), 1)).tolist()  # noqa: E731
        stamp = _is_datetime(real)
        labels = [
            str(pd.Timestamp(e, unit="s").date()) if stamp else format(float(e), ".4g") for e in edges[:-1]
        ]
        return {
            "kind": "datetime" if stamp else "numeric",
            "labels": labels,
            "real": share(r),
            "synthetic": share(s),
        }
    p = pd.Series(category_strings(real)).value_counts(normalize=True)
    q = pd.Series(category_strings(synth)).value_counts(normalize=True)
    keep = list(p.index[:top])
    labels = keep + (["(other)"] if len(p) > top else [])
    rest = lambda d: [float(d.reindex(keep, fill_value=0).sum())] if len(p) > top else []  # noqa: E731
    return {
        "kind": "category",
        "labels": [str(k) for k in labels],
        "real": [float(p.get(k, 0.0)) for k in keep] + [1 - x for x in rest(p)],
        "synthetic": [float(q.get(k, 0.0)) for k in keep] + [1 - x for x in rest(q)],
    }


# ---------------------------------------------------------------------------- the report
def evaluate(
    train: pd.DataFrame,
    synth: pd.DataFrame,
    *,
    test: pd.DataFrame | None = None,
    label: str | None = None,
    max_levels: int = 20,
    rules: Any = None,
    formats: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole report as a JSON-able dict: fidelity, per-column views, privacy (``test`` = real
    rows the synthesizer never saw adds the hold-out baselines and membership inference; with
    ``label`` ML utility), and with the model's ``rules`` the constraint and format checks
    (``formats`` = {column: role} names format columns without the rules)."""
    from shopmind.synth.privacy import comparable, privacy

    missing = [c for c in train.columns if c not in synth.columns]
    if missing:
        raise ValueError(f"the synthetic table lacks columns {missing}")
    synth = synth[list(train.columns)]
    if formats is None:  # format columns (e-mail, name, address, code) are compared on their format
        roles = rules.roles_ if rules is not None else []
        formats = {r.column: r.kind for r in roles if r.column in train.columns}
    view = lambda f: f.assign(**{c: signature(f[c], k) for c, k in formats.items()})  # noqa: E731
    tr, sy = view(train), view(synth)
    shapes = column_shapes(tr, sy, max_levels)
    pairs = column_pairs(tr, sy, max_levels)
    shape, pair = float(np.mean(list(shapes.values()))), float(np.mean(list(pairs.values()) or [1.0]))
    report: dict[str, Any] = {
        "rows": {
            "real": len(train),
            "synthetic": len(synth),
            "holdout": len(test) if test is not None else 0,
        },
        "quality_score": (shape + pair) / 2,
        "column_shapes": shape,
        "column_pairs": pair,
        "per_column": shapes,
        "columns": {c: column_view(tr[c], sy[c], max_levels) for c in train.columns},
        "formats": formats,
        "privacy": privacy(train, synth, test),
    }
    if rules is not None:
        report["rules"] = {
            "constraints": rules.violations(synth),
            "real": rules.violations(train),
            "formats": format_checks(train, synth, formats),
        }
    if label is not None and test is not None:
        keep = [c for c in comparable(tr, max_levels) if c != label] + [label]
        report["ml_utility"] = ml_utility(tr[keep], view(test)[keep], sy[keep], label, max_levels)
    return report

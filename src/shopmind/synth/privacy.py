"""How private a synthetic table is: copies, distances to real records, membership inference.

- **Exact copies**: share of synthetic rows equal to a training row (canonical values).
- **DCR**: distance of each synthetic row to the closest training row (numbers min-max scaled on
  the training rows, categories one-hot ÷ √2 so one differing category counts 1), beside the same
  for real held-out rows — a synthetic row should be no closer than a fresh real one.
- **Closer to training than to hold-out**: with as many training rows as held-out rows, the share
  of synthetic rows whose nearest real row is a training row (ties count half). A generator that
  learned the population and not its rows scores 0.5; one that copies scores near 1.
- **Membership inference**: an attacker holding the synthetic table scores a candidate record by
  how close the nearest synthetic row is (the distance attack of Chen et al., "GAN-Leaks", CCS
  2020, full black-box); AUC of telling training rows (members) from held-out rows (non-members),
  as many of each. 0.5 = the synthetic table says nothing about who was in the training data.

Identifier-like text columns (more than half of the values distinct: e-mails, names, addresses,
codes) are left out of the distances: a generated e-mail never equals a real one, so they would
only add the same distance to every pair.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.report import _canon, _features, category_strings, is_numeric

if TYPE_CHECKING:
    import pandas as pd


# ---------------------------------------------------------------------------- hashes and copies
def _hash_text(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash per row of the canonical values (int64); equal rows get equal hashes."""
    cols = [category_strings(frame[c]) for c in frame.columns]
    keys = ["\x1f".join(vals) for vals in zip(*cols, strict=True)] if cols else []
    return np.array([_hash_text(k) for k in keys], dtype=np.int64)


def value_hash(value: Any) -> int:
    """A 64-bit hash of one cell's canonical value (as :func:`value_hashes`)."""
    missing = value is None or (isinstance(value, float) and np.isnan(value))
    return _hash_text(_canon(None if missing else value))


def value_hashes(s: pd.Series) -> np.ndarray:
    """A 64-bit hash per cell of a column (int64), equal for equal canonical values."""
    return np.array([_hash_text(k) for k in category_strings(s)], dtype=np.int64)


def exact_copy_share(real: pd.DataFrame, synth: pd.DataFrame) -> float:
    """Share of synthetic rows equal (on every column, canonical values) to some real row."""
    if not len(synth):
        return 0.0
    return float(np.isin(row_hashes(synth[real.columns]), row_hashes(real)).mean())


# ---------------------------------------------------------------------------- distances
def comparable(frame: pd.DataFrame, max_levels: int = 20) -> list[str]:
    """The columns distances are measured on: all but identifier-like text columns."""
    out = []
    for c in frame.columns:
        s = frame[c]
        if not is_numeric(s, max_levels) and len(s.dropna()) and s.nunique() / len(s.dropna()) > 0.5:
            continue
        out.append(c)
    return out


def _matrices(real: pd.DataFrame, others: list[pd.DataFrame], max_levels: int) -> list[np.ndarray]:
    """``real`` and ``others`` as scaled feature matrices (scaling from ``real``)."""
    cols = comparable(real, max_levels)
    mats = _features([real[cols], *[o[cols] for o in others]], label="", max_levels=max_levels)
    with warnings.catch_warnings():  # an all-missing column: no scale, every value becomes -1
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanmin(mats[0], axis=0), np.nanmax(mats[0], axis=0)
    lo = np.nan_to_num(lo)
    scale = np.where(hi > lo, hi - lo, 1.0)
    return [np.nan_to_num((m - lo) / scale, nan=-1.0) for m in mats]


def _subsample(frame: pd.DataFrame, k: int, rng: np.random.Generator) -> pd.DataFrame:
    return frame.iloc[rng.choice(len(frame), k, replace=False)] if len(frame) > k else frame


def _nearest(base: np.ndarray, query: np.ndarray) -> np.ndarray:
    from sklearn.neighbors import NearestNeighbors

    return NearestNeighbors(n_neighbors=1).fit(base).kneighbors(query)[0][:, 0]


def dcr(
    real: pd.DataFrame, others: list[pd.DataFrame], max_levels: int = 20, max_rows: int = 5000, seed: int = 0
) -> list[np.ndarray]:
    """Distance of each row of each frame in ``others`` (at most ``max_rows``, sampled) to the
    closest row of ``real``."""
    rng = np.random.default_rng(seed)
    others = [_subsample(o, max_rows, rng) for o in others]
    mats = _matrices(real, others, max_levels)
    return [_nearest(mats[0], m) for m in mats[1:]]


def closer_to_train_share(
    train: pd.DataFrame, holdout: pd.DataFrame, synth: pd.DataFrame, max_rows: int = 5000, seed: int = 0
) -> float:
    """Share of synthetic rows nearer a training row than any held-out row, with as many training
    rows as held-out ones (ties count half); 0.5 is ideal."""
    rng = np.random.default_rng(seed)
    k = min(len(train), len(holdout), max_rows)
    tr, ho, sy = _subsample(train, k, rng), _subsample(holdout, k, rng), _subsample(synth, max_rows, rng)
    m_tr, m_ho, m_sy = _matrices(tr, [ho, sy], 20)
    d_tr, d_ho = _nearest(m_tr, m_sy), _nearest(m_ho, m_sy)
    return float(np.mean((d_tr < d_ho) + 0.5 * (d_tr == d_ho)))


def membership_inference_auc(
    train: pd.DataFrame, holdout: pd.DataFrame, synth: pd.DataFrame, max_rows: int = 2000, seed: int = 0
) -> float:
    """AUC of the distance attack telling training rows from held-out rows by their distance to
    the nearest synthetic row (closer = "member")."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    k = min(len(train), len(holdout), max_rows)
    members, others = _subsample(train, k, rng), _subsample(holdout, k, rng)
    m_sy, m_in, m_out = _matrices(synth, [members, others], 20)
    scores = -np.concatenate([_nearest(m_sy, m_in), _nearest(m_sy, m_out)])
    return float(roc_auc_score(np.r_[np.ones(len(m_in)), np.zeros(len(m_out))], scores))


def privacy(
    train: pd.DataFrame, synth: pd.DataFrame, holdout: pd.DataFrame | None = None
) -> dict[str, float]:
    """Exact copies and DCR; with a hold-out also its DCR, the closer-to-training share and the
    membership-inference AUC."""
    out = {"exact_copy_share": exact_copy_share(train, synth)}
    frames = [synth] + ([holdout] if holdout is not None else [])
    dists = dcr(train, frames)
    out["dcr_median"] = float(np.median(dists[0]))
    out["dcr_p05"] = float(np.quantile(dists[0], 0.05))
    if holdout is not None and len(holdout):
        out["holdout_dcr_median"] = float(np.median(dists[1]))
        out["holdout_dcr_p05"] = float(np.quantile(dists[1], 0.05))
        out["closer_to_train_share"] = closer_to_train_share(train, holdout, synth)
        out["membership_inference_auc"] = membership_inference_auc(train, holdout, synth)
    return out

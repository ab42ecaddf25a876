"""Uplift evaluation on a randomised test set: uplift@k, Qini and uplift curves, AUUC, Qini coefficient.

Definitions follow scikit-uplift (sklift.metrics), so figures are comparable with its published ones:

- ``uplift_at_k(strategy="by_group")``: rank the treated and the control customers *separately* by
  predicted uplift; take the top k% of each group; uplift@k = response rate of those treated −
  response rate of those controls. (``strategy="overall"`` ranks everyone together instead.)
- Uplift curve at n (top n customers overall): (Y_t/N_t − Y_c/N_c) · (N_t + N_c).
- Qini curve at n: Y_t − Y_c · N_t / N_c.
- AUUC / Qini coefficient: the area between the model's curve and the random-targeting line,
  divided by the same area for the perfect ranking (1 = perfect, 0 = random).
"""

from __future__ import annotations

import numpy as np


def _arrays(y, uplift, treatment) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, u, t = (np.asarray(v) for v in (y, uplift, treatment))
    if not (len(y) == len(u) == len(t)):
        raise ValueError(f"y, uplift and treatment differ in length: {len(y)}, {len(u)}, {len(t)}")
    if not set(np.unique(t)) <= {0, 1} or len(np.unique(t)) < 2:
        raise ValueError("treatment must hold 0 (control) and 1 (treated), both present")
    return y.astype("float64"), u.astype("float64"), t.astype("int64")


def uplift_at_k(y, uplift, treatment, k: float = 0.3, strategy: str = "by_group") -> float:
    """Response rate of the treated minus that of the controls in the top ``k`` share by predicted uplift."""
    y, u, t = _arrays(y, uplift, treatment)
    if not 0 < k <= 1:
        raise ValueError(f"k is a share in (0, 1], got {k}")
    if strategy == "overall":
        top = np.argsort(-u, kind="mergesort")[: int(np.ceil(len(u) * k))]
        yt, tt = y[top], t[top]
        if tt.min() == tt.max():
            raise ValueError("the top k holds only one group; use a larger k or strategy='by_group'")
        return float(yt[tt == 1].mean() - yt[tt == 0].mean())
    if strategy != "by_group":
        raise ValueError(f"strategy is 'by_group' or 'overall', got {strategy!r}")
    rates = []
    for group in (1, 0):
        yg, ug = y[t == group], u[t == group]
        n = int(np.ceil(len(yg) * k))
        rates.append(yg[np.argsort(-ug, kind="mergesort")[:n]].mean())
    return float(rates[0] - rates[1])


def _cumulative(y, u, t):
    order = np.argsort(-u, kind="mergesort")
    y, t = y[order], t[order]
    # Cut only where the score changes, so tied scores form one step (as sklift does).
    cuts = np.r_[np.flatnonzero(np.diff(u[order])), len(u) - 1]
    n_t = np.cumsum(t)[cuts]
    n_c = np.cumsum(1 - t)[cuts]
    y_t = np.cumsum(y * t)[cuts]
    y_c = np.cumsum(y * (1 - t))[cuts]
    return cuts + 1, n_t, n_c, y_t, y_c


def qini_curve(y, uplift, treatment) -> tuple[np.ndarray, np.ndarray]:
    """(x, qini): x = customers targeted (from the top), qini = Y_t − Y_c·N_t/N_c; starts at (0, 0)."""
    y, u, t = _arrays(y, uplift, treatment)
    x, n_t, n_c, y_t, y_c = _cumulative(y, u, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = y_t - np.where(n_c > 0, y_c * n_t / n_c, 0.0)
    return np.r_[0, x], np.r_[0.0, q]


def uplift_curve(y, uplift, treatment) -> tuple[np.ndarray, np.ndarray]:
    """(x, uplift·n): (Y_t/N_t − Y_c/N_c)·(N_t + N_c) over the top x customers; starts at (0, 0)."""
    y, u, t = _arrays(y, uplift, treatment)
    x, n_t, n_c, y_t, y_c = _cumulative(y, u, t)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(n_t > 0, y_t / np.maximum(n_t, 1), 0.0) - np.where(
            n_c > 0, y_c / np.maximum(n_c, 1), 0.0
        )
    return np.r_[0, x], np.r_[0.0, rate * (n_t + n_c)]


def _perfect_scores(y, t, qini: bool) -> np.ndarray:
    """Scores of the ideal ranking (sklift's perfect_qini_curve / perfect_uplift_curve)."""
    if qini:  # treated responders first, control responders last
        return y * t - y * (1 - t)
    cr, cc = (y * t).sum(), (y * (1 - t)).sum()
    summand = y if cr > cc else t
    return 2 * (y == t) + summand


def _normalised_area(curve, y, u, t, qini: bool) -> float:
    x, v = curve(y, u, t)
    xp, vp = curve(y, _perfect_scores(y, t, qini), t)
    random_area = x[-1] * v[-1] / 2  # the straight line from (0, 0) to the end point
    area = np.trapezoid(v, x) - random_area
    best = np.trapezoid(vp, xp) - random_area
    return float(area / best) if best != 0 else 0.0


def qini_auc_score(y, uplift, treatment) -> float:
    """The Qini coefficient: normalised area between the Qini curve and random targeting (1 = perfect)."""
    y, u, t = _arrays(y, uplift, treatment)
    return _normalised_area(qini_curve, y, u, t, qini=True)


def uplift_auc_score(y, uplift, treatment) -> float:
    """AUUC: normalised area between the uplift curve and random targeting (1 = perfect)."""
    y, u, t = _arrays(y, uplift, treatment)
    return _normalised_area(uplift_curve, y, u, t, qini=False)


def policy_value(y, arm, recommended, propensity: dict[str, float]) -> float:
    """Expected response if each customer got the recommended arm, estimated from a randomised test
    by inverse propensity weighting: mean of y·1[arm = recommended] / P(arm)."""
    y, arm, rec = (
        np.asarray(y, dtype="float64"),
        np.asarray(arm).astype(str),
        np.asarray(recommended).astype(str),
    )
    p = np.array([propensity[a] for a in arm])
    return float(np.mean(y * (arm == rec) / p))


def evaluate(y, uplift, treatment, ks: tuple[float, ...] = (0.1, 0.2, 0.3, 0.5)) -> dict[str, float]:
    """uplift@k (by group) for each k, AUUC and the Qini coefficient, as one dict."""
    out = {f"uplift@{int(k * 100)}%": uplift_at_k(y, uplift, treatment, k) for k in ks}
    out["auuc"] = uplift_auc_score(y, uplift, treatment)
    out["qini"] = qini_auc_score(y, uplift, treatment)
    return out

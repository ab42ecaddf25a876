"""Reproducible marketing benchmarks on public data: Hillstrom uplift, CDNOW CLV, Online Retail churn.

The bench/ scripts and `shopmind marketing … --dataset` call these; each takes a seed and returns a
JSON-ready dict. Protocol everywhere: tune on a validation part carved out of the training data,
evaluate the test part once with the chosen settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import numpy as np

from shopmind.marketing.charts import qini_data
from shopmind.marketing.uplift import METHODS, UpliftConfig, UpliftModel, hillstrom_matrix
from shopmind.marketing.uplift_metrics import evaluate, policy_value, qini_auc_score, uplift_at_k

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

# The hyper-parameter grid searched on validation, per method.
UPLIFT_GRID: tuple[UpliftConfig, ...] = (
    UpliftConfig(learner="logistic", l2=1.0),
    UpliftConfig(learner="logistic", l2=100.0),
    UpliftConfig(learner="hgb", max_iter=50, min_samples_leaf=200),
    UpliftConfig(learner="hgb", max_iter=100, min_samples_leaf=500),
    UpliftConfig(learner="hgb", max_iter=200, learning_rate=0.03, min_samples_leaf=1000),
)


def _split(n: int, strata: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    idx = np.arange(n)
    return train_test_split(idx, test_size=share, random_state=seed, stratify=strata)


def hillstrom_uplift(
    arm: str = "womens",
    target: str = "visit",
    seed: int = 42,
    methods: tuple[str, ...] = METHODS,
    grid: tuple[UpliftConfig, ...] = UPLIFT_GRID,
    sample: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """One treatment arm ("womens" or "mens") vs no e-mail: seeded 50/50 train/test split (stratified by
    arm and target); 30% of the training half is validation for picking each method's settings by Qini
    coefficient; the chosen settings are refitted on the whole training half and scored on the test half once.
    ``sample`` keeps a seeded random subset of rows first (tests)."""
    from shopmind.data.datasets import load_hillstrom

    df = load_hillstrom()
    df = df[df["segment"].astype(str).isin(["No E-Mail", f"{arm.capitalize()} E-Mail"])].reset_index(
        drop=True
    )
    if sample is not None and sample < len(df):
        df = df.sample(sample, random_state=seed).reset_index(drop=True)
    X, arms, y = hillstrom_matrix(df, target)
    t = (arms != "control").astype("int64")
    train, test = _split(len(y), t * 2 + y, 0.5, seed)
    fit_idx, val_idx = _split(len(train), (t * 2 + y)[train], 0.3, seed)
    fit_idx, val_idx = train[fit_idx], train[val_idx]
    out: dict[str, Any] = {"arm": arm, "target": target, "seed": seed, "rows": len(y), "methods": {}}
    out["split"] = {"fit": len(fit_idx), "validation": len(val_idx), "test": len(test)}
    test_uplift = {}
    for method in methods:
        tried = []
        for cfg in grid:
            cfg = replace(cfg, method=method, seed=seed)
            start = time.perf_counter()
            u = UpliftModel(cfg).fit(X[fit_idx], arms[fit_idx], y[fit_idx]).predict(X[val_idx])[:, 0]
            score = qini_auc_score(y[val_idx], u, t[val_idx])
            tried.append((score, cfg, uplift_at_k(y[val_idx], u, t[val_idx], 0.3)))
            if progress:
                progress(f"{method} {cfg.learner}: val Qini {score:.4f} ({time.perf_counter() - start:.1f}s)")
        best_score, best_cfg, best_u30 = max(tried, key=lambda r: r[0])
        model = UpliftModel(best_cfg).fit(X[train], arms[train], y[train])
        u = test_uplift[method] = model.predict(X[test])[:, 0]
        out["methods"][method] = {
            "config": asdict(best_cfg),
            "validation_qini": best_score,
            "validation_uplift@30%": best_u30,
            "test": evaluate(y[test], u, t[test]),
        }
    chosen = max(out["methods"], key=lambda m: out["methods"][m]["validation_qini"])
    out["chosen"] = chosen
    out["qini_chart"] = qini_data(y[test], test_uplift[chosen], t[test])
    rng = np.random.default_rng(seed)
    random_u30 = [uplift_at_k(y[test], rng.random(len(test)), t[test], 0.3) for _ in range(50)]
    out["random_uplift@30%"] = {"mean": float(np.mean(random_u30)), "sd": float(np.std(random_u30))}
    out["ate_test"] = float(y[test][t[test] == 1].mean() - y[test][t[test] == 0].mean())
    return out


def hillstrom_multi(
    target: str = "visit", seed: int = 42, config: UpliftConfig | None = None
) -> dict[str, Any]:
    """Both e-mails and the control as one multi-treatment model (50/50 split stratified by arm and target):
    per-arm uplift@30% on the test half, and the expected visit rate if each customer got the arm the model
    picks, estimated by inverse propensity weighting, against sending everyone one arm or nothing."""
    from shopmind.data.datasets import load_hillstrom

    cfg = replace(config or UpliftConfig(method="two_model", learner="logistic", l2=1.0), seed=seed)
    X, arms, y = hillstrom_matrix(load_hillstrom(), target)
    codes = np.unique(arms, return_inverse=True)[1]
    train, test = _split(len(y), codes * 2 + y, 0.5, seed)
    model = UpliftModel(cfg).fit(X[train], arms[train], y[train])
    u = model.predict(X[test])
    out: dict[str, Any] = {"target": target, "seed": seed, "config": asdict(cfg), "arms": {}}
    for j, a in enumerate(model.arms_):
        keep = np.isin(arms[test], [a, "control"])
        out["arms"][a] = evaluate(y[test][keep], u[keep, j], (arms[test][keep] == a).astype(int))
    propensity = {a: float(np.mean(arms[train] == a)) for a in np.unique(arms)}
    best, _ = model.best_arm(X[test])
    policies = {"model": best} | {f"everyone {a}": np.full(len(test), a) for a in np.unique(arms)}
    rng = np.random.default_rng(seed)
    policies["random arm"] = rng.choice(np.unique(arms), len(test))
    out["policy_value"] = {k: policy_value(y[test], arms[test], v, propensity) for k, v in policies.items()}
    out["model_assignment_share"] = {a: float(np.mean(best == a)) for a in np.unique(arms)}
    return out


def cdnow_clv(progress: Progress | None = None) -> dict[str, Any]:
    """BG/NBD + Gamma-Gamma on the CDNOW sample summaries (vs the published fits), and on the full CDNOW
    master file calibrated to 1997-09-30 with the 39-week holdout to 1998-06-30: predicted vs actual."""
    from shopmind.data.datasets import load_cdnow
    from shopmind.marketing.clv import BetaGeoModel, GammaGammaModel, summary_from_transactions

    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "p": 6.25, "q": 3.74, "v": 15.45}
    s = load_cdnow("summary")
    start = time.perf_counter()
    bg = BetaGeoModel().fit(s["frequency"], s["recency"], s["T"])
    w = load_cdnow("summary_with_transactions")
    gg = GammaGammaModel().fit(w["x"], w["zbar"])
    fitted = bg.params_ | gg.params_
    out: dict[str, Any] = {
        "sample": {
            "customers": len(s),
            "fitted": fitted,
            "published": published,
            "relative_error": {k: abs(fitted[k] - v) / v for k, v in published.items()},
            "loglik": bg.loglik_,
            "seconds": time.perf_counter() - start,
        }
    }
    if progress:
        progress("CDNOW sample fitted; fitting the full CDNOW")
    tx = load_cdnow("master")
    summ = summary_from_transactions(
        tx, "customer_id", "date", "dollar_value", calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    start = time.perf_counter()
    full = BetaGeoModel().fit(summ["frequency"], summ["recency"], summ["T"])
    pred = full.conditional_expected_purchases(39.0, summ["frequency"], summ["recency"], summ["T"])
    T = summ["T"].to_numpy()
    aggregate = float(np.sum(full.expected_purchases(T + 39.0) - full.expected_purchases(T)))
    actual = summ["frequency_holdout"].to_numpy()
    by_x = {}
    for x in range(8):
        sel = summ["frequency"].clip(upper=7).to_numpy() == x
        by_x[f"{x}{'+' if x == 7 else ''}"] = {
            "customers": int(sel.sum()),
            "predicted": float(pred[sel].mean()),
            "actual": float(actual[sel].mean()),
        }
    out["full"] = {
        "customers": len(summ),
        "params": full.params_,
        "calibration_repeat_purchases": float(summ["frequency"].sum()),
        "holdout_actual": float(actual.sum()),
        "holdout_predicted_conditional": float(pred.sum()),
        "holdout_predicted_unconditional": aggregate,
        "customer_mae": float(np.mean(np.abs(pred - actual))),
        "by_calibration_frequency": by_x,
        "seconds": time.perf_counter() - start,
    }
    return out


CHURN_GRID: tuple[dict[str, Any], ...] = (
    {"learner": "logistic", "l2": 1.0},
    {"learner": "logistic", "l2": 10.0},
    {"learner": "hgb", "max_iter": 100, "min_samples_leaf": 40},
    {"learner": "hgb", "max_iter": 200, "learning_rate": 0.03, "min_samples_leaf": 80},
    {"learner": "hgb", "max_iter": 300, "learning_rate": 0.02, "max_leaf_nodes": 7, "min_samples_leaf": 100},
)


def retail_churn(
    train_cutoffs: tuple[str, ...] = ("2011-02-01", "2011-03-01"),
    valid_cutoff: str = "2011-06-01",
    test_cutoff: str = "2011-09-10",
    horizon_days: int = 90,
    seed: int = 0,
    purchases=None,
) -> dict[str, Any]:
    """Next-purchase propensity on UCI Online Retail with label windows that never overlap the next split:
    train on snapshots at ``train_cutoffs`` (labels end before ``valid_cutoff``), pick settings by validation
    AUC, refit on train + validation snapshots, report test AUC once (labels to 2011-12-09)."""
    import pandas as pd

    from shopmind.marketing.churn import ChurnConfig, PropensityModel, auc, snapshot
    from shopmind.marketing.data import online_retail_purchases

    p = purchases or online_retail_purchases()
    train = pd.concat([snapshot(p, c, horizon_days) for c in train_cutoffs])
    valid = snapshot(p, valid_cutoff, horizon_days)
    test = snapshot(p, test_cutoff, horizon_days)
    tried = []
    for params in CHURN_GRID:
        cfg = ChurnConfig(horizon_days=horizon_days, seed=seed, **params)
        tried.append((auc(valid["label"], PropensityModel(cfg).fit(train).predict(valid)), cfg))
    best_auc, best = max(tried, key=lambda r: r[0])
    final = PropensityModel(best).fit(pd.concat([train, valid]))
    score = final.predict(test)
    baseline = -test["recency_days"].to_numpy()  # "bought most recently = most likely to buy again"
    return {
        "horizon_days": horizon_days,
        "cutoffs": {"train": list(train_cutoffs), "validation": valid_cutoff, "test": test_cutoff},
        "rows": {"train": len(train), "validation": len(valid), "test": len(test)},
        "positive_rate": {"train": float(train["label"].mean()), "test": float(test["label"].mean())},
        "validation": [{"config": asdict(c), "auc": a} for a, c in tried],
        "chosen": asdict(best),
        "validation_auc": best_auc,
        "test_auc": auc(test["label"], score),
        "test_auc_recency_only": auc(test["label"], baseline),
    }

"""The report for people: per-column chart data, format checks, and findings in English and Chinese
whose verdicts follow the numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shopmind.synth.report import column_view, evaluate, format_checks
from shopmind.synth.report_text import explain


def _table(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return pd.DataFrame(
        {
            "amount": np.exp(x),
            "channel": rng.choice(["web", "app", "shop"], n, p=[0.6, 0.3, 0.1]),
            "bought": (x + rng.standard_normal(n) > 0.8),
            "email": [f"user{seed}-{i}@example.com" for i in range(n)],
        }
    )


def test_column_views_hold_the_shares_a_chart_draws() -> None:
    real, synth = _table(500, 0), _table(500, 1)
    view = column_view(real["amount"], synth["amount"])
    assert view["kind"] == "numeric" and len(view["labels"]) == len(view["real"]) == 20
    assert abs(sum(view["real"]) - 1) < 1e-9 and abs(sum(view["synthetic"]) - 1) < 1e-9
    cats = column_view(real["channel"], synth["channel"])
    assert cats["kind"] == "category" and cats["labels"][0] == "web" and cats["real"][0] > 0.5
    checks = format_checks(
        real, synth.assign(email=list(real["email"][:10]) + ["not an e-mail"] * 490), {"email": "email"}
    )
    assert checks["email"]["copied"] == 10 / 500 and checks["email"]["valid"] == 10 / 500


def test_findings_follow_the_numbers_in_both_languages() -> None:
    real, fresh, test = _table(600, 0), _table(600, 1), _table(300, 2)
    good = evaluate(real, fresh, test=test, label="bought", formats={"email": "email"})
    findings = {f["topic"]: f for f in explain(good)}
    assert findings["resemblance"]["verdict"] == "good" and "相似度" in findings["resemblance"]["zh"]
    assert findings["copies"]["verdict"] == "good" and findings["membership"]["verdict"] == "good"
    assert findings["usefulness"]["verdict"] in ("good", "fair") and "AUC" in findings["usefulness"]["en"]
    copied = evaluate(real, real.sample(frac=1.0, random_state=0), test=test, label="bought")
    findings = {f["topic"]: f for f in explain(copied)}
    assert findings["copies"]["verdict"] == "poor" and findings["membership"]["verdict"] == "poor"
    assert all(f["en"] and f["zh"] for f in explain(copied))

"""A/B analysis: conversion and revenue per arm with confidence intervals and significance tests.

- Conversion rate per arm: Wilson score interval.
- Difference in conversion (arm − control): Wald interval; two-sided p-value from the pooled
  two-proportion z-test (equivalent to Pearson's χ² test on the 2×2 table).
- Revenue per customer: mean with a t interval; difference vs control by Welch's t-test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Arm:
    """One arm's outcome: customers, how many converted, and revenue per customer (optional)."""

    name: str
    customers: int
    conversions: int
    revenue: tuple[float, ...] = ()  # one value per customer (0 for non-buyers); empty = not analysed

    def __post_init__(self) -> None:
        if self.customers <= 0 or not 0 <= self.conversions <= self.customers:
            raise ValueError(
                f"arm {self.name!r}: need customers > 0 and 0 <= conversions <= customers, "
                f"got {self.conversions}/{self.customers}"
            )
        if self.revenue and len(self.revenue) != self.customers:
            raise ValueError(
                f"arm {self.name!r}: {len(self.revenue)} revenue values for {self.customers} customers"
            )


def wilson(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def two_proportion_test(a: Arm, b: Arm, level: float = 0.95) -> dict:
    """Difference p_b − p_a with a Wald interval and the pooled z-test's two-sided p-value."""
    from scipy.stats import norm

    pa, pb = a.conversions / a.customers, b.conversions / b.customers
    pooled = (a.conversions + b.conversions) / (a.customers + b.customers)
    se0 = np.sqrt(pooled * (1 - pooled) * (1 / a.customers + 1 / b.customers))
    z = (pb - pa) / se0 if se0 > 0 else 0.0
    se = np.sqrt(pa * (1 - pa) / a.customers + pb * (1 - pb) / b.customers)
    q = norm.ppf(0.5 + level / 2)
    return {
        "difference": float(pb - pa),
        "ci": (float(pb - pa - q * se), float(pb - pa + q * se)),
        "relative_lift": float((pb - pa) / pa) if pa > 0 else None,
        "z": float(z),
        "p_value": float(2 * norm.sf(abs(z))),
    }


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import t

    n = len(values)
    if n < 2:
        return float(values.mean()), float(values.mean())
    half = t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n)
    return float(values.mean() - half), float(values.mean() + half)


def analyse(arms: list[Arm], control: str | None = None, level: float = 0.95, alpha: float = 0.05) -> dict:
    """Per arm: conversion (Wilson CI), revenue per customer (t CI); vs the control arm: differences,
    p-values and whether each is significant at ``alpha``. ``control`` defaults to the first arm."""
    from scipy.stats import ttest_ind

    if len(arms) < 2:
        raise ValueError("an A/B test needs at least two arms")
    names = [a.name for a in arms]
    control = control or names[0]
    if control not in names:
        raise ValueError(f"control arm {control!r} is not among the arms {names}")
    base = arms[names.index(control)]
    out = {"control": control, "level": level, "alpha": alpha, "arms": [], "comparisons": []}
    for arm in arms:
        row = {
            "arm": arm.name,
            "customers": arm.customers,
            "conversions": arm.conversions,
            "conversion_rate": arm.conversions / arm.customers,
            "conversion_ci": wilson(arm.conversions, arm.customers, level),
        }
        if arm.revenue:
            rev = np.asarray(arm.revenue, dtype="float64")
            row |= {
                "revenue": float(rev.sum()),
                "revenue_per_customer": float(rev.mean()),
                "revenue_ci": mean_ci(rev, level),
            }
        out["arms"].append(row)
        if arm.name == control:
            continue
        cmp = {"arm": arm.name, "conversion": two_proportion_test(base, arm, level)}
        cmp["significant"] = cmp["conversion"]["p_value"] < alpha
        if arm.revenue and base.revenue:
            a, b = np.asarray(base.revenue, dtype="float64"), np.asarray(arm.revenue, dtype="float64")
            test = ttest_ind(b, a, equal_var=False)
            ci = test.confidence_interval(level)
            cmp["revenue"] = {
                "difference": float(b.mean() - a.mean()),
                "ci": (float(ci.low), float(ci.high)),
                "p_value": float(test.pvalue) if np.isfinite(test.pvalue) else 1.0,
            }
        out["comparisons"].append(cmp)
    return out

"""Analysing an online experiment: per arm, the shoppers shown it and how many converted (clicked,
bought), compared with the control by the shop's A/B analysis (:mod:`shopmind.marketing.abtest`:
Wilson intervals, the two-proportion test, Welch's t-test on revenue per shopper); a sample-ratio
mismatch check (χ² of the shoppers per arm against the planned shares); progress against the sample
size planned up front; the metrics per arm and day; and a verdict in plain Chinese and English.
"""

from __future__ import annotations

from typing import Any

from shopmind.marketing.abtest import Arm, analyse
from shopmind.online.metrics import grouped, summarise

SRM_ALPHA = 0.001  # a sample-ratio mismatch is flagged below this p-value (the usual, strict bound)


def srm(observed: list[int], shares: list[float]) -> dict[str, Any]:
    """χ² goodness of fit of the shoppers per arm to the planned shares."""
    from scipy.stats import chisquare

    total = sum(observed)
    if total == 0:
        return {"p_value": None, "mismatch": False}
    expected = [s * total for s in shares]
    p = float(chisquare(observed, expected).pvalue)
    return {"p_value": p, "mismatch": p < SRM_ALPHA, "observed": observed, "expected": expected}


def arm_outcomes(store: Any, experiment: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per arm: units (shoppers), converted units, clicked units and revenue per unit (0 for non-buyers)."""
    names = [a["name"] for a in experiment["arms"]]
    units = store.experiment_unit_counts(experiment["experiment_id"])
    out = {n: {"units": units.get(n, 0), "converted": 0, "clicked": 0, "revenue": []} for n in names}
    for row in store.experiment_outcomes(experiment["experiment_id"]):  # attributed: shown by the arm
        arm = out.get(row["arm"])
        if arm is None:
            continue
        arm["converted"] += int(row["purchase"] or 0)
        arm["clicked"] += int(row["click"] or 0)
        if row["purchase"]:
            arm["revenue"].append(float(row["revenue"] or 0.0))
    for arm in out.values():
        arm["revenue"] = arm["revenue"] + [0.0] * (arm["units"] - len(arm["revenue"]))
    return out


def analyse_experiment(store: Any, experiment: dict[str, Any], level: float = 0.95) -> dict[str, Any]:
    """The experiment's analysis (module docstring)."""
    arms = experiment["arms"]
    outcomes = arm_outcomes(store, experiment)
    plan = experiment["plan"]
    counts = [outcomes[a["name"]]["units"] for a in arms]
    check = srm(counts, [a["share"] for a in arms])
    result: dict[str, Any] = {
        "experiment": experiment,
        "srm": check,
        "units": dict(zip([a["name"] for a in arms], counts, strict=True)),
    }
    result["progress"] = (
        min(counts) / plan["sample_size_per_arm"] if plan.get("sample_size_per_arm") else None
    )
    if min(counts) > 0:
        ab = [Arm(a["name"], outcomes[a["name"]]["units"], outcomes[a["name"]]["converted"],
                  tuple(outcomes[a["name"]]["revenue"])) for a in arms]  # fmt: skip
        result["analysis"] = analyse(ab, level=level, alpha=plan.get("alpha", 0.05))
        clicks = [Arm(a["name"], outcomes[a["name"]]["units"], outcomes[a["name"]]["clicked"]) for a in arms]
        result["clicks"] = analyse(clicks, level=level, alpha=plan.get("alpha", 0.05))
    else:
        result["analysis"] = None
    result["daily"] = daily_by_arm(store, experiment)
    result["verdict"] = verdict(result)
    return result


def daily_by_arm(store: Any, experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """Per day and arm: the impression metrics with intervals (for the console's charts)."""
    since = experiment["start_at"].strftime("%Y-%m-%d")
    rows = grouped(store, since, ("day", "arm"), experiment["experiment_id"])
    return [{"day": day, "arm": arm, **summarise(c)} for (day, arm), c in sorted(rows.items())]


def _pts(x: float) -> str:
    return f"{x * 100:+.2f}"


def verdict(result: dict[str, Any]) -> dict[str, str]:
    """What the analysis says, in a sentence or two per language."""
    x, check = result["experiment"], result["srm"]
    if check.get("mismatch"):
        got = ", ".join(f"{k} {v}" for k, v in result["units"].items())
        return {
            "en": f"Do not trust this result: the shoppers per arm ({got}) do not match the planned shares "
            f"(sample-ratio mismatch, p = {check['p_value']:.2g}). Check the assignment and the logging.",
            "zh": f"此结果不可信：各组人数（{got}）与计划的流量比例不符"
            f"（样本比例失衡，p = {check['p_value']:.2g}）。请检查分组与日志。",
        }
    if result["analysis"] is None:
        return {
            "en": "No data yet: every arm needs shoppers who saw it.",
            "zh": "尚无数据：每个组都需要有看到它的顾客。",
        }
    need = x["plan"]["sample_size_per_arm"]
    have = min(result["units"].values())
    early_en = (
        f" (before the planned {need:,} shoppers per arm: confirm when it is reached)" if have < need else ""
    )
    early_zh = f"（尚未达到计划的每组 {need:,} 人，达到后请再确认）" if have < need else ""
    control = result["analysis"]["control"]
    parts_en, parts_zh = [], []
    for cmp in result["analysis"]["comparisons"]:
        c = cmp["conversion"]
        lo, hi = c["ci"]
        span = (
            f"{_pts(c['difference'])} points (95% interval {_pts(lo)} to {_pts(hi)}), p = {c['p_value']:.2g}"
        )
        span_zh = (
            f"{_pts(c['difference'])} 个百分点（95% 区间 {_pts(lo)} 至 {_pts(hi)}），p = {c['p_value']:.2g}"
        )
        if cmp["significant"]:
            better = c["difference"] > 0
            parts_en.append(
                f"{cmp['arm']} converts {'better' if better else 'worse'} than {control}: {span}{early_en}."
            )
            parts_zh.append(
                f"{cmp['arm']} 的转化率{'高于' if better else '低于'} {control}：{span_zh}{early_zh}。"
            )
        elif have < need:
            parts_en.append(
                f"Too early for {cmp['arm']}: {have:,} of the {need:,} shoppers per arm planned; "
                f"so far {span}."
            )
            parts_zh.append(
                f"{cmp['arm']} 尚需更多数据：计划每组 {need:,} 人，目前 {have:,} 人；目前差异 {span_zh}。"
            )
        else:
            parts_en.append(f"No difference found between {cmp['arm']} and {control}: {span}.")
            parts_zh.append(f"{cmp['arm']} 与 {control} 之间未发现差异：{span_zh}。")
    return {"en": " ".join(parts_en), "zh": "".join(parts_zh)}

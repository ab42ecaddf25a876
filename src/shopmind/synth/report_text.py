"""A synthetic-data report in plain words, English and Chinese, for people who are not statisticians.

:func:`explain` turns the numbers of :func:`shopmind.synth.report.evaluate` into a few findings,
each with a verdict (``good``, ``fair``, ``poor``) and one sentence per language. The thresholds:

| finding | good | fair | poor |
|---|---|---|---|
| resemblance (quality score) | ≥ 0.85 | ≥ 0.70 | below |
| usefulness for models (TSTR AUC ÷ real AUC) | ≥ 0.95 | ≥ 0.85 | below |
| rules (rows breaking a declared or found rule) | 0 | — | any |
| formats (valid share; copied share) | ≥ 99 %, 0 copied | ≥ 90 % | below, or any copied |
| exact copies of real rows | 0 | — | any |
| membership inference AUC | ≤ 0.55 | ≤ 0.60 | above |
"""

from __future__ import annotations

from typing import Any

LEVELS = ("good", "fair", "poor")


def _grade(value: float, good: float, fair: float, higher_is_better: bool = True) -> str:
    if not higher_is_better:
        value, good, fair = -value, -good, -fair
    return "good" if value >= good else "fair" if value >= fair else "poor"


def _item(topic: str, verdict: str, en: str, zh: str) -> dict[str, str]:
    return {"topic": topic, "verdict": verdict, "en": en, "zh": zh}


def _resemblance(report: dict[str, Any]) -> list[dict[str, str]]:
    q = report["quality_score"]
    out = [
        _item(
            "resemblance",
            _grade(q, 0.85, 0.70),
            f"The synthetic rows resemble the real ones: similarity {q:.2f} of 1 (each column's "
            f"distribution and how pairs of columns go together).",
            f"合成数据与真实数据的相似度为 {q:.2f}（满分 1），综合了每一列的分布和列与列之间的关系。",
        )
    ]
    weak = sorted((v, k) for k, v in report.get("per_column", {}).items() if v < 0.8)[:3]
    if weak:
        names = ", ".join(f"{k} ({v:.2f})" for v, k in weak)
        out.append(
            _item(
                "weakest columns",
                "fair",
                f"Columns that differ most from the real data: {names} — compare them in the charts below.",
                f"与真实数据差别最大的列：{names}，可在下方图表中对比。",
            )
        )
    return out


def _usefulness(report: dict[str, Any]) -> list[dict[str, str]]:
    u = report.get("ml_utility")
    if not u or "synthetic" not in u:
        return []
    s, r = u["synthetic"], u["real"]
    ratio = s["auc"] / r["auc"] if r["auc"] else 0.0
    label = u.get("positive", {}).get("label", "the label")
    return [
        _item(
            "usefulness",
            _grade(ratio, 0.95, 0.85),
            f"A model trained on the synthetic rows recognises {label!s} in real rows "
            f"with AUC {s['auc']:.2f} "
            f"(F1 {s['f1']:.2f}); trained on the real rows it reaches {r['auc']:.2f} (F1 {r['f1']:.2f}) — "
            f"{ratio:.0%} of it.",
            f"用合成数据训练的模型在真实数据上识别「{label}」的 AUC 为 {s['auc']:.2f}（F1 {s['f1']:.2f}），"
            f"用真实数据训练为 {r['auc']:.2f}（F1 {r['f1']:.2f}），达到其 {ratio:.0%}。",
        )
    ]


def _rules(report: dict[str, Any]) -> list[dict[str, str]]:
    rules = report.get("rules")
    if not rules:
        return []
    out = []
    broken = {k: v for k, v in rules["constraints"].items() if v}
    n = len(rules["constraints"])
    if n:
        if broken:
            text = "; ".join(f"{k}: {v}" for k, v in broken.items())
            out.append(_item("rules", "poor", f"Rows breaking a rule: {text}.", f"违反规则的行：{text}。"))
        else:
            listed = ", ".join(rules["constraints"])
            out.append(
                _item(
                    "rules",
                    "good",
                    f"All {n} rules hold in every synthetic row ({listed}).",
                    f"全部 {n} 条规则在每一行合成数据中都成立（{listed}）。",
                )
            )
    for col, f in rules.get("formats", {}).items():
        verdict = "poor" if f["copied"] > 0 else _grade(f["valid"], 0.99, 0.90)
        out.append(
            _item(
                "formats",
                verdict,
                f"{col} ({f['kind']}): {f['valid']:.0%} in a valid format, {f['copied']:.1%} equal to a real "
                f"value, {f['distinct']:.0%} distinct — generated, not copied.",
                f"{col}（{f['kind']}）：{f['valid']:.0%} 格式有效，{f['copied']:.1%} 与真实值相同，"
                f"{f['distinct']:.0%} 互不重复——为生成值，而非复制。",
            )
        )
    return out


def _privacy(report: dict[str, Any]) -> list[dict[str, str]]:
    p = report["privacy"]
    copies = p["exact_copy_share"]
    out = [
        _item(
            "copies",
            "good" if copies == 0 else "poor",
            f"{copies:.1%} of the synthetic rows are exact copies of a real row.",
            f"{copies:.1%} 的合成行与某条真实记录完全相同。",
        )
    ]
    if "membership_inference_auc" in p:
        auc, closer = p["membership_inference_auc"], p["closer_to_train_share"]
        out.append(
            _item(
                "membership",
                _grade(auc, 0.55, 0.60, higher_is_better=False),
                f"Someone holding the synthetic table can tell whether a person's record was used "
                f"for training "
                f"with AUC {auc:.2f} (0.50 = a coin toss). {closer:.0%} of synthetic rows are nearer a "
                f"training row than an unseen real row (50 % = no memorisation).",
                f"持有合成数据的人判断某条记录是否参与训练的 AUC 为 {auc:.2f}（0.50 相当于随机猜测）。"
                f"{closer:.0%} 的合成行离训练数据比离未参与训练的真实数据更近（50% 表示没有记忆训练数据）。",
            )
        )
    dp = report.get("model", {}).get("privacy")
    if dp:
        out.append(
            _item(
                "differential privacy",
                "good",
                f"Trained with differential privacy: ε = {dp['epsilon']:.2f}, δ = {dp['delta']:.1e} "
                f"(smaller ε = stronger guarantee).",
                f"采用差分隐私训练：ε = {dp['epsilon']:.2f}，δ = {dp['delta']:.1e}（ε 越小保护越强）。",
            )
        )
    return out


def explain(report: dict[str, Any]) -> list[dict[str, str]]:
    """Findings of a report: ``topic``, ``verdict`` (good / fair / poor), ``en`` and ``zh`` text."""
    return _resemblance(report) + _usefulness(report) + _rules(report) + _privacy(report)

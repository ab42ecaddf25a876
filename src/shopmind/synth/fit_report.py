"""The report written with every fit: quality, usefulness, rules and privacy, in numbers and words.

A :class:`~shopmind.synth.tabular.TabularGAN` holds out ``val_share`` of its rows to choose the
epoch; they are real rows it never trained on, so the report uses them as its hold-out: the
baseline distance of a fresh real row, the membership-inference test (training rows vs these),
and with a label the train-synthetic-test-real score. (They also chose the epoch, so a
hold-out-based utility figure is slightly optimistic; the benchmarks score a separate test split.)

``report.json`` (and the PNGs of :mod:`shopmind.synth.plots`) go into the version's folder; the
console reads it through ``GET /synth/report/{name}``. A parent+child model reports the parent
table, with the child table's report under ``related``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.synth.tabular import TabularGAN

log = logging.getLogger(__name__)
MAX_ROWS = 20_000  # rows scored at most (a sample of the training rows beyond that)


def table_report(
    model: TabularGAN, frame: pd.DataFrame, seed: int = 0, context: pd.DataFrame | None = None
) -> dict:
    """The report of ``model`` fitted on ``frame`` (its held-out rows as the hold-out)."""
    import numpy as np

    from shopmind.synth.report import evaluate
    from shopmind.synth.report_text import explain

    held = getattr(model, "holdout_rows_", np.zeros(0, dtype=np.int64))
    train_rows = np.setdiff1d(np.arange(len(frame)), held)
    rng = np.random.default_rng(seed)
    if len(train_rows) > MAX_ROWS:
        train_rows = np.sort(rng.choice(train_rows, MAX_ROWS, replace=False))
    train = frame.iloc[train_rows].reset_index(drop=True)
    test = frame.iloc[held].reset_index(drop=True) if len(held) else None
    if context is not None:
        synth = model.sample(len(train), seed=seed, context=context.iloc[train_rows].reset_index(drop=True))
    else:
        synth = model.sample(len(train), seed=seed)
    label = model.config.label if test is not None else None
    result = evaluate(train, synth, test=test, label=label, rules=model.rules_)
    result["model"] = model_info(model)
    result["summary"] = explain(result)
    return result


def model_info(model: TabularGAN) -> dict[str, Any]:
    """How the fit went: epochs run, the epoch kept and its held-out checks, the privacy spent."""
    private = getattr(model, "private_", None)
    return {
        "epochs_run": len(getattr(model, "history_", [])),
        "epochs_max": model.config.epochs,
        "best_epoch": getattr(model, "best_epoch_", None),
        "checks": getattr(model, "checks_", []),
        "label": model.config.label,
        "privacy": private.spent if private is not None else getattr(model, "privacy_", None),
    }


def write(folder: Path, result: dict[str, Any], train: pd.DataFrame | None = None, synth=None) -> dict:
    """report.json (and, given the frames, the PNG plots) into ``folder``."""
    if train is not None and synth is not None:
        from shopmind.synth.plots import plot_report

        result["plots"] = [p.name for p in plot_report(train, synth, result, folder)]
    (Path(folder) / "report.json").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return result


def after_fit(model: Any, frames: list[pd.DataFrame], folder: Path, seed: int = 0) -> dict[str, Any]:
    """Write the report of a freshly fitted model (one table, or parent and child) into ``folder``."""
    from shopmind.synth.relational import RelationalSynthesizer

    if isinstance(model, RelationalSynthesizer):
        parent, child = model.fit_frames_
        result = table_report(model.parent_model_, parent, seed)
        result["related"] = {
            model.relation.child: table_report(model.child_model_, child, seed + 1, model.child_context_)
        }
    else:
        result = table_report(model, frames[0], seed)
    log.info("report: quality %.3f, %d findings", result["quality_score"], len(result["summary"]))
    return write(folder, result)

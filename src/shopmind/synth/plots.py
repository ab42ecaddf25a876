"""PNG plots of a synthetic-data report (matplotlib, Agg backend): marginals and per-column scores."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.report import category_strings, is_numeric, numeric_values

if TYPE_CHECKING:
    import pandas as pd


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_marginals(real: pd.DataFrame, synth: pd.DataFrame, path: Path, max_cats: int = 12) -> Path:
    """One panel per column: overlaid histograms (numbers) or side-by-side bars (top categories)."""
    import pandas as pd

    plt = _plt()
    cols = list(real.columns)
    ncol = 4
    nrow = math.ceil(len(cols) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 2.6 * nrow), squeeze=False)
    for ax, col in zip(axes.ravel(), cols, strict=False):
        if is_numeric(real[col]):
            r, s = numeric_values(real[col]), numeric_values(synth[col])
            lo, hi = np.quantile(r, [0.005, 0.995]) if len(r) else (0, 1)
            bins = np.linspace(lo, hi if hi > lo else lo + 1, 30)
            ax.hist(r, bins=bins, alpha=0.5, density=True, label="real")
            ax.hist(np.clip(s, lo, hi), bins=bins, alpha=0.5, density=True, label="synthetic")
        else:
            p = pd.Series(category_strings(real[col])).value_counts(normalize=True).iloc[:max_cats]
            q = (
                pd.Series(category_strings(synth[col]))
                .value_counts(normalize=True)
                .reindex(p.index, fill_value=0)
            )
            x = np.arange(len(p))
            ax.bar(x - 0.2, p.to_numpy(), 0.4, label="real")
            ax.bar(x + 0.2, q.to_numpy(), 0.4, label="synthetic")
            ax.set_xticks(x, [t[:8] for t in p.index], rotation=60, fontsize=6)
        ax.set_title(col, fontsize=8)
    for ax in axes.ravel()[len(cols) :]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_scores(report: dict[str, Any], path: Path) -> Path:
    """Horizontal bars of the per-column shape scores."""
    plt = _plt()
    items = sorted(report["per_column"].items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(6, 0.25 * len(items) + 1))
    ax.barh([k for k, _ in items], [v for _, v in items])
    ax.set_xlim(0, 1)
    ax.set_title(f"column shapes (quality score {report['quality_score']:.3f})", fontsize=9)
    ax.tick_params(labelsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def plot_report(real: pd.DataFrame, synth: pd.DataFrame, report: dict[str, Any], folder: Path) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [plot_marginals(real, synth, folder / "marginals.png"), plot_scores(report, folder / "scores.png")]

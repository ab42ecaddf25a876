"""Charts: RFM grid, CLV distribution, segment map, Qini curve, campaign forecast.

Each chart is a JSON-ready dict (what the admin UI draws; the API returns it) rendered to PNG or
SVG by :func:`render` with matplotlib's Agg backend (no display needed). The data functions take
the marketing results; the service assembles them from the store.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

CHARTS = ("rfm-grid", "clv", "segments", "qini", "forecast")


def clv_data(values: np.ndarray, bins: int = 30) -> dict[str, Any]:
    """Histogram of predicted customer values (finite ones), with summary quantiles."""
    v = np.asarray(values, dtype="float64")
    v = v[np.isfinite(v)]
    if not len(v):
        return {"counts": [], "edges": [], "n": 0}
    top = float(np.quantile(v, 0.99))  # one huge customer should not flatten the picture
    counts, edges = np.histogram(np.clip(v, None, top), bins=bins)
    q = np.quantile(v, [0.5, 0.9, 0.99])
    return {
        "counts": counts.tolist(),
        "edges": edges.tolist(),
        "n": int(len(v)),
        "total": float(v.sum()),
        "median": float(q[0]),
        "p90": float(q[1]),
        "p99": float(q[2]),
    }


def segment_map_data(
    coords: pd.DataFrame, labels: pd.Series, segments: list[dict], limit: int = 3000
) -> dict:
    """2-D points (a seeded sample of at most ``limit``) coloured by segment, and the descriptions."""
    idx = np.arange(len(coords))
    if len(idx) > limit:
        idx = np.sort(np.random.default_rng(0).choice(idx, limit, replace=False))
    return {
        "points": [
            {
                "customer_id": str(coords.index[i]),
                "x": float(coords.iloc[i, 0]),
                "y": float(coords.iloc[i, 1]),
                "segment": int(labels.iloc[i]),
            }
            for i in idx
        ],
        "segments": segments,
    }  # fmt: skip


def qini_data(y, uplift, treatment, points: int = 100) -> dict:
    """The Qini curve of a model and the random-targeting line, down-sampled to ``points``."""
    from shopmind.marketing.uplift_metrics import qini_auc_score, qini_curve

    x, q = qini_curve(y, uplift, treatment)
    keep = np.unique(np.linspace(0, len(x) - 1, min(points, len(x))).astype(int))
    return {
        "x": x[keep].tolist(),
        "qini": q[keep].tolist(),
        "random": (x[keep] * q[-1] / x[-1]).tolist(),
        "qini_coefficient": qini_auc_score(y, uplift, treatment),
    }


def render(name: str, data: dict, path: str | Path, title: str = "") -> Path:
    """Draw chart ``name`` from its data to ``path`` (.png or .svg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    draw = {"rfm-grid": _rfm, "clv": _clv, "segments": _segments, "qini": _qini, "forecast": _forecast}
    if name not in draw:
        raise ValueError(f"unknown chart {name!r}: use one of {', '.join(CHARTS)}")
    path = Path(path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise ValueError(f"charts are written as .png or .svg, not {path.suffix or 'no extension'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 5), dpi=100)
    try:
        draw[name](ax, data)
        if title:
            ax.set_title(title)
        fig.tight_layout()
        fig.savefig(path)
    finally:
        plt.close(fig)
    return path


def _rfm(ax, data: dict) -> None:
    grid = np.zeros((5, 5))
    for c in data["cells"]:
        grid[c["r"] - 1, c["f"] - 1] = c["customers"]
    im = ax.imshow(grid, origin="lower", cmap="Blues")
    for c in data["cells"]:
        ax.text(
            c["f"] - 1,
            c["r"] - 1,
            f"{c['customers']}\n{c['segment'][:10]}",
            ha="center",
            va="center",
            fontsize=7,
        )
    ax.set_xticks(range(5), [str(i) for i in range(1, 6)])
    ax.set_yticks(range(5), [str(i) for i in range(1, 6)])
    ax.set_xlabel("F score (frequency)")
    ax.set_ylabel("R score (recency)")
    ax.set_title("RFM grid: customers per cell")
    ax.figure.colorbar(im, ax=ax)


def _clv(ax, data: dict) -> None:
    edges = np.asarray(data["edges"])
    if len(edges):
        ax.bar(edges[:-1], data["counts"], width=np.diff(edges), align="edge", color="#3b7dd8")
        ax.axvline(data["median"], color="k", ls="--", label=f"median {data['median']:.1f}")
        ax.legend()
    ax.set_xlabel("predicted value (capped at the 99th percentile)")
    ax.set_ylabel("customers")
    ax.set_title("Customer lifetime value")


def _segments(ax, data: dict) -> None:
    pts = data["points"]
    if pts:
        seg = np.array([p["segment"] for p in pts])
        sc = ax.scatter([p["x"] for p in pts], [p["y"] for p in pts], c=seg, cmap="tab10", s=8, alpha=0.7)
        ax.legend(*sc.legend_elements(), title="segment", fontsize=7)
    ax.set_xlabel("component 1")
    ax.set_ylabel("component 2")
    ax.set_title("Customer segments")


def _qini(ax, data: dict) -> None:
    ax.plot(data["x"], data["qini"], label=f"model (Qini {data['qini_coefficient']:.3f})")
    ax.plot(data["x"], data["random"], "--", color="grey", label="random")
    ax.set_xlabel("customers targeted")
    ax.set_ylabel("incremental responders")
    ax.set_title("Qini curve")
    ax.legend()


def _forecast(ax, data: dict) -> None:
    ax.plot(data["contacts"], data["incremental_revenue"], label="incremental revenue")
    ax.plot(data["contacts"], data["cost"], label="expected cost")
    ax.plot(data["contacts"], data["net"], label="net")
    if data.get("selected"):
        ax.axvline(data["selected"], color="k", ls=":", label=f"target list ({data['selected']})")
    ax.set_xlabel("customers contacted (best first)")
    ax.set_ylabel("amount")
    ax.set_title("Campaign forecast")
    ax.legend()

"""Charts are written as valid PNG and SVG files from the chart data the API serves."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.marketing.campaigns import PlanConfig
from shopmind.marketing.charts import CHARTS, qini_data, render
from shopmind.marketing.service import MarketingConfig, MarketingService

PNG = b"\x89PNG\r\n\x1a\n"


def test_every_chart_renders_to_png_and_svg(demo_store, tmp_path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts")
    service = MarketingService(demo_store, artifacts, config=MarketingConfig(fit_inline=True))
    rng = np.random.default_rng(0)
    y, t = rng.integers(0, 2, 400), rng.integers(0, 2, 400)
    data = {
        "rfm-grid": service.chart("rfm-grid"),
        "clv": service.chart("clv"),
        "segments": service.segments(k=3)["map"],
        "qini": qini_data(y, y * t + rng.random(400), t),
        "forecast": service.chart("forecast", config=PlanConfig(budget=100, cost_per_contact=0.2)),
    }
    assert set(data) == set(CHARTS)
    for name, d in data.items():
        png = render(name, d, tmp_path / f"{name}.png", title=name)
        head = png.read_bytes()
        assert head.startswith(PNG) and len(head) > 5000, name
        svg = render(name, d, tmp_path / f"{name}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg and svg.rstrip().endswith("</svg>")
    with pytest.raises(ValueError, match="png or .svg"):
        render("clv", data["clv"], tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="unknown chart"):
        render("pie", {}, tmp_path / "x.png")

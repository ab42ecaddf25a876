"""LightGCN's config is BPR-MF's plus the propagation depth, and resolves to the same fields."""

from __future__ import annotations

import dataclasses

from shopmind.recommend.bpr import BPRConfig
from shopmind.recommend.lightgcn import LightGCNConfig


def test_lightgcn_config_declares_only_what_it_adds() -> None:
    assert set(LightGCNConfig.__annotations__) == {"n_layers"}
    # the resolved config saved with an artifact: every BPR-MF field with its default, plus K = 3
    assert dataclasses.asdict(LightGCNConfig()) == dataclasses.asdict(BPRConfig()) | {"n_layers": 3}
    assert dataclasses.asdict(LightGCNConfig(dim=32, n_layers=1))["dim"] == 32

"""DDP helpers: sharding covers a batch exactly; outside torchrun everything is a no-op."""

from __future__ import annotations

import numpy as np

from shopmind.train import distributed as D


def test_shards_cover_the_batch_exactly_once() -> None:
    batch = np.arange(101)
    parts = [D.shard(batch, D.DistInfo(rank=r, world_size=3)) for r in range(3)]
    assert np.array_equal(np.concatenate(parts), batch)
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1


def test_single_process_is_a_no_op(monkeypatch) -> None:
    for var in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(var, raising=False)
    d = D.init()
    assert not d.enabled and d.is_main
    assert np.array_equal(D.shard(np.arange(5)), np.arange(5))
    assert D.total(2.5, 3) == (2.5, 3) and D.broadcast_flag(True) is True
    marker = object()
    assert D.wrap(marker) is marker and D.unwrap(marker) is marker

"""Run by ``torchrun`` in tests/train/test_ddp_training.py: every rank fits one recommender on the
store's events (train part of the leave-one-out split, early stopping on validation) and saves what
it ended with to ``<out>/rank<r>``, so the test can compare the ranks and score the model.

    torchrun --standalone --nproc_per_node=2 tests/train/ddp_worker.py DB_URL MODEL OUT PARAMS_JSON
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shopmind.data.store import Store
from shopmind.recommend.base import create
from shopmind.recommend.data import interactions_from_store
from shopmind.recommend.evaluate import leave_one_out
from shopmind.train import distributed as D


def main(db_url: str, model_name: str, out: str, params: str) -> None:
    dist = D.init()
    split = leave_one_out(interactions_from_store(Store(db_url)))
    model = create(model_name, **json.loads(params)).fit(split.train, split.valid)
    model.save(Path(out) / f"rank{dist.rank}")
    D.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:5])

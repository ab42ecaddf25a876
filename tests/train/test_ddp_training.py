"""Data-parallel training under torchrun (2 processes, gloo on CPU): the ranks end with the same
weights, the model still beats most-popular, and `shopmind train rec --nproc 2` publishes one model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from safetensors.numpy import load_file

from shopmind.artifacts import ArtifactStore
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.recommend.base import Recommender, create
from shopmind.recommend.data import interactions_from_store
from shopmind.recommend.evaluate import evaluate, leave_one_out, merge

pytestmark = pytest.mark.slow
WORKER = Path(__file__).with_name("ddp_worker.py")
PARAMS = {
    "sasrec": {"max_len": 20, "batch_size": 32, "lr": 5e-3, "dropout": 0.2, "epochs": 6},
    "lightgcn": {"dim": 32, "n_layers": 2, "batch_size": 1024, "lr": 1e-2, "epochs": 15},
}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small demo shop (300 products, 500 customers, ~30k events) in a SQLite file."""
    path = tmp_path_factory.mktemp("ddp") / "demo.db"
    store = Store(f"sqlite:///{path}")
    load_demo_shop(store, seed=3, scale=0.1)
    store.dispose()
    return f"sqlite:///{path}"


def torchrun(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)


def _excerpt(err: str) -> str:
    """A failed run's stderr: its start (the first error) and its end (the launcher's summary)."""
    return err if len(err) <= 6000 else f"{err[:2500]}\n[...]\n{err[-3500:]}"


@pytest.mark.parametrize("model", ["sasrec", "lightgcn"])
def test_two_ranks_end_identical_and_beat_most_popular(demo_db: str, tmp_path: Path, model: str) -> None:
    done = torchrun(str(WORKER), demo_db, model, str(tmp_path), json.dumps(PARAMS[model]))
    assert done.returncode == 0, _excerpt(done.stderr)
    ranks = [load_file(str(tmp_path / f"rank{r}" / "model.safetensors")) for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    for name in ranks[0]:
        assert np.array_equal(ranks[0][name], ranks[1][name]), f"{name} differs between the ranks"

    trained = Recommender.load(tmp_path / "rank0")
    assert trained.meta_["world_size"] == 2 and trained.meta_["epochs"] >= 2
    split = leave_one_out(interactions_from_store(Store(demo_db)))
    popular = create("popular").fit(split.train, split.valid)
    history = merge(split.train, split.valid)
    scores = {}
    for name, rec in (("model", trained), ("popular", popular)):
        rec.update_history(history)
        scores[name] = evaluate(rec, split.test, ks=(10,))["ndcg@10"]
    assert scores["model"] > 1.2 * scores["popular"], scores


def test_cli_nproc_trains_on_two_processes_and_rank_0_publishes(demo_db: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SHOPMIND_DATABASE_URL": demo_db,
        "SHOPMIND_ARTIFACTS_DIR": str(tmp_path / "artifacts"),
        "SHOPMIND_VAR_DIR": str(tmp_path / "var"),
        "OMP_NUM_THREADS": "1",
    }
    params = [f"--param={k}={v}" for k, v in PARAMS["sasrec"].items()]
    cmd = [sys.executable, "-m", "shopmind.cli", "train", "rec", "--model", "sasrec", "--nproc", "2", *params]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, _excerpt(done.stderr)
    assert done.stdout.count("ndcg@10") == 1  # one report, from rank 0
    versions = sorted((tmp_path / "artifacts" / "rec").glob("sasrec-*"))
    assert len(versions) == 1  # only rank 0 saved
    assert ArtifactStore(tmp_path / "artifacts").current("rec") == versions[0]
    meta = json.loads((versions[0] / "meta.json").read_text())
    assert meta["world_size"] == 2 and meta["metrics"]["test_ndcg@10"] > 0

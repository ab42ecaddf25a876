"""The synthesizer contract, run over every name in the registry: fit returns self, ``sample(n)``
gives n rows with the training columns, save -> load gives identical samples for a seed, the same
seed gives the same rows (another seed other rows), and an unknown name lists the valid ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.registry import UnknownNameError
from shopmind.synth import SYNTHESIZERS
from tests.contract import tiny_config

# per-model settings for a quick fit (besides SMALL's epochs and threads)
TINY = {
    "ctgan-style": {
        "batch_size": 50,
        "pac": 5,
        "noise_dim": 16,
        "gen_dims": (32,),
        "dis_dims": (32,),
        "transformer": {"gmm_max_rows": 200, "gmm_max_iter": 20},
    },
}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """200 rows: a bimodal number, a category tied to it, a small integer count."""
    rng = np.random.default_rng(0)
    left = rng.random(200) < 0.4
    return pd.DataFrame(
        {
            "amount": np.where(left, 10.0, 50.0) + rng.standard_normal(200),
            "channel": np.where(left, "shop", "web"),
            "items": rng.integers(1, 6, 200),
        }
    )


def _fit(name: str, table: pd.DataFrame):
    model = SYNTHESIZERS.create(name, **tiny_config(SYNTHESIZERS, name, TINY))
    return model, model.fit(table, seed=0)


@pytest.fixture(scope="module", params=SYNTHESIZERS.names())
def fitted(request: pytest.FixtureRequest, table: pd.DataFrame):
    name = request.param
    model, returned = _fit(name, table)
    assert returned is model, f"{name}: fit must return self"
    return name, model


def test_sample_gives_n_rows_with_the_training_columns(fitted, table: pd.DataFrame) -> None:
    name, model = fitted
    assert type(model) is SYNTHESIZERS.get(name) and model.name == name
    for n in (1, 37):
        rows = model.sample(n, seed=0)
        assert isinstance(rows, pd.DataFrame) and len(rows) == n
        assert list(rows.columns) == list(table.columns)


def test_save_load_gives_identical_samples(fitted, tmp_path: Path) -> None:
    name, model = fitted
    loaded = type(model).load(model.save(tmp_path / name))
    assert (tmp_path / name / "meta.json").is_file()
    pd.testing.assert_frame_equal(loaded.sample(50, seed=7), model.sample(50, seed=7))


def test_same_seed_same_rows(fitted, table: pd.DataFrame) -> None:
    name, model = fitted
    pd.testing.assert_frame_equal(model.sample(50, seed=3), model.sample(50, seed=3))
    assert not model.sample(50, seed=3).equals(model.sample(50, seed=4))
    _, again = _fit(name, table)
    pd.testing.assert_frame_equal(again.sample(50, seed=3), model.sample(50, seed=3))


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        SYNTHESIZERS.create("no-such-synthesizer")
    assert isinstance(info.value, KeyError)
    assert all(name in str(info.value) for name in SYNTHESIZERS.names())

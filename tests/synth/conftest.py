"""Synth fixtures: small real tables (skipping with the reason when the data sets are absent)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.data import datasets as D


def _need(name: str) -> Path:
    root = os.environ.get(D.ENV_VAR, "").strip()
    if not root:
        pytest.skip(f"{D.ENV_VAR} not set: the public data sets are not available here")
    folder = Path(root) / D.get(name).folder
    if not folder.is_dir():
        pytest.skip(f"{name} missing under {D.ENV_VAR}: {folder}")
    return folder


@pytest.fixture(scope="session")
def shoppers() -> pd.DataFrame:
    """1,000 rows of Online Shoppers Intention (seeded sample)."""
    df = D.load_online_shoppers_intention(folder=_need("online-shoppers-intention"))
    return df.sample(1000, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def fashion() -> tuple[np.ndarray, np.ndarray]:
    """The 6,000-image Fashion-MNIST training subset."""
    return D.load_fashion_mnist("train_subset", folder=_need("fashion-mnist"))


@pytest.fixture(scope="session")
def mixed() -> pd.DataFrame:
    """A synthetic mixed-type table: a bimodal number, a category tied to its mode, an integer,
    a datetime, a float with 20% missing and a 300-value id-like column (high cardinality)."""
    rng = np.random.default_rng(0)
    n = 600
    left = rng.random(n) < 0.4
    x = np.where(left, -5.0, 5.0) + 0.5 * rng.standard_normal(n)
    price = rng.gamma(2.0, 10.0, n)
    price[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame(
        {
            "x": x,
            "side": np.where(left, "L", "R"),
            "items": rng.integers(0, 50, n) + 100 * rng.integers(0, 2, n),
            "seen_at": pd.Timestamp("2024-01-01", tz="UTC")
            + pd.to_timedelta(rng.integers(0, 86400 * 90, n), "s"),
            "price": price,
            "sku": [f"sku-{i}" for i in rng.zipf(1.3, n) % 300],
        }
    )

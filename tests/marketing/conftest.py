"""Marketing fixtures: the demo shop in a SQLite file (module-wide, or a private copy per test), and a guard
for the public data sets."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store


def need_dataset(folder: str) -> None:
    """Skip with a reason unless SHOPMIND_DATASETS_DIR holds ``folder``."""
    root = os.environ.get("SHOPMIND_DATASETS_DIR")
    if not root:
        pytest.skip("SHOPMIND_DATASETS_DIR is not set (the public data sets are needed)")
    if not (Path(root) / folder).is_dir():
        pytest.skip(f"{folder} is not under SHOPMIND_DATASETS_DIR={root}")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The demo shop (seed 7, scale 0.05: 250 customers, ~800 orders over a year)."""
    tmp = tmp_path_factory.mktemp("marketing-demo")
    store = Store(f"sqlite:///{tmp / 'demo.db'}")
    load_demo_shop(store, seed=7, scale=0.05)
    yield store
    store.dispose()


@pytest.fixture
def shop(demo_store: Store, tmp_path: Path) -> Store:
    """A private copy of the demo shop for a test that changes it (adds orders)."""
    source = demo_store.url.removeprefix("sqlite:///")
    target = tmp_path / "shop.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    store = Store(f"sqlite:///{target}")
    yield store
    store.dispose()

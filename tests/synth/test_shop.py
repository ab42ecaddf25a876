"""The whole synthetic shop: every key resolves, the order life cycle and the timelines are valid,
totals add up, events have the shape the store accepts — and the chunks continue each other's keys."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.data.schema import ORDER_TRANSITIONS, OrderStatus
from shopmind.data.simulate import DemoConfig, generate
from shopmind.synth.relational import match_counts
from shopmind.synth.shop import TABLES, ShopConfig, ShopSynthesizer
from shopmind.synth.tabular import TabularGANConfig
from shopmind.synth.transform import TransformerConfig

TINY = TabularGANConfig(
    epochs=2, batch_size=200, noise_dim=16, gen_dims=(32,), dis_dims=(32,), pac=5, threads=1, val_share=0.0,
    transformer=TransformerConfig(gmm_max_rows=300, gmm_max_iter=20),
)  # fmt: skip


@pytest.fixture(scope="module")
def source():
    return generate(DemoConfig(seed=7, scale=0.03))


@pytest.fixture(scope="module")
def fitted(source) -> ShopSynthesizer:
    return ShopSynthesizer(ShopConfig(TINY, max_steps=20)).fit(source.frames(), seed=0)


def _shop(model: ShopSynthesizer, n: int, chunk: int) -> dict[str, pd.DataFrame]:
    chunks = list(model.sample(n, seed=1, chunk=chunk))
    return {t: pd.concat([c[t] for c in chunks], ignore_index=True) for t in TABLES}


def test_keys_rules_and_shapes(fitted: ShopSynthesizer, source) -> None:
    shop = _shop(fitted, 120, chunk=50)  # three chunks
    c, o, it, st, ev = (shop[t] for t in TABLES)
    assert (
        len(c) == 120 and c["customer_id"].is_unique and o["order_id"].is_unique and ev["event_id"].is_unique
    )
    assert set(o["customer_id"]) <= set(c["customer_id"]) and set(ev["customer_id"]) <= set(c["customer_id"])
    assert set(it["order_id"]) == set(o["order_id"]) == set(st["order_id"])  # every order has items and steps
    catalog = set(source.products["product_id"])
    assert set(it["product_id"]) <= catalog and set(ev["product_id"].dropna()) <= catalog
    prices = source.products.set_index("product_id")["price"]
    assert np.allclose(it["unit_price"], prices.reindex(it["product_id"]).to_numpy())
    totals = (it["quantity"] * it["unit_price"]).groupby(it["order_id"]).sum().reindex(o["order_id"])
    assert np.allclose(totals.to_numpy(), o["total"].to_numpy(), atol=0.01)
    steps = st.sort_values(["order_id", "seq"])
    for _, g in steps.groupby("order_id"):
        s = g["status"].tolist()
        assert s[0] == "placed" and all(
            OrderStatus(b) in ORDER_TRANSITIONS[OrderStatus(a)] for a, b in zip(s, s[1:], strict=False)
        )
        assert g["at"].is_monotonic_increasing
    last = steps.groupby("order_id")["status"].last()
    assert (last.reindex(o["order_id"]).to_numpy() == o["status"].to_numpy()).all()
    joined = o.merge(c[["customer_id", "signup_at"]], on="customer_id")
    assert (joined["placed_at"] >= joined["signup_at"]).all()
    horizon = max(
        source.orders["placed_at"].max(), source.events["ts"].max(), source.order_status["at"].max()
    )
    assert o["placed_at"].max() <= horizon and ev["ts"].max() <= horizon
    search = ev["type"] == "search"
    assert ev.loc[search, "query"].notna().all() and ev.loc[~search, "product_id"].notna().all()
    assert ev.loc[ev["type"] == "rating", "value"].between(1, 5).all()
    assert ev.groupby("session_id")["customer_id"].nunique().max() == 1  # a session is one customer's
    pairs = set(zip(source.customers["country"], source.customers["city"], strict=True))
    assert set(zip(c["country"], c["city"], strict=True)) <= pairs
    assert not set(c["email"]) & set(source.customers["email"]) and c["email"].is_unique


def _per_customer(children: pd.DataFrame, customers: pd.DataFrame) -> np.ndarray:
    return children.groupby("customer_id").size().reindex(customers["customer_id"]).fillna(0).to_numpy()


def test_orders_and_events_per_customer_follow_the_source(fitted: ShopSynthesizer, source) -> None:
    shop = _shop(fitted, 600, chunk=250)  # 4× the source's customers
    q = [0.1, 0.25, 0.5, 0.75, 0.9]
    for table in ("orders", "events"):
        real = _per_customer(getattr(source, table), source.customers)
        syn = _per_customer(shop[table], shop["customers"])
        assert syn.mean() == pytest.approx(real.mean(), rel=0.15), table
        assert np.abs(np.quantile(syn, q) - np.quantile(real, q)).max() <= max(1.0, 0.15 * real.max()), table
        assert abs((syn == 0).mean() - (real == 0).mean()) <= 0.08, table
    placed = set(shop["orders"]["order_id"])  # every order has its lines and its timeline
    assert set(shop["order_items"]["order_id"]) == placed == set(shop["order_status"]["order_id"])


def test_match_counts_follows_the_histogram_and_keeps_the_order() -> None:
    rng = np.random.default_rng(0)
    histogram = {0: 200, 1: 300, 2: 200, 5: 200, 40: 100}
    generated = rng.exponential(1.0, 5000)  # any scale: only the ranks are used
    got = match_counts(generated, histogram, rng)
    real = np.repeat(list(histogram), list(histogram.values()))
    assert got.mean() == pytest.approx(real.mean(), rel=0.03)
    values, counts = np.unique(got, return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist(), strict=True)) == pytest.approx(
        {k: 5 * v for k, v in histogram.items()}, abs=5
    )
    assert np.all(np.diff(got[np.argsort(generated)]) >= 0)  # more generated → at least as many
    assert set(match_counts(np.zeros(1), histogram, rng).tolist()) <= set(histogram)


def test_save_load_gives_the_same_shop(fitted: ShopSynthesizer, tmp_path: Path) -> None:
    again = ShopSynthesizer.load(fitted.save(tmp_path / "shop"))
    a, b = _shop(fitted, 30, chunk=30), _shop(again, 30, chunk=30)
    for t in TABLES:
        pd.testing.assert_frame_equal(a[t], b[t], check_dtype=False)


def test_cli_writes_a_shop_twice_the_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.data.demo import load_demo_shop
    from shopmind.data.store import Store

    url = f"sqlite:///{tmp_path / 'shop.db'}"
    store = Store(url)
    load_demo_shop(store, seed=7, scale=0.02)
    store.dispose()
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", url)
    monkeypatch.setenv("SHOPMIND_ARTIFACTS_DIR", str(tmp_path / "artifacts"))
    monkeypatch.setenv("SHOPMIND_VAR_DIR", str(tmp_path / "var"))
    args = ["synth", "shop", "--out", str(tmp_path / "load"), "--times", "2", "--epochs", "1",
            "--max-steps", "2", "--chunk", "80", "--threads", "1"]  # fmt: skip
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    customers = pq.read_table(tmp_path / "load" / "customers.parquet").to_pandas()
    orders = pq.read_table(tmp_path / "load" / "orders.parquet").to_pandas()
    assert len(customers) == 200 and customers["customer_id"].is_unique  # 2 × 100, in three chunks
    assert set(orders["customer_id"]) <= set(customers["customer_id"]) and orders["order_id"].is_unique
    assert (tmp_path / "artifacts" / "synth" / "shop").is_dir()

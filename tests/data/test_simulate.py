"""The demo shop generator: determinism, shapes, integrity, order life cycles, languages, latent signal."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.data.schema import EventType, OrderStatus, can_transition
from shopmind.data.simulate import DemoConfig, DemoShop, DemoTruth, generate
from shopmind.data.simulate_docs import TOPICS

SCALE = 0.05
CJK = re.compile(r"[\u4e00-\u9fff]")
COLUMNS = {
    "products": ["product_id", "title", "description", "category", "brand", "price", "currency", "attributes",
                 "stock", "image_url", "lang", "created_at"],
    "customers": ["customer_id", "name", "email", "country", "city", "lang", "signup_at"],
    "events": ["event_id", "customer_id", "session_id", "type", "product_id", "query", "value", "ts"],
    "orders": ["order_id", "customer_id", "status", "placed_at", "currency", "total", "shipping_address",
               "tracking_number", "carrier"],
    "order_items": ["order_id", "line_no", "product_id", "quantity", "unit_price"],
    "order_status": ["order_id", "seq", "status", "at", "note"],
    "docs": ["doc_id", "kind", "topic", "lang", "title", "body", "updated_at"],
}  # fmt: skip
SHIPPED_OR_LATER = {"shipped", "delivered", "refund_requested", "refunded"}


@pytest.fixture(scope="module")
def shop() -> DemoShop:
    return generate(DemoConfig(seed=7, scale=SCALE))


def test_same_seed_same_shop_and_other_seed_differs(shop: DemoShop) -> None:
    again = generate(DemoConfig(seed=7, scale=SCALE))
    for name, frame in shop.frames().items():
        pd.testing.assert_frame_equal(frame, again.frames()[name], obj=name)
    np.testing.assert_array_equal(shop.truth.customer_category_pref, again.truth.customer_category_pref)
    other = generate(DemoConfig(seed=8, scale=SCALE))
    assert not shop.products["title"].equals(other.products["title"])
    assert not np.allclose(shop.truth.customer_category_pref, other.truth.customer_category_pref)
    assert len(shop.events) != len(other.events) or not shop.events["product_id"].equals(
        other.events["product_id"]
    )


def test_frames_have_exactly_the_documented_columns(shop: DemoShop) -> None:
    assert set(shop.frames()) == set(COLUMNS)
    for name, cols in COLUMNS.items():
        assert list(shop.frames()[name].columns) == cols, name
    for name, col in [("products", "created_at"), ("customers", "signup_at"), ("events", "ts"),
                      ("orders", "placed_at"), ("order_status", "at"), ("docs", "updated_at")]:  # fmt: skip
        assert str(shop.frames()[name][col].dt.tz) == "UTC", (name, col)
    assert shop.summary() == {name: len(frame) for name, frame in shop.frames().items()}


def test_counts_follow_the_scale(shop: DemoShop) -> None:
    cfg = DemoConfig(scale=SCALE)
    assert len(shop.products) == cfg.product_count == round(3000 * SCALE)
    assert len(shop.customers) == cfg.customer_count == round(5000 * SCALE)
    per_customer = len(shop.events) / len(shop.customers)
    assert 35 < per_customer < 100
    assert len(shop.orders) > 1.5 * len(shop.customers)


def test_ids_are_unique_and_well_formed(shop: DemoShop) -> None:
    for name, col, pattern in [("products", "product_id", r"P\d{5}"), ("customers", "customer_id", r"C\d{5}"),
                               ("orders", "order_id", r"O\d{6}"), ("events", "event_id", r"E\d{8}"),
                               ("docs", "doc_id", r"(faq|policy)-[a-z-]+-(en|zh)")]:  # fmt: skip
        ids = shop.frames()[name][col]
        assert ids.is_unique, name
        assert ids.str.fullmatch(pattern).all(), name
    assert shop.customers["email"].is_unique
    assert not shop.order_items.duplicated(["order_id", "line_no"]).any()


def test_products_are_coherent(shop: DemoShop) -> None:
    p = shop.products
    assert (p["price"] > 0).all() and (p["currency"] == "CNY").all()
    assert (p["stock"] >= 0).all() and 0 < (p["stock"] == 0).mean() < 0.2
    assert p["category"].str.fullmatch(r"[A-Z][\w ']+ > [A-Z][\w' -]+").all()
    assert p["category"].nunique() == len(shop.truth.leaf_categories)
    for row in p.itertuples():
        attrs = row.attributes
        assert row.brand in row.title
        assert " > " in attrs["category_zh"]
        if "colour" in attrs:  # the colour word of the product's language is in its title
            assert (attrs["颜色"] if row.lang == "zh" else attrs["colour"]) in row.title
        assert row.lang in ("en", "zh")
        text = row.description.replace(row.brand, "")  # Chinese brands appear in English text too
        assert bool(CJK.search(text)) == (row.lang == "zh")


def test_events_reference_existing_rows_and_respect_time(shop: DemoShop) -> None:
    e, cfg = shop.events, DemoConfig()
    assert set(e["customer_id"]) <= set(shop.customers["customer_id"])
    assert set(e["product_id"].dropna()) <= set(shop.products["product_id"])
    assert set(e["type"]) == {t.value for t in EventType}
    search = e["type"] == "search"
    assert e.loc[search, "product_id"].isna().all() and e.loc[search, "query"].str.len().gt(0).all()
    assert e.loc[~search, "product_id"].notna().all() and e.loc[~search, "query"].isna().all()
    start = pd.Timestamp(cfg.start, tz="UTC")
    assert e["ts"].min() >= start and e["ts"].max() < start + pd.Timedelta(days=cfg.days)
    assert e["ts"].is_monotonic_increasing  # ids follow time
    launched = e["product_id"].map(shop.products.set_index("product_id")["created_at"])
    assert (e.loc[~search, "ts"] >= launched[~search]).all()
    signup = e["customer_id"].map(shop.customers.set_index("customer_id")["signup_at"])
    assert (e["ts"] >= signup).all()
    ratings = e.loc[e["type"] == "rating", "value"]
    assert ratings.between(1, 5).all() and (ratings == ratings.round()).all() and ratings.nunique() >= 3
    qty = e.loc[e["type"].isin(["add_to_cart", "purchase"]), "value"]
    assert (qty >= 1).all()


def test_purchases_follow_a_view_in_the_same_session(shop: DemoShop) -> None:
    e = shop.events
    first_view = e[e["type"] == "view"].groupby(["session_id", "product_id"])["ts"].min()
    buys = e[e["type"] == "purchase"].set_index(["session_id", "product_id"])["ts"]
    assert (buys >= first_view.reindex(buys.index)).all()  # NaN (no view) would fail


def test_orders_reference_rows_and_totals_add_up(shop: DemoShop) -> None:
    o, items = shop.orders, shop.order_items
    assert set(o["customer_id"]) <= set(shop.customers["customer_id"])
    assert set(items["product_id"]) <= set(shop.products["product_id"])
    assert set(items["order_id"]) == set(o["order_id"])
    assert (items["quantity"] >= 1).all()
    assert (items.groupby("order_id")["line_no"].apply(lambda s: list(s) == list(range(1, len(s) + 1)))).all()
    sums = (items["quantity"] * items["unit_price"]).groupby(items["order_id"]).sum()
    np.testing.assert_allclose(o.set_index("order_id")["total"].loc[sums.index], sums, atol=0.005)
    prices = items["product_id"].map(shop.products.set_index("product_id")["price"])
    np.testing.assert_allclose(items["unit_price"], prices)
    assert (o["currency"] == "CNY").all()


def test_every_order_status_is_present(shop: DemoShop) -> None:
    assert set(shop.orders["status"]) == {s.value for s in OrderStatus}


def test_status_timelines_are_valid(shop: DemoShop) -> None:
    orders = shop.orders.set_index("order_id")
    timelines = shop.order_status.groupby("order_id", sort=False)
    assert set(timelines.groups) == set(orders.index)
    for oid, tl in timelines:
        order = orders.loc[oid]
        steps = tl["status"].tolist()
        assert steps[0] == "placed" and tl["at"].iloc[0] == order["placed_at"], oid
        assert steps[-1] == order["status"], oid
        assert all(can_transition(a, b) for a, b in zip(steps, steps[1:], strict=False)), (oid, steps)
        assert tl["at"].is_monotonic_increasing, oid
        shipped = "shipped" in steps
        assert shipped == (order["tracking_number"] != "") == (order["carrier"] != ""), oid
        assert shipped == (order["status"] in SHIPPED_OR_LATER or "delivered" in steps), oid
    assert shop.order_status["note"].str.len().gt(0).all()


def test_old_orders_are_settled_and_recent_ones_in_flight(shop: DemoShop) -> None:
    o, cfg = shop.orders, DemoConfig()
    end = pd.Timestamp(cfg.start, tz="UTC") + pd.Timedelta(days=cfg.days)
    old = o[o["placed_at"] < end - pd.Timedelta(days=60)]
    assert old["status"].isin(["delivered", "refunded", "cancelled"]).mean() > 0.97
    assert (old["status"] == "delivered").mean() > 0.8
    recent = o[o["placed_at"] > end - pd.Timedelta(hours=20)]
    assert not recent["status"].isin(["delivered", "refund_requested", "refunded"]).any()


def test_both_languages_in_products_customers_searches_and_docs(shop: DemoShop) -> None:
    assert 0.25 < (shop.products["lang"] == "zh").mean() < 0.55
    assert set(shop.customers["lang"]) == {"en", "zh"}
    queries = shop.events.loc[shop.events["type"] == "search", ["customer_id", "query"]]
    has_cjk = queries["query"].str.contains(CJK)
    assert 0.15 < has_cjk.mean() < 0.7
    lang = queries["customer_id"].map(shop.customers.set_index("customer_id")["lang"])
    assert (has_cjk == (lang == "zh")).mean() > 0.9  # searches are in the customer's language
    zh_docs = shop.docs[shop.docs["lang"] == "zh"]
    assert zh_docs["body"].str.contains(CJK).all()
    assert not shop.docs.loc[shop.docs["lang"] == "en", "body"].str.contains(CJK).any()


def test_docs_cover_every_topic_in_both_languages(shop: DemoShop) -> None:
    d = shop.docs
    assert len(TOPICS) >= 10
    pairs = set(zip(d["topic"], d["lang"], strict=True))
    assert pairs == {(t, lang) for t in TOPICS for lang in ("en", "zh")}
    assert set(d["kind"]) == {"faq", "policy"}
    assert (d["body"].str.count("\n\n") >= 2).all()  # a few real paragraphs each
    returns = d[(d["topic"] == "returns")]
    assert returns["body"].str.contains("30").all()  # the 30-day window the orders follow


def test_latent_tastes_are_visible_in_behaviour(shop: DemoShop) -> None:
    e, truth = shop.events, shop.truth
    category = e["product_id"].map(shop.products.set_index("product_id")["category"])
    product_share = shop.products["category"].value_counts(normalize=True)
    ratios = []
    for kind in ("view", "purchase"):
        mask = e["type"] == kind
        for cid, cats in category[mask].groupby(e.loc[mask, "customer_id"]):
            if len(cats) < 3:
                continue
            top = truth.top_categories(cid, 3)
            ratios.append((cats.isin(top).mean(), product_share.reindex(top).fillna(0).sum()))
    share, baseline = np.mean(ratios, axis=0)
    assert share >= 2 * baseline and share > 0.5, (share, baseline)


def test_truth_round_trips_through_json(shop: DemoShop, tmp_path: Path) -> None:
    path = tmp_path / "truth.json"
    shop.truth.to_json(path)
    back = DemoTruth.from_json(path)
    assert back.customer_ids == shop.truth.customer_ids and back.leaf_categories == shop.truth.leaf_categories
    np.testing.assert_array_equal(back.customer_category_pref, shop.truth.customer_category_pref)
    np.testing.assert_array_equal(back.brand_affinity, shop.truth.brand_affinity)
    np.testing.assert_array_equal(back.price_sensitivity, shop.truth.price_sensitivity)
    assert back.product_category == shop.products["category"].tolist()
    cid = shop.truth.customer_ids[0]
    top = back.top_categories(cid, 3)
    row = shop.truth.customer_category_pref[0]
    assert len(top) == 3 and row[shop.truth.leaf_categories.index(top[0])] == row.max()
    np.testing.assert_allclose(shop.truth.customer_category_pref.sum(1), 1.0)

"""Search ranking learned from clicks, switched on by the search setting ``click_learning``: the guards
(one click per shopper, query and product; a minimum of distinct shoppers; a bounded blend), and over
the real API with simulated traffic written to the store and attributed: a search experiment's ``ipw``
arm re-sorts a query many shoppers clicked, not one a single shopper clicked many times, and the
default (off) leaves answers as the engine ranked them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_shoppers import Shoppers
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.online.click_learning import Logged
from shopmind.online.experiments import ExperimentError, check_arms
from shopmind.online.impressions import impression
from shopmind.online.learned_ranking import (
    ENGINE,
    LEARNED,
    MAX_WEIGHT,
    SHUFFLED,
    LearnedRanking,
    LearnedRankingConfig,
    LearnedTable,
    fit_table,
)
from shopmind.online.search_simulation import candidates, queries, search_log
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService

SCALE = 0.1
PRODUCTS = [f"P{i}" for i in range(1, 11)]


def _rows(n: int, clicks: dict[int, list[int]], unit=lambda i: f"s:{i}", shuffled_every: int = 2):
    """``n`` searches of "dress" showing PRODUCTS (every other one "shuffled", same order here for
    simplicity) and the clicks (search index -> clicked positions)."""
    shown = [{"impression_id": f"im-{i}", "query": "dress", "unit": unit(i), "products": PRODUCTS,
              "model_kind": SHUFFLED if i % shuffled_every == 0 else ENGINE} for i in range(n)]  # fmt: skip
    clicked = [{"impression_id": f"im-{i}", "unit": unit(i), "product_id": PRODUCTS[k - 1], "position": k}
               for i, ks in clicks.items() for k in ks]  # fmt: skip
    return shown, clicked


def test_enough_distinct_shoppers_move_a_product_one_shopper_does_not() -> None:
    config = LearnedRankingConfig(min_shoppers=5, min_searches=1)
    base = {i: [1] for i in range(0, 40, 2)}  # position 1 clicked on shuffled answers: the propensities
    many = base | {i: [8] for i in range(1, 13, 2)}  # six shoppers click P8
    shown, clicks = _rows(40, many)
    table = fit_table(shown, clicks, config)
    assert "P8" in table.scores["dress"]
    assert table.rerank("dress", PRODUCTS, 0.5).index("P8") < 7
    bot = base | {i: [8] for i in range(1, 40, 2)}  # twenty clicks on P8, all from one shopper
    shown, clicks = _rows(40, bot, unit=lambda i: "c:bot" if i % 2 else f"s:{i}")
    table = fit_table(shown, clicks, config)
    assert table.scores["dress"]["P8"] == table.scores["dress"]["P7"]  # the bot's click counts as none
    assert table.rerank("dress", PRODUCTS, 0.5) == PRODUCTS
    assert table.clicks == 20 + 1  # the bot's counted once per query and product (and 3 searches at most)


def test_the_blend_is_bounded_and_needs_randomised_answers() -> None:
    table = LearnedTable(scores={"dress": {"P10": 100.0}}, mean=0.01)
    assert table.rerank("dress", PRODUCTS, 0.01) == PRODUCTS  # a small weight keeps the engine's order
    top = table.rerank("dress", PRODUCTS, 5.0)  # capped at MAX_WEIGHT
    assert top[0] == "P10" and MAX_WEIGHT < 1
    assert table.rerank("shoes", PRODUCTS, 0.5) == PRODUCTS  # nothing learned for the query
    shown, clicks = _rows(10, {i: [1] for i in range(10)}, shuffled_every=10**6)
    shown[0]["model_kind"] = ENGINE
    out = fit_table(shown, clicks, LearnedRankingConfig(min_searches=1))
    assert out.scores == {} and "propensities" in out.note


def test_apply_explores_resorts_or_leaves_alone() -> None:
    ranking = LearnedRanking(lambda *a: ([], []), LearnedRankingConfig(explore=1.0, refresh=3600), seed=1)
    hits = [{"product_id": f"P{i}"} for i in range(1, 13)]
    assert ranking.apply(None, "dress", hits) == (hits, ENGINE)  # off by default
    assert ranking.apply("off", "dress", hits) == (hits, ENGINE)
    shuffled, kind = ranking.apply("ipw", "dress", hits)
    assert kind == SHUFFLED and shuffled[10:] == hits[10:] and shuffled != hits
    ranking.config = replace(ranking.config, explore=0.0)
    assert ranking.apply("ipw", "dress", hits) == (hits, LEARNED)  # nothing learned yet: as given
    ranking.close()
    arms = [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5, "settings": {"click_learning": "ipw"}}]
    assert check_arms("search", arms)[1]["settings"] == {"click_learning": "ipw"}
    arms[1]["settings"] = {"click_learning": "yes"}
    with pytest.raises(ExperimentError, match="click_learning must be one of off, ipw"):
        check_arms("search", arms)


# ---------------------------------------------------------------------- over the API, simulated traffic
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    tmp: Path = tmp_path_factory.mktemp("learned")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    load_demo_shop(store, seed=7, scale=SCALE)
    settings = Settings(var_dir=tmp / "var", artifacts_dir=tmp / "artifacts", embedded_worker=False)
    engine = Engine(settings, store)
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", pins_path=str(tmp / "pins.json"))
    search = SearchService(store, config, recommender=engine.recommendations)
    search.sync(force=True)
    engine.provide(search=search)
    client = TestClient(create_app(engine, close_engine=False), raise_server_exceptions=False)
    yield client, engine, store, search
    client.close()
    engine.close()
    store.dispose()


def _write(store: Store, online, log: list[Logged], session) -> None:
    """The simulated searches as impressions, their clicks as storefront events with the impression id,
    attributed by the real attribution."""
    at = datetime.now(UTC) - timedelta(minutes=5)
    rows, events = [], []
    for i, row in enumerate(log):
        sid = session(i)
        kind = SHUFFLED if row.randomised else ENGINE
        im = impression("search", list(row.products), session_id=sid, query=row.query, results=20,
                        model_kind=kind, model_version="lexical") | {"at": at}  # fmt: skip
        rows.append(im)
        events += [{"event_id": f"E-{im['impression_id']}-{k}", "customer_id": None, "session_id": sid,
                    "type": "click", "product_id": row.products[k - 1], "ts": at + timedelta(seconds=1),
                    "impression_id": im["impression_id"]} for k in row.clicked]  # fmt: skip
    store.log_impressions(rows)
    store.upsert("events", events)
    online.attribute(since=at - timedelta(minutes=1))


def _order(client: TestClient, key: dict, q: str, session_id: str) -> tuple[list[str], str]:
    params = {"q": q, "session_id": session_id, "spell": "false"}
    answer = client.get("/search", params=params, headers=key).json()
    return [p["product_id"] for p in answer["products"]], answer["impression_id"]


def test_an_ipw_arm_resorts_a_query_many_shoppers_clicked_not_one_a_bot_clicked(served) -> None:
    client, engine, store, search = served
    online = engine.online
    online.ranking.config = replace(online.ranking.config, explore=0.0)
    key = {"X-API-Key": store.create_api_key("storefront", "learned test")}
    asked = queries()
    cands = candidates(search, asked)
    honest, hostile = sorted(q for q in cands if len(cands[q]) >= 20)[:2]
    shoppers = Shoppers(DemoConfig(seed=7, scale=SCALE))
    leaf = dict(asked)
    log = search_log(shoppers, {honest: cands[honest]}, leaf, 1_500, np.random.default_rng(0))
    _write(store, online, log, lambda i: f"sim-{i}")
    bot = [Logged(hostile, tuple(cands[hostile][:10]), (10,)) for _ in range(300)]  # one shopper, 300 clicks
    _write(store, online, bot, lambda i: "bot-1")
    before = {q: _order(client, key, q, "plain-1")[0] for q in (honest, hostile)}
    assert before[honest][:20] == cands[honest][:20]  # no experiment, default off: the engine's order
    online.flush()
    table = online.ranking.refresh()
    assert table.impressions > 1_000 and honest in table.scores and hostile not in table.scores
    arms = [
        {"name": "off", "share": 0.5},
        {"name": "ipw", "share": 0.5, "settings": {"click_learning": "ipw"}},
    ]
    x = online.define("clicks", "search", arms)
    try:
        arm_of = {f"v-{i}": online.arm("search", f"s:v-{i}")[1]["name"] for i in range(200)}
        in_arm = {name: next(s for s, a in arm_of.items() if a == name) for name in ("off", "ipw")}
        learned, impression_id = _order(client, key, honest, in_arm["ipw"])
        assert learned != before[honest] and sorted(learned) == sorted(before[honest])
        assert _order(client, key, honest, in_arm["off"])[0] == before[honest]
        assert _order(client, key, hostile, in_arm["ipw"])[0] == before[hostile]  # the bot moved nothing
        online.flush()
        assert store.impressions_by_ids([impression_id])[impression_id]["products"] == learned
        kinds = store.frame("impressions", where={"impression_id": impression_id})["model_kind"].tolist()
        assert kinds == [LEARNED]
    finally:
        online.stop(x["experiment_id"])

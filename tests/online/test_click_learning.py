"""Learning search ranking from clicks on simulated traffic: the propensities recovered from randomised
answers match the click model's examination curve, and the IPW learner lifts NDCG@10 against the
simulator's true relevance by at least 0.02 over the engine's own order, beside a naive learner; a
log without randomised answers is refused for IPW with the reason."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from shopmind.data.demo import load_demo_shop
from shopmind.data.simulate import DemoConfig
from shopmind.data.simulate_shoppers import Shoppers
from shopmind.data.store import Store
from shopmind.online.click_learning import ClickLearner, ClickLearnerConfig, Logged, ndcg, propensities
from shopmind.online.search_simulation import candidates, mean_ndcg, queries, search_log
from shopmind.search.index import IndexConfig
from shopmind.search.service import SearchConfig, SearchService

SCALE = 0.1


@pytest.fixture(scope="module")
def traffic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    tmp: Path = tmp_path_factory.mktemp("clicks")
    store = Store(f"sqlite:///{tmp / 'shop.db'}")
    load_demo_shop(store, seed=7, scale=SCALE)
    config = SearchConfig(index=IndexConfig(dense=False), mode="lexical", pins_path=str(tmp / "pins.json"))
    search = SearchService(store, config)
    search.sync(force=True)
    asked = queries()
    cands = candidates(search, asked)
    shoppers = Shoppers(DemoConfig(seed=7, scale=SCALE))
    log = search_log(shoppers, cands, dict(asked), 15_000, np.random.default_rng(0))
    yield shoppers, cands, dict(asked), log
    search.close()
    store.dispose()


def test_propensities_follow_the_examination_curve(traffic) -> None:
    shoppers, _, _, log = traffic
    theta = propensities(log, 10)
    truth = shoppers.examination(10)
    assert theta[0] == 1.0 and np.all(np.diff(theta) <= 0)
    assert np.abs(theta[:5] - truth[:5]).max() < 0.15  # the top positions, where the data is


def test_ipw_lifts_ndcg_over_the_engine_and_is_shown_beside_naive(traffic) -> None:
    shoppers, cands, leaf, log = traffic
    base = mean_ndcg(shoppers, cands, leaf, None)
    naive = mean_ndcg(shoppers, cands, leaf, ClickLearner(ClickLearnerConfig(corrected=False)).fit(log))
    ipw = mean_ndcg(shoppers, cands, leaf, ClickLearner().fit(log))
    assert ipw >= base + 0.02, (base, naive, ipw)
    assert ipw >= naive  # the corrected learner is not worse than the naive one


def test_ipw_needs_randomised_answers() -> None:
    with pytest.raises(ValueError, match="randomised"):
        ClickLearner().fit([Logged("dress", ("P1", "P2"), (1,), randomised=False)])


def test_ndcg() -> None:
    assert ndcg([3, 2, 0], [0, 2, 3]) == 1.0
    assert ndcg([0, 2, 3], [0, 2, 3]) < 0.7

"""The serving process's garbage-collector pauses: timed and logged, and the state built at start
frozen out of the collector's walks (gcpause.py, wired into Engine.start)."""

from __future__ import annotations

import gc
import logging
import weakref
from pathlib import Path

from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.gcpause import PauseWatch, settle


def in_generation_2(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=2))


def test_pauses_are_counted_logged_and_a_slow_full_collection_refreezes(caplog) -> None:
    watch = PauseWatch(slow_ms=0.0)  # every collection counts as slow here
    try:
        assert watch.refreeze() is False  # nothing slow yet
        with caplog.at_level(logging.WARNING, logger="shopmind.gcpause"):
            gc.collect()
        stats = watch.stats()
        assert stats["gen2"]["collections"] >= 1 and stats["gen2"]["max_ms"] > 0
        assert "generation-2 collection paused every thread" in caplog.text
        survivor = [object()]
        gc.collect()
        assert in_generation_2(survivor)
        assert watch.refreeze() is True and not in_generation_2(survivor)
        assert gc.get_freeze_count() > 0 and watch.refreeze() is False
    finally:
        watch.close()
    assert watch._callback not in gc.callbacks


def test_pauses_while_building_are_summed_up_in_one_line(caplog) -> None:
    watch = PauseWatch(slow_ms=0.0, quiet=True)
    try:
        with caplog.at_level(logging.INFO, logger="shopmind.gcpause"):
            gc.collect()
            gc.collect()
            assert "paused every thread" not in caplog.text  # no line per pause while building
            assert watch.stats()["gen2"]["collections"] >= 2  # but counted
            watch.settled("the test state")
            assert "collections of 0 ms or more while the test state was built" in caplog.text
            gc.collect()
        assert "generation-2 collection paused every thread" in caplog.text  # built: one line each
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="shopmind.gcpause"):
            watch.settled()
        assert "while" not in caplog.text  # summed up once
    finally:
        watch.close()


def test_settle_collects_the_garbage_and_freezes_what_lives() -> None:
    class Node:
        pass

    cycle = Node()
    cycle.me = cycle  # only the cyclic collector frees it
    gone = weakref.ref(cycle)
    del cycle
    kept = {"state": [1, 2, 3]}
    out = settle("test")
    assert out["frozen_objects"] > 0 and gc.get_freeze_count() > 0  # other threads may free some since
    frozen = gc.get_objects()  # the frozen generation is not among these
    assert not any(o is kept for o in frozen)
    assert gone() is None  # collected before the freeze, not frozen alive
    gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())


def test_a_started_engine_freezes_its_built_state_unless_told_not_to(tmp_path: Path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    store = Store(url)
    store.migrate()
    load_demo_shop(store, seed=3, scale=0.02)
    store.dispose()
    for freeze in (False, True):
        gc.unfreeze()
        settings = Settings(
            database_url=url, var_dir=tmp_path / "var", artifacts_dir=tmp_path / "art", gc_freeze=freeze
        )
        with Engine(settings) as engine:
            engine.start(wait=True)
            search = engine.search
            assert (gc.get_freeze_count() > 0) is freeze
            walked = any(o is search for o in gc.get_objects())  # every generation but the frozen one
            assert walked is not freeze

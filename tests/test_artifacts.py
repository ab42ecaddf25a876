"""The model lifecycle: versions with one meta format, atomic publishing, the hot-swap holder."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shopmind import __version__
from shopmind.artifacts import COMMON, ArtifactStore, Hot, read_arrays, read_meta, write_model


def save_numbers(values: list[float], own: dict | None = None):
    def save(path: Path) -> None:
        write_model(path, {"model": "numbers", **(own or {})}, {"w": np.asarray(values, dtype=np.float32)})

    return save


def test_save_version_writes_the_common_fields_and_publishes(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    path = store.save_version(
        "rec", "numbers", save_numbers([1, 2]), config={"dim": 2}, metrics={"ndcg": 0.5},
        data_fingerprint="abc", seconds=1.234, extra={"trained_until": 7},
    )  # fmt: skip
    meta = read_meta(path)
    assert set(COMMON) <= set(meta) and meta["model"] == "numbers" and meta["trained_until"] == 7
    assert (meta["kind"], meta["name"], meta["version"]) == ("rec", "numbers", path.name)
    assert meta["code_version"] == __version__ and meta["seconds"] == 1.23
    assert meta["config"] == {"dim": 2} and meta["metrics"] == {"ndcg": 0.5}
    assert store.current("rec") == path
    np.testing.assert_array_equal(read_arrays(path)["w"], [1, 2])


def test_a_models_own_config_and_metrics_are_kept_when_none_are_given(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    own = {"config": {"k": 3}, "metrics": {"acc": 0.9}}
    path = store.save_version("nlu", "shop", save_numbers([0], own), publish=False)
    meta = read_meta(path)
    assert meta["config"] == {"k": 3} and meta["metrics"] == {"acc": 0.9}
    assert store.current("nlu") is None  # saved, not published


def test_versions_are_listed_newest_first_with_the_served_one_marked(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    first = store.save_version("rec", "a", save_numbers([1]))
    second = store.save_version("rec", "b", save_numbers([2]), publish=False)
    listed = store.versions("rec")
    assert [v["version"] for v in listed] == [second.name, first.name]
    assert [v["current"] for v in listed] == [False, True]
    store.publish("rec", second.name)
    assert store.current("rec") == second and store.kinds() == ["rec"]
    with pytest.raises(LookupError):
        store.publish("rec", "no-such-version")
    for bad in ("../rec", "rec/..", "", ".hidden"):
        with pytest.raises(ValueError):
            store.kind_dir(bad)


def test_hot_serves_nothing_until_published_then_swaps_and_survives_a_broken_version(tmp_path: Path) -> None:
    store = ArtifactStore(tmp_path)
    loads: list[str] = []

    def load(path: Path) -> list[float]:
        loads.append(path.name)
        return read_arrays(path)["w"].tolist()

    hot = Hot("rec", load, store, retry=60)
    assert hot.get() == (None, None) and loads == []  # nothing published: the caller's fallback
    first = store.save_version("rec", "a", save_numbers([1]))
    assert hot.get() == ([1.0], first.name) and hot.get() == ([1.0], first.name)
    assert loads == [first.name]  # loaded once, not per call
    broken = store.save_version("rec", "b", lambda path: (path / "meta.json").write_text("{}"))
    assert hot.get() == ([1.0], first.name)  # the broken version is logged; the old one stays
    assert hot.error is not None and "b-" in loads[-1]
    hot.get()
    assert loads.count(broken.name) == 1  # not retried on every call
    third = store.save_version("rec", "c", save_numbers([3]))
    assert hot.get() == ([3.0], third.name) and hot.error is None


def test_write_model_takes_torch_tensors_and_plain_json(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    path = write_model(tmp_path / "m", {"when": np.float32(1.5), "shape": (2, 3)}, {"t": torch.ones(2, 3)})
    assert json.loads((path / "meta.json").read_text()) == {"when": 1.5, "shape": [2, 3]}
    assert read_arrays(path, torch=True)["t"].shape == (2, 3)

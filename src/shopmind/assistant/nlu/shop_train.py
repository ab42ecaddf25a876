"""Training of the shop NLU (kept apart from serving code in :mod:`.shop`).

1. Collect examples (:mod:`.data`): packaged bilingual intents and out-of-scope messages, and —
   when the caller passes a datasets folder holding them — Bitext (mapped), CLINC150/SMP2019
   out-of-scope utterances and Chinese reviews. Encode every text once, Traditional characters in
   their Simplified form as when parsing (through the vector cache file the caller names, if any).
2. Hold out ``holdout`` of the packaged and external out-of-scope examples (seeded; whole
   paraphrase groups per label, language and source, :mod:`.groups`, or rows); fit the intent
   members (the head, the second encoder's head, the lexical member) on the rest plus noisy copies
   of its packaged messages (:mod:`.augment`); measure accuracy and out-of-scope recall of their mix
   on the holdout and tune the out-of-scope threshold there; then refit the members on all examples
   and the copies of all packaged messages.
3. Fit the sentiment head on reviews (train part), English sentiment messages (train part) and the
   shop examples (``complaint`` = upset, the other intents = calm); measure accuracy on the
   held-out reviews and English messages.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from shopmind.assistant.nlu import data as D
from shopmind.assistant.nlu.augment import AugmentConfig, augment_rows
from shopmind.assistant.nlu.base import stratified_split
from shopmind.assistant.nlu.embed import EmbeddingClassifier
from shopmind.assistant.nlu.groups import group_split, paraphrase_groups
from shopmind.assistant.nlu.lexical import LexicalClassifier, LexicalConfig
from shopmind.text.script import to_simplified

if TYPE_CHECKING:
    from shopmind.assistant.nlu.shop import ShopNLU, ShopNLUConfig

log = logging.getLogger(__name__)


@dataclass
class ShopExamples:
    """Everything the shop NLU learns from (see :func:`collect_examples`)."""

    intents: list[D.Example]  # packaged intents + out-of-scope, then Bitext and external out-of-scope
    reviews_train: list[D.Example]  # Chinese reviews as upset/calm (empty without data sets)
    reviews_test: list[D.Example]
    sentiment_en: list[D.Example]  # packaged English upset/calm messages


def collect_examples(cfg: ShopNLUConfig, datasets_dir: Path | None) -> ShopExamples:
    """The packaged examples, plus the public sets under ``datasets_dir`` when ``cfg.use_datasets``
    (``datasets_dir=None``: packaged examples only)."""
    own = _capped(D.packaged_examples(), cfg.max_per_intent)
    senti_en = _capped(D.packaged_sentiment_en(), cfg.max_per_intent)
    if not cfg.use_datasets or datasets_dir is None:
        if cfg.use_datasets:
            log.info("nlu: no datasets folder given, training on the packaged examples only")
        return ShopExamples(own, [], [], senti_en)
    root = Path(datasets_dir)
    ext = D.bitext_examples(cfg.bitext_per_intent, cfg.seed, root) + D.external_out_of_scope(
        cfg.clinc_oos, cfg.smp_oos, cfg.seed, root
    )
    rev_train, rev_test = D.review_examples(cfg.reviews_train, cfg.reviews_test, cfg.seed, root)
    return ShopExamples(own + ext, rev_train, rev_test, senti_en)


def intent_holdout(rows: list[D.Example], cfg: ShopNLUConfig) -> tuple[list[int], list[int]]:
    """(train, hold-out) indices of the intent examples, seeded and stratified by label, language and
    source: whole paraphrase groups (``cfg.holdout_split == "group"``) or rows ("row"). Bitext rows
    always train (the hold-out is packaged + external out-of-scope)."""
    if cfg.holdout_split not in ("group", "row"):
        raise ValueError(f"holdout_split must be 'group' or 'row', got {cfg.holdout_split!r}")
    cand = [i for i, e in enumerate(rows) if e.source != "bitext"]
    labels = [f"{rows[i].label}|{rows[i].lang}|{rows[i].source}" for i in cand]
    if cfg.holdout_split == "group":
        groups = paraphrase_groups([rows[i].text for i in cand], labels)
        _, hold = group_split(groups, labels, cfg.holdout, cfg.seed)
    else:
        _, hold = stratified_split(labels, cfg.holdout, cfg.seed)
    hold_idx = sorted(cand[i] for i in hold)
    return sorted(set(range(len(rows))) - set(hold_idx)), hold_idx


def noisy_copies(rows: list[D.Example], cfg: ShopNLUConfig) -> list[tuple[int, str]]:
    """(source row, text) noisy copies of the packaged rows (``cfg.augment`` per message)."""
    if cfg.augment <= 0:
        return []
    own = [i for i, e in enumerate(rows) if e.source == "packaged"]
    copies = augment_rows([rows[i].text for i in own], AugmentConfig(copies=cfg.augment, seed=cfg.seed))
    return [(own[j], text) for j, text in copies]


def fit_shop_nlu(
    cfg: ShopNLUConfig,
    *,
    datasets_dir: Path | None = None,
    cache_path: str | Path | None = None,
    examples: ShopExamples | None = None,
) -> ShopNLU:
    """Train the shop NLU (module doc). ``examples``: train on these instead of collecting them
    (benchmarks: a training part, or some packaged sets only)."""
    start = time.perf_counter()
    cache = str(cache_path) if cache_path else ""
    workers = cfg.encode_workers
    intent_cfg = replace(
        cfg.intent_head, encoder=cfg.encoder, cache=cache, seed=cfg.seed, encode_workers=workers
    )
    second_cfg = replace(intent_cfg, encoder=cfg.second_encoder) if _second_on(cfg) else None
    sent_cfg = replace(
        cfg.sentiment_head, encoder=cfg.encoder, cache=cache, seed=cfg.seed, encode_workers=workers
    )
    ex = examples if examples is not None else collect_examples(cfg, datasets_dir)
    intent_rows = ex.intents
    all_rows = intent_rows + ex.reviews_train + ex.reviews_test + ex.sentiment_en
    copies = noisy_copies(intent_rows, cfg)
    texts = [to_simplified(e.text) for e in all_rows] + [to_simplified(t) for _, t in copies]
    X = EmbeddingClassifier(intent_cfg).encode(texts)  # (N, D), once for everything
    # the second head reads only the intent examples and their copies
    X2 = None
    if second_cfg is not None:
        t2 = time.perf_counter()
        X2 = EmbeddingClassifier(second_cfg).encode(texts[: len(intent_rows)] + texts[len(all_rows) :])
        secs = time.perf_counter() - t2
        log.info("nlu: %d texts encoded by %s in %.0f s", len(X2), cfg.second_encoder, secs)
    encode_s = time.perf_counter() - start
    Xi = X[: len(intent_rows)]
    Xc = X[len(all_rows) :]  # the noisy copies, in the order of ``copies``
    X = X[: len(all_rows)]
    source = [i for i, _ in copies]
    copy_texts = texts[len(all_rows) :]
    second = (second_cfg, X2) if second_cfg is not None else None
    threshold, metrics, final, lexical, final2, n_hold = _fit_intents(
        cfg, intent_cfg, intent_rows, texts[: len(intent_rows)], Xi, (source, Xc, copy_texts), second
    )
    sentiment, sentiment_metrics, n_sentiment = _fit_sentiment(sent_cfg, ex, X, cfg.seed)
    metrics.update(sentiment_metrics)
    metrics.update(encode_seconds=round(encode_s, 1), train_seconds=round(time.perf_counter() - start, 1))
    meta = {
        "config": asdict(cfg),
        "metrics": metrics,
        "data": {
            "packaged_fingerprint": D.packaged_fingerprint(),
            "intent_examples": len(intent_rows),
            "noisy_copies": len(copies),
            "by_source": _count_sources(intent_rows),
            "sentiment_examples": n_sentiment,
            "holdout_examples": n_hold,
        },
        "intents": list(D.SHOP_INTENTS),
    }
    log.info("nlu: trained in %.0f s; %s", time.perf_counter() - start, metrics)
    from shopmind.assistant.nlu.shop import ShopNLU

    return ShopNLU(
        final,
        sentiment,
        threshold,
        meta,
        lexical=lexical,
        lexical_weight=cfg.lexical_weight,
        second=final2,
        second_weight=cfg.second_weight,
    )


def _second_on(cfg) -> bool:
    return bool(cfg.second_encoder) and cfg.second_weight > 0


def _fit_lexical(cfg, texts: list[str], labels: list[str]) -> LexicalClassifier | None:
    if cfg.lexical_weight <= 0:
        return None
    return LexicalClassifier(LexicalConfig(c=cfg.lexical_c)).fit(texts, labels)


def _fit_intents(cfg, intent_cfg, rows, texts, Xi, copies, second=None):
    """Probe on the training part (with the noisy copies of its messages), threshold and metrics on
    the hold-out, then the head (and the second head and the lexical member) on all rows and copies.
    ``texts``: the rows' texts as read (Simplified form, as encoded in ``Xi``); ``copies`` = (source
    row of each copy, their vectors (K, D), their texts); ``second`` = (the
    second head's config, its encoder's vectors of the rows then the copies) or None."""
    import numpy as np

    from shopmind.assistant.nlu.shop import ShopNLU

    labels = [e.label for e in rows]
    source, Xc, copy_texts = copies
    train_idx, hold_idx = intent_holdout(rows, cfg)
    held = set(hold_idx)
    kept = [k for k, i in enumerate(source) if i not in held]
    X_train = np.concatenate([Xi[train_idx], Xc[kept]]) if kept else Xi[train_idx]
    y_train = [labels[i] for i in train_idx] + [labels[source[k]] for k in kept]
    probe = EmbeddingClassifier(intent_cfg).fit_vectors(X_train, y_train)
    lex_probe = _fit_lexical(cfg, [texts[i] for i in train_idx] + [copy_texts[k] for k in kept], y_train)
    probe2, X2_hold = None, None
    if second is not None:
        cfg2, X2 = second
        X2i, X2c = X2[: len(rows)], X2[len(rows) :]
        X2_train = np.concatenate([X2i[train_idx], X2c[kept]]) if kept else X2i[train_idx]
        probe2 = EmbeddingClassifier(cfg2).fit_vectors(X2_train, y_train)
        X2_hold = X2i[hold_idx]
    nlu_probe = ShopNLU(
        probe,
        probe,
        0.0,
        lexical=lex_probe,
        lexical_weight=cfg.lexical_weight,
        second=probe2,
        second_weight=cfg.second_weight,
    )
    P = nlu_probe.intent_probs([texts[i] for i in hold_idx], Xi[hold_idx], X2_hold)  # (H, C)
    threshold = cfg.threshold
    if threshold is None:
        truth = [labels[i] for i in hold_idx]
        threshold = min(0.5, decision_threshold(P, probe.classes_, truth, cfg.oos_share))
    nlu_probe.threshold = threshold
    metrics = _intent_metrics(nlu_probe, P, [rows[i] for i in hold_idx])
    X_all = np.concatenate([Xi, Xc]) if len(source) else Xi
    y_all = labels + [labels[i] for i in source]
    final = EmbeddingClassifier(intent_cfg).fit_vectors(X_all, y_all)
    lexical = _fit_lexical(cfg, texts + list(copy_texts), y_all)
    final2 = EmbeddingClassifier(second[0]).fit_vectors(second[1], y_all) if second is not None else None
    return threshold, metrics, final, lexical, final2, len(hold_idx)


def decision_threshold(P, classes: list[str], truth: list[str], oos_share: float | None = None) -> float:
    """The out-of-scope threshold on the best shop intent's probability that makes the most held-out
    decisions right: ``P`` (H, C) the hold-out's intent probabilities, ``truth`` its labels. A row is
    out of scope when the ``out_of_scope`` class wins or the best shop intent is below the threshold
    (``ShopNLU.decide``); an in-scope row is right only with its own intent. The score is
    ``(1 - s) · in-scope accuracy + s · out-of-scope recall`` with ``s = oos_share``, or the plain
    share of right decisions when it is None (the hold-out's own mix of the two). Ties: the lowest."""
    import numpy as np

    if len(P) == 0:  # nothing held out: only the out_of_scope class rejects
        return 0.0
    shop_cols = np.array([i for i, c in enumerate(classes) if c != D.OUT_OF_SCOPE])
    best_col = shop_cols[P[:, shop_cols].argmax(axis=1)]
    best_p = P[np.arange(len(P)), best_col]
    predicted_oos = np.array([classes[j] == D.OUT_OF_SCOPE for j in P.argmax(axis=1)], dtype=bool)
    is_oos = np.array([t == D.OUT_OF_SCOPE for t in truth], dtype=bool)
    right_intent = np.array([classes[j] == t for j, t in zip(best_col, truth, strict=True)], dtype=bool)
    best, best_score = 0.0, -1.0
    for t in np.unique(np.concatenate([best_p, [0.0]])):
        rejected = predicted_oos | (best_p < t)
        right = np.where(is_oos, rejected, ~rejected & right_intent)
        if oos_share is None:
            score = float(right.mean())
        else:
            in_acc = float(right[~is_oos].mean()) if (~is_oos).any() else 1.0
            oos_rec = float(right[is_oos].mean()) if is_oos.any() else 1.0
            score = (1.0 - oos_share) * in_acc + oos_share * oos_rec
        if score > best_score + 1e-12:
            best, best_score = float(t), score
    return best


def _fit_sentiment(sent_cfg, ex: ShopExamples, X, seed: int):
    """The sentiment head on reviews (train part), English messages (train part) and the shop examples
    (complaint = upset), with its held-out accuracies."""
    import numpy as np

    n_i, n_rt, n_rs = len(ex.intents), len(ex.reviews_train), len(ex.reviews_test)
    Xi = X[:n_i]
    Xr_train = X[n_i : n_i + n_rt]
    Xr_test = X[n_i + n_rt : n_i + n_rt + n_rs]
    Xen = X[n_i + n_rt + n_rs :]
    senti_en = ex.sentiment_en
    en_train, en_test = stratified_split([e.label for e in senti_en], 0.25, seed)
    shop_rows = [i for i, e in enumerate(ex.intents) if e.label != D.OUT_OF_SCOPE]
    shop_senti = ["upset" if ex.intents[i].label == "complaint" else "calm" for i in shop_rows]
    Xs = np.concatenate([Xr_train, Xen[en_train], Xi[shop_rows]])
    ys = [e.label for e in ex.reviews_train] + [senti_en[i].label for i in en_train] + shop_senti
    sentiment = EmbeddingClassifier(sent_cfg).fit_vectors(Xs, ys)
    metrics = {
        "sentiment_en_holdout_accuracy": _accuracy(
            sentiment, Xen[en_test], [senti_en[i].label for i in en_test]
        )
    }
    if ex.reviews_test:
        metrics["sentiment_zh_reviews_holdout_accuracy"] = _accuracy(
            sentiment, Xr_test, [e.label for e in ex.reviews_test]
        )
    return sentiment, metrics, len(ys)


def _intent_metrics(nlu, P, rows) -> dict[str, float]:
    import numpy as np

    decided = [nlu.decide(p)[0] for p in P]
    truth = [e.label for e in rows]
    ins = [i for i, t in enumerate(truth) if t != D.OUT_OF_SCOPE]
    oos = [i for i, t in enumerate(truth) if t == D.OUT_OF_SCOPE]
    out = {
        "holdout_in_scope_accuracy": float(np.mean([decided[i] == truth[i] for i in ins])) if ins else 0.0,
        "holdout_oos_recall": float(np.mean([decided[i] == D.OUT_OF_SCOPE for i in oos])) if oos else 0.0,
        "threshold": float(nlu.threshold),
    }
    for lang in ("en", "zh"):
        idx = [i for i in ins if rows[i].lang == lang]
        if idx:
            out[f"holdout_in_scope_accuracy_{lang}"] = float(np.mean([decided[i] == truth[i] for i in idx]))
    return {k: round(v, 4) for k, v in out.items()}


def _accuracy(clf: EmbeddingClassifier, X, labels: list[str]) -> float:
    import numpy as np

    if not labels:
        return 0.0
    pred = [clf.classes_[j] for j in clf.proba_vectors(X).argmax(axis=1)]
    return round(float(np.mean([p == t for p, t in zip(pred, labels, strict=True)])), 4)


def _count_sources(rows) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in rows:
        out[e.source] = out.get(e.source, 0) + 1
    return out


def _capped(rows: list, n: int) -> list:
    """At most ``n`` rows per (label, language), in file order (all when ``n`` is 0)."""
    if n <= 0:
        return rows
    seen: dict[tuple[str, str], int] = {}
    out = []
    for e in rows:
        key = (e.label, e.lang)
        if seen.get(key, 0) < n:
            seen[key] = seen.get(key, 0) + 1
            out.append(e)
    return out

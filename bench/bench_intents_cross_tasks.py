"""CLINC150 and shop tasks of ``bench_intents_cross.py`` (see its docstring for the protocols)."""

from __future__ import annotations

import time

import numpy as np
from bench_intents_cross import accuracy, fit, per_label

from shopmind.assistant.nlu.base import stratified_split, tune_threshold
from shopmind.assistant.nlu.groups import group_split, leak_rate, nearest_similarity, paraphrase_groups
from shopmind.data import datasets as D


def _clinc_holdout(texts: list[str], labels: list[str], kind: str, seed: int) -> tuple[list, list]:
    """(fit, hold-out) rows of CLINC150 train: 10 % of in-scope rows (by paraphrase group when
    ``kind`` is "group", else row-level) and a stratified 30 % of ``oos``."""
    ins = [i for i, y in enumerate(labels) if y != "oos"]
    oos = [i for i, y in enumerate(labels) if y == "oos"]
    sub_t, sub_y = [texts[i] for i in ins], [labels[i] for i in ins]
    if kind == "group":
        tr, ho = group_split(paraphrase_groups(sub_t, sub_y), sub_y, 0.1, seed)
    else:
        tr, ho = stratified_split(sub_y, 0.1, seed)
    o_tr, o_ho = stratified_split(["oos"] * len(oos), 0.3, seed)
    return [ins[i] for i in tr] + [oos[i] for i in o_tr], [ins[i] for i in ho] + [oos[i] for i in o_ho]


def _decide(P: np.ndarray, classes: list[str], threshold: float) -> np.ndarray:
    """Per row: the best in-scope intent, or "oos" when the oos class wins or it is below ``threshold``."""
    cols = [j for j, c in enumerate(classes) if c != "oos"]
    best = P[:, cols].max(axis=1)
    arg = np.array([classes[cols[j]] for j in P[:, cols].argmax(axis=1)])
    is_oos = np.array([classes[j] == "oos" for j in P.argmax(axis=1)])
    return np.where(is_oos | (best < threshold), "oos", arg)


def _rates(pred: np.ndarray, y: np.ndarray) -> dict[str, float]:
    ins = y != "oos"
    return {
        "in_scope_accuracy": round(float((pred[ins] == y[ins]).mean()), 4),
        "oos_recall": round(float((pred[~ins] == "oos").mean()), 4),
    }


def _simplex(m: int, steps: int = 10, left: int | None = None) -> list[tuple[float, ...]]:
    """All weightings of ``m`` members in multiples of 1/``steps`` that sum to ``left``/``steps``
    (1 by default)."""
    left = steps if left is None else left
    if m == 1:
        return [(left / steps,)]
    return [(i / steps, *rest) for i in range(left + 1) for rest in _simplex(m - 1, steps, left - i)]


def _choose_weights(clf, probas: list[np.ndarray], y_ho: np.ndarray, min_oos: float) -> tuple[tuple, dict]:
    """The ensemble weighting (0.1 grid) with the best hold-out in-scope accuracy among those whose
    hold-out OOS recall (argmax) is at least ``min_oos`` (the best OOS recall when none is)."""
    scored = []
    for w in _simplex(len(probas)):
        P = sum(x * p for x, p in zip(w, probas, strict=True))
        scored.append((w, _rates(_decide(P, clf.classes_, 0.0), y_ho)))
    ok = [(w, r) for w, r in scored if r["oos_recall"] >= min_oos]
    pool = ok or sorted(scored, key=lambda wr: -wr[1]["oos_recall"])[:1]
    return max(pool, key=lambda wr: (wr[1]["in_scope_accuracy"], wr[1]["oos_recall"]))


def _threshold_for_recall(P: np.ndarray, classes: list[str], y: np.ndarray, min_oos: float) -> float:
    """The lowest threshold whose OOS recall on (``P``, ``y``) is at least ``min_oos`` (the rule
    used for the ensemble weights: keep in-scope accuracy, reach the recall)."""
    cols = [j for j, c in enumerate(classes) if c != "oos"]
    for t in np.unique(np.concatenate([[0.0], P[:, cols].max(axis=1)])):
        if _rates(_decide(P, classes, float(t)), y)["oos_recall"] >= min_oos:
            return float(t)
    return 1.0


def run_clinc(args, config: dict) -> dict:
    df = D.load_clinc150()
    train, val = df[df["split"] == "train"], df[df["split"] == "val"]
    texts, labels = train["text"].tolist(), train["intent"].tolist()
    y_val = val["intent"].to_numpy()
    out: dict[str, object] = {}
    for kind in args.holdouts.split(","):
        fit_idx, ho_idx = _clinc_holdout(texts, labels, kind, args.seed)
        clf, secs = fit(args.model, config, [texts[i] for i in fit_idx], [labels[i] for i in fit_idx])
        y_ho = np.array([labels[i] for i in ho_idx])
        ho_texts = [texts[i] for i in ho_idx]
        res: dict[str, object] = {"train_seconds": round(secs, 1)}
        if hasattr(clf, "member_probas"):  # an ensemble: weights chosen on the hold-out
            w, rates = _choose_weights(clf, clf.member_probas(ho_texts), y_ho, args.min_oos)
            clf.config.weights = list(w)
            res["weights_chosen_on_holdout"] = list(w)
        P_ho = clf.predict_proba(ho_texts)
        cols = [j for j, c in enumerate(clf.classes_) if c != "oos"]
        predicted_oos = np.array([clf.classes_[j] == "oos" for j in P_ho.argmax(axis=1)])
        score = np.where(predicted_oos, 0.0, P_ho[:, cols].max(axis=1))
        threshold = tune_threshold(score[y_ho != "oos"], score[y_ho == "oos"])
        t_recall = _threshold_for_recall(P_ho, clf.classes_, y_ho, args.min_oos)
        near = nearest_similarity(
            [texts[i] for i in fit_idx], [labels[i] for i in fit_idx], ho_texts, list(y_ho)
        )
        res.update(
            holdout_argmax=_rates(_decide(P_ho, clf.classes_, 0.0), y_ho),
            holdout_threshold=_rates(_decide(P_ho, clf.classes_, threshold), y_ho),
            holdout_min_oos_threshold=_rates(_decide(P_ho, clf.classes_, t_recall), y_ho),
            min_oos_threshold=round(t_recall, 4),
            holdout_leak_rate=round(leak_rate(near[y_ho != "oos"]), 4),
            threshold=round(threshold, 4),
        )
        if not args.valid:  # the report: val, read once per hold-out kind
            P_val = clf.predict_proba(val["text"].tolist())
            res["val_argmax"] = _rates(_decide(P_val, clf.classes_, 0.0), y_val)
            res["val_threshold"] = _rates(_decide(P_val, clf.classes_, threshold), y_val)
            res["val_min_oos_threshold"] = _rates(_decide(P_val, clf.classes_, t_recall), y_val)
        out[f"{kind}_holdout"] = res
    return out


def _shop_nlu_figures(kind: str, args, augment: int | None) -> dict:
    """The shop NLU's hold-out metrics with hold-out ``kind`` ("row" or "group"); ``augment``:
    noisy copies per message (None: the recipe's default)."""
    from shopmind.assistant.nlu.shop import ShopNLUConfig, train_shop_nlu
    from shopmind.config import get_settings

    cache = get_settings().var_dir / "cache" / "nlu-vectors.sqlite"
    cfg = ShopNLUConfig(seed=args.seed, holdout_split=kind)
    if augment is not None:
        cfg.augment = augment
    t0 = time.perf_counter()
    nlu = train_shop_nlu(cfg, datasets_dir=D.datasets_dir(), cache_path=cache)
    m = nlu.meta["metrics"]
    keep = [k for k in m if k.startswith("holdout_") or k == "threshold"]
    return {**{k: m[k] for k in keep}, "seconds": round(time.perf_counter() - t0, 1)}


def _bitext_shop() -> tuple[list, list, list]:
    """(Bitext texts, their shop intents) for the mapped intents, and the packaged shop messages of
    those intents."""
    from shopmind.assistant.nlu import data as ND

    df = D.load_bitext()
    df = df[df["intent"].isin(ND.BITEXT_TO_SHOP)].drop_duplicates("text")
    mapped = set(ND.BITEXT_TO_SHOP.values())
    shop = [e for e in ND.packaged_intents() if e.label in mapped]
    return df["text"].tolist(), df["intent"].map(ND.BITEXT_TO_SHOP).tolist(), shop


def run_shop(args, config: dict) -> dict:
    """The shop NLU's row-level vs paraphrase-group hold-out, and Bitext ↔ shop messages."""
    augment = int(config["augment"]) if "augment" in config else None
    out: dict[str, object] = {}
    if not args.valid:
        out["shop_nlu"] = {kind: _shop_nlu_figures(kind, args, augment) for kind in ("row", "group")}
    b_texts, b_labels, shop = _bitext_shop()
    head = {k: v for k, v in config.items() if k != "augment"}
    clf, secs = fit(args.model, head, b_texts, b_labels)
    cross: dict[str, object] = {"bitext_to_shop": {"n_train": len(b_texts), "train_seconds": round(secs, 1)}}
    for lang in ("en", "zh"):
        rows = [e for e in shop if e.lang == lang]
        t, y = [e.text for e in rows], [e.label for e in rows]
        cross["bitext_to_shop"][lang] = {
            "accuracy": accuracy(clf, t, y),
            "worst_labels": per_label(clf, t, y, 3),
        }
    clf, secs = fit(args.model, head, [e.text for e in shop], [e.label for e in shop])
    cross["shop_to_bitext"] = {
        "accuracy": accuracy(clf, b_texts, b_labels),
        "worst_labels": per_label(clf, b_texts, b_labels, 3),
        "n_train": len(shop),
        "n_test": len(b_texts),
    }
    out["cross_source"] = cross
    return out

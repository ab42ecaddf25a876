"""Tabular GAN benchmark: shopmind's CTGAN-style synthesizer beside the `ctgan` package.

    SHOPMIND_DATASETS_DIR=../shared/data flock /tmp/shopmind-cpu.lock \\
        .venv/bin/python bench/bench_synth.py --table shoppers --epochs 100 [--no-ctgan] [--out DIR]

Tables: ``shoppers`` (Online Shoppers Intention, label Revenue), ``customers`` and ``orders``
(built from UCI Online Retail by ``online_retail_to_shop``; customers get their order count,
orders are scored with label status = cancelled/delivered). Each table is split 80/20 with a
fixed seed; both synthesizers are fitted on the 80% only, with the same epochs, batch size 500,
the same discrete columns and the same torch threads; each samples as many rows as the
training split. The report (shopmind.synth.report) scores both sample files against the real
training rows, with ML utility and the DCR baseline on the 20% held out. ctgan runs in its own
venv (bench/.venv-ctgan, see bench/ctgan_side_by_side.py). Prints a Markdown table and writes
JSON + PNGs under --out.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shopmind.data import datasets as D
from shopmind.synth.plots import plot_report
from shopmind.synth.report import evaluate
from shopmind.synth.tabular import TabularGAN, TabularGANConfig
from shopmind.synth.transform import DataTransformer, TransformerConfig

log = logging.getLogger("bench_synth")
ROOT = Path(__file__).resolve().parent
CTGAN_PY = ROOT / ".venv-ctgan" / "bin" / "python"


def load_table(name: str) -> tuple[pd.DataFrame, str | None]:
    """(frame without keys, label or None)."""
    if name == "shoppers":
        return D.load_online_shoppers_intention(), "Revenue"
    shop = D.online_retail_to_shop(D.load_online_retail())
    if name == "customers":
        c = shop["customers"]
        n = shop["orders"].groupby("customer_id").size()
        c = c.assign(n_orders=n.reindex(c["customer_id"]).fillna(0).astype("int64").to_numpy())
        return c[["country", "signup_at", "n_orders"]], None
    if name == "orders":
        return shop["orders"][["status", "placed_at", "total", "shipping_address"]], "status"
    raise SystemExit(f"unknown table {name!r}: shoppers, customers, orders")


def split(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(df))
    cut = int(0.8 * len(df))
    return df.iloc[idx[:cut]].reset_index(drop=True), df.iloc[idx[cut:]].reset_index(drop=True)


def run_ours(train: pd.DataFrame, args: argparse.Namespace) -> tuple[pd.DataFrame, dict]:
    import torch

    torch.set_num_threads(args.threads)
    cfg = TabularGANConfig(epochs=args.epochs, batch_size=500, threads=args.threads)
    wall, cpu = time.perf_counter(), time.process_time()
    model = TabularGAN(cfg).fit(train, seed=args.seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    model.save(args.out / "model")
    return model.sample(len(train), seed=args.seed), {"fit_wall_s": wall, "fit_cpu_s": cpu}


def run_ctgan(train: pd.DataFrame, args: argparse.Namespace) -> tuple[pd.DataFrame, dict] | None:
    if not CTGAN_PY.exists():
        log.warning("no %s: skipping ctgan (see bench/ctgan_side_by_side.py)", CTGAN_PY)
        return None
    tr = DataTransformer(TransformerConfig()).fit(train.head(2000))  # only the column kinds are used
    spec = {
        "discrete": [c.name for c in tr.columns_ if c.kind == "discrete"],
        "datetime": [c for c in train.columns if pd.api.types.is_datetime64_any_dtype(train[c])],
        "epochs": args.epochs,
        "batch_size": 500,
        "rows": len(train),
        "seed": args.seed,
        "threads": args.threads,
    }
    train.to_csv(args.out / "train.csv", index=False)
    (args.out / "ctgan_spec.json").write_text(json.dumps(spec), encoding="utf-8")
    cmd = [
        str(CTGAN_PY),
        str(ROOT / "ctgan_side_by_side.py"),
        str(args.out / "train.csv"),
        str(args.out / "ctgan_spec.json"),
        str(args.out / "ctgan_samples.csv"),
    ]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    timing = json.loads(res.stdout.strip().splitlines()[-1])
    out = pd.read_csv(args.out / "ctgan_samples.csv")
    for col in spec["datetime"]:
        out[col] = pd.to_datetime(out[col], utc=True)
    return out, timing


def row(name: str, rep: dict, timing: dict) -> str:
    u = rep.get("ml_utility", {}).get("synthetic", {})
    p = rep["privacy"]
    util = f"{u['auc']:.3f} / {u['f1']:.3f}" if u else "–"
    return (
        f"| {name} | {rep['quality_score']:.3f} | {rep['column_shapes']:.3f} "
        f"| {rep['column_pairs']:.3f} | {util} "
        f"| {p['exact_copy_share']:.4f} | {p['dcr_median']:.3f} | {timing['fit_wall_s'] / 60:.2f} "
        f"| {timing['fit_cpu_s'] / 60:.2f} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", default="shoppers", choices=["shoppers", "customers", "orders"])
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-ctgan", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="use only this many rows (smoke runs)")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "synth")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if not os.environ.get(D.ENV_VAR):
        sys.exit(f"set {D.ENV_VAR} to the folder holding synth/ and marketing/")
    args.out = args.out / args.table
    args.out.mkdir(parents=True, exist_ok=True)
    df, label = load_table(args.table)
    if args.limit:
        df = df.sample(args.limit, random_state=args.seed).reset_index(drop=True)
    train, test = split(df, args.seed)
    log.info("%s: %d train / %d test rows, %d columns", args.table, len(train), len(test), df.shape[1])
    results = {}
    runs = [("shopmind", run_ours)] + ([] if args.no_ctgan else [("ctgan", run_ctgan)])
    for name, fn in runs:
        got = fn(train, args)
        if got is None:
            continue
        synth, timing = got
        rep = evaluate(train, synth, test=test, label=label)
        plot_report(train, synth, rep, args.out / name)
        results[name] = {"report": rep, "timing": timing}
        log.info("%s: quality %.3f, fit %.1f s", name, rep["quality_score"], timing["fit_wall_s"])
    (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    real = results[next(iter(results))]["report"].get("ml_utility", {}).get("real")
    print(
        f"\n{args.table}: {len(train):,} train rows, {args.epochs} epochs, batch 500, {args.threads} threads"
    )
    if real:
        print(f"train on real, test on real: AUC {real['auc']:.3f}, F1 {real['f1']:.3f}")
    print(
        "| model | quality | shapes | pairs | TSTR AUC / F1 | exact copies | DCR median "
        "| fit min | fit CPU min |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(row(name, r["report"], r["timing"]))


if __name__ == "__main__":
    main()

"""Tabular GAN benchmark: shopmind's CTGAN-style synthesizer beside the `ctgan` package.

    SHOPMIND_DATASETS_DIR=../shared/data flock /tmp/shopmind-cpu.lock \\
        .venv/bin/python bench/bench_synth.py --table shoppers [--no-ctgan] [--dp 1,10 [--dp-only]]

Tables: ``shoppers`` (Online Shoppers Intention, label Revenue), ``customers`` and ``orders``
(built from UCI Online Retail by ``online_retail_to_shop``; customers get their order count,
orders are scored with label status = cancelled/delivered), ``demo-customers`` (the demo shop's
customers: names, e-mails, country and city, language, signup). Each table is split 80/20 with a
fixed seed; both synthesizers are fitted on the 80 % only, with batch size 500, the same discrete
columns and the same torch threads. shopmind trains for at most ``--epochs`` and keeps the epoch
its own held-out 10 % of the training rows scores best (with a label: conditioned on it, with
the label-classifier loss); ctgan runs its default 300 epochs. Each samples as many rows as the
training split. One report (shopmind.synth.report) scores both sample files against the real
training rows, with train-synthetic-test-real next to train-real-test-real on the 20 % test
split, the privacy measures against the same 20 % and the rules shopmind found (and was
declared) checked on both samples. ``--dp`` adds private fits (DP-SGD critic) at those ε.
ctgan runs in its own venv (bench/.venv-ctgan, see bench/ctgan_side_by_side.py). Prints Markdown
tables and writes JSON + PNGs under --out.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import replace
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
TABLES = ("shoppers", "customers", "orders", "demo-customers")


def load_table(name: str) -> tuple[pd.DataFrame, str | None]:
    """(frame without keys, label or None)."""
    if name == "shoppers":
        return D.load_online_shoppers_intention(), "Revenue"
    if name == "demo-customers":
        from shopmind.data.simulate import DemoConfig, generate

        return generate(DemoConfig(seed=7)).customers.drop(columns=["customer_id"]), None
    shop = D.online_retail_to_shop(D.load_online_retail())
    if name == "customers":
        c = shop["customers"]
        n = shop["orders"].groupby("customer_id").size()
        c = c.assign(n_orders=n.reindex(c["customer_id"]).fillna(0).astype("int64").to_numpy())
        return c[["country", "signup_at", "n_orders"]], None
    if name == "orders":
        return shop["orders"][["status", "placed_at", "total", "shipping_address"]], "status"
    raise SystemExit(f"unknown table {name!r}: {', '.join(TABLES)}")


def split(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(df))
    cut = int(0.8 * len(df))
    return df.iloc[idx[:cut]].reset_index(drop=True), df.iloc[idx[cut:]].reset_index(drop=True)


def peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def warm_up() -> None:
    """Import what a fit imports on first use (torch, its optimizers, sklearn), outside the timings —
    the ctgan script has imported all of it before its clock starts too."""
    import scipy.stats  # noqa: F401
    import sklearn.ensemble  # noqa: F401
    import sklearn.mixture  # noqa: F401
    import torch

    torch.optim.Adam([torch.zeros(1, requires_grad=True)])


def run_ours(train: pd.DataFrame, args: argparse.Namespace, label: str | None, **extra) -> tuple:
    cfg = TabularGANConfig(epochs=args.epochs, batch_size=500, threads=args.threads, label=label)
    cfg = replace(cfg, **extra)
    wall, cpu = time.perf_counter(), time.process_time()
    model = TabularGAN(cfg).fit(train, seed=args.seed)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    timing = {
        "fit_wall_s": wall,
        "fit_cpu_s": cpu,
        "epochs_run": len(model.history_),
        "best_epoch": getattr(model, "best_epoch_", None),
    }
    t0 = time.perf_counter()
    synth = model.sample(len(train), seed=args.seed)
    timing["sample_s"] = time.perf_counter() - t0
    if model.private_ is not None:
        timing["privacy"] = model.private_.spent
    return synth, timing, model


def run_ctgan(train: pd.DataFrame, args: argparse.Namespace) -> tuple[pd.DataFrame, dict] | None:
    if not CTGAN_PY.exists():
        log.warning("no %s: skipping ctgan (see bench/ctgan_side_by_side.py)", CTGAN_PY)
        return None
    tr = DataTransformer(TransformerConfig()).fit(train.head(2000))  # only the column kinds are used
    spec = {
        "discrete": [c.name for c in tr.columns_ if c.kind == "discrete"],
        "datetime": [c for c in train.columns if pd.api.types.is_datetime64_any_dtype(train[c])],
        "epochs": args.ctgan_epochs,
        "batch_size": 500,
        "rows": len(train),
        "seed": args.seed,
        "threads": args.threads,
    }
    done = args.out / "ctgan_timing.json"
    if args.reuse_ctgan and done.exists() and json.loads(done.read_text())["spec"] == spec:
        log.info("reusing the ctgan sample of an earlier run with the same spec (%s)", done)
        timing = json.loads(done.read_text())["timing"]
        return _read_ctgan(train, args.out / "ctgan_samples.csv", spec), timing
    train.to_csv(args.out / "train.csv", index=False)
    (args.out / "ctgan_spec.json").write_text(json.dumps(spec), encoding="utf-8")
    cmd = [str(CTGAN_PY), str(ROOT / "ctgan_side_by_side.py"), str(args.out / "train.csv"),
           str(args.out / "ctgan_spec.json"), str(args.out / "ctgan_samples.csv")]  # fmt: skip
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    timing = json.loads(res.stdout.strip().splitlines()[-1])
    done.write_text(json.dumps({"spec": spec, "timing": timing}), encoding="utf-8")
    return _read_ctgan(train, args.out / "ctgan_samples.csv", spec), timing


def _read_ctgan(train: pd.DataFrame, path: Path, spec: dict) -> pd.DataFrame:
    out = pd.read_csv(path)
    for col in spec["datetime"]:
        out[col] = pd.to_datetime(out[col], utc=True)
    for col in train.columns:  # ctgan writes booleans and text as CSV; give them the training dtypes back
        if pd.api.types.is_bool_dtype(train[col]):
            out[col] = out[col].astype(str).str.lower().eq("true")
    return out


def row(name: str, rep: dict, timing: dict) -> str:
    u = rep.get("ml_utility", {}).get("synthetic", {})
    p, rules = rep["privacy"], rep.get("rules", {})
    util = f"{u['auc']:.3f} / {u['f1']:.3f}" if u else "–"
    broken = sum(rules.get("constraints", {}).values()) if rules else "–"
    mia = p.get("membership_inference_auc")
    closer = p.get("closer_to_train_share")
    return (
        f"| {name} | {rep['quality_score']:.3f} | {rep['column_shapes']:.3f} | {rep['column_pairs']:.3f} "
        f"| {util} "
        f"| {broken} | {p['exact_copy_share']:.4f} | {p['dcr_median']:.3f} | {mia:.3f} | {closer:.3f} "
        f"| {timing['fit_wall_s'] / 60:.2f} | {(timing['fit_wall_s'] + timing.get('sample_s', 0)) / 60:.2f} "
        f"| {timing.get('epochs_run', '–')} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--table", default="shoppers", choices=TABLES)
    ap.add_argument(
        "--epochs", type=int, default=300, help="shopmind: at most this many (held-out checks stop it)"
    )
    ap.add_argument("--ctgan-epochs", type=int, default=300, help="ctgan: its default")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-ctgan", action="store_true")
    ap.add_argument(
        "--reuse-ctgan",
        action="store_true",
        help="take ctgan's sample and timing from an earlier run in --out with the same split and spec",
    )
    ap.add_argument("--dp", default="", help="comma-separated ε values for private fits (shopmind only)")
    ap.add_argument("--dp-epochs", type=int, default=30)
    ap.add_argument("--dp-only", action="store_true", help="fit only the private models of --dp")
    ap.add_argument("--limit", type=int, default=0, help="use only this many rows (smoke runs)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/runs/synth"))
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
    warm_up()
    log.info("%s: %d train / %d test rows, %d columns", args.table, len(train), len(test), df.shape[1])
    runs, rules = {}, None
    if not args.dp_only:
        synth, timing, model = run_ours(train, args, label)
        runs["shopmind"], rules = (synth, timing), model.rules_
    for eps in [float(e) for e in args.dp.split(",") if e]:
        s, t, private = run_ours(train, args, label, dp_epsilon=eps, epochs=args.dp_epochs)
        runs[f"shopmind DP ε={eps:g}"] = (s, t)
        rules = rules or private.rules_  # every fit finds the same rules in the same rows
    if not args.no_ctgan and (got := run_ctgan(train, args)) is not None:
        runs["ctgan 0.12.1"] = got
    results = {}
    for name, (s, t) in runs.items():
        rep = evaluate(train, s, test=test, label=label, rules=rules)
        plot_report(train, s, rep, args.out / name.replace(" ", "_"))
        results[name] = {"report": rep, "timing": t}
        log.info("%s: quality %.3f, fit %.1f s", name, rep["quality_score"], t["fit_wall_s"])
    results["load"] = {"loadavg": os.getloadavg(), "peak_rss_mib": peak_rss_mib()}
    (args.out / "results.json").write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print(
        f"\n{args.table}: {len(train):,} train rows, {len(test):,} test rows, batch 500, "
        f"{args.threads} threads"
    )
    first = next(r for name, r in results.items() if name != "load")
    real = first["report"].get("ml_utility", {}).get("real")
    if real:
        print(f"train on real, test on real (TRTR): AUC {real['auc']:.3f}, F1 {real['f1']:.3f}")
    for name, r in results.items():
        if spent := r.get("timing", {}).get("privacy") if name != "load" else None:
            print(
                f"{name}: ε = {spent['epsilon']:.2f} at δ = {spent['delta']:.1e}, noise σ = "
                f"{spent['noise_multiplier']:.3f}, {spent['steps']} critic steps, "
                f"q = {spent['sampling_rate']:.4f}"
            )
    print("| model | quality | shapes | pairs | TSTR AUC / F1 | rows breaking a rule | exact copies "
          "| DCR median "
          "| membership AUC | closer to train | fit min | fit + sample min | epochs |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        if name != "load":
            print(row(name, r["report"], r["timing"]))


if __name__ == "__main__":
    main()

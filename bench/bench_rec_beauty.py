"""Amazon Beauty benchmark for the recommenders (SASRec vs most-popular), the S3-Rec leave-one-out split.

    SHOPMIND_DATASETS_DIR=../shared/data python bench/bench_rec_beauty.py [--models popular,sasrec]
        [--threads 2] [--seed 0] [--max-minutes 15] [--loss ce|bce] [--json out.json]

Protocol (S3-Rec / DuoRec "all rank"): each line of ``recsys/amazon-s3rec/Beauty.txt`` is a user's
items in time order; per user the last item is test, the second last validation, the rest training.
Full ranking over all items, with the user's history excluded. Each model is fitted on the training
items and early-stops on validation NDCG@10 (the only thing tuned); the test is then run once:
a sequential model (one with ``score_sequences``, i.e. SASRec) reads the training + validation
items as its input sequence without retraining, as in the SASRec paper; any other model is refitted
on training + validation for the epoch count validation found (so most-popular counts both, as the
S3-Rec paper's PopRec does). Prints a Markdown table with the
training time (fit + refit, with the validations early stopping needs, not the final evaluation) as
wall and CPU minutes (CPU ≈ threads × wall on an idle machine; less means other load), and the
process's peak RSS after each model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

from shopmind.recommend.base import IdMap, Interactions, available, create
from shopmind.recommend.evaluate import Split, evaluate, leave_one_out, merge

log = logging.getLogger("bench_rec_beauty")


def data_path() -> Path:
    root = Path(
        os.environ.get("SHOPMIND_DATASETS_DIR", Path(__file__).resolve().parents[2] / "shared" / "data")
    )
    path = root / "recsys" / "amazon-s3rec" / "Beauty.txt"
    if not path.exists():
        sys.exit(f"Beauty not found at {path}: set SHOPMIND_DATASETS_DIR to the folder holding recsys/")
    return path


def read_sequences(path: Path) -> Interactions:
    """Lines "user item item …" (oldest first) -> interactions whose ``ts`` is the position in the file."""
    users: list[str] = []
    items: list[str] = []
    for line in path.read_text().splitlines():
        parts = line.split()
        users += parts[:1] * (len(parts) - 1)
        items += parts[1:]
    user_map = IdMap(dict.fromkeys(users))  # file order
    item_map = IdMap(sorted(set(items), key=int))
    return Interactions(
        user_map, item_map, user_map.to_idx(users), item_map.to_idx(items), np.arange(len(users))
    )


def load_beauty() -> Interactions:
    """Through the project's loader (``shopmind.data.datasets``) when it is there, else the file itself."""
    try:
        from shopmind.data.datasets import load_amazon_beauty

        df = load_amazon_beauty()
    except (ImportError, FileNotFoundError) as exc:
        log.info("project loader unavailable (%s): reading Beauty.txt directly", exc)
        return read_sequences(data_path())
    return Interactions.from_frame(df, user_col="user_id", item_col="item_id", ts_col="pos")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def params_for(name: str, args: argparse.Namespace) -> dict:
    """The benchmark's settings, passed only to models whose config has those fields."""
    wanted = {
        "seed": args.seed,
        "n_threads": args.threads,
        "epochs": args.epochs,
        "loss": args.loss,
        "lr": args.lr,
        "dropout": args.dropout,
        "batch_size": args.batch_size,
        "max_seconds": args.max_minutes * 60 if args.max_minutes else None,
    }
    fields = {f.name for f in dataclasses.fields(create(name).config)}
    return {k: v for k, v in wanted.items() if v is not None and k in fields}


def run_model(name: str, args: argparse.Namespace, split: Split) -> dict:
    params = params_for(name, args)
    start, cpu = time.perf_counter(), time.process_time()
    model = create(name, **params).fit(split.train, split.valid)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    epochs, best = model.meta_.get("epochs"), model.meta_.get("best_epoch")
    valid = evaluate(model, split.valid, ks=(10, 20))
    history = merge(split.train, split.valid)
    if hasattr(model, "score_sequences"):  # sequential: the validation item becomes input
        model.update_history(history)  # no retraining
    else:
        start, cpu0 = time.perf_counter(), time.process_time()
        model = create(name, **params | ({"epochs": best} if best else {})).fit(history)
        seconds, cpu = seconds + time.perf_counter() - start, cpu + time.process_time() - cpu0
    test = evaluate(model, split.test, ks=(10, 20))
    return {
        "model": name,
        **{f"test_{m}": test[m] for m in ("hr@10", "ndcg@10", "hr@20", "ndcg@20", "mrr")},
        **{f"valid_{m}": valid[m] for m in ("hr@10", "ndcg@10")},
        "epochs": epochs,
        "best_epoch": best,
        "train_minutes": seconds / 60,
        "train_cpu_minutes": cpu / 60,  # all threads; about threads × wall time on an idle machine
        "peak_rss_mb": peak_rss_mb(),
        "params": params,
    }


def table(rows: list[dict]) -> str:
    head = (
        "| model | HR@10 | NDCG@10 | HR@20 | NDCG@20 | MRR | valid NDCG@10 | epochs (best) | train min "
        "| train CPU min | peak RSS MB |"
    )
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        ep = f"{r['epochs']} ({r['best_epoch']})" if r["epochs"] else "–"
        lines.append(
            f"| {r['model']} | {r['test_hr@10']:.4f} | {r['test_ndcg@10']:.4f} | {r['test_hr@20']:.4f} "
            f"| {r['test_ndcg@20']:.4f} | {r['test_mrr']:.4f} | {r['valid_ndcg@10']:.4f} | {ep} "
            f"| {r['train_minutes']:.1f} | {r['train_cpu_minutes']:.1f} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--models", default="popular,sasrec", help=f"comma-separated, from: {', '.join(available())}"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch threads while fitting")
    p.add_argument("--max-minutes", type=float, default=14.0, help="wall-time cap on one model's training")
    p.add_argument("--epochs", type=int, default=None, help="override the models' epoch limit")
    p.add_argument("--loss", choices=["ce", "bce"], default=None, help="SASRec loss (default: its config's)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--dropout", type=float, default=None)
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    import torch

    torch.set_num_threads(args.threads)  # evaluation too
    data = load_beauty()
    split = leave_one_out(data)
    log.info(
        "Beauty: %d users, %d items, %d interactions (train %d)",
        data.n_users,
        data.n_items,
        len(data),
        len(split.train),
    )
    rows = [run_model(name.strip(), args, split) for name in args.models.split(",") if name.strip()]
    print(f"\nAmazon Beauty (S3-Rec split), leave-one-out, full ranking over {data.n_items} items")
    print(f"seed {args.seed}; {os.cpu_count()} CPUs, torch threads {args.threads}\n")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

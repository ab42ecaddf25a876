"""Gowalla benchmark for the graph recommenders (LightGCN, BPR-MF), LightGCN's own split.

    SHOPMIND_DATASETS_DIR=../shared/data python bench/bench_rec_gowalla.py [--model lightgcn,bpr]
        [--epochs N] [--threads 2] [--max-minutes 45] [--init normal|svd] [--refit]

Protocol (LightGCN paper): the given 80/20 per-user train/test split; full ranking over all
items not in a user's training items; Recall@20 and NDCG@20 averaged over test users.
Validation for early stopping comes from TRAIN only: for a seeded sample of ``valid_max_users``
users (10,000), a seeded 10% of each one's training items is held out (``--valid-frac``); the
model trains on everything else (~97% of TRAIN) and stops on validation NDCG@20. With
``--refit`` a second model is then trained on the whole training set for the best epoch count
found (no validation), with a time budget of its own; that model is the one scored, "train min" is
its training and "validated run min" the first run's. ``--valid-frac 0 --epochs N`` trains the same
final model directly for an epoch count N found earlier. The test set is evaluated once, at the end, with all
training items excluded from the ranking. Prints a Markdown table (time, epochs, peak RSS).
"""

from __future__ import annotations

import argparse
import logging
import resource
import time

from shopmind.recommend.base import IdMap, Interactions, create
from shopmind.recommend.benchmark import holdout_fraction
from shopmind.recommend.evaluate import evaluate

log = logging.getLogger("bench_rec_gowalla")

# Settings chosen on the validation split of TRAIN (never on test); flags override them.
SETTINGS: dict[str, dict] = {
    "lightgcn": {
        "n_layers": 3,
        # 128 over the paper's 64: validation NDCG@20 0.1228 vs 0.1135 at ~3x the epoch time
        # (docs/benchmarks.md, Recommendation: Gowalla)
        "dim": 128,
        "init": "svd",
        "lr": 0.05,
        # 0.975 spreads the decay over the ~110 epochs that fit in 45 minutes; at 0.95 the lr is
        # down to 8% by epoch 50 and validation NDCG flattens with budget left (docs/benchmarks.md)
        "lr_decay": 0.975,
        "batch_size": 16384,
        "n_neg": 16,
        "reg": 1e-4,
        "epochs": 400,
        "eval_every": 5,
        "patience": 3,
        "valid_max_users": 10000,
    },
    "bpr": {
        "dim": 64,
        "init": "normal",
        "lr": 0.05,
        "lr_decay": 0.95,
        "batch_size": 16384,
        "n_neg": 16,
        "reg": 1e-4,
        "epochs": 400,
        "eval_every": 5,
        "patience": 3,
        "valid_max_users": 10000,
    },
    "itemknn": {"k": 100, "shrink": 10.0},
}


def load_gowalla_interactions() -> tuple[Interactions, Interactions]:
    """Train and test interactions with shared id maps (ids are the files' remapped integers)."""
    from shopmind.data.datasets import load_gowalla

    train, test = load_gowalla("train"), load_gowalla("test")
    n_users = int(max(train.user_idx.max(), test.user_idx.max())) + 1
    n_items = int(max(train.item_idx.max(), test.item_idx.max())) + 1
    users, items = IdMap(str(u) for u in range(n_users)), IdMap(str(i) for i in range(n_items))
    return tuple(
        Interactions(users, items, df.user_idx.to_numpy(), df.item_idx.to_numpy()) for df in (train, test)
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def model_params(name: str, args: argparse.Namespace) -> dict:
    """The model's benchmark settings (:data:`SETTINGS`), overridden by the flags that were given."""
    flags = {
        "epochs": args.epochs,
        "lr": args.lr,
        "lr_decay": args.lr_decay,
        "batch_size": args.batch_size,
        "n_neg": args.n_neg,
        "sampling": args.sampling,
        "reg": args.reg,
        "init": args.init,
        "eval_every": args.eval_every,
        "patience": args.patience,
        "n_layers": args.layers if name == "lightgcn" else None,
        "dim": args.dim,
    }
    params = SETTINGS.get(name, {}) | {k: v for k, v in flags.items() if v is not None}
    params |= {"seed": args.seed}
    if "epochs" in params:  # iterative models
        params |= {"n_threads": args.threads, "max_seconds": args.max_minutes * 60}
    return params


def run_model(name: str, args: argparse.Namespace, train: Interactions, test: Interactions) -> dict:
    """Fit with early stopping on a validation split of TRAIN (and refit if asked), then test once."""
    import torch

    torch.set_num_threads(args.threads)
    params = model_params(name, args)
    if args.valid_frac > 0:
        fit_data, valid = holdout_fraction(
            train, args.valid_frac, args.seed, min_one=True, max_users=params.get("valid_max_users")
        )
    else:  # a fixed epoch count (e.g. the best one a validated run found) on the whole training set
        fit_data, valid = train, None
    start = time.perf_counter()
    model = create(name, **params).fit(fit_data, valid)
    epochs, best_epoch = model.meta_.get("epochs", 0), model.meta_.get("best_epoch", 0)
    minutes, validated_minutes = (time.perf_counter() - start) / 60, None
    if args.refit and epochs:
        # The validated run only chose the epoch count; the refit is the model that is scored, and it
        # gets the whole time budget of its own (both times are reported).
        validated_minutes, start = minutes, time.perf_counter()
        model = create(name, **params | {"epochs": best_epoch}).fit(train)
        minutes, epochs = (time.perf_counter() - start) / 60, model.meta_["epochs"]
        if epochs < best_epoch:
            raise RuntimeError(
                f"the refit stopped after {epochs} of {best_epoch} epochs (time budget {args.max_minutes} "
                "min); the test split is not scored for an unfinished model"
            )
    model.seen_ = train.csr()  # rank only items outside the whole training set
    metrics = evaluate(model, test, ks=(20,), max_rank=20)
    return {
        "model": name,
        "recall@20": metrics["recall@20"],
        "ndcg@20": metrics["ndcg@20"],
        "epochs": epochs,
        "best_epoch": best_epoch,
        "minutes": minutes,
        "validated_minutes": validated_minutes,
        "peak_rss_mb": peak_rss_mb(),
        "config": params,
    }


def run_isolated(name: str, args: argparse.Namespace, train: Interactions, test: Interactions) -> dict:
    """:func:`run_model` in a forked child, so that each model's peak memory is its own."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    queue = ctx.Queue()

    def work() -> None:
        try:
            queue.put(run_model(name, args, train, test))
        except Exception as exc:  # hand the failure to the parent instead of leaving it waiting
            queue.put(RuntimeError(f"{name}: {type(exc).__name__}: {exc}"))

    child = ctx.Process(target=work)
    child.start()
    result = queue.get()
    child.join()
    if isinstance(result, Exception):
        raise result
    return result


def markdown(rows: list[dict]) -> str:
    lines = [
        "| model | Recall@20 | NDCG@20 | epochs (best) | train min | validated run min | peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        validated = "—" if r.get("validated_minutes") is None else f"{r['validated_minutes']:.1f}"
        lines.append(
            f"| {r['model']} | {r['recall@20']:.4f} | {r['ndcg@20']:.4f} | {r['epochs']} ({r['best_epoch']}) "
            f"| {r['minutes']:.1f} | {validated} | {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="lightgcn,bpr", help="comma-separated registry names")
    p.add_argument("--epochs", type=int, default=None, help="maximum epochs (default: the model's)")
    p.add_argument("--threads", type=int, default=2, help="torch threads")
    p.add_argument("--max-minutes", type=float, default=45.0, help="training time budget per model")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--lr-decay", type=float, default=None, help="learning-rate factor per epoch")
    p.add_argument("--batch-size", type=int, default=None)
    p.add_argument("--n-neg", type=int, default=None)
    p.add_argument("--reg", type=float, default=None)
    p.add_argument(
        "--sampling", choices=["pairs", "users"], default=None, help="BPR triples: each pair / user-uniform"
    )
    p.add_argument("--layers", type=int, default=None, help="LightGCN's K")
    p.add_argument("--dim", type=int, default=None, help="embedding size D")
    p.add_argument("--init", choices=["normal", "svd"], default=None)
    p.add_argument("--eval-every", type=int, default=None)
    p.add_argument("--patience", type=int, default=None)
    p.add_argument(
        "--valid-frac",
        type=float,
        default=0.1,
        help="share of each user's TRAIN items for validation (0: train --epochs on all of TRAIN)",
    )
    p.add_argument("--refit", action="store_true", help="retrain on all of train for the best epoch count")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    train, test = load_gowalla_interactions()
    log.info(
        "gowalla: %d users, %d items, %d train, %d test", train.n_users, train.n_items, len(train), len(test)
    )
    rows = []
    for name in args.model.split(","):
        rows.append(run_isolated(name.strip(), args, train, test))
        log.info("%s", rows[-1])
    print(f"\nGowalla (LightGCN split), full ranking, {args.threads} threads, seed {args.seed}\n")
    print(markdown(rows))


if __name__ == "__main__":
    main()

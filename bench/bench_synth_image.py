"""Class-conditional DCGAN on Fashion-MNIST: training time, Fréchet distance, sample grid.

    SHOPMIND_DATASETS_DIR=../shared/data flock /tmp/shopmind-cpu.lock \\
        .venv/bin/python bench/bench_synth_image.py [--part train] [--epochs 5] [--channels 32] [--out DIR]

The feature classifier (shopmind.synth.image.FeatureNet) is trained on the same training images
(2 epochs); the Fréchet distance compares its features of the 2,000-image test subset with those
of 2,000 generated images with the same labels. References: an untrained generator (ceiling)
and 2,000 real training images (floor). "label accuracy" = how often the classifier reads a
generated image as the class it was asked for.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from shopmind.data import datasets as D
from shopmind.synth.image import (
    DCGANConfig,
    ImageGAN,
    classifier_accuracy,
    features,
    frechet_distance,
    save_grid,
    train_classifier,
)

log = logging.getLogger("bench_synth_image")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="train", choices=["train", "train_subset"])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--channels", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "synth")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    torch.set_num_threads(args.threads)
    out = args.out / "fashion-mnist"
    out.mkdir(parents=True, exist_ok=True)
    x, y = D.load_fashion_mnist(args.part)
    tx, ty = D.load_fashion_mnist("test_subset")
    t = time.perf_counter()
    clf = train_classifier(x, y, epochs=2, seed=args.seed)
    clf_s = time.perf_counter() - t
    cfg = DCGANConfig(channels=args.channels, epochs=args.epochs, threads=args.threads)

    def progress(epoch: int, total: int, losses: dict) -> None:
        log.info("epoch %d/%d %s", epoch, total, losses)

    wall, cpu = time.perf_counter(), time.process_time()
    model = ImageGAN(cfg).fit(x, y, seed=args.seed, progress=progress)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    model.save(out / "model")
    untrained = ImageGAN(cfg)
    torch.manual_seed(args.seed)
    untrained._build()
    real_f = features(clf, tx)
    gen = model.sample(ty, seed=args.seed)
    ref = np.random.default_rng(args.seed).choice(len(x), len(tx), replace=False)
    res = {
        "images": len(x),
        "epochs": args.epochs,
        "channels": args.channels,
        "threads": args.threads,
        "fit_wall_s": wall,
        "fit_cpu_s": cpu,
        "classifier_s": clf_s,
        "classifier_test_acc": classifier_accuracy(clf, tx, ty),
        "fd": frechet_distance(real_f, features(clf, gen)),
        "fd_untrained": frechet_distance(real_f, features(clf, untrained.sample(ty, seed=args.seed))),
        "fd_real_train": frechet_distance(real_f, features(clf, x[ref])),
        "label_acc": classifier_accuracy(clf, gen, ty),
    }
    save_grid(model.sample(np.repeat(np.arange(10), 10), seed=args.seed), out / "grid.png")
    (out / "results.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(
        "\n| images | epochs | C | fit min | fit CPU min | FD | FD untrained | FD real | label acc "
        "| clf acc |\n"
        f"|---|---|---|---|---|---|---|---|---|---|\n"
        f"| {res['images']:,} | {args.epochs} | {args.channels} | {wall / 60:.1f} | {cpu / 60:.1f} "
        f"| {res['fd']:.2f} | {res['fd_untrained']:.2f} | {res['fd_real_train']:.2f} "
        f"| {res['label_acc']:.3f} "
        f"| {res['classifier_test_acc']:.3f} |"
    )


if __name__ == "__main__":
    main()

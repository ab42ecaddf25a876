"""Fit the `ctgan` package (BUSL-1.1, NOT a shopmind dependency) on a table and write its samples.

Runs in its own venv, never in shopmind's (ctgan pulls pandas 2.3):

    python3.11 -m venv bench/.venv-ctgan
    bench/.venv-ctgan/bin/pip install torch==2.13.0 ctgan==0.12.1   # check: torch 2.13.0+cpu from /opt/wheels
    bench/.venv-ctgan/bin/python bench/ctgan_side_by_side.py TRAIN.csv SPEC.json OUT.csv

SPEC.json (written by bench/bench_synth.py): {"discrete": [...], "datetime": [...], "epochs": E,
"batch_size": B, "rows": N, "seed": S, "threads": T}. Datetime columns are given to ctgan as
seconds since the epoch (ctgan has no datetime type) and written back as ISO timestamps.
Prints one JSON line: fit wall and CPU seconds, sampling seconds.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd
import torch
from ctgan import CTGAN


def main(train_csv: str, spec_json: str, out_csv: str) -> None:
    spec = json.loads(open(spec_json, encoding="utf-8").read())
    torch.set_num_threads(spec["threads"])
    torch.manual_seed(spec["seed"])
    np.random.seed(spec["seed"])
    df = pd.read_csv(train_csv)
    for col in spec["datetime"]:
        df[col] = pd.to_datetime(df[col], utc=True).astype("int64") / 1e9
    model = CTGAN(epochs=spec["epochs"], batch_size=spec["batch_size"], verbose=False)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(df, discrete_columns=spec["discrete"])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    t0 = time.perf_counter()
    out = model.sample(spec["rows"])
    sample_s = time.perf_counter() - t0
    for col in spec["datetime"]:
        out[col] = pd.to_datetime(out[col].round().astype("int64"), unit="s", utc=True)
    out.to_csv(out_csv, index=False)
    print(
        json.dumps(
            {
                "fit_wall_s": wall,
                "fit_cpu_s": cpu,
                "sample_s": sample_s,
                "epochs_run": spec["epochs"],
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])

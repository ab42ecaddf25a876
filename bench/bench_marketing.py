"""Marketing benchmarks on public data, printed as Markdown (and written as JSON with --json).

    flock /tmp/shopmind-cpu.lock env SHOPMIND_DATASETS_DIR=../shared/data \
        python bench/bench_marketing.py [--parts clv,uplift,multi,churn,demo] [--seed 42] [--threads 1] \
        [--json out.json]

- clv: BG/NBD + Gamma-Gamma on the CDNOW 2,357-customer sample vs the published parameters; the full
  CDNOW calibrated to 1997-09-30, predicted vs actual repeat purchases in the 39-week holdout.
- uplift: Hillstrom, women's e-mail vs none and men's e-mail vs none, target visit, seeded 50/50
  split; every method's settings picked by Qini on a validation 30% of the training half; test
  half scored once. uplift@k as scikit-uplift's strategy="by_group".
- multi: all three Hillstrom arms in one multi-treatment model; IPW value of the model's policy.
- churn: UCI Online Retail next-purchase propensity (90 days), temporal train / validation / test.
- demo: on the demo shop (scale 1: 5,000 customers), the wall time of one refit of the marketing
  models (what the train:marketing job runs) and of the served analyses that use the published version.

Native (OpenMP/BLAS) threads of the scikit-learn fits: ``--threads`` (default 1).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from shopmind.marketing import benchmarks as B
from shopmind.marketing.threads import limited_threads


def _clv(seed: int) -> dict:
    r = B.cdnow_clv(progress=print)
    s, f = r["sample"], r["full"]
    print("\n### CLV — CDNOW\n")
    print("| parameter | fitted | published | relative error |\n|---|---:|---:|---:|")
    for k, v in s["published"].items():
        print(f"| {k} | {s['fitted'][k]:.4f} | {v:g} | {s['relative_error'][k]:.3%} |")
    print(
        f"\nsample fit {s['seconds']:.2f} s; full CDNOW ({f['customers']:,} customers) {f['seconds']:.1f} s"
    )
    print(f"BG/NBD on the full CDNOW: {json.dumps({k: round(v, 4) for k, v in f['params'].items()})}")
    print(
        f"holdout repeat purchases (weeks 40-78): actual {f['holdout_actual']:,.0f}, predicted "
        f"{f['holdout_predicted_conditional']:,.0f} (sum of conditional expectations), "
        f"{f['holdout_predicted_unconditional']:,.0f} (cohort model); customer MAE {f['customer_mae']:.3f}"
    )
    print("\n| repeat purchases in calibration | customers | predicted holdout (mean) | actual (mean) |")
    print("|---|---:|---:|---:|")
    for x, row in f["by_calibration_frequency"].items():
        print(f"| {x} | {row['customers']:,} | {row['predicted']:.3f} | {row['actual']:.3f} |")
    return r


def _uplift(seed: int) -> dict:
    out = {}
    for arm in ("womens", "mens"):
        start = time.perf_counter()
        r = B.hillstrom_uplift(arm, "visit", seed, progress=lambda m: logging.info(m))
        r["seconds"] = time.perf_counter() - start
        out[arm] = r
        print(f"\n### Uplift — Hillstrom {arm}' e-mail vs none, visit (seed {seed}, {r['seconds']:.0f} s)\n")
        print(f"split: {r['split']}; test ATE {r['ate_test']:.4f}; random targeting uplift@30% "
              f"{r['random_uplift@30%']['mean']:.4f} ± {r['random_uplift@30%']['sd']:.4f}")  # fmt: skip
        print("\n| method (learner) | val Qini | uplift@10% | @20% | @30% | @50% | AUUC | Qini |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for name, m in r["methods"].items():
            t = m["test"]
            star = " **(chosen)**" if name == r["chosen"] else ""
            cells = [m["validation_qini"]] + [
                t[k] for k in ("uplift@10%", "uplift@20%", "uplift@30%", "uplift@50%")
            ]
            cells += [t["auuc"], t["qini"]]
            print(
                f"| {name} ({m['config']['learner']}){star} | " + " | ".join(f"{c:.4f}" for c in cells) + " |"
            )
    return out


def _multi(seed: int) -> dict:
    r = B.hillstrom_multi("visit", seed)
    print(f"\n### Uplift — Hillstrom, three arms in one model (seed {seed})\n")
    print("| arm | uplift@30% | AUUC | Qini |\n|---|---:|---:|---:|")
    for arm, m in r["arms"].items():
        print(f"| {arm} vs none | {m['uplift@30%']:.4f} | {m['auuc']:.4f} | {m['qini']:.4f} |")
    print("\n| policy | expected visit rate (IPW, test half) |\n|---|---:|")
    for name, v in r["policy_value"].items():
        print(f"| {name} | {v:.4f} |")
    print(f"\nmodel assigns: {json.dumps({k: round(v, 3) for k, v in r['model_assignment_share'].items()})}")
    return r


def _churn(seed: int) -> dict:
    r = B.retail_churn(seed=seed)
    print("\n### Next-purchase propensity — UCI Online Retail (90 days)\n")
    print(f"cutoffs {r['cutoffs']}; rows {r['rows']}; positive rate {r['positive_rate']}")
    print("\n| settings | validation AUC |\n|---|---:|")
    for row in r["validation"]:
        c = row["config"]
        label = c["learner"] + (f" l2={c['l2']}" if c["learner"] == "logistic" else f" iter={c['max_iter']}")
        print(f"| {label} | {row['auc']:.4f} |")
    print(f"\nchosen {r['chosen']['learner']}: validation AUC {r['validation_auc']:.4f}; "
          f"**test AUC {r['test_auc']:.4f}** (recency alone {r['test_auc_recency_only']:.4f})")  # fmt: skip
    return r


def _demo(seed: int, threads: int) -> dict:
    from shopmind.artifacts import ArtifactStore
    from shopmind.data.demo import load_demo_shop
    from shopmind.data.store import Store
    from shopmind.marketing.campaigns import PlanConfig
    from shopmind.marketing.service import MarketingConfig, MarketingService

    tmp = Path(tempfile.mkdtemp())
    store = Store(f"sqlite:///{tmp / 'demo.db'}")
    load_demo_shop(store, seed=7, scale=1.0)
    config = MarketingConfig(threads=threads)
    service = MarketingService(store, ArtifactStore(tmp / "artifacts"), config=config)
    times = {}
    for name, call in (
        ("refit: BG/NBD + Gamma-Gamma + churn (30/60/90 days) + uplift, saved and published", service.refit),
        ("customer base (RFM + CLV columns of the published models)", service.base),
        ("rfm", service.rfm),
        ("segments (k by silhouette)", service.segments),
        ("churn (published 90-day model)", service.churn),
        ("plan", lambda: service.plan(PlanConfig())),
    ):
        start = time.perf_counter()
        result = call()
        times[name] = time.perf_counter() - start
        if name.startswith("churn"):
            times["churn AUC (temporal check)"] = result.get("auc")
    purchases, base = service.base()
    print(f"\n### Demo shop (scale 1, {len(base.table):,} customers with purchases)\n")
    print("| step | seconds |\n|---|---:|")
    for k, v in times.items():
        print(f"| {k} | {v:.3f} |" if v is not None else f"| {k} | – |")
    return times


PARTS = {"clv": _clv, "uplift": _uplift, "multi": _multi, "churn": _churn, "demo": _demo}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default=",".join(PARTS))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=1, help="native threads of the scikit-learn fits")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    print(
        f"# Marketing benchmarks — {when}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.threads} thread(s)"
    )
    results = {}
    with limited_threads(args.threads):
        for part in args.parts.split(","):
            start = time.perf_counter()
            run = PARTS[part]
            results[part] = run(args.seed, args.threads) if part == "demo" else run(args.seed)
            print(f"\n({part}: {time.perf_counter() - start:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

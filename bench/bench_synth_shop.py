"""Whole-shop synthesis at scale: fit on a demo shop, generate 10× its customers with their orders,
items, status timelines and events, check every key and rule, time it and measure memory.

    flock /tmp/shopmind-cpu.lock .venv/bin/python bench/bench_synth_shop.py --source-scale 0.2 --times 10 \\
        [--out /tmp/runs/shop] [--store sqlite:////tmp/runs/shop/load.db]

The source is ``generate(DemoConfig(seed=7, scale=S))``; the synthetic shop is written table by table
as Parquet files, one chunk of ``--chunk`` customers at a time (memory stays bounded by a chunk),
and with ``--store`` also upserted into a store (the way a load test would use it). Peak memory is
the process's peak resident set (VmHWM), reset after the fit so the sampling peak is its own.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd

from shopmind.data.schema import ORDER_TRANSITIONS, OrderStatus
from shopmind.data.simulate import DemoConfig, generate
from shopmind.synth.report import FORMAT_CHECKS, evaluate
from shopmind.synth.shop import TABLES, ShopConfig, ShopSynthesizer, write_parquet
from shopmind.synth.tabular import TabularGANConfig

log = logging.getLogger("bench_synth_shop")


def peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # VmHWM back to the current resident set


def check(shop: dict[str, pd.DataFrame], source, catalog: set[str]) -> dict[str, int]:
    """Rows breaking each rule (0 everywhere is the bar)."""
    c, o, it, st, ev = (shop[t] for t in TABLES)
    signup = o.merge(c[["customer_id", "signup_at"]], on="customer_id", how="left")
    ev_signup = ev.merge(c[["customer_id", "signup_at"]], on="customer_id", how="left")
    steps = st.sort_values(["order_id", "seq"])
    prev = steps.groupby("order_id")["status"].shift()
    allowed = [
        pd.isna(p) or OrderStatus(s) in ORDER_TRANSITIONS[OrderStatus(p)]
        for p, s in zip(prev, steps["status"], strict=True)
    ]
    last = steps.groupby("order_id")["status"].last()
    totals = (
        (it["quantity"] * it["unit_price"]).groupby(it["order_id"]).sum().reindex(o["order_id"]).fillna(0)
    )
    pairs = set(zip(source.customers["country"], source.customers["city"], strict=True))
    real_emails, real_names = set(source.customers["email"]), set(source.customers["name"])
    email_ok = c["email"].str.match(FORMAT_CHECKS["email"])
    name_ok = c["name"].str.match(FORMAT_CHECKS["name"])
    return {
        "order without its customer": int((~o["customer_id"].isin(c["customer_id"])).sum()),
        "item without its order": int((~it["order_id"].isin(o["order_id"])).sum()),
        "status step without its order": int((~st["order_id"].isin(o["order_id"])).sum()),
        "event without its customer": int((~ev["customer_id"].isin(c["customer_id"])).sum()),
        "product not in the catalog": int(
            (~it["product_id"].isin(catalog)).sum() + (~ev["product_id"].dropna().isin(catalog)).sum()
        ),
        "duplicate key": int(
            sum(
                shop[t][k].duplicated().sum()
                for t, k in (("customers", "customer_id"), ("orders", "order_id"), ("events", "event_id"))
            )
        ),
        "order placed before signup": int((signup["placed_at"] < signup["signup_at"]).sum()),
        "event before signup": int((ev_signup["ts"] < ev_signup["signup_at"]).sum()),
        "status change not allowed": int((~np.asarray(allowed)).sum()),
        "timeline not in time order": int((steps.groupby("order_id")["at"].diff() < pd.Timedelta(0)).sum()),
        "order status != last timeline step": int(
            (last.reindex(o["order_id"]).to_numpy() != o["status"].to_numpy()).sum()
        ),
        "total != sum of lines": int(
            (~np.isclose(totals.to_numpy(), o["total"].to_numpy(), atol=0.01)).sum()
        ),
        "unseen country/city pair": int(
            sum((a, b) not in pairs for a, b in zip(c["country"], c["city"], strict=True))
        ),
        "e-mail invalid, copied or repeated": int(
            (~email_ok).sum() + c["email"].isin(real_emails).sum() + c["email"].duplicated().sum()
        ),
        "name invalid or copied": int((~name_ok).sum() + c["name"].isin(real_names).sum()),
        "search without query / other without product": int(
            ((ev["type"] == "search") & ev["query"].isna()).sum()
            + ((ev["type"] != "search") & ev["product_id"].isna()).sum()
        ),
        "rating outside 1..5": int((ev["type"].eq("rating") & ~ev["value"].between(1, 5)).sum()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source-scale", type=float, default=0.2)
    ap.add_argument(
        "--times", type=float, default=10.0, help="synthetic customers = times × source customers"
    )
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--max-steps", type=int, default=3000)
    ap.add_argument("--chunk", type=int, default=5000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("/tmp/runs/shop"))
    ap.add_argument("--store", default="", help="also upsert the synthetic shop into this database URL")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    source = generate(DemoConfig(seed=7, scale=args.source_scale))
    sizes = {t: len(getattr(source, t)) for t in TABLES}
    cfg = ShopConfig(TabularGANConfig(epochs=args.epochs, threads=args.threads), max_steps=args.max_steps)
    t0 = time.perf_counter()
    model = ShopSynthesizer(cfg).fit(source.frames(), seed=args.seed)
    fit_s, fit_peak = time.perf_counter() - t0, peak_mib()
    model.save(args.out / "model")
    reset_peak()
    store = None
    if args.store:
        from shopmind.data.store import Store

        store = Store(args.store)
        store.migrate()
        store.write_frames({"products": source.products})
    n = int(round(args.times * sizes["customers"]))
    store_s = [0.0]

    def upsert(chunk: dict[str, pd.DataFrame]) -> None:
        if store is not None:
            s0 = time.perf_counter()
            store.write_frames(chunk)
            store_s[0] += time.perf_counter() - s0

    t0 = time.perf_counter()
    write_parquet(model.sample(n, seed=args.seed, chunk=args.chunk), args.out, upsert)
    sample_s, sample_peak = time.perf_counter() - t0 - store_s[0], peak_mib()
    shop = {t: pd.read_parquet(args.out / f"{t}.parquet") for t in TABLES}  # read back for the checks
    counts = {t: len(shop[t]) for t in TABLES}
    broken = check(shop, source, set(source.products["product_id"]))
    fidelity = {}
    for t in ("customers", "orders"):
        real, syn = getattr(source, t), shop[t]
        cols = [c for c in real.columns if not c.endswith("_id")]
        roles = {r.column: r.kind for r in model.models_[t].rules_.roles_ if r.column in cols}
        syn = syn[cols].sample(min(len(syn), 20_000), random_state=0)
        fidelity[t] = evaluate(real[cols], syn, formats=roles)["quality_score"]
    result = {
        "source": sizes,
        "synthetic": counts,
        "fit_s": fit_s,
        "fit_peak_mib": fit_peak,
        "sample_s": sample_s,
        "sample_peak_mib": sample_peak,
        "store_s": store_s[0],
        "rules_broken": broken,
        "quality": fidelity,
    }
    (args.out / "results.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(
        f"\nsource demo shop (scale {args.source_scale}) → {args.times:g}× customers, "
        f"chunks of {args.chunk}, {args.threads} threads"
    )
    print("| table | source rows | synthetic rows | × |\n|---|---:|---:|---:|")
    for t in TABLES:
        print(f"| {t} | {sizes[t]:,} | {counts[t]:,} | {counts[t] / max(sizes[t], 1):.1f} |")
    stored = f"; store upserts {store_s[0] / 60:.1f} min" if store else ""
    print(f"\nfit {fit_s / 60:.1f} min (peak {fit_peak:.0f} MiB); sample + write Parquet "
          f"{sample_s / 60:.1f} min (peak {sample_peak:.0f} MiB){stored}")  # fmt: skip
    print("quality (sample vs source):", {k: round(v, 3) for k, v in fidelity.items()})
    print("| rule | rows breaking it |\n|---|---:|")
    for k, v in broken.items():
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()

"""Benchmark: the assistant's task-success rate on the scripted multi-turn suite over the demo shop.

    flock /tmp/shopmind-cpu.lock .venv/bin/python bench/bench_assistant.py --scale 1.0 [--nlu fallback]

Builds the demo shop (seed 7) in a SQLite file once (cached under var/bench/), runs every scripted
conversation (Chinese and English) on a fresh copy with the shop's clock (the newest order event)
and the offline assistant (NLU + hybrid knowledge base + templates, no LLM), and prints the
success rate per category and language, the failed cases with their transcripts, and the time per
turn. The NLU is the shop model published under SHOPMIND_ARTIFACTS_DIR (``--nlu model``, the
default) or the rule-based fallback a server uses while none is published (``--nlu fallback``).
The figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from shopmind.assistant.scripted import run_suite, success_table
from shopmind.assistant.service import AssistantConfig, AssistantService
from shopmind.data.store import Store


def demo_db(scale: float, seed: int, cache: Path) -> Path:
    path = cache / f"assistant-demo-seed{seed}-scale{scale:g}.db"
    if not path.exists():
        from shopmind.data.demo import load_demo_shop

        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".building")
        store = Store(f"sqlite:///{tmp}")
        load_demo_shop(store, seed=seed, scale=scale)
        store.checkpoint()
        store.dispose()
        tmp.rename(path)
    return path


def load_nlu(kind: str):
    """The published shop NLU (``model``) or the rule-based fallback (``fallback``)."""
    from shopmind.assistant.nlu import build_fallback, load_shop_nlu

    if kind == "fallback":
        return build_fallback()
    from shopmind.artifacts import ArtifactStore
    from shopmind.config import get_settings

    artifacts = ArtifactStore(get_settings().artifacts_dir)
    nlu = load_shop_nlu(artifacts)
    if nlu is None:
        raise SystemExit(
            f"no published nlu under {artifacts.root}: run `shopmind train nlu` or use --nlu fallback"
        )
    return nlu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--scale", type=float, default=1.0, help="demo shop scale (1.0 = 3,000 products, 5,000 customers)"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=Path("var/bench"))
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument(
        "--nlu",
        choices=["model", "fallback"],
        default="model",
        help="the published shop NLU, or the rule-based fallback (no trained model)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)

    base = demo_db(args.scale, args.seed, args.cache)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "shop.db"
        shutil.copy(base, db)
        store = Store(f"sqlite:///{db}")
        store.migrate()  # a cached shop from an older schema
        t0 = time.perf_counter()
        nlu = load_nlu(args.nlu)
        service = AssistantService(store, nlu, AssistantConfig(clock="store"))
        setup = time.perf_counter() - t0
        t0 = time.perf_counter()
        results = run_suite(service)
        took = time.perf_counter() - t0
        store.dispose()

    table = success_table(results)
    turns = sum(len(r.case.turns) for r in results)
    print(
        f"assistant scripted suite: demo shop seed {args.seed} scale {args.scale:g}, "
        f"{len(results)} conversations, {turns} turns, NLU: {args.nlu} {nlu.meta.get('version', '')}"
    )
    print(
        f"setup (NLU load + knowledge index) {setup:.1f} s; suite {took:.1f} s = "
        f"{1000 * took / max(turns, 1):.0f} ms per turn "
        f"(median conversation {1000 * statistics.median(r.seconds for r in results):.0f} ms)\n"
    )
    print("| category | en | zh | all |\n|---|---|---|---|")
    for cat in sorted(table, key=lambda c: (c == "all", c)):
        row = table[cat]
        cells = [f"{row[lang][0]}/{row[lang][1]}" if lang in row else "–" for lang in ("en", "zh", "all")]
        print(f"| {cat} | " + " | ".join(cells) + " |")
    ok, n = table["all"]["all"]
    print(f"\ntask success: {ok}/{n} = {100 * ok / n:.1f} %")
    for label, held in (("development cases", False), ("held-out cases", True)):
        part = [r for r in results if r.case.heldout == held]
        print(f"  {label}: {sum(r.ok for r in part)}/{len(part)}")
    for r in results:
        if not r.ok:
            print(f"\nFAILED {r.case.name} ({r.case.category}, {r.case.lang}): {', '.join(r.failed)}")
            for msg, reply in r.transcript:
                print(f"  > {msg}\n  < {reply.replace(chr(10), ' | ')}")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "name": r.case.name,
                        "category": r.case.category,
                        "lang": r.case.lang,
                        "ok": r.ok,
                        "failed": r.failed,
                        "transcript": r.transcript,
                    }
                    for r in results
                ],
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()

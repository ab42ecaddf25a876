"""The scripted multi-turn suite over the demo shop (seed 7): a representative part, one conversation
per category and language (the whole suite runs in bench/bench_assistant.py)."""

from __future__ import annotations

from shopmind.assistant.scripted import run_suite, success_table
from shopmind.assistant.scripted_cases import CASES
from shopmind.assistant.service import AssistantConfig, AssistantService

TARGET = 0.95


def representative() -> tuple:
    seen, picked = set(), []
    for case in CASES:
        if (case.category, case.lang) not in seen:
            seen.add((case.category, case.lang))
            picked.append(case)
    return tuple(picked)


def test_suite_has_forty_bilingual_conversations_over_every_category():
    assert len(CASES) >= 40 and len({c.name for c in CASES}) == len(CASES)
    cats = {c.category for c in CASES}
    assert (
        {c.category for c in CASES if c.lang == "zh"} == cats == {c.category for c in CASES if c.lang == "en"}
    )


def test_representative_conversations_succeed(demo_store, shop_nlu, demo_knowledge):
    service = AssistantService(demo_store, shop_nlu, AssistantConfig(clock="store"), knowledge=demo_knowledge)
    cases = representative()
    results = run_suite(service, cases)
    ok, n = success_table(results)["all"]["all"]
    failed = {r.case.name: (r.failed, r.transcript) for r in results if not r.ok}
    assert n == len(cases) >= 24
    assert ok / n >= TARGET, failed

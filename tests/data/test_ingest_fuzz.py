"""Ingestion fuzz: generated files that mix valid and malformed rows (wrong field counts, bad quoting,
types, encodings, huge fields, formulas, nested values, NULs, epochs, broken orders) — every valid
row stored with its values, every bad row in the rejects file by its line, no traceback.

A bounded subset runs here (100 files on SQLite, 40 on PostgreSQL); ``bench/bench_ingest_fuzz.py``
runs the full 1,000 and times them.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from shopmind.data.ingest import ingest_file
from shopmind.data.ingest_fuzz import Case, check_case, check_store, make_case
from shopmind.data.store import Store

pytestmark = pytest.mark.slow

SEED = 15
FILES = {"sqlite": 100, "postgresql": 40}


def _ingest(store: Store, folder: Path, files: range) -> tuple[list[Case], list[str]]:
    rng = random.Random(SEED)
    cases, problems = [], []
    for i in files:
        case = make_case(folder, i, seed=SEED)
        batch = rng.choice((3, 7, 20_000))  # orders and rejects across batch boundaries, and in one
        try:
            report = ingest_file(
                store, case.kind, case.path, encoding=case.encoding, batch_size=batch,
                rejects_path=folder / f"rejects-{i}.csv",
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - a traceback is a finding: name the file
            problems.append(f"{case.path.name}: {type(exc).__name__}: {exc}")
            continue
        problems += [
            f"{case.path.name} ({case.encoding or 'detected'}): {p}" for p in check_case(case, report)
        ]
        cases.append(case)
    return cases, problems


def test_no_valid_row_is_lost_and_every_bad_row_is_rejected(store: Store, tmp_path: Path) -> None:
    n = FILES[store.dialect if store.dialect in FILES else "sqlite"]
    cases, problems = _ingest(store, tmp_path, range(n))
    assert not problems, "\n".join(problems[:20])
    assert not (lost := check_store(store, cases)), "\n".join(lost[:20])
    kinds = {(c.kind, c.fmt) for c in cases}
    assert len(kinds) >= 10 and sum(len(c.bad) for c in cases) > n and sum(len(c.expected) for c in cases) > n

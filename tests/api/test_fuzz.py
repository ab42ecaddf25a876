"""schemathesis against the demo app, on SQLite and on PostgreSQL, on a bounded budget.

Every operation of the OpenAPI document is exercised in-process (ASGI) with an admin key, by every
phase schemathesis 4 has — the schema's examples, coverage (boundary values and each kind of invalid
input), random fuzzing and stateful sequences (links inferred from the answers, e.g. a launched
campaign's id fed to its outcome) — with NUL bytes allowed in generated text, a fixed seed and a
fixed number of examples per operation. Every check runs; the bar is no failure at all: no server
error, no status code the document does not list, no answer that contradicts its schema, no
schema-valid request rejected and no schema-violating one accepted.

Nothing is excluded. The app runs without a job worker, so the trainings that ``POST
/admin/models/{kind}/retrain`` and ``POST /synth/fit`` queue stay queued (running them would take
minutes of CPU); their answers (202, then 409 while one is queued) are checked like any other.
One rule is relaxed, for one operation, and said here: an A/B analysis (``POST /marketing/abtest``)
has rules across fields that JSON Schema cannot state (an arm's conversions at most its customers,
one revenue value per customer, ``control`` naming one of the arms), so a body valid by the schema
may still break them; its documented 422 then counts as a valid answer. The same for the console's
imports (``POST /admin/imports`` and ``POST /admin/imports/{upload_id}``): the uploaded bytes must be
a readable file of the named format, and a mapping must name the upload's own columns.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from shopmind.engine import Engine

pytestmark = pytest.mark.slow

SEED = 15
EXAMPLES = int(os.environ.get("SHOPMIND_FUZZ_EXAMPLES", "8"))  # per operation and phase
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' default, and:
CROSS_FIELD = {  # rules JSON Schema cannot state (above)
    "/marketing/abtest": [*ACCEPTED, "422"],
    "/admin/imports": [*ACCEPTED, "422"],  # the file must be a readable CSV/JSONL/Parquet with a header
    "/admin/imports/{upload_id}": [*ACCEPTED, "422"],  # the mapping must name the upload's own columns
    "/admin/online/experiments": [*ACCEPTED, "422"],  # shares add up to 1, arms differ, versions exist
    "/admin/online/sample-size": [*ACCEPTED, "422"],  # baseline + effect must stay between 0 and 1
    "/marketing/campaigns": [*ACCEPTED, "422"],  # products or recommend_k, not both; products must exist
}


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    tested: set[str] = field(default_factory=set)
    cases: int = 0  # requests sent
    phases: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def demo_app(store: Store, tmp_path: Path) -> Iterator[tuple[object, str, Engine]]:
    """The demo shop (scale 0.05) served with ``web_demo`` (so the demo-only routes answer too), its
    marketing models fitted and its catalog's text vectors built before the run."""
    load_demo_shop(store, seed=7, scale=0.05)
    admin_key = store.create_api_key("admin", "fuzz")
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts", embedded_worker=False)
    engine = Engine(settings, store)
    # Fitted marketing models: otherwise every marketing answer is the documented 503 (refit queued).
    engine.marketing.models.refit()
    # The first similar-products request for an unseen product encodes the catalog, which takes
    # longer than a request may; done here once, it stays cached.
    engine.recommendations.similar("P00001", 5)
    app = create_app(engine, web_demo=True, close_engine=False)
    try:
        yield app, admin_key, engine
    finally:
        engine.close()


def config(admin_key: str):
    import schemathesis

    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "headers": {"X-API-Key": admin_key},
            "request-timeout": 60,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "allow-x00": True,
                "database": "none",
            },
            "checks": {"enabled": True},
            "phases": {"stateful": {"enabled": True}},
            "operations": [
                {"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": codes}}}
                for path, codes in CROSS_FIELD.items()
            ],
        }
    )


def run(app, admin_key: str) -> Findings:
    """Run every phase and collect each failed check (with its reproduction) and each error."""
    import schemathesis
    from schemathesis.engine import events, from_schema

    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config(admin_key))
    found = Findings()
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            found.tested.add(event.recorder.label)
            found.cases += len(event.recorder.cases)
            found.failures += failures(event.recorder)
        elif isinstance(event, events.PhaseFinished):
            phase = event.phase
            found.phases[phase.name.value] = "ran" if phase.is_enabled else f"skipped ({phase.skip_reason})"
        elif isinstance(event, events.NonFatalError):
            found.errors.append(f"{event.label}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            found.errors.append(f"fatal: {event.exception!r}")
    return found


def failures(recorder) -> list[str]:
    out = []
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if str(check.status) != "failure" or check.failure_info is None:
                continue
            info = check.failure_info
            response = recorder.interactions.get(case_id)
            answer = ""
            if response is not None and response.response is not None:
                answer = f" -> {response.response.status_code} {response.response.content[:300]!r}"
            out.append(
                f"{recorder.label} [{check.name}] {info.failure.title}: {str(info.failure.message)[:300]}"
                f"\n    {info.code_sample[:600]}{answer}"
            )
    return out


def operations(app) -> set[str]:
    doc = app.openapi()
    methods = ("get", "put", "post", "delete", "patch")
    return {f"{m.upper()} {path}" for path, item in doc["paths"].items() for m in methods if m in item}


def test_every_generated_request_gets_a_documented_answer(demo_app) -> None:
    app, admin_key, _ = demo_app
    found = run(app, admin_key)
    assert not found.errors, "schemathesis could not test everything:\n" + "\n".join(found.errors)
    assert operations(app) <= found.tested, f"operations never tested: {operations(app) - found.tested}"
    assert all(found.phases.get(p) == "ran" for p in ("examples", "coverage", "fuzzing", "stateful")), (
        found.phases
    )
    assert found.cases >= 10 * len(operations(app)), found.cases  # the budget was spent
    unique = sorted(set(found.failures))
    assert not unique, f"{len(unique)} failed checks:\n" + "\n".join(unique[:40])

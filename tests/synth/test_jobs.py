"""Synth fits as jobs of the shared queue: progress by epoch, one fit per name at a time (409 over
HTTP), the server's torch thread count untouched, and the versions' one meta.json."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.artifacts import ArtifactStore
from shopmind.data.store import Store
from shopmind.jobs import Job, JobBusyError, JobQueue
from shopmind.synth.service import SynthService
from shopmind.synth.tabular import TabularGANConfig
from shopmind.synth.transform import TransformerConfig

EPOCHS = 3


def tiny(threads: int = 1) -> TabularGANConfig:
    return TabularGANConfig(
        epochs=EPOCHS,
        batch_size=50,
        noise_dim=16,
        gen_dims=(32,),
        dis_dims=(32,),
        pac=5,
        threads=threads,
        transformer=TransformerConfig(gmm_max_rows=300, gmm_max_iter=30),
    )


def customers(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "name": "",
            "email": "",
            "country": rng.choice(["UK", "FR"], n).tolist(),
            "city": "",
            "lang": "en",
            "signup_at": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90, n), "D"),
        }
    )


@pytest.fixture()
def people(tmp_path: Path) -> Path:
    path = tmp_path / "people.csv"
    customers().drop(columns="customer_id").to_csv(path, index=False)
    return path


@pytest.fixture()
def runner(sqlite_store: Store):
    """A job queue with its worker in this process (the synth services below have no store)."""
    from shopmind.worker import WorkerConfig

    runner = JobQueue(sqlite_store, embedded=WorkerConfig(poll=0.05, flush=0.05))
    yield runner
    runner.close()


def hold(runner: JobQueue) -> threading.Event:
    """Occupy the queue's worker until the returned event is set (later jobs stay queued)."""
    release = threading.Event()
    runner.register("test:hold", lambda job: {"released": release.wait(60)})
    runner.submit("test:hold", "hold the worker")
    return release


def threads_seen() -> tuple[int, int]:
    """torch's thread count as this thread and as a new thread (a request handler) see it."""
    import torch

    seen: list[int] = []
    t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    t.start()
    t.join()
    return torch.get_num_threads(), seen[0]


def test_a_fit_job_runs_on_the_shared_queue_with_epochs_as_progress(
    people: Path, tmp_path: Path, runner: JobQueue
) -> None:
    service = SynthService(None, ArtifactStore(tmp_path / "art"), runner)
    job = service.fit_async(str(people), config=tiny())
    assert isinstance(job, Job) and runner.get(job.job_id).job_id == job.job_id and job.kind == "synth:people"
    assert job.payload["source"] == str(people) and job.payload["config"]["epochs"] == EPOCHS
    seen: list[int] = []
    deadline = time.monotonic() + 120
    while job.status in ("queued", "running") and time.monotonic() < deadline:
        job = runner.get(job.job_id)  # progress as the store holds it (written every 0.05 s here)
        if (epoch := job.progress.get("epoch")) is not None and epoch not in seen:
            seen.append(epoch)
        time.sleep(0.01)
    assert job.status == "done", job.to_dict()
    assert job.progress["epoch"] == job.progress["epochs"] == EPOCHS
    assert set(job.progress["losses"]) == {"loss_g", "loss_d"} and seen == sorted(seen)
    assert job.result == {"name": "people", "version": service.model_dir("people").name}
    # the per-epoch log lines of the fit are the job's log
    assert any(f"epoch 1/{EPOCHS}" in line for line in job.log), job.log
    assert any(f"epoch {EPOCHS}/{EPOCHS}" in line for line in job.log), job.log
    assert service.job(job.job_id).to_dict() == job.to_dict()
    with pytest.raises(KeyError, match="no synth job"):
        service.job(runner.submit("ping", "not a synth job").job_id)


def test_a_second_fit_of_the_same_name_is_refused_while_one_is_queued(
    people: Path, tmp_path: Path, runner: JobQueue
) -> None:
    service = SynthService(None, ArtifactStore(tmp_path / "art"), runner)
    release = hold(runner)
    first = service.fit_async(str(people), config=tiny())
    with pytest.raises(JobBusyError, match=first.job_id):
        service.fit_async(str(people), config=tiny())
    other = tmp_path / "others.csv"
    other.write_bytes(people.read_bytes())
    second = service.fit_async(str(other), config=tiny())  # another name is another synthesizer
    assert second.kind == "synth:others" and second.status == "queued"
    with pytest.raises(ValueError, match="no known relation"):
        service.fit_async("orders", child="customers")
    release.set()
    assert [runner.wait(j, 120).status for j in (first, second)] == ["done", "done"]
    assert service.names() == ["others", "people"]


def test_a_fit_job_leaves_the_torch_thread_count_unchanged(
    people: Path, tmp_path: Path, runner: JobQueue
) -> None:
    before = threads_seen()
    service = SynthService(None, ArtifactStore(tmp_path / "art"), runner)
    job = runner.wait(service.fit_async(str(people), config=tiny(threads=1 + before[1] % 2)), 120)
    assert job.status == "done", job.to_dict()
    assert threads_seen() == before


def test_meta_holds_the_fit_and_old_fit_json_is_still_read(people: Path, tmp_path: Path) -> None:
    service = SynthService(None, ArtifactStore(tmp_path / "art"))
    version = service.fit(str(people), config=tiny(), seed=3)
    info = service.fit_info("people")
    assert info["source"] == str(people) and info["child"] is None and info["seed"] == 3
    assert info["rows"] == 120 and info["seconds"] > 0 and info["code_version"]
    # an artifact written before meta.json held the fit keeps its fit.json
    meta = json.loads((version / "meta.json").read_text(encoding="utf-8"))
    for key in ("source", "child", "rows", "seed"):
        meta.pop(key)
    (version / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (version / "fit.json").write_text(json.dumps({"source": "old.csv", "rows": 7}), encoding="utf-8")
    info = service.fit_info("people")
    assert info["source"] == "old.csv" and info["rows"] == 7
    assert len(service.sample("people", 5)["people"]) == 5
    with pytest.raises(RuntimeError, match="no job queue"):
        service.fit_async(str(people))


def test_http_fit_is_a_shared_job_and_a_second_one_gets_409(sqlite_store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from shopmind.api.app import create_app
    from shopmind.config import Settings
    from shopmind.engine import Engine

    sqlite_store.upsert("customers", customers().to_dict("records"))
    settings = Settings(admin_api_key="adm", artifacts_dir=tmp_path / "art")
    engine = Engine(settings, sqlite_store)
    admin = {"X-API-Key": "adm"}
    body = {"table": "customers", "epochs": 1, "batch_size": 50}
    with TestClient(create_app(engine)) as client:
        release = hold(engine.jobs)
        res = client.post("/synth/fit", json=body, headers=admin)
        assert res.status_code == 202 and res.json()["status"] == "queued", res.text
        job = res.json()
        assert job["kind"] == "synth:customers" and engine.jobs.get(job["job_id"]) is not None
        again = client.post("/synth/fit", json=body, headers=admin)
        assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
        assert job["job_id"] in again.json()["error"]["message"]
        res = client.post("/synth/fit", json={**body, "table": "orders", "child": "customers"}, headers=admin)
        assert res.status_code == 422 and "child" in res.text  # orders has no child the service knows
        release.set()
        done = engine.jobs.wait(engine.jobs.get(job["job_id"]), 120)
        assert done.status == "done", done.to_dict()
        polled = client.get(f"/synth/jobs/{job['job_id']}", headers=admin).json()
        assert polled == done.to_dict() and polled["progress"]["epoch"] == 1
        res = client.post("/synth/fit", json=body, headers=admin)  # the name is free again
        assert res.status_code == 202
        assert engine.jobs.wait(engine.jobs.get(res.json()["job_id"]), 120).status == "done"

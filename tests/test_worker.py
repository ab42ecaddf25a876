"""`shopmind worker` processes on one PostgreSQL database: two workers never run one job, a worker killed
with SIGKILL in the middle of a training has its job retried by the other (exactly one new version
published), and SIGTERM puts the running job back in the queue for the next worker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine
from shopmind.jobs import Job, JobQueue
from tests.api.test_web_endpoints import seed

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
STALE = 2.0  # seconds without a heartbeat before a job's worker counts as dead (30 by default)


class Worker:
    """A `shopmind worker` process with its output in a log file."""

    def __init__(self, store: Store, tmp: Path, name: str, *args: str) -> None:
        self.log = tmp / f"{name}.log"
        env = os.environ | {
            "SHOPMIND_DATABASE_URL": store.url,
            "SHOPMIND_ARTIFACTS_DIR": str(tmp / "artifacts"),  # the folder every process shares
            "SHOPMIND_VAR_DIR": str(tmp / name),
            "SHOPMIND_JOB_STALE_AFTER": str(STALE),
            "SHOPMIND_LOG_LEVEL": "INFO",
            "OMP_NUM_THREADS": "1",
        }
        with self.log.open("w") as out:
            cmd = [sys.executable, "-m", "shopmind.cli", "worker", *args]
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def ready(self, timeout: float = 60) -> Worker:
        deadline = time.monotonic() + timeout
        while " takes " not in self.text:
            assert self.proc.poll() is None, f"the worker exited:\n{self.text}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{self.text}"
            time.sleep(0.1)
        return self

    def owns(self, job: Job) -> bool:
        return job.worker_id is not None and job.worker_id.split(":")[1] == str(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


def wait_until(queue: JobQueue, job: Job, check, timeout: float, what: str) -> Job:
    deadline = time.monotonic() + timeout
    while not check(job := queue.get(job.job_id)):
        assert time.monotonic() < deadline, f"{what}: {job.to_dict()}"
        time.sleep(0.1)
    return job


def test_two_worker_processes_never_run_the_same_job(pg_store: Store, tmp_path: Path) -> None:
    workers = [Worker(pg_store, tmp_path, f"w{i}") for i in range(2)]
    try:
        for w in workers:
            w.ready()
        queue = JobQueue(pg_store)
        jobs = [queue.submit("ping", f"ping {i}", {"seconds": 0.1}) for i in range(40)]
        done = [wait_until(queue, j, lambda j: j.status == "done", 120, "not done") for j in jobs]
    finally:
        for w in workers:
            w.stop()
    assert all(j.attempts == 1 and j.result["worker_id"] == j.worker_id for j in done)
    assert all(any(w.owns(j) for w in workers) for j in done)
    assert all(sum(w.owns(j) for j in done) > 0 for w in workers)  # both took part
    started = Counter(re.findall(r"job (\w+) started", "".join(w.text for w in workers)))
    assert started == Counter({j.job_id: 1 for j in jobs})  # each job started exactly once, in all


def test_a_killed_workers_training_is_retried_and_publishes_one_version(
    pg_store: Store, tmp_path: Path
) -> None:
    seed(pg_store)  # 24 customers, 144 views, 30 products
    settings = Settings(var_dir=tmp_path / "api", artifacts_dir=tmp_path / "artifacts", embedded_worker=False)
    api = Engine(settings, Store(pg_store.url))  # an API replica: it queues, workers run
    params = {"dim": 8, "epochs": 100_000, "eval_every": 1, "patience": 100_000, "max_seconds": 4.0,
              "n_threads": 1}  # fmt: skip
    workers = [Worker(pg_store, tmp_path, f"w{i}") for i in range(2)]
    try:
        for w in workers:
            w.ready()
        job = api.models.train("rec", "bpr", params)
        job = wait_until(api.jobs, job, lambda j: j.status == "running", 60, "never started")
        victim = next(w for w in workers if w.owns(job))
        survivor = next(w for w in workers if w is not victim)
        time.sleep(1.5)  # in the middle of the training
        assert api.jobs.get(job.job_id).status == "running"
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait(10)
        done = wait_until(api.jobs, job, lambda j: j.status in ("done", "failed"), 180, "not retried")
    finally:
        for w in workers:
            w.stop()
    assert done.status == "done" and done.attempts == 2 and survivor.owns(done), done.to_dict()
    assert "requeued" in survivor.text
    versions = [v["version"] for v in api.artifacts.versions("rec")]
    assert versions == [done.result["version"]]  # exactly one new version
    assert api.artifacts.current("rec").name == done.result["version"]
    assert api.artifacts.versions("rec")[0]["job_id"] == job.job_id
    api.close()
    api.store.dispose()


def test_sigterm_puts_the_running_job_back_and_once_runs_the_queue(pg_store: Store, tmp_path: Path) -> None:
    queue = JobQueue(pg_store)
    worker = Worker(pg_store, tmp_path, "term", "--grace", "0.5").ready()
    try:
        job = queue.submit("ping", "long", {"seconds": 3})
        wait_until(queue, job, lambda j: j.status == "running", 30, "never started")
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(30) == 0, worker.text
    finally:
        worker.stop()
    back = queue.get(job.job_id)
    assert back.status == "queued" and back.attempts == 0 and back.worker_id is None, back.to_dict()
    assert "put back in the queue" in worker.text
    second = queue.submit("ping", "short", {"seconds": 0})
    once = Worker(pg_store, tmp_path, "once", "--once")
    assert once.proc.wait(90) == 0, once.text
    assert [queue.get(j.job_id).status for j in (job, second)] == ["done", "done"]
    assert re.search(r"\d\d:\d\d:\d\d", once.text.splitlines()[-1])  # log lines carry their time

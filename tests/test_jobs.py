"""The durable job queue in one process (SQLite and PostgreSQL): progress from the library's log records
and job.update, failures, order, one job of an exclusive kind at a time (in the database), claims that
never hand one job to two workers, requeueing the jobs of dead workers, clean stops, and a retried
training that publishes what its first attempt saved. Real worker processes: tests/test_worker.py."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from shopmind.artifacts import ArtifactStore, write_model
from shopmind.data.store import Store
from shopmind.jobs import Job, JobBusyError, JobLostError, JobQueue, QueueConfig, _current
from shopmind.lifecycle import ModelService, Trainable
from shopmind.worker import Worker, WorkerConfig, overlap

FAST = WorkerConfig(poll=0.05, stale_after=1.0, flush=0.05)


@pytest.fixture
def queue(store: Store):
    q = JobQueue(store, embedded=FAST)
    yield q
    q.close()


def wait(queue: JobQueue, job: Job, timeout: float = 20) -> Job:
    done = queue.wait(job, timeout)
    assert done.status in ("done", "failed"), f"job did not finish: {done.to_dict()}"
    return done


def hold(queue: JobQueue) -> threading.Event:
    """Keep the embedded worker busy until the returned event is set (later jobs stay queued)."""
    release = threading.Event()
    queue.register("test:hold", lambda job: {"released": release.wait(30)})
    queue.submit("test:hold", "hold the worker")
    return release


def test_progress_lines_come_from_library_logs_on_the_job_thread(queue: JobQueue) -> None:
    lib = logging.getLogger("shopmind.recommend.fake")
    other = threading.Event()

    def work(job: Job) -> dict:
        assert job.payload == {"model": "fake"}
        for epoch in range(3):
            lib.info("epoch %d valid_ndcg 0.%d", epoch, epoch)
            job.update(epoch=epoch + 1, epochs=3)
        threading.Thread(target=lambda: (lib.info("not this job's line"), other.set())).start()
        other.wait(5)
        logging.getLogger("unrelated").warning("not the library")
        return {"version": "v1"}

    queue.register("retrain:rec", work)
    job = wait(queue, queue.submit("retrain:rec", "retrain rec", {"model": "fake"})).to_dict()
    assert job["status"] == "done" and job["result"] == {"version": "v1"} and job["attempts"] == 1
    lines = [line.split(": ", 1)[1] for line in job["log"] if "fake" in line]
    assert lines == [f"epoch {i} valid_ndcg 0.{i}" for i in range(3)]
    assert not any("not this job" in line or "not the library" in line for line in job["log"])
    assert job["progress"] == {"epoch": 3, "epochs": 3}
    assert job["seconds"] is not None and job["finished_at"] >= job["started_at"]
    assert job["worker_id"] == queue.worker.worker_id
    assert logging.getLogger("shopmind").level == logging.NOTSET  # the level is restored


def test_a_failing_job_reports_its_error_and_the_next_one_still_runs(queue: JobQueue) -> None:
    order: list[str] = []

    def boom(job: Job) -> dict:
        order.append("boom")
        raise ValueError("no behaviour events in the store")

    queue.register("retrain:boom", boom)
    queue.register("retrain:fine", lambda job: order.append("fine") and None)
    release = hold(queue)
    first = queue.submit("retrain:boom", "a")
    second = queue.submit("retrain:fine", "b")
    assert queue.busy("retrain:boom").job_id == first.job_id
    release.set()
    failed = wait(queue, first)
    assert failed.status == "failed" and failed.error == "ValueError: no behaviour events in the store"
    assert failed.attempts == 1  # a job that raises is not retried: only a dead worker's job is
    assert wait(queue, second).status == "done" and order == ["boom", "fine"]
    assert queue.busy("retrain:boom") is None
    assert [j.job_id for j in queue.list()][:2] == [second.job_id, first.job_id]


def test_an_exclusive_kind_runs_one_job_at_a_time_and_a_closed_queue_takes_none(store: Store) -> None:
    queue = JobQueue(store, embedded=FAST)
    queue.register("train:*", lambda job: {})
    release = hold(queue)
    first = queue.submit("train:rec", "first", exclusive=True)
    other_process = JobQueue(store)  # the lock is in the database: another queue object is refused too
    other_process.register("train:*", lambda job: {})
    with pytest.raises(JobBusyError) as busy:
        other_process.submit("train:rec", "again", exclusive=True)
    assert busy.value.job.job_id == first.job_id and first.job_id in str(busy.value)
    other = queue.submit("train:nlu", "another kind", exclusive=True)
    release.set()
    assert wait(queue, first).status == wait(queue, other).status == "done"
    again = other_process.submit("train:rec", "free again", exclusive=True)
    assert again.status == "queued"
    queue.close()
    with pytest.raises(RuntimeError, match="closed"):
        queue.submit("train:rec", "late")


def test_jobs_are_data_of_a_known_kind(queue: JobQueue) -> None:
    with pytest.raises(ValueError, match="no handler for jobs of kind 'nope'.*ping"):
        queue.submit("nope", "x")
    with pytest.raises(TypeError):
        queue.submit("ping", "not JSON", {"when": object()})
    assert queue.handler("synth:customers") is None
    queue.register("synth:*", lambda job: {"any": True})
    queue.register("synth:orders", lambda job: {"own": True})
    assert queue.handler("synth:customers")(None) == {"any": True}
    assert queue.handler("synth:orders")(None) == {"own": True}
    assert overlap(("train:*", "ping"), ["ping", "synth:*", "train:nlu", "train:rec"]) == [
        "ping", "train:nlu", "train:rec"]  # fmt: skip
    assert overlap(("synth:customers",), ["synth:*"]) == ["synth:customers"]


def test_two_workers_never_run_the_same_job(store: Store) -> None:
    ran: list[tuple[str, str]] = []
    queue = JobQueue(store)
    queue.register("count", lambda job: ran.append((job.job_id, job.worker_id)) or {})
    jobs = [queue.submit("count", f"job {i}") for i in range(40)]
    workers = [Worker(queue, FAST, name=f"w{i}") for i in range(3)]
    threads = [threading.Thread(target=w.run, kwargs={"once": True}) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(j for j, _ in ran) == sorted(j.job_id for j in jobs)  # each job ran exactly once
    stored = [queue.get(j.job_id) for j in jobs]
    assert all(j.status == "done" and j.attempts == 1 for j in stored)
    assert {j.worker_id for j in stored} <= {w.worker_id for w in workers}
    assert sum(w.ran for w in workers) == 40


def _claim_and_die(store: Store, kinds: list[str]) -> dict:
    """A worker that claims a job and dies at once (no heartbeat ever)."""
    row = store.claim_job("dead-worker", kinds, datetime.now(UTC) - timedelta(seconds=10))
    assert row is not None and row["status"] == "running"
    return row


def test_the_job_of_a_dead_worker_is_requeued_and_fails_when_attempts_run_out(store: Store) -> None:
    queue = JobQueue(store, QueueConfig(max_attempts=2))
    queue.register("work", lambda job: {"by": job.worker_id})
    job = queue.submit("work", "survives one dead worker")
    _claim_and_die(store, ["work"])
    worker = Worker(queue, FAST, name="live")
    worker._checked = float("-inf")
    assert worker.run(once=True) == 1
    done = queue.get(job.job_id)
    assert done.status == "done" and done.attempts == 2 and done.result == {"by": worker.worker_id}

    doomed = queue.submit("work", "its workers keep dying")
    _claim_and_die(store, ["work"])
    store.requeue_stale_jobs(datetime.now(UTC), datetime.now(UTC), "test: gave up")
    _claim_and_die(store, ["work"])  # the second and last attempt dies too
    requeued, failed = store.requeue_stale_jobs(datetime.now(UTC), datetime.now(UTC), "gave up")
    assert requeued == [] and failed == [doomed.job_id]
    gone = queue.get(doomed.job_id)
    assert gone.status == "failed" and gone.error == "gave up" and gone.attempts == 2


def test_a_stopped_worker_puts_its_job_back_and_a_lost_job_writes_nothing(store: Store) -> None:
    started, lost = threading.Event(), threading.Event()

    def slow(job: Job) -> dict:
        started.set()
        for _ in range(200):
            time.sleep(0.05)
            try:
                job.update(tick=True)
            except JobLostError:
                lost.set()
                raise
        return {"finished": True}

    queue = JobQueue(store)
    queue.register("slow", slow)
    job = queue.submit("slow", "slow")
    worker = Worker(queue, FAST, name="stopping")
    worker.start()
    assert started.wait(20)
    assert worker.stop(timeout=0.2) is False  # still running: released
    released = queue.get(job.job_id)
    assert released.status == "queued" and released.attempts == 0 and released.worker_id is None
    assert lost.wait(5)  # its next update told the handler to stop
    time.sleep(0.2)
    assert queue.get(job.job_id).status == "queued"  # and the stopped worker wrote nothing after


def test_a_retried_training_publishes_what_its_first_attempt_saved(store: Store, tmp_path) -> None:
    artifacts = ArtifactStore(tmp_path / "artifacts", pointers=store)
    trained: list[str] = []

    def train(job: Job, model: str, params: dict, force: bool) -> dict:
        trained.append(job.job_id)
        path = artifacts.save_version("toy", model, lambda p: write_model(p, {"w": params["w"]}))
        return {"version": path.name}

    queue = JobQueue(store)
    service = ModelService(artifacts, queue, {"toy": Trainable("toy", lambda: ["m"], train)})
    queue.register("train:toy", service.run)
    job = service.train("toy", "m", {"w": 1})
    claimed = Job.from_row(_claim_and_die(store, ["train:toy"]))
    token = _current.set(claimed)  # the first attempt saves and publishes, then its worker dies
    try:
        first = service.run(claimed)["version"]
    finally:
        _current.reset(token)
    half = artifacts.kind_dir("toy") / "m-half-written"
    half.mkdir()
    (half / ".job").write_text(job.job_id)  # a folder an attempt left before its meta was complete
    worker = Worker(queue, FAST, name="retry")
    worker._checked = float("-inf")
    assert worker.run(once=True) == 1
    done = queue.get(job.job_id)
    assert done.status == "done" and done.attempts == 2 and done.result["retried"] is True
    assert done.result["version"] == first and trained == [job.job_id]  # trained once
    assert [v["version"] for v in artifacts.versions("toy")] == [first]  # one version, no half folder
    assert artifacts.current("toy").name == first and artifacts.versions("toy")[0]["job_id"] == job.job_id

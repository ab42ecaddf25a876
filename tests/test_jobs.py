"""The engine's job runner: progress from the library's log records and job.update, failures, order,
one job of a kind at a time, closing."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from shopmind.jobs import JobBusyError, JobRunner


def wait(runner: JobRunner, job_id: str, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = runner.get(job_id).to_dict()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.01)
    raise AssertionError("job did not finish")


def test_progress_lines_come_from_library_logs_on_the_job_thread() -> None:
    runner = JobRunner()
    lib = logging.getLogger("shopmind.recommend.fake")
    other = threading.Event()

    def work(job) -> dict:
        for epoch in range(3):
            lib.info("epoch %d valid_ndcg 0.%d", epoch, epoch)
            job.update(epoch=epoch + 1, epochs=3)
        threading.Thread(target=lambda: (lib.info("not this job's line"), other.set())).start()
        other.wait(5)
        logging.getLogger("unrelated").warning("not the library")
        return {"version": "v1"}

    job = wait(runner, runner.submit("retrain:rec", "retrain rec", work).job_id)
    assert job["status"] == "done" and job["result"] == {"version": "v1"}
    assert [line.split(": ", 1)[1] for line in job["log"]] == [
        f"epoch {i} valid_ndcg 0.{i}" for i in range(3)
    ]
    assert job["progress"] == {"epoch": 3, "epochs": 3}
    assert job["seconds"] is not None and job["finished_at"] >= job["started_at"]
    assert logging.getLogger("shopmind").level == logging.NOTSET  # the level is restored


def test_a_failing_job_reports_its_error_and_the_next_one_still_runs() -> None:
    runner = JobRunner()
    order: list[str] = []

    def boom(job) -> dict:
        order.append("boom")
        raise ValueError("no behaviour events in the store")

    def fine(job) -> dict:
        order.append("fine")
        return {}

    first = runner.submit("retrain:rec", "a", boom)
    second = runner.submit("retrain:rec", "b", fine)
    assert runner.busy("retrain:rec") is not None
    failed = wait(runner, first.job_id)
    assert failed["status"] == "failed" and failed["error"] == "ValueError: no behaviour events in the store"
    assert wait(runner, second.job_id)["status"] == "done" and order == ["boom", "fine"]
    assert runner.busy("retrain:rec") is None
    assert [j.job_id for j in runner.list()] == [second.job_id, first.job_id]


def test_an_exclusive_kind_runs_one_job_at_a_time_and_a_closed_runner_takes_none() -> None:
    runner = JobRunner()
    release = threading.Event()
    first = runner.submit("train:rec", "slow", lambda job: release.wait(5) and {}, exclusive=True)
    with pytest.raises(JobBusyError) as busy:
        runner.submit("train:rec", "again", lambda job: {}, exclusive=True)
    assert busy.value.job is first
    other = runner.submit("train:nlu", "another kind", lambda job: {}, exclusive=True)
    release.set()
    assert wait(runner, other.job_id)["status"] == "done"
    runner.close()
    with pytest.raises(RuntimeError, match="closed"):
        runner.submit("train:rec", "late", lambda job: {})

"""What the admin console needs beyond the data routers: activity, rejects, models, retraining jobs.

All admin key. Retraining runs as a background job (``POST /admin/models/{kind}/retrain`` answers
202 with the job); the console polls ``GET /admin/jobs/{job_id}`` for its status and log lines.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from shopmind import artifacts
from shopmind.api.deps import admin, get_store
from shopmind.api.jobs import JobRunner
from shopmind.data import tables as T
from shopmind.data.store import NotFoundError, Store

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin])

MAX_LIST = 50  # meta.json lists longer than this (id maps, vocabularies) are left out of /admin/models


def jobs(request: Request) -> JobRunner:
    runner = getattr(request.app.state, "jobs", None)
    if runner is None:
        runner = request.app.state.jobs = JobRunner()
    return runner


def _root(request: Request) -> Path:
    return Path(request.app.state.settings.artifacts_dir)


# ---------------------------------------------------------------------------- data
@router.get("/ingest-runs/{run_id}/rejects")
def rejects(
    run_id: str, limit: int = Query(50, ge=1, le=1000), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """The first rejected rows of an ingestion run, with row number, field and reason."""
    r = T.ingest_runs
    with store.engine.connect() as conn:
        run = conn.execute(sa.select(r).where(r.c.run_id == run_id)).mappings().first()
    if run is None:
        raise NotFoundError(f"ingest run {run_id!r} not found")
    path = Path(run["rejects_path"] or "")
    if not run["rejects_path"] or not path.is_file():
        raise NotFoundError(f"ingest run {run_id!r} has no rejects file")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        columns = next(reader, [])
        rows = [row for _, row in zip(range(limit), reader, strict=False)]
    return {
        "run_id": run_id,
        "path": str(path),
        "columns": columns,
        "rows": rows,
        "total": run["rows_rejected"],
    }


@router.get("/activity")
def activity(days: int = Query(60, ge=1, le=730), store: Store = Depends(get_store)) -> dict[str, Any]:
    """Events per day and type over the last ``days`` of activity, and orders per status."""
    e, o = T.events, T.orders
    with store.engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(e.c.ts))).scalar()
        by_day: dict[str, dict[str, int]] = {}
        if latest is not None:
            day = sa.func.date(e.c.ts)
            rows = conn.execute(
                sa.select(day, e.c.type, sa.func.count())
                .where(e.c.ts >= latest - timedelta(days=days))
                .group_by(day, e.c.type)
                .order_by(day)
            ).all()
            for d, kind, n in rows:
                by_day.setdefault(str(d), {})[kind] = int(n)
        statuses = conn.execute(sa.select(o.c.status, sa.func.count()).group_by(o.c.status)).all()
    return {
        "days": [{"day": d, **counts} for d, counts in by_day.items()],
        "orders_by_status": {s: int(n) for s, n in statuses},
    }


# ---------------------------------------------------------------------------- models
def _stamp(version: dict[str, Any]) -> str:
    """The UTC time in a version name ``<model>-<YYYYmmddTHHMMSSffffff>`` (the name if it has none)."""
    return version["version"].rsplit("-", 1)[-1]


def _slim(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in meta.items() if not (isinstance(v, list) and len(v) > MAX_LIST)}


@router.get("/models")
def models(request: Request) -> dict[str, Any]:
    """Every artifact kind with its versions (newest first), their metrics, and which one serves."""
    root = _root(request)
    # a kind is a folder with a CURRENT pointer: "rec", "nlu", or nested like "synth/customers"
    pointers = [*root.glob("*/CURRENT"), *root.glob("*/*/CURRENT")] if root.is_dir() else []
    kinds = sorted({p.parent.relative_to(root).as_posix() for p in pointers})
    out = []
    for kind in kinds:
        versions = sorted(artifacts.versions(kind, root), key=_stamp, reverse=True)  # newest first
        versions = [_slim(v) for v in versions]
        live = artifacts.current(kind, root)
        out.append({"kind": kind, "current": live.name if live else None, "versions": versions})
    return {"kinds": out, "retrainable": {k: names() for k, (names, _) in RETRAINERS.items()}}


def _rec_names() -> list[str]:
    from shopmind.recommend.base import available

    return available()


def _rec_job(store: Store, root: Path, model: str, params: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    def run() -> dict[str, Any]:
        from shopmind.recommend.train import train_and_publish

        result = train_and_publish(store, model, params, root=root)
        return {"version": result.version_dir.name, "metrics": result.metrics, "seconds": result.seconds}

    return run


# kind -> (model names it accepts, job factory); a new retrainable kind is one entry here
RETRAINERS: dict[str, tuple[Callable[[], list[str]], Callable[..., Callable[[], dict[str, Any]]]]] = {
    "rec": (_rec_names, _rec_job),
}


@router.post("/models/{kind}/retrain", status_code=202)
def retrain(
    kind: str,
    request: Request,
    model: str = Body(..., embed=True, description="Model name, e.g. itemknn"),
    params: dict[str, Any] = Body(default_factory=dict, embed=True, description="Model config overrides"),
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Train ``model`` on the store's data in the background and publish it; poll the returned job."""
    if kind not in RETRAINERS:
        raise NotFoundError(f"no retraining for {kind!r}; retrainable kinds: {', '.join(RETRAINERS)}")
    names, factory = RETRAINERS[kind]
    if model not in names():
        raise HTTPException(422, f"unknown {kind} model {model!r}; valid names: {', '.join(names())}")
    runner = jobs(request)
    if (busy := runner.busy(f"retrain:{kind}")) is not None:
        raise HTTPException(409, f"a {kind} retraining is already {busy.status} (job {busy.job_id})")
    job = runner.submit(
        f"retrain:{kind}", f"retrain {kind} with {model}", factory(store, _root(request), model, params)
    )
    return job.to_dict()


@router.post("/models/{kind:path}/publish")
def publish(kind: str, request: Request, version: str = Body(..., embed=True)) -> dict[str, Any]:
    """Serve an existing version of ``kind`` (e.g. roll back); servers pick it up on their next request."""
    root = _root(request)
    path = root / kind / version
    unsafe = ".." in kind.split("/") or "/" in version or version.startswith(".")
    if unsafe or not (path / "meta.json").is_file():
        raise NotFoundError(f"{kind} has no version {version!r}")
    artifacts.publish(kind, path, root)
    return {"kind": kind, "current": version}


@router.get("/jobs")
def list_jobs(request: Request) -> list[dict[str, Any]]:
    """Background jobs, newest first."""
    return [j.to_dict() for j in jobs(request).list()]


@router.get("/jobs/{job_id}")
def get_job(job_id: str, request: Request) -> JSONResponse:
    job = jobs(request).get(job_id)
    if job is None:
        raise NotFoundError(f"job {job_id!r} not found (the server keeps the last jobs only)")
    return JSONResponse(job.to_dict())

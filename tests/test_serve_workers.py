"""`shopmind serve --workers N`: N real server processes on one port, each loading the catalog, all
following the one store (SQLite here; test_replicas.py covers separate replicas on PostgreSQL)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from shopmind.data.store import Store
from tests.test_replicas import Replica, until


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def test_two_server_processes_share_the_port_and_follow_the_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    store = Store(url)
    store.migrate()
    key, admin = store.create_api_key("storefront", "test"), store.create_api_key("admin", "test")
    server = Replica(url, tmp_path, "server", "--workers", "2").ready()
    try:
        assert len(children(server.proc.pid)) >= 2, server.log.read_text()  # two workers (+ helpers)
        headers = {"X-API-Key": key}

        def write(product_id: str, title: str) -> None:
            product = {"product_id": product_id, "title": title, "price": 30.0, "category": "Clothing"}
            r = httpx.post(f"{server.url}/products", json=[product], headers={"X-API-Key": admin}, timeout=10)
            assert r.status_code == 200, r.text

        def titles(q: str) -> list[str]:
            with httpx.Client(base_url=server.url, headers=headers, timeout=10) as fresh:  # a new connection
                answer = fresh.get("/search", params={"q": q})
                assert answer.status_code == 200, answer.text
                return [p["title"] for p in answer.json()["products"]]

        write("P1", "Linen shirt")  # through one process: the other follows the store's change log
        until(lambda: all(titles("linen") == ["Linen shirt"] for _ in range(6)), 10, "both processes follow")
        write("P2", "Wool scarf")
        start = time.monotonic()
        until(lambda: all(titles("wool") == ["Wool scarf"] for _ in range(6)), 10, "both processes follow")
        assert time.monotonic() - start < 10
    finally:
        server.stop()
        store.dispose()

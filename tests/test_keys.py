"""API keys that can be listed, revoked and expire: in the store (SQLite and PostgreSQL), from the
command line and through the admin API over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from typer.testing import CliRunner

from shopmind.api.app import create_app
from shopmind.cli import app as cli
from shopmind.config import Settings
from shopmind.data import tables as T
from shopmind.data.store import NotFoundError, Store
from shopmind.data.store_keys import parse_lifetime
from shopmind.engine import Engine
from tests.conftest import LiveServer

runner = CliRunner()
LISTED = {
    "key_id",
    "name",
    "scope",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
    "status",
    "origins",
}


def set_last_used(store: Store, key_id: str, when: datetime) -> None:
    with store.begin() as conn:
        conn.execute(T.api_keys.update().where(T.api_keys.c.key_id == key_id).values(last_used_at=when))


# ---------------------------------------------------------------------------- store
def test_keys_are_listed_without_secrets_and_revoked_at_once(store: Store) -> None:
    ops = store.issue_api_key("admin", "ops")
    shop = store.issue_api_key("storefront", "web")
    assert store.api_key_scope(ops["key"]) == "admin" and store.api_key_scope(shop["key"]) == "storefront"
    listed = store.list_api_keys()
    assert [k["key_id"] for k in listed] == [shop["key_id"], ops["key_id"]]  # newest first
    assert all(set(k) == LISTED for k in listed) and all(k["status"] == "active" for k in listed)
    assert not any(ops["key"] in str(v) or shop["key"] in str(v) for k in listed for v in k.values())

    revoked = store.revoke_api_key(ops["key_id"])
    assert revoked["status"] == "revoked" and revoked["revoked_at"] is not None
    assert store.api_key_scope(ops["key"]) is None and store.api_key_grant(ops["key"]) is None
    assert store.revoke_api_key(ops["key_id"])["revoked_at"] == revoked["revoked_at"]  # the first time stays
    assert store.api_key_scope(shop["key"]) == "storefront"  # others are untouched
    with pytest.raises(NotFoundError, match="API key 'nope' not found"):
        store.revoke_api_key("nope")


def test_a_key_stops_working_when_it_expires(store: Store) -> None:
    past = store.issue_api_key("admin", "old", expires_at=datetime.now(UTC) - timedelta(seconds=1))
    soon = store.issue_api_key("storefront", "soon", expires_at=datetime.now(UTC) + timedelta(seconds=2))
    assert store.api_key_scope(past["key"]) is None
    assert store.api_key_scope(soon["key"]) == "storefront"
    time.sleep(2.1)
    assert store.api_key_scope(soon["key"]) is None
    assert {k["name"]: k["status"] for k in store.list_api_keys()} == {"old": "expired", "soon": "expired"}


def test_last_use_is_recorded_at_most_once_a_minute(store: Store) -> None:
    key = store.issue_api_key("admin", "ops")
    assert key["last_used_at"] is None
    assert store.api_key_grant(key["key"], touch=False) is not None
    assert store.api_key(key["key_id"])["last_used_at"] is None  # a check without touch records nothing
    store.api_key_scope(key["key"])
    first = store.api_key(key["key_id"])["last_used_at"]
    assert first is not None and datetime.now(UTC) - first < timedelta(seconds=30)
    store.api_key_scope(key["key"])
    assert store.api_key(key["key_id"])["last_used_at"] == first  # within the minute: no write
    set_last_used(store, key["key_id"], datetime.now(UTC) - timedelta(minutes=2))
    store.api_key_scope(key["key"])
    assert datetime.now(UTC) - store.api_key(key["key_id"])["last_used_at"] < timedelta(seconds=30)


def test_a_busy_sqlite_database_does_not_stall_the_key_check(sqlite_store: Store) -> None:
    key = sqlite_store.issue_api_key("admin", "ops")
    writer = sqlite_store.engine.connect()
    writer.exec_driver_sql("BEGIN IMMEDIATE")  # another writer holds the lock (e.g. a long ingest)
    try:
        started = time.monotonic()
        assert sqlite_store.api_key_scope(key["key"]) == "admin"
        assert time.monotonic() - started < 2.5  # not the 5 s the driver waits for a lock by default
    finally:
        writer.rollback()
        writer.close()
    assert sqlite_store.api_key(key["key_id"])["last_used_at"] is None  # recorded by a later use
    with sqlite_store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000  # other writes still wait
    sqlite_store.api_key_scope(key["key"])
    assert sqlite_store.api_key(key["key_id"])["last_used_at"] is not None


def test_lifetimes_are_read_and_bounded() -> None:
    assert parse_lifetime("30d") == timedelta(days=30) and parse_lifetime(" 12h ") == timedelta(hours=12)
    assert parse_lifetime("2w") == timedelta(weeks=2) and parse_lifetime("90s") == timedelta(seconds=90)
    for bad, reason in (("30", "a number and a unit"), ("1y", "a number and a unit"), ("-1d", "unit")):
        with pytest.raises(ValueError, match=reason):
            parse_lifetime(bad)
    with pytest.raises(ValueError, match="longer than zero"):
        parse_lifetime("0d")
    with pytest.raises(ValueError, match="at most 3650d"):
        parse_lifetime("9999999w")


# ---------------------------------------------------------------------------- command line
@pytest.fixture
def db(tmp_path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SHOPMIND_DATABASE_URL", url)
    store = Store(url)
    yield store
    store.dispose()


def test_cli_creates_lists_and_revokes_keys(db: Store) -> None:
    created = runner.invoke(
        cli, ["keys", "create", "--scope", "admin", "--name", "ops", "--expires-in", "30d"]
    )
    assert created.exit_code == 0, created.output
    key = created.output.split()[0]
    assert key.startswith("sm_ad_") and db.api_key_scope(key) == "admin"
    (row,) = db.list_api_keys()
    assert row["name"] == "ops" and abs(
        row["expires_at"] - datetime.now(UTC) - timedelta(days=30)
    ) < timedelta(minutes=1)
    assert f"key id {row['key_id']}" in created.output and "expires" in created.output

    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0 and row["key_id"] in listed.output and "active" in listed.output
    assert key not in listed.output

    revoked = runner.invoke(cli, ["keys", "revoke", row["key_id"]])
    assert revoked.exit_code == 0 and f"revoked {row['key_id']}" in revoked.output
    assert db.api_key_scope(key) is None
    assert "revoked" in runner.invoke(cli, ["keys", "list"]).output

    unknown = runner.invoke(cli, ["keys", "revoke", "0000000000000000"])
    assert unknown.exit_code == 1 and "not found" in unknown.output and "keys list" in unknown.output
    bad = runner.invoke(cli, ["keys", "create", "--expires-in", "soon"])
    assert bad.exit_code == 1 and "a number and a unit" in bad.output


# ---------------------------------------------------------------------------- admin API
@pytest.fixture
def api(store: Store, tmp_path) -> Iterator[tuple[httpx.Client, dict, dict, Store]]:
    admin = store.issue_api_key("admin", "console")
    shop = store.create_api_key("storefront", "web")
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    with (
        LiveServer(create_app(Engine(settings, store))) as server,
        httpx.Client(base_url=server.url) as client,
    ):
        yield client, {"X-API-Key": admin["key"], "id": admin["key_id"]}, {"X-API-Key": shop}, store


def test_admin_api_creates_lists_and_revokes_keys(api) -> None:
    client, admin, _, store = api
    headers = {"X-API-Key": admin["X-API-Key"]}
    made = client.post(
        "/admin/keys", json={"scope": "storefront", "name": "app", "expires_in_days": 7}, headers=headers
    )
    assert made.status_code == 201, made.text
    new = made.json()
    assert new["key"].startswith("sm_st_") and new["status"] == "active" and new["revoked_at"] is None
    lifetime = datetime.fromisoformat(new["expires_at"]) - datetime.now(UTC)
    assert timedelta(days=7) - timedelta(minutes=1) < lifetime <= timedelta(days=7)
    assert store.api_key_scope(new["key"]) == "storefront"
    assert client.get("/products", headers={"X-API-Key": new["key"]}).status_code == 200

    listed = client.get("/admin/keys", headers=headers).json()
    assert {k["key_id"] for k in listed} >= {new["key_id"], admin["id"]}
    assert all(set(k) == LISTED for k in listed) and new["key"] not in str(listed)

    gone = client.delete(f"/admin/keys/{new['key_id']}", headers=headers)
    assert gone.status_code == 200 and gone.json()["status"] == "revoked"
    refused = client.get("/products", headers={"X-API-Key": new["key"]})
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]


def test_admin_api_key_errors_have_the_one_shape(api) -> None:
    client, admin, shop, _ = api
    headers = {"X-API-Key": admin["X-API-Key"]}
    cases = [
        (client.get("/admin/keys"), 401),
        (client.get("/admin/keys", headers=shop), 403),
        (client.post("/admin/keys", json={"scope": "root"}, headers=headers), 422),
        (client.post("/admin/keys", json={"scope": "admin", "expires_in_days": 0}, headers=headers), 422),
        (client.post("/admin/keys", json={"scope": "admin", "name": "a\x00b"}, headers=headers), 422),
        (client.delete("/admin/keys/0000000000000000", headers=headers), 404),
        (client.delete(f"/admin/keys/{admin['id']}", headers=headers), 409),  # the key in use
    ]
    for resp, code in cases:
        assert resp.status_code == code, resp.text
        assert set(resp.json()) == {"error"} and resp.json()["error"]["message"]
    assert client.get("/admin/keys", headers=headers).status_code == 200  # still works


def test_an_expired_key_is_refused_by_the_api(api) -> None:
    client, _, _, store = api
    old = store.create_api_key("admin", "old", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    resp = client.get("/admin/keys", headers={"X-API-Key": old})
    assert resp.status_code == 401 and "expired" in resp.json()["error"]["message"]


def test_a_key_revoked_elsewhere_stops_working_within_the_cache_time(store: Store, tmp_path) -> None:
    """What a key grants is remembered for ``key_cache_seconds``: a revocation by another replica or the
    CLI (here: the store itself) takes effect within that time; 0 looks every key up."""
    for ttl in (3.0, 0.0):
        key = store.issue_api_key("storefront", f"web-{ttl}")
        settings = Settings(
            var_dir=tmp_path / f"var{ttl}", artifacts_dir=tmp_path / "artifacts", key_cache_seconds=ttl
        )
        with (
            LiveServer(create_app(Engine(settings, store))) as server,
            httpx.Client(base_url=server.url, headers={"X-API-Key": key["key"]}) as client,
        ):
            assert client.get("/products").status_code == 200
            store.revoke_api_key(key["key_id"])
            if ttl:
                assert client.get("/products").status_code == 200  # remembered for up to ttl seconds
                time.sleep(ttl + 0.1)
            assert client.get("/products").status_code == 401

"""API keys and facts about the database itself (part of :class:`~shopmind.data.store.Store`).

A key is stored only as its SHA-256 (keys are long random strings, so no salt or slow hash is
needed); it has a scope, an optional expiry, a revocation time, and a last-used time that a
successful lookup refreshes at most once a minute. ``shop_meta`` holds named JSON values such as
the demo generator's marker.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from shopmind.data import tables as T
from shopmind.data.errors import NotFoundError
from shopmind.data.sql import plain

log = logging.getLogger(__name__)

SCOPES = ("admin", "storefront")
TOUCH_EVERY = timedelta(minutes=1)  # how stale last_used_at may get before a lookup refreshes it
LONGEST_LIFETIME = timedelta(days=3650)
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
LIFETIME = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$")
# A web origin as browsers send it: scheme, host, optional port; no path, no trailing slash.
ORIGIN = re.compile(r"^https?://[a-z0-9.-]{1,253}(:\d{1,5})?$")
MAX_ORIGINS = 20  # per key
# Tables whose rows are the shop's data (an empty database has none of them filled).
DATA_TABLES = ("products", "customers", "events", "orders", "docs", "conversations", "campaigns")


def parse_lifetime(text: str) -> timedelta:
    """``"30d"`` → 30 days; units s, m, h, d, w; at most ten years. ValueError with the expected form."""
    match = LIFETIME.match(text)
    if not match:
        raise ValueError(f"a lifetime is a number and a unit (s, m, h, d, w), e.g. 30d or 12h; got {text!r}")
    number, unit = match.groups()
    if int(number) == 0:
        raise ValueError(f"a lifetime must be longer than zero; got {text!r}")
    lifetime = timedelta(**{UNITS[unit]: int(number)})
    if lifetime > LONGEST_LIFETIME:
        raise ValueError(f"a lifetime is at most 3650d (ten years); got {text!r}")
    return lifetime


def normalise_origins(origins: list[str] | tuple[str, ...] | None) -> list[str] | None:
    """Checked, lower-cased, de-duplicated web origins (``https://shop.example``, ``http://host:8080``);
    None for none. ValueError names the first bad one (a path, a wildcard, another scheme …)."""
    if not origins:
        return None
    out: list[str] = []
    for origin in origins:
        clean = origin.strip().lower().rstrip("/")
        if not ORIGIN.match(clean):
            raise ValueError(
                f"an origin is http(s)://host[:port] with no path or wildcard, e.g. https://shop.example; "
                f"got {origin[:100]!r}"
            )
        if clean not in out:
            out.append(clean)
    if len(out) > MAX_ORIGINS:
        raise ValueError(f"at most {MAX_ORIGINS} origins per key; got {len(out)}")
    return out


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_status(row: dict[str, Any], now: datetime | None = None) -> str:
    """``revoked``, ``expired`` or ``active``."""
    if row.get("revoked_at") is not None:
        return "revoked"
    expires = row.get("expires_at")
    return "expired" if expires is not None and expires <= (now or datetime.now(UTC)) else "active"


@dataclass(frozen=True)
class KeyGrant:
    """What a presented key grants: its scope, the stored key's id and the web origins it allows."""

    key_id: str
    scope: str
    origins: tuple[str, ...] = ()


class KeyQueries:
    """API keys (create, look up, list, revoke) and ``shop_meta`` values."""

    engine: Engine
    dialect: str

    # ------------------------------------------------------------------ keys
    def issue_api_key(
        self,
        scope: str,
        name: str = "",
        expires_at: datetime | None = None,
        key: str | None = None,
        origins: list[str] | None = None,
    ) -> dict[str, Any]:
        """Store a new key and return its row with the plain ``key`` (the only time it is shown).

        ``key`` stores a given key instead of a random one; storing one that exists returns that key's row.
        ``origins`` (storefront keys only) are the web origins allowed to call the API with it (CORS).
        """
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        origins = normalise_origins(origins)
        if origins and scope != "storefront":
            raise ValueError("only storefront keys carry origins: an admin key never belongs in a browser")
        key = key or f"sm_{scope[:2]}_{secrets.token_urlsafe(24)}"
        row = {
            "key_id": secrets.token_hex(8),
            "key_hash": hash_key(key),
            "scope": scope,
            "name": name,
            "created_at": datetime.now(UTC),
            "expires_at": expires_at,
            "origins": origins,
        }
        k = T.api_keys
        with self.engine.begin() as conn:
            existing = conn.execute(sa.select(k.c.key_id).where(k.c.key_hash == row["key_hash"])).scalar()
            if existing is None:
                conn.execute(k.insert().values(**row))
        return self.api_key(existing or row["key_id"]) | {"key": key}

    def create_api_key(
        self, scope: str, name: str = "", key: str | None = None, expires_at: datetime | None = None
    ) -> str:
        """Store a new API key for ``scope`` and return its plain text (shown once)."""
        return self.issue_api_key(scope, name, expires_at=expires_at, key=key)["key"]

    def api_key_grant(self, key: str, touch: bool = True) -> KeyGrant | None:
        """What ``key`` grants, or None for an unknown, revoked or expired key (one indexed lookup).

        With ``touch``, a stale ``last_used_at`` is refreshed; that write never fails the lookup.
        """
        k = T.api_keys
        cols = (k.c.key_id, k.c.scope, k.c.expires_at, k.c.revoked_at, k.c.last_used_at, k.c.origins)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(*cols).where(k.c.key_hash == hash_key(key))).mappings().first()
        now = datetime.now(UTC)
        if row is None or key_status(dict(row), now) != "active":
            return None
        if touch and (row["last_used_at"] is None or now - row["last_used_at"] >= TOUCH_EVERY):
            self._touch_api_key(row["key_id"], now)
        return KeyGrant(row["key_id"], row["scope"], tuple(row["origins"] or ()))

    def api_key_scope(self, key: str) -> str | None:
        """The scope of a stored, active key, or None for an unknown, revoked or expired key."""
        grant = self.api_key_grant(key)
        return grant.scope if grant else None

    def _touch_api_key(self, key_id: str, now: datetime) -> None:
        """Record a use; on SQLite wait at most 50 ms for another writer (a request never stalls on a
        long ingest transaction): a use not recorded now is recorded by a later request."""
        k = T.api_keys
        stale = sa.or_(k.c.last_used_at.is_(None), k.c.last_used_at <= now - TOUCH_EVERY)
        with self.engine.connect() as conn:
            sqlite = self.dialect == "sqlite"
            waited = conn.exec_driver_sql("PRAGMA busy_timeout").scalar() if sqlite else None
            try:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                conn.execute(k.update().where(k.c.key_id == key_id, stale).values(last_used_at=now))
                conn.commit()
            except sa.exc.OperationalError as exc:
                conn.rollback()
                log.debug("last use of key %s not recorded: %s", key_id, exc)
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(waited)}")

    def api_key(self, key_id: str) -> dict[str, Any]:
        """One key's row (never its hash) with its ``status``; NotFoundError for an unknown id."""
        k = T.api_keys
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(k).where(k.c.key_id == key_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"API key {key_id!r} not found")
        return _public(row)

    def list_api_keys(self) -> list[dict[str, Any]]:
        """Every stored key, newest first (never the key or its hash), each with its ``status``."""
        k = T.api_keys
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(k).order_by(k.c.created_at.desc(), k.c.key_id)).mappings().all()
        now = datetime.now(UTC)
        return [_public(row, now) for row in rows]

    def key_origins(self) -> set[str]:
        """The origins allowed by any active storefront key (what a CORS preflight may be answered for)."""
        k = T.api_keys
        query = sa.select(k.c.origins, k.c.expires_at, k.c.revoked_at).where(
            k.c.scope == "storefront", k.c.revoked_at.is_(None)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        now = datetime.now(UTC)
        return {o for r in rows if key_status(dict(r), now) == "active" for o in (r["origins"] or ())}

    def revoke_api_key(self, key_id: str) -> dict[str, Any]:
        """Revoke a key at once (revoking it again keeps the first time); returns its row."""
        k = T.api_keys
        with self.engine.begin() as conn:
            done = conn.execute(
                k.update()
                .where(k.c.key_id == key_id, k.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        if done.rowcount:
            log.info("API key %s revoked", key_id)
        return self.api_key(key_id)

    # ------------------------------------------------------------------ facts about the database
    def get_meta(self, name: str) -> Any:
        """The value stored under ``name`` in ``shop_meta``, or None."""
        m = T.shop_meta
        with self.engine.connect() as conn:
            return conn.execute(sa.select(m.c.value).where(m.c.name == name)).scalar()

    def set_meta(self, name: str, value: Any) -> None:
        """Store ``value`` (JSON) under ``name``, replacing what was there."""
        self.upsert("shop_meta", [{"name": name, "value": value, "updated_at": datetime.now(UTC)}])

    def holds_shop_data(self) -> bool:
        """Whether any data table (products, customers, events, orders …) has a row."""
        with self.engine.connect() as conn:
            for name in DATA_TABLES:
                table = T.metadata.tables[name]
                if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                    return True
        return False


def _public(row: Any, now: datetime | None = None) -> dict[str, Any]:
    out = plain(row, drop=("key_hash",))
    return out | {"status": key_status(out, now)}

"""The built-in demo shop in a store (used by `shopmind demo-data`, `shopmind demo`, `make demo` and tests).

Demo mode hands every visitor the storefront key and lets that key read any customer's orders, so
it must only ever run on a database that holds the demo shop. :func:`load_demo_shop` writes a
marker (``shop_meta`` row ``demo_shop``: seed, scale, time) with the shop; :func:`check_demo_database`
refuses a database that holds data but no marker. The demo's own API keys are kept in the same
database (``demo_keys``) so that every start shows the same ones: the demo database is local and
generated, so keeping its keys readable there is acceptable; a real deployment uses
``shopmind keys create``, which stores only a hash.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shopmind.data.store import Store

log = logging.getLogger(__name__)

DEMO_MARKER = "demo_shop"
DEMO_KEYS = "demo_keys"
DEMO_KEY_NAMES = {"admin": "demo admin", "storefront": "demo web UI"}


class NotADemoShopError(RuntimeError):
    """The database holds a shop's data that the demo generator did not write."""


def demo_marker(store: Store) -> dict[str, Any] | None:
    """The demo generator's marker (``{"seed", "scale", "created_at", "now"}``), or None."""
    return store.get_meta(DEMO_MARKER)


def demo_history_end() -> datetime:
    """The end of the demo shop's generated history (``DemoConfig.start`` + ``days``): the demo's "now"."""
    from datetime import timedelta

    from shopmind.data.simulate import DemoConfig

    cfg = DemoConfig()
    return datetime.fromisoformat(cfg.start).replace(tzinfo=UTC) + timedelta(days=cfg.days)


def demo_now(store: Store) -> datetime | None:
    """The demo shop's reference time ("now" for its orders: returns, cancellations), or None when the
    database does not hold the demo shop. A marker written before it carried the time gives the
    generator's default history end."""
    marker = demo_marker(store)
    if marker is None:
        return None
    if marker.get("now"):
        return datetime.fromisoformat(marker["now"]).astimezone(UTC)
    return demo_history_end()


def mark_demo_shop(store: Store, seed: int, scale: float) -> None:
    """Record that the demo generator writes (or wrote) this database's data, and the demo's "now"."""
    marker = {
        "seed": seed,
        "scale": scale,
        "created_at": datetime.now(UTC).isoformat(),
        "now": demo_history_end().isoformat(),
    }
    store.set_meta(DEMO_MARKER, marker)


def check_demo_database(store: Store, purpose: str = "serve it in demo mode") -> None:
    """Raise :class:`NotADemoShopError` unless the database is empty or holds the demo shop."""
    if demo_marker(store) is not None or not store.holds_shop_data():
        return
    where = store.engine.url.render_as_string(hide_password=True)
    raise NotADemoShopError(
        f"refusing to {purpose}: {where} holds a shop's data that the demo generator did not write "
        "(it has no demo marker). Demo mode gives every visitor the public storefront key and lets it "
        "read any customer's orders and address, so it runs only on a database made by `shopmind demo` "
        "or `shopmind demo-data`. Serve this database with `shopmind serve`, or point "
        "SHOPMIND_DATABASE_URL at a new database for the demo. (A demo database made by a ShopMind "
        "without demo markers: empty it with `shopmind db reset` and run the demo again.)"
    )


def load_demo_shop(
    store: Store, seed: int = 7, scale: float = 1.0, truth_path: Path | None = None
) -> dict[str, int]:
    """Generate the demo shop for ``seed`` and upsert it; the latent tastes go to ``truth_path`` as JSON.

    Refuses (:class:`NotADemoShopError`) a database holding data the demo generator did not write;
    marks the database as a demo shop before writing, so that an interrupted load can be re-run.
    Returns the row counts written per table. Re-running with the same seed rewrites the same rows.
    """
    from shopmind.data.simulate import DemoConfig, generate

    store.migrate()
    check_demo_database(store, purpose="write the demo shop into it")
    shop = generate(DemoConfig(seed=seed, scale=scale))
    mark_demo_shop(store, seed, scale)
    written = store.write_frames(shop.frames())
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        shop.truth.to_json(truth_path)
    log.info("demo shop (seed %d, scale %g) written: %s", seed, scale, written)
    return written


def demo_keys(store: Store) -> dict[str, str]:
    """The demo's admin and storefront keys: the ones kept from an earlier start while they are still
    active (neither revoked nor expired), else new ones, which are kept for the next start."""
    check_demo_database(store, purpose="keep demo keys in it")
    kept = store.get_meta(DEMO_KEYS) or {}
    keys = {}
    for scope, name in DEMO_KEY_NAMES.items():
        key = kept.get(scope)
        grant = store.api_key_grant(key, touch=False) if isinstance(key, str) else None
        keys[scope] = key if grant is not None and grant.scope == scope else store.create_api_key(scope, name)
    if keys != kept:
        store.set_meta(DEMO_KEYS, keys)
    return keys

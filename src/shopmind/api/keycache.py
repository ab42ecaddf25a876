"""What stored API keys grant, remembered for a few seconds so that a request does not look its key up.

Every keyed request needs its key's scope. Looking it up is one indexed query, but under load that
query (and the thread hop a blocking dependency costs) was a sixth of a request's time. A grant, or
the absence of one, is kept for ``ttl`` seconds under the key's SHA-256, never the key itself; a key
revoked through this process is forgotten at once (:meth:`KeyGrants.clear`), one revoked through
another replica or the CLI stops working here within ``ttl`` seconds. ``ttl`` 0 looks every key up.

Unknown keys are remembered too (a client retrying a wrong key costs one query per ``ttl``), and the
cache holds at most ``max_entries`` keys: when it is full it starts over, so a flood of made-up keys
costs memory for ``max_entries`` entries at most.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from shopmind.data.store_keys import KeyGrant, hash_key

_MISSING = object()


class KeyGrants:
    """``lookup(key) -> KeyGrant | None`` (the store's), cached for ``ttl`` seconds per key."""

    def __init__(
        self, lookup: Callable[[str], KeyGrant | None], ttl: float = 5.0, max_entries: int = 10_000
    ) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, KeyGrant | None]] = {}
        self._lock = threading.Lock()

    def cached(self, key: str) -> KeyGrant | None | object:
        """The remembered grant of ``key`` (None: remembered as granting nothing), or ``_MISSING`` when it
        must be looked up. Never blocks on the database."""
        if self.ttl <= 0:
            return _MISSING
        entry = self._entries.get(hash_key(key))
        if entry is None or entry[0] < time.monotonic():
            return _MISSING
        return entry[1]

    def get(self, key: str) -> KeyGrant | None:
        """What ``key`` grants: remembered, or looked up in the store (and remembered)."""
        hit = self.cached(key)
        if hit is not _MISSING:
            return hit  # type: ignore[return-value]
        grant = self.lookup(key)
        if self.ttl > 0:
            with self._lock:
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
                self._entries[hash_key(key)] = (time.monotonic() + self.ttl, grant)
        return grant

    def clear(self) -> None:
        """Forget every grant (after a key was revoked through this process)."""
        with self._lock:
            self._entries.clear()


def is_missing(value: object) -> bool:
    return value is _MISSING

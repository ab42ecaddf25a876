"""Search pins: products always shown first (in a set order) for one query, the same on every replica.

With a store, pins live in its ``search_pins`` table: :class:`Pins` keeps a copy in memory and
checks the table for changes (one small query: the pins' count and latest update) at most every
``ttl`` seconds, so a pin set through any replica applies on every replica within about a second,
and a search never reads more than that. A pins JSON file from an older setup (``{query: [ids]}``)
is imported into an empty table once and renamed ``*.imported``. Without a store (library use), pins
are kept in memory and, when a path is given, in that JSON file.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.search import analyze as A

if TYPE_CHECKING:
    from shopmind.data.store import Store

log = logging.getLogger(__name__)
PIN_TTL = 1.0  # seconds between two checks of the store's pins


def pin_key(query: str) -> str:
    """The form a query is pinned under: NFKC, lower case, single spaces."""
    return " ".join(A.normalise(query or "").split())


class Pins:
    """The pins of one search service (see the module docstring)."""

    def __init__(
        self, store: Store | None = None, path: str | Path | None = None, ttl: float = PIN_TTL
    ) -> None:
        self.store, self.path, self.ttl = store, Path(path) if path else None, ttl
        self._pins: dict[str, list[str]] = {}
        self._version: Any = None
        self._checked = float("-inf")
        self._lock = threading.Lock()
        if store is None:
            self._pins = self._read_file()
        elif self.path is not None and self.path.is_file():
            self._import_file()

    def get(self, query: str) -> list[str]:
        """The product ids pinned for ``query`` (empty when none)."""
        return self.all().get(pin_key(query), [])

    def all(self) -> dict[str, list[str]]:
        """Every pinned query (normalised) with its product ids."""
        if self.store is not None and time.monotonic() - self._checked >= self.ttl:
            self.refresh()
        return self._pins

    def set(self, query: str, product_ids: list[str]) -> str:
        """Pin ``product_ids`` (in this order) for ``query``; an empty list unpins. Returns the key."""
        key = pin_key(query)
        if not key:
            raise ValueError("a pin needs a query with some text")
        ids = list(dict.fromkeys(str(i) for i in product_ids))
        if self.store is not None:
            self.store.set_search_pin(key, ids)
            self.refresh(force=True)
            return key
        with self._lock:
            pins = dict(self._pins)
            if ids:
                pins[key] = ids
            else:
                pins.pop(key, None)
            self._pins = pins
        self._write_file()
        return key

    def refresh(self, force: bool = False) -> None:
        """Re-read the store's pins when they changed (always with ``force``)."""
        if self.store is None:
            return
        with self._lock:
            if not force and time.monotonic() - self._checked < self.ttl:
                return
            try:
                version = self.store.search_pins_version()
                if force or version != self._version:
                    self._pins, self._version = self.store.search_pins(), version
            except Exception as exc:  # noqa: BLE001 - search goes on with the pins it has
                log.warning("search pins could not be read (%s); using the last ones", exc)
            self._checked = time.monotonic()

    # ------------------------------------------------------------------ the JSON file
    def _read_file(self) -> dict[str, list[str]]:
        if self.path is None or not self.path.is_file():
            return {}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        return {pin_key(k): [str(i) for i in v] for k, v in data.items() if pin_key(k) and v}

    def _write_file(self) -> None:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self._pins, ensure_ascii=False, indent=1), encoding="utf-8")

    def _import_file(self) -> None:
        """Copy an older pins file into an empty pins table, then rename it (imported once)."""
        if self.store.search_pins_version()[0]:
            log.info("search pins: %s ignored (the store holds pins already)", self.path)
            return
        pins = self._read_file()
        for key, ids in pins.items():
            self.store.set_search_pin(key, ids)
        self.path.rename(self.path.with_name(self.path.name + ".imported"))
        log.info("search pins: %d imported from %s into the store", len(pins), self.path)

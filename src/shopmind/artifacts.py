"""Versioned model artifacts and atomic switching.

Layout: ``<artifacts_dir>/<kind>/<version>/`` (``meta.json`` + model files) and
``<artifacts_dir>/<kind>/CURRENT`` naming the version in service. Publishing writes CURRENT
through a temporary file and ``os.replace`` (atomic on POSIX). A :class:`Hot` holder in the
server notices a new CURRENT and swaps in the newly loaded object: a request sees the old
model or the new one, never a half-loaded one.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def artifacts_root(root: str | Path | None = None) -> Path:
    if root is not None:
        return Path(root)
    from shopmind.config import get_settings

    return get_settings().artifacts_dir


def new_version_dir(kind: str, name: str, root: str | Path | None = None) -> Path:
    """A fresh folder ``<kind>/<name>-<UTC time>`` for a model about to be saved."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    path = artifacts_root(root) / kind / f"{name}-{stamp}"
    path.mkdir(parents=True, exist_ok=False)
    return path


def publish(kind: str, version_dir: Path, root: str | Path | None = None) -> None:
    """Make ``version_dir`` the version in service for ``kind`` (atomic)."""
    base = artifacts_root(root) / kind
    base.mkdir(parents=True, exist_ok=True)
    tmp = base / f".CURRENT.{os.getpid()}.{threading.get_ident()}"
    tmp.write_text(Path(version_dir).name, encoding="utf-8")
    os.replace(tmp, base / "CURRENT")


def current(kind: str, root: str | Path | None = None) -> Path | None:
    """The folder of the version in service, or None."""
    pointer = artifacts_root(root) / kind / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = pointer.parent / name
    return path if path.is_dir() else None


def versions(kind: str, root: str | Path | None = None) -> list[dict[str, Any]]:
    """Every saved version of ``kind`` with its meta.json, newest first."""
    base = artifacts_root(root) / kind
    live = current(kind, root)
    out = []
    for path in sorted(base.glob("*/meta.json"), reverse=True):
        meta = json.loads(path.read_text(encoding="utf-8"))
        meta = {k: v for k, v in meta.items() if k not in ("users", "items")}
        out.append({"version": path.parent.name, "current": path.parent == live, **meta})
    return out


class Hot(Generic[T]):
    """Holds the loaded object of ``kind``'s CURRENT version and swaps it when CURRENT changes."""

    def __init__(self, kind: str, loader: Callable[[Path], T], root: str | Path | None = None) -> None:
        self.kind, self.loader, self.root = kind, loader, root
        self._lock = threading.Lock()
        self._state: tuple[T | None, str | None] = (None, None)

    def get(self) -> tuple[T | None, str | None]:
        """The object in service and its version (None, None before anything is published)."""
        path = current(self.kind, self.root)
        if path is not None and path.name != self._state[1]:
            with self._lock:
                if path.name != self._state[1]:
                    obj = self.loader(path)  # load fully first …
                    self._state = (obj, path.name)  # … then swap one reference
                    log.info("%s: serving version %s", self.kind, path.name)
        return self._state

"""One model lifecycle: versioned artifact folders, one metadata format, atomic publishing, hot swap.

Layout: ``<root>/<kind>/<version>/`` holds a model's files — ``meta.json`` plus, for models with
learned arrays, ``model.safetensors`` (written by :func:`write_model`, no pickles) — and
``<root>/<kind>/CURRENT`` names the version in service. ``kind`` may be nested (``synth/customers``).

Every trainable kind goes through :meth:`ArtifactStore.save_version`: a fresh version folder, the
model's own ``save(folder)``, then the common fields merged into its ``meta.json`` (:data:`COMMON`:
kind, model name, version, creation time, code version, config, data fingerprint, metrics,
seconds), then — unless told otherwise — :meth:`ArtifactStore.publish`, which writes CURRENT
through a temporary file and ``os.replace`` (atomic on POSIX). Loading never trains: a server holds
each kind in a :class:`Hot` holder that loads the published version, swaps in a newly published one
whole (a request sees the old model or the new one, never half of either) and reports
``None`` when nothing is published, so the caller serves its documented fallback.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

META = "meta.json"
WEIGHTS = "model.safetensors"
# the fields save_version writes into every artifact's meta.json
COMMON = ("kind", "name", "version", "created_at", "code_version", "config", "data_fingerprint",
          "metrics", "seconds")  # fmt: skip
LIST_LIMIT = 50  # meta lists longer than this (vocabularies, histories) are left out of listings
ID_MAPS = ("users", "items")  # a recommender's id maps: never part of a listing


# ---------------------------------------------------------------------------- model files
def write_model(path: str | Path, meta: Mapping[str, Any], arrays: Mapping[str, Any] | None = None) -> Path:
    """Write ``meta.json`` and, when given, ``model.safetensors`` (numpy arrays or torch tensors,
    not mixed) into the folder ``path``; returns the folder."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if arrays:
        first = next(iter(arrays.values()))
        if type(first).__module__.startswith("torch"):
            from safetensors.torch import save_file

            save_file({k: v.detach().contiguous().cpu() for k, v in arrays.items()}, str(path / WEIGHTS))
        else:
            import numpy as np
            from safetensors.numpy import save_file

            save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(path / WEIGHTS))
    text = json.dumps(_jsonable(dict(meta)), ensure_ascii=False, indent=1)
    (path / META).write_text(text, encoding="utf-8")
    return path


def read_meta(path: str | Path) -> dict[str, Any]:
    """The ``meta.json`` of a model folder."""
    return json.loads((Path(path) / META).read_text(encoding="utf-8"))


def read_arrays(path: str | Path, torch: bool = False) -> dict[str, Any]:
    """The arrays of ``model.safetensors`` (torch tensors with ``torch=True``, else numpy)."""
    if torch:
        from safetensors.torch import load_file
    else:
        from safetensors.numpy import load_file
    return load_file(str(Path(path) / WEIGHTS))


def update_meta(path: str | Path, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``fields`` into a folder's ``meta.json`` (created when missing); returns the result."""
    path = Path(path)
    meta = read_meta(path) if (path / META).is_file() else {}
    meta.update(_jsonable(dict(fields)))
    (path / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    return meta


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        return value.item()  # numpy / torch scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def code_version() -> str:
    """The ShopMind version that wrote an artifact."""
    from shopmind import __version__

    return __version__


# ---------------------------------------------------------------------------- versions
class ArtifactStore:
    """Versioned model folders under one root (``settings.artifacts_dir``, passed in by the engine)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    def kind_dir(self, kind: str) -> Path:
        parts = kind.split("/")
        if not kind or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
            raise ValueError(f"invalid artifact kind {kind!r}")
        return self.root / kind

    def new_version_dir(self, kind: str, name: str) -> Path:
        """A fresh, empty folder ``<kind>/<name>-<UTC time>`` for a model about to be saved."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.kind_dir(kind) / f"{name}-{stamp}"
        path.mkdir(parents=True, exist_ok=False)
        return path

    def save_version(
        self,
        kind: str,
        name: str,
        save: Callable[[Path], Any],
        *,
        config: Any = None,
        metrics: Mapping[str, Any] | None = None,
        data_fingerprint: str | None = None,
        seconds: float | None = None,
        extra: Mapping[str, Any] | None = None,
        publish: bool = True,
    ) -> Path:
        """Save one trained model as a new version of ``kind`` and (by default) publish it.

        ``save(folder)`` writes the model's own files; the common fields are then merged into its
        ``meta.json`` (``config``, ``metrics`` and the fingerprint default to what the model wrote
        itself). Returns the version folder."""
        path = self.new_version_dir(kind, name)
        save(path)
        own = read_meta(path) if (path / META).is_file() else {}
        fields = {
            "kind": kind,
            "name": name,
            "version": path.name,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "code_version": code_version(),
            "config": config if config is not None else own.get("config"),
            "data_fingerprint": data_fingerprint or own.get("data_fingerprint") or own.get("fingerprint"),
            "metrics": dict(metrics if metrics is not None else own.get("metrics") or {}),
            "seconds": None if seconds is None else round(float(seconds), 2),
            **dict(extra or {}),
        }
        update_meta(path, fields)
        if publish:
            self.publish(kind, path)
        log.info("%s: saved version %s%s", kind, path.name, " (published)" if publish else "")
        return path

    def publish(self, kind: str, version: str | Path) -> Path:
        """Make ``version`` (a name or a folder of ``kind``) the one in service (atomic)."""
        base = self.kind_dir(kind)
        name = Path(version).name
        path = base / name
        if name.startswith(".") or not (path / META).is_file():
            raise LookupError(f"{kind} has no version {name!r}")
        tmp = base / f".CURRENT.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, base / "CURRENT")
        return path

    def current(self, kind: str) -> Path | None:
        """The folder of the version in service, or None."""
        pointer = self.kind_dir(kind) / "CURRENT"
        try:
            name = pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        path = pointer.parent / name
        return path if name and path.is_dir() else None

    def versions(self, kind: str) -> list[dict[str, Any]]:
        """Every saved version of ``kind`` with its meta (long lists left out), newest first."""
        base = self.kind_dir(kind)
        live = self.current(kind)
        out = []
        for path in base.glob(f"*/{META}"):
            try:
                meta = read_meta(path.parent)
            except (OSError, ValueError) as exc:
                log.warning("%s: unreadable meta.json (%s)", path.parent, exc)
                continue
            meta = {
                k: v
                for k, v in meta.items()
                if k not in ID_MAPS and not (isinstance(v, list) and len(v) > LIST_LIMIT)
            }
            meta.pop("version", None)
            out.append({"version": path.parent.name, "current": path.parent == live, **meta})
        return sorted(out, key=lambda v: _stamp(v["version"]), reverse=True)

    def kinds(self) -> list[str]:
        """Every kind with a published version (``rec``, ``nlu``, nested ones like ``synth/customers``)."""
        if not self.root.is_dir():
            return []
        pointers = [*self.root.glob("*/CURRENT"), *self.root.glob("*/*/CURRENT")]
        return sorted({p.parent.relative_to(self.root).as_posix() for p in pointers})


def _stamp(version: str) -> str:
    """The UTC time in a version name ``<model>-<YYYYmmddTHHMMSSffffff>`` (the name if it has none)."""
    return version.rsplit("-", 1)[-1]


# ---------------------------------------------------------------------------- serving
class Hot(Generic[T]):
    """Holds the loaded object of ``kind``'s published version and swaps it when CURRENT changes.

    ``get()`` returns ``(object, version)``, or ``(None, None)`` while nothing is published: the
    caller then serves its fallback. It never trains. A version that fails to load is logged and
    the previous object stays in service (the next ``get`` after ``retry`` seconds tries again).
    """

    def __init__(
        self, kind: str, loader: Callable[[Path], T], artifacts: ArtifactStore, retry: float = 30.0
    ) -> None:
        self.kind, self.loader, self.artifacts, self.retry = kind, loader, artifacts, retry
        self._lock = threading.Lock()
        self._state: tuple[T | None, str | None] = (None, None)
        self._failed: tuple[str, float] | None = None  # (version, when) of the last failed load
        self.error: str | None = None

    def get(self) -> tuple[T | None, str | None]:
        """The object in service and its version (None, None before anything is published)."""
        path = self.artifacts.current(self.kind)
        if path is not None and path.name != self._state[1] and not self._recently_failed(path.name):
            with self._lock:
                if path.name != self._state[1] and not self._recently_failed(path.name):
                    self._load(path)
        return self._state

    def _recently_failed(self, name: str) -> bool:
        failed = self._failed
        return failed is not None and failed[0] == name and time.monotonic() - failed[1] < self.retry

    def _load(self, path: Path) -> None:
        try:
            obj = self.loader(path)  # load fully first …
        except Exception as exc:  # noqa: BLE001 - a broken artifact must not take serving down
            log.exception("%s: version %s could not be loaded", self.kind, path.name)
            self._failed, self.error = (path.name, time.monotonic()), f"{type(exc).__name__}: {exc}"
            return
        self._state = (obj, path.name)  # … then swap one reference
        self._failed = self.error = None
        log.info("%s: serving version %s", self.kind, path.name)

    @property
    def version(self) -> str | None:
        """The version in service now (without checking for a newer one)."""
        return self._state[1]

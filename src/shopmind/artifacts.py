"""One model lifecycle: versioned artifact folders, one metadata format, atomic publishing, hot swap.

Layout: ``<root>/<kind>/<version>/`` holds a model's files — ``meta.json`` plus, for models with
learned arrays, ``model.safetensors`` (written by :func:`write_model`, no pickles). ``kind`` may be
nested (``synth/customers``). The version in service is named by a *pointer*: with a store
(``ArtifactStore(root, pointers=store)``, what the engine builds) a row of the store's
``model_pointers`` table, so that every replica and worker over one database agrees on it — the root
is then any folder they share; without one (library use, benchmarks) the file ``<root>/<kind>/CURRENT``.
With a store, CURRENT is still written as a mirror for tools that read the folder alone, and a
CURRENT file whose kind has no row yet is adopted into the table on first read.

Every trainable kind goes through :meth:`ArtifactStore.save_version`: a fresh version folder, the
model's own ``save(folder)``, then the common fields merged into its ``meta.json`` (:data:`COMMON`:
kind, model name, version, creation time, code version, config, data fingerprint, metrics,
seconds), then — unless told otherwise — :meth:`ArtifactStore.publish`, which replaces the pointer
in one statement (or writes CURRENT through a temporary file and ``os.replace``, atomic on POSIX).
A version saved while a job runs records the job's id (:meth:`ArtifactStore.saved_by_job` finds it,
so a retried job publishes what its earlier attempt saved instead of a second version). Loading
never trains: a server holds each kind in a :class:`Hot` holder that loads the published version,
swaps in a newly published one whole (a request sees the old model or the new one, never half of
either) and reports ``None`` when nothing is published, so the caller serves its documented fallback.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from shopmind.jobs import Job

log = logging.getLogger(__name__)
T = TypeVar("T")

META = "meta.json"
WEIGHTS = "model.safetensors"
# the fields save_version writes into every artifact's meta.json
COMMON = ("kind", "name", "version", "created_at", "code_version", "config", "data_fingerprint",
          "metrics", "seconds")  # fmt: skip
LIST_LIMIT = 50  # meta lists longer than this (vocabularies, histories) are left out of listings
ID_MAPS = ("users", "items")  # a recommender's id maps: never part of a listing
JOB_FILE = ".job"  # in a version folder: the id of the job that is saving it
# Artifact kinds and versions are names, never paths. A kind is a lower-case name with at most one
# nested name (``rec``, ``synth/customers``, ``synth-images/fashion-mnist``); a version (and the
# model name it starts with) is one name: letters, digits and ``_.+-``, starting with a letter or digit
# — so no absolute path, no ``..``, no other separator, no NUL or control character.
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$"
KIND_PATTERN = r"^[a-z][a-z0-9_-]{0,63}(/[A-Za-z0-9][A-Za-z0-9_.+-]{0,127})?$"


class InvalidNameError(ValueError):
    """An artifact kind or version that is not a valid name (e.g. a path)."""


def check_name(value: str, what: str = "version", pattern: str = NAME_PATTERN) -> str:
    """``value`` when it is a valid artifact name (``what`` names it in the error), else InvalidNameError."""
    if not isinstance(value, str) or re.fullmatch(pattern, value) is None:
        nested = " (a kind may nest one name: synth/customers)" if what == "kind" else ""
        raise InvalidNameError(
            f"invalid artifact {what} {value!r}: a name of letters, digits and _.+-, "
            f"starting with a letter or digit{nested}"
        )
    return value


@dataclasses.dataclass(frozen=True)
class Gate:
    """The bar a new version must clear to be published over the serving one: its validation
    ``metric`` (higher is better) may fall short of the serving version's by at most ``tolerance``
    (a share of it). A serving version without the metric sets no bar; a new version without it
    is refused."""

    metric: str
    tolerance: float = 0.05

    def refusal(self, candidate: Path, serving: Path | None) -> str | None:
        """Why ``candidate`` may not replace ``serving`` (None: it may)."""
        if serving is None or serving == candidate:
            return None
        old_meta, new_meta = read_meta(serving), read_meta(candidate)
        old = (old_meta.get("metrics") or {}).get(self.metric)
        new = (new_meta.get("metrics") or {}).get(self.metric)
        if not _finite(old):
            return None
        if not _finite(new):
            return f"{candidate.name} has no {self.metric}; the serving {serving.name} has {old:.4f}"
        floor = old * (1 - self.tolerance) if old > 0 else old - self.tolerance
        if new >= floor:
            return None
        other_data = old_meta.get("data_fingerprint") != new_meta.get("data_fingerprint")
        return (
            f"{self.metric} {new:.4f} of {candidate.name} is below {old:.4f} of the serving {serving.name} "
            f"(less the {self.tolerance:.0%} tolerance: {floor:.4f})"
            + ("; measured on different data" if other_data else "")
            + ": publish with force to serve it anyway"
        )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


POINTER_TTL = 1.0  # seconds a pointer read from the store is trusted (Hot.get runs on every request)


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
class Pointers(Protocol):
    """Where published versions are named (:class:`~shopmind.data.store.Store` is one)."""

    def model_pointer(self, kind: str) -> str | None: ...
    def model_pointers(self) -> dict[str, str]: ...
    def set_model_pointer(self, kind: str, version: str) -> None: ...
    def adopt_model_pointer(self, kind: str, version: str) -> str: ...


class ArtifactStore:
    """Versioned model folders under one root (``settings.artifacts_dir``, passed in by the engine);
    the published versions named by ``pointers`` (the store) or by CURRENT files."""

    def __init__(self, root: str | Path, pointers: Pointers | None = None, ttl: float = POINTER_TTL) -> None:
        self.root = Path(root)
        self.pointers, self.ttl = pointers, ttl
        self._seen: dict[str, tuple[str | None, float]] = {}  # kind -> (pointer, when read)

    def __repr__(self) -> str:
        return f"ArtifactStore({str(self.root)!r})"

    def kind_dir(self, kind: str) -> Path:
        """The folder of ``kind`` (InvalidNameError, a ValueError, for anything but a kind name)."""
        return self.root / check_name(kind, "kind", KIND_PATTERN)

    def new_version_dir(self, kind: str, name: str) -> Path:
        """A fresh, empty folder ``<kind>/<name>-<UTC time>`` for a model about to be saved."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        path = self.kind_dir(kind) / check_name(f"{name}-{stamp}", "model name")
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
        job = _running_job()
        if job is not None:
            (path / JOB_FILE).write_text(job.job_id, encoding="utf-8")
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
            **({"job_id": job.job_id} if job is not None else {}),
            **dict(extra or {}),
        }
        update_meta(path, fields)
        if publish:
            self.publish(kind, path)
        log.info("%s: saved version %s%s", kind, path.name, " (published)" if publish else "")
        return path

    def publish(self, kind: str, version: str | Path) -> Path:
        """Make ``version`` (a name or a folder of ``kind``) the one in service (atomic). A name that is
        not a version name (a path …) raises InvalidNameError; an unknown version LookupError."""
        base = self.kind_dir(kind)
        if isinstance(version, Path) and version.parent != base:
            raise LookupError(f"{version} is not a version folder of {kind}")
        name = check_name(version.name if isinstance(version, Path) else version)
        path = base / name
        if not (path / META).is_file():
            raise LookupError(f"{kind} has no version {name!r}")
        if self.pointers is not None:
            self.pointers.set_model_pointer(kind, name)
            self._seen[kind] = (name, time.monotonic())
        tmp = base / f".CURRENT.{os.getpid()}.{threading.get_ident()}"
        tmp.write_text(name, encoding="utf-8")
        os.replace(tmp, base / "CURRENT")
        return path

    def publish_gated(
        self, kind: str, version: str | Path, gate: Gate | None, force: bool = False
    ) -> str | None:
        """Publish ``version`` unless ``gate`` refuses it over the serving version (``force`` publishes
        anyway); returns why it was refused (the version stays saved), or None once published."""
        path = version if isinstance(version, Path) else self.kind_dir(kind) / check_name(version)
        if not (path / META).is_file():
            raise LookupError(f"{kind} has no version {path.name!r}")
        reason = None if force or gate is None else gate.refusal(path, self.current(kind))
        if reason is not None:
            log.warning("%s: %s not published: %s", kind, path.name, reason)
            return reason
        self.publish(kind, path)
        return None

    def current(self, kind: str) -> Path | None:
        """The folder of the version in service, or None."""
        name = self._read_current(kind) if self.pointers is None else self._pointer(kind)
        path = self.kind_dir(kind) / name if name else None
        return path if path is not None and path.is_dir() else None

    def _read_current(self, kind: str) -> str | None:
        try:
            return (self.kind_dir(kind) / "CURRENT").read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _pointer(self, kind: str) -> str | None:
        """The store's pointer of ``kind``, read at most every ``ttl`` seconds; a CURRENT file with no
        row yet is adopted. While the store cannot be read, the last pointer seen stays."""
        seen = self._seen.get(kind)
        if seen is not None and time.monotonic() - seen[1] < self.ttl:
            return seen[0]
        try:
            name = self.pointers.model_pointer(kind)
            if name is None and (on_file := self._read_current(kind)) is not None:
                name = self.pointers.adopt_model_pointer(kind, on_file)
        except Exception as exc:  # noqa: BLE001 - serving goes on with what it knew
            log.warning("%s: the published version could not be read (%s)", kind, exc)
            name = seen[0] if seen is not None else None
        self._seen[kind] = (name, time.monotonic())
        return name

    def saved_by_job(self, kind: str, job_id: str) -> Path | None:
        """The version of ``kind`` that job ``job_id`` saved completely (an earlier attempt of a retried
        job), or None; folders that an attempt of it left half-written are removed."""
        base = self.kind_dir(kind)
        found = None
        for marker in sorted(base.glob(f"*/{JOB_FILE}")):
            if marker.read_text(encoding="utf-8").strip() != job_id:
                continue
            folder = marker.parent
            try:
                complete = read_meta(folder).get("job_id") == job_id
            except (OSError, ValueError):
                complete = False
            if complete:
                found = folder
            else:
                log.info("%s: removing %s, left half-written by an earlier attempt of job %s", kind,
                         folder.name, job_id)  # fmt: skip
                shutil.rmtree(folder, ignore_errors=True)
        return found

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
        files = [*self.root.glob("*/CURRENT"), *self.root.glob("*/*/CURRENT")] if self.root.is_dir() else []
        on_file = {p.parent.relative_to(self.root).as_posix() for p in files}
        on_file = {k for k in on_file if re.fullmatch(KIND_PATTERN, k)}  # other folders are not kinds
        if self.pointers is None:
            return sorted(on_file)
        in_store = set(self.pointers.model_pointers())
        for kind in sorted(on_file - in_store):
            self._pointer(kind)  # adopts the file's version
        return sorted(in_store | on_file)


def _running_job() -> Job | None:
    from shopmind.jobs import current_job

    return current_job()


def _stamp(version: str) -> str:
    """The UTC time in a version name ``<model>-<YYYYmmddTHHMMSSffffff>`` (the name if it has none)."""
    return version.rsplit("-", 1)[-1]


# ---------------------------------------------------------------------------- serving
class Hot(Generic[T]):
    """Holds the loaded object of ``kind``'s published version and swaps it when the pointer changes.

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

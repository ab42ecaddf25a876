"""The data sets' files on disk: lookup by name, locate, verify and fetch.

A set lives in ``<datasets dir>/<Dataset.folder>/<DatasetFile.path>``. Every function takes the
datasets folder as ``root`` (the caller's configuration); ``None`` falls back to the
``SHOPMIND_DATASETS_DIR`` environment variable. ``fetch`` downloads with ``httpx`` (imported
when needed), checks each file's SHA-256 against :mod:`.records` and renames it into place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from shopmind.data.datasets.records import REGISTRY, Dataset, DatasetFile

log = logging.getLogger(__name__)

ENV_VAR = "SHOPMIND_DATASETS_DIR"
# progress(file path inside the set, bytes done, total bytes or None when unknown)
Progress = Callable[[str, int, int | None], None]


# ---------------------------------------------------------------------------- errors
class UnknownDatasetError(KeyError):
    """A data set name that is not in the registry; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


class DatasetNotFoundError(FileNotFoundError):
    """A data set (or one of its files) is not available locally."""


class DatasetChecksumError(ValueError):
    """A file's SHA-256 differs from the one in the registry."""


class DatasetFetchError(OSError):
    """A download failed, or a file cannot be rebuilt automatically from its upstream artifact."""


# ---------------------------------------------------------------------------- transforms
def _append_crlf(path: Path) -> None:
    data = path.read_bytes()
    if not data.endswith(b"\r\n"):
        path.write_bytes(data + b"\r\n")


def _semicolon_to_comma(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b";", b","))


# Transforms `fetch` applies to a download before checking its SHA-256 (name -> in-place function).
TRANSFORMS: dict[str, Callable[[Path], None]] = {
    "append-crlf": _append_crlf,
    "semicolon-to-comma": _semicolon_to_comma,
}


# ---------------------------------------------------------------------------- lookup, verify, fetch
def get(name: str) -> Dataset:
    """The registered data set ``name``; :class:`UnknownDatasetError` lists the valid names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownDatasetError(
            f"unknown data set {name!r}; valid names: {', '.join(sorted(REGISTRY))}"
        ) from None


def _resolve(dataset: str | Dataset) -> Dataset:
    return dataset if isinstance(dataset, Dataset) else get(dataset)


def datasets_dir(root: str | Path | None = None) -> Path | None:
    """The local datasets folder: ``root`` when given, else ``$SHOPMIND_DATASETS_DIR``, else None."""
    if root is not None and str(root).strip():
        return Path(root).expanduser()
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def _fetch_hint(name: str) -> str:
    return f"set {ENV_VAR} to the folder holding it, or run `shopmind datasets fetch {name}`"


def locate(dataset: str | Dataset, root: str | Path | None = None) -> Path:
    """The local folder of a data set, after checking that every registered file is there.

    ``root`` is the datasets folder (None: ``$SHOPMIND_DATASETS_DIR``). Raises
    :class:`DatasetNotFoundError` naming the first missing file, the environment variable and the
    fetch command.
    """
    ds = _resolve(dataset)
    root = datasets_dir(root)
    if root is None:
        raise DatasetNotFoundError(f"data set {ds.name!r}: {ENV_VAR} is not set; {_fetch_hint(ds.name)}")
    folder = root / ds.folder
    for f in ds.files:
        if not (folder / f.path).is_file():
            raise DatasetNotFoundError(
                f"data set {ds.name!r}: missing file {folder / f.path} ({ENV_VAR}={root}); "
                f"{_fetch_hint(ds.name)}"
            )
    return folder


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _problem(folder: Path, f: DatasetFile) -> str | None:
    path = folder / f.path
    if not path.is_file():
        return f"{path}: missing"
    size = path.stat().st_size
    if size != f.size:
        return f"{path}: size {size:,} bytes, expected {f.size:,}"
    actual = sha256_file(path)
    if actual != f.sha256:
        return f"{path}: sha256 {actual}, expected {f.sha256}"
    return None


def verify(dataset: str | Dataset, root: str | Path | None = None) -> list[str]:
    """Compare every local file of a data set with the registry; returns the problems (empty = all good).

    ``root`` is the datasets folder (None: ``$SHOPMIND_DATASETS_DIR``)."""
    ds = _resolve(dataset)
    root = datasets_dir(root)
    if root is None:
        raise DatasetNotFoundError(f"data set {ds.name!r}: {ENV_VAR} is not set; {_fetch_hint(ds.name)}")
    folder = root / ds.folder
    return [p for f in ds.files if (p := _problem(folder, f)) is not None]


def _download(f: DatasetFile, target: Path, progress: Progress | None, timeout: float) -> None:
    """Stream ``f.url`` into ``target`` via a ``.part`` file: transform, SHA-256 check, atomic rename."""
    import httpx

    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with httpx.stream("GET", f.url, follow_redirects=True, timeout=timeout) as response:
            response.raise_for_status()
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            with part.open("wb") as out:
                for block in response.iter_bytes(1 << 20):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(f.path, done, total)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        part.unlink(missing_ok=True)
        raise DatasetFetchError(f"downloading {f.url} for {f.path} failed: {exc}") from exc
    actual = digest.hexdigest()
    if f.transform:
        TRANSFORMS[f.transform](part)
        actual = sha256_file(part)
    if actual != f.sha256:
        part.unlink(missing_ok=True)
        raise DatasetChecksumError(
            f"{f.path} from {f.url}: sha256 {actual}, expected {f.sha256}; the file was not kept"
        )
    os.replace(part, target)


def _copy(source: Path, target: Path) -> None:
    """Copy via a ``.part`` file renamed into place, so an interrupted copy leaves nothing behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    shutil.copyfile(source, part)
    os.replace(part, target)


def fetch(
    dataset: str | Dataset,
    dest: Path | None = None,
    progress: Progress | None = None,
    *,
    root: str | Path | None = None,
    timeout: float = 60.0,
) -> Path:
    """Make a data set available under ``dest/<folder>`` and return that folder.

    ``root`` is the local datasets folder (None: ``$SHOPMIND_DATASETS_DIR``); ``dest`` defaults
    to it. Per file: already in ``dest`` with the right SHA-256 → kept; present with the right
    SHA-256 in the local datasets folder → copied (no network); otherwise downloaded from its
    ``url`` with ``httpx`` (streamed, transformed when the registry says so, SHA-256 checked,
    renamed into place atomically). Files that cannot be rebuilt from upstream automatically
    (``derived`` without ``transform``) are named in a :class:`DatasetFetchError` with their
    upstream address and how they were made.
    """
    ds = _resolve(dataset)
    local = datasets_dir(root)
    target_root = Path(dest) if dest is not None else local
    if target_root is None:
        raise DatasetFetchError(f"no target folder for {ds.name!r}: pass dest or set {ENV_VAR}")
    folder = target_root / ds.folder
    mirror = local / ds.folder if local is not None else None
    manual: list[str] = []
    for f in ds.files:
        target = folder / f.path
        if _problem(folder, f) is None:
            continue
        if mirror is not None and mirror.resolve() != folder.resolve() and _problem(mirror, f) is None:
            _copy(mirror / f.path, target)
            log.info("%s: copied %s from %s", ds.name, f.path, mirror)
        elif f.fetchable:
            log.info("%s: downloading %s from %s", ds.name, f.path, f.url)
            _download(f, target, progress, timeout)
        else:
            manual.append(f"{f.path} <- {f.url} ({f.derived})")
    if manual:
        raise DatasetFetchError(
            f"data set {ds.name!r}: {len(manual)} file(s) cannot be rebuilt automatically; make them "
            f"as described and put them under {folder}: " + "; ".join(manual)
        )
    return folder

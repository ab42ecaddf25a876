"""Where a synthesizer's rows come from: a store table or a file, read as a frame of learnable
columns, named and fingerprinted."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.data.store import Store

log = logging.getLogger(__name__)


def table_name(source: str) -> str:
    """The synthesizer name of a store table or a file (its stem): ``data/people.csv`` -> ``people``."""
    path = Path(source)
    return path.stem.split(".")[0] if path.suffix else source


def synth_name(source: str, child: str | None = None) -> str:
    """The name a fit of ``source`` (and ``child``) is saved under: ``customers`` or ``customers+orders``."""
    name = table_name(source)
    return f"{name}+{table_name(child)}" if child else name


def read_table(source: str, store: Store | None = None) -> tuple[str, pd.DataFrame]:
    """(name, frame) of a store table name or a CSV / Parquet / JSON Lines file path."""
    import pandas as pd

    path = Path(source)
    if path.suffix and path.exists():
        readers = {
            ".csv": pd.read_csv,
            ".parquet": pd.read_parquet,
            ".jsonl": lambda p: pd.read_json(p, lines=True),
        }
        if path.suffix not in readers:
            raise ValueError(f"{path}: expected .csv, .parquet or .jsonl")
        return table_name(source), parse_dates(readers[path.suffix](path))
    from shopmind.data.store import Store

    tables = Store.table_names()
    if source not in tables:
        raise ValueError(f"{source!r} is neither a file nor a store table ({', '.join(tables)})")
    if store is None:
        raise ValueError("reading a store table needs a store")
    return source, store.frame(source)


def parse_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns whose values are all ISO dates or timestamps (a file's) as UTC datetimes."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s) or not len(s.dropna()):
            continue
        if not s.dropna().astype(str).str.match(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}.*)?$").all():
            continue
        try:
            out[col] = pd.to_datetime(s, utc=True, format="ISO8601")
        except (ValueError, TypeError):
            continue
    return out


def learnable(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a synthesizer can learn: nested values (dicts, lists) are left out."""
    keep = []
    for col in frame.columns:
        first = frame[col].dropna().head(1).tolist()
        if first and isinstance(first[0], dict | list | tuple | set | bytes):
            log.info("%s: nested values, not synthesised", col)
            continue
        keep.append(col)
    return frame[keep]


def frame_fingerprint(*frames: pd.DataFrame) -> str:
    """A short hash of the columns and values of ``frames``, saved with the model it trained."""
    import pandas as pd

    h = hashlib.sha256()
    for frame in frames:
        h.update(json.dumps([str(c) for c in frame.columns]).encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]

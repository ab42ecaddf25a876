"""SQL lives only in ``shopmind.data``: every other module of the package (and every benchmark) reaches
the database through :class:`~shopmind.data.store.Store` methods and the query modules in ``data/``.

The scan reads the source files (no import), so it also covers modules that import lazily.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "shopmind"
DATA = PACKAGE / "data"
SCANNED = (PACKAGE, ROOT / "bench")

# a string that is a SQL statement (not prose): the statement's keywords, upper case as SQL is written here
SQL_TEXT = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s|PRAGMA\s|"
    r"(CREATE|DROP|ALTER)\s+(TABLE|INDEX|SCHEMA)\s)",
    re.DOTALL,
)
CONNECTION_CALLS = {"connect", "begin", "raw_connection"}  # engine.<these>: a raw connection
DRIVER_CALLS = {"exec_driver_sql", "execute_sql"}
DRIVERS = {"sqlalchemy", "sqlite3", "psycopg", "psycopg2"}

# Findings allowed in one file, and why. The sentence encoder's embedding cache keeps vectors in a
# key-value file of its own (sqlite3, one table keyed by text hash): a cache beside the encoder,
# not the shop's database, which it never opens.
ALLOWED = {
    "src/shopmind/text/cache.py": {"import sqlite3", "SQL text"},
}


def _name(node: ast.AST) -> str:
    """The dotted name of ``a.b.c`` ('' for anything else)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    return ""


def violations(source: str) -> list[str]:
    """What in ``source`` talks to the database past the store: 'line: what' for each finding."""
    found = []
    for node in ast.walk(ast.parse(source)):
        what = ""
        if isinstance(node, ast.Import):
            bad = [a.name for a in node.names if a.name.split(".")[0] in DRIVERS]
            bad += [a.name for a in node.names if a.name == "shopmind.data.tables"]
            what = f"import {', '.join(bad)}" if bad else ""
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in DRIVERS or module == "shopmind.data.tables":
                what = f"from {module} import"
            elif module == "shopmind.data" and any(a.name == "tables" for a in node.names):
                what = "from shopmind.data import tables"
        elif isinstance(node, ast.Attribute):
            owner = _name(node.value)
            if node.attr in CONNECTION_CALLS and owner.split(".")[-1] == "engine":
                what = f"{owner}.{node.attr}"
            elif node.attr == "begin" and owner.split(".")[-1] == "store":
                what = f"{owner}.begin (a transaction outside the store)"
            elif node.attr in DRIVER_CALLS:
                what = f"{owner}.{node.attr}"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_TEXT.match(node.value):
            what = f"SQL text {node.value[:40]!r}"
        if what:
            found.append(f"{getattr(node, 'lineno', '?')}: {what}")
    return found


def scanned_files() -> list[Path]:
    files = [p for root in SCANNED for p in sorted(root.rglob("*.py"))]
    return [p for p in files if DATA not in p.parents and not any(x.startswith(".venv") for x in p.parts)]


def _allowed(path: str, finding: str) -> bool:
    what = finding.split(": ", 1)[1]
    return any(what.startswith(kind) for kind in ALLOWED.get(path, ()))


def test_no_sql_outside_the_data_layer() -> None:
    files = scanned_files()
    assert any(p.parent.name == "routers" for p in files)  # the scan reaches the API routers
    report = [
        f"{path}:{v}"
        for p in files
        for path in [p.relative_to(ROOT).as_posix()]
        for v in violations(p.read_text(encoding="utf-8"))
        if not _allowed(path, v)
    ]
    assert report == [], "SQL outside src/shopmind/data/ (add a Store method instead):\n" + "\n".join(report)


@pytest.mark.parametrize(
    "code",
    [
        "import sqlalchemy as sa",
        "import sqlalchemy.orm",
        "import sqlite3",
        "from psycopg import connect",
        "from sqlalchemy import select",
        "from sqlalchemy.engine import Connection",
        "from shopmind.data import tables as T",
        "from shopmind.data.tables import products",
        "import shopmind.data.tables",
        "def f():\n    import sqlalchemy as sa\n    return sa",
        "with store.engine.connect() as conn:\n    pass",
        "with self.store.engine.begin() as conn:\n    pass",
        "with self.store.begin() as conn:\n    pass",
        "conn.exec_driver_sql('VACUUM')",
        "q = 'SELECT title FROM products WHERE product_id = ?'",
        "q = '''\n  SELECT count(*)\n  FROM events'''",
        "q = 'DELETE FROM events'",
        "q = 'PRAGMA wal_checkpoint(TRUNCATE)'",
    ],
)
def test_the_scan_finds_sql(code: str) -> None:
    assert violations(code), code


@pytest.mark.parametrize(
    "code",
    [
        "from shopmind.data.store import NotFoundError, Store",
        "from shopmind.data.conversations import Conversations",
        "rows, total = store.list_orders(customer_id='C1')",
        "print(store.engine.url)",
        "job.begin()",
        "msg = 'Select a size from the list'",
        "msg = 'Update your address: set it before shipping'",
    ],
)
def test_the_scan_leaves_store_calls_and_prose_alone(code: str) -> None:
    assert violations(code) == []


def test_the_allow_list_is_still_needed() -> None:
    """An allowed file that no longer needs its exception must lose it (the list only shrinks)."""
    for path, kinds in ALLOWED.items():
        found = [v.split(": ", 1)[1] for v in violations((ROOT / path).read_text(encoding="utf-8"))]
        for kind in kinds:
            assert any(f.startswith(kind) for f in found), f"{path} no longer needs {kind!r}: drop it"

"""Declared constraints: a small syntax, parsed once, checked on any frame.

One constraint per string; column names are identifiers (letters, digits, ``_``, ``.``, ``@``) or
written in backticks (```unit price```):

- ``country -> city`` (also ``a -> b -> c``): hierarchy — every (country, city) of a sample occurs
  in the training rows; enforced by learning the pair as one column;
- ``signup_at <= placed_at``, ``a < b``, ``a >= 0``, ``a != b``, ``day > 2024-01-01``: comparison of
  two columns, or of a column and a number / ISO date; enforced by learning b − a when the
  training rows obey it, else by rejection;
- ``total = quantity * unit_price``: derived column (``+ - * /``, numbers, parentheses), computed
  after sampling;
- ``status in {placed, paid, shipped}``: allowed values, enforced by rejection.

Missing values satisfy every comparison and allowed-values constraint (a constraint says how
present values relate). :func:`parse` raises a :class:`ValueError` naming the constraint and what
is wrong with it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

NAME = r"(?:`[^`]+`|[A-Za-z_][\w.@]*)"
OPS = {
    "<=": np.less_equal,
    ">=": np.greater_equal,
    "<": np.less,
    ">": np.greater,
    "!=": np.not_equal,
    "==": np.equal,
}
_COMPARE = re.compile(rf"^\s*({NAME})\s*(<=|>=|!=|==|<|>)\s*(.+?)\s*$")
_DERIVED = re.compile(rf"^\s*({NAME})\s*=(?!=)\s*(.+?)\s*$")
_ALLOWED = re.compile(rf"^\s*({NAME})\s+in\s*[{{(\[](.*)[}})\]]\s*$")
_TOKEN = re.compile(rf"\s*(?:(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)|({NAME})|(.))")


@dataclass
class Constraint:
    text: str  # as declared (or as written for a detected one)
    kind: str  # "hierarchy" | "compare" | "derived" | "allowed"
    columns: list[str] = field(default_factory=list)  # hierarchy: parent first; compare: [a] or [a, b]
    op: str | None = None
    value: Any = None  # compare: the constant (float, or ISO date string); allowed: the values
    expr: str | None = None  # derived: the expression
    auto: bool = False  # detected from the training rows, not declared

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _col(token: str) -> str:
    return token[1:-1] if token.startswith("`") else token


def _check(text: str, names: list[str], columns: list[str]) -> None:
    missing = [c for c in names if c not in columns]
    if missing:
        raise ValueError(
            f"constraint {text!r}: no column {', '.join(map(repr, missing))}; columns: {', '.join(columns)}"
        )


def parse(text: str, columns: list[str]) -> Constraint:
    """One declared constraint against the table's ``columns``."""
    if "->" in text:
        chain = [_col(p.strip()) for p in text.split("->")]
        if len(chain) < 2 or not all(chain):
            raise ValueError(f"constraint {text!r}: a hierarchy is `parent -> child`")
        _check(text, chain, columns)
        return Constraint(text, "hierarchy", chain)
    if m := _ALLOWED.match(text):
        values = [v.strip().strip("'\"") for v in m.group(2).split(",") if v.strip()]
        if not values:
            raise ValueError(
                f"constraint {text!r}: list the allowed values, e.g. `status in {{paid, shipped}}`"
            )
        _check(text, [_col(m.group(1))], columns)
        return Constraint(text, "allowed", [_col(m.group(1))], value=values)
    if m := _COMPARE.match(text):
        left, op, right = _col(m.group(1)), m.group(2), m.group(3)
        if re.fullmatch(NAME, right) and _col(right) in columns:
            _check(text, [left], columns)
            return Constraint(text, "compare", [left, _col(right)], op)
        _check(text, [left], columns)
        try:
            value: Any = float(right)
        except ValueError:
            value = right.strip("'\"")
            if not re.match(r"^\d{4}-\d{2}-\d{2}", value):
                raise ValueError(
                    f"constraint {text!r}: {right!r} is neither a column nor a number or ISO date"
                ) from None
        return Constraint(text, "compare", [left], op, value)
    if m := _DERIVED.match(text):
        left = _col(m.group(1))
        names = [_col(n) for _, n, _ in _TOKEN.findall(m.group(2)) if n]
        _check(text, [left, *names], columns)
        if left in names:
            raise ValueError(f"constraint {text!r}: a derived column cannot use itself")
        evaluate(m.group(2), {n: np.zeros(1) for n in names})  # syntax check
        return Constraint(text, "derived", [left, *names], expr=m.group(2))
    raise ValueError(
        f"constraint {text!r}: expected `a -> b`, `a <= b`, `a >= 0`, `a = b * c` or `a in {{x, y}}`"
    )


# ---------------------------------------------------------------------------- expressions
def evaluate(expr: str, values: dict[str, np.ndarray]) -> np.ndarray:
    """``+ - * /`` over columns and numbers with parentheses (recursive descent; no eval)."""
    tokens = [(num, name, op) for num, name, op in _TOKEN.findall(expr) if num or name or op.strip()]
    pos = 0

    def peek() -> str | None:
        return tokens[pos][2] if pos < len(tokens) and tokens[pos][2] else None

    def atom() -> np.ndarray:
        nonlocal pos
        if pos >= len(tokens):
            raise ValueError(f"expression {expr!r} ends early")
        num, name, op = tokens[pos]
        pos += 1
        if num:
            return np.asarray(float(num))
        if name:
            return np.asarray(values[_col(name)], dtype=float)
        if op == "-":
            return -atom()
        if op == "(":
            out = add()
            if peek() != ")":
                raise ValueError(f"expression {expr!r}: missing ')'")
            pos += 1
            return out
        raise ValueError(f"expression {expr!r}: unexpected {op!r}")

    def mul() -> np.ndarray:
        nonlocal pos
        out = atom()
        while peek() in ("*", "/"):
            op = peek()
            pos += 1
            out = out * atom() if op == "*" else out / atom()
        return out

    def add() -> np.ndarray:
        nonlocal pos
        out = mul()
        while peek() in ("+", "-"):
            op = peek()
            pos += 1
            out = out + mul() if op == "+" else out - mul()
        return out

    result = add()
    if pos != len(tokens):
        raise ValueError(f"expression {expr!r}: unexpected {tokens[pos]!r}")
    return result


# ---------------------------------------------------------------------------- checking
def _numbers(s: pd.Series) -> np.ndarray:
    import pandas as pd

    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime" if pd.api.types.is_datetime64_any_dtype(s) else "float")


def _constant(c: Constraint, s: pd.Series) -> float:
    import pandas as pd

    if isinstance(c.value, str):
        stamp = pd.Timestamp(c.value)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
        return float(stamp.tz_localize(None).as_unit("s").value)
    return float(c.value)


def satisfied(c: Constraint, frame: pd.DataFrame, seen: set[str] | None = None) -> np.ndarray:
    """(N,) bool: whether each row obeys ``c`` (``seen``: a hierarchy's training tuples as keys)."""
    n = len(frame)
    if c.kind == "hierarchy":
        if seen is None:
            return np.ones(n, dtype=bool)
        return np.array(
            [json_key(row) in seen for row in frame[c.columns].itertuples(index=False)], dtype=bool
        )
    if c.kind == "allowed":
        allowed = {str(v).strip().lower() for v in c.value}
        s = frame[c.columns[0]]
        return (s.isna() | s.astype(str).str.strip().str.lower().isin(allowed)).to_numpy()
    if c.kind == "derived":
        values = {k: _numbers(frame[k]) for k in c.columns[1:]}
        want, got = evaluate(c.expr, values), _numbers(frame[c.columns[0]])
        ok = np.isclose(got, want, rtol=1e-6, atol=0.005) | np.isnan(want) | np.isnan(got)
        return np.broadcast_to(ok, (n,)).copy()
    a = _numbers(frame[c.columns[0]])
    b = _numbers(frame[c.columns[1]]) if len(c.columns) > 1 else np.full(n, _constant(c, frame[c.columns[0]]))
    return np.isnan(a) | np.isnan(b) | OPS[c.op](a, b)


def json_key(values: Any) -> str:
    """A hashable key for a tuple of cell values (missing values as null)."""
    import json

    def native(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        return v.item() if isinstance(v, np.generic) else v

    return json.dumps([native(v) for v in values], ensure_ascii=False, default=str)

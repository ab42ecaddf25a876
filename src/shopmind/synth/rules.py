"""A table's rules, between the real columns and the columns the GAN learns.

``TableRules(constraints).fit(frame)`` finds what the rows obey and rewrites the table so that the
GAN cannot break it; ``decode`` turns generated rows back into the table's columns:

- **formats** (:mod:`shopmind.synth.roles`): e-mails, names, addresses and codes become a few
  format columns, and their values are composed after sampling (never a training value);
- **order**: ``b`` is learned as ``b − a`` (``b@after``) when every training row has ``a <= b`` —
  datetime pairs found in the data, and declared comparisons of two columns; the offset is clipped
  to its observed range, which starts at ≥ 0, so the order cannot be broken;
- **hierarchies**: ``country -> city`` (declared, or found: each city belongs to one country in
  ≥ 99 % of the rows) becomes one column of the (country, city) pairs;
- **rare values**: a format or hierarchy value seen fewer than ``min_count`` times is replaced by a
  frequent one (a city by a frequent city of the same country), so no sample shows ``<other>``
  there and no rare — identifying — value is learned;
- **derived** columns (``total = quantity * unit_price``) are left out and computed;
- the remaining comparisons and allowed values are checked, and the sampler rejects rows that
  break them (:meth:`TableRules.satisfied`). :meth:`TableRules.violations` counts per constraint.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.constraints import Constraint, json_key, parse, satisfied
from shopmind.synth.roles import Composer, Role, detect, encode_role
from shopmind.synth.rules_find import find_hierarchies, find_orders

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)
AFTER = "@after"


def _kind(s: pd.Series) -> str:
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(s):
        return "datetime-tz" if getattr(s.dt, "tz", None) is not None else "datetime"
    if pd.api.types.is_bool_dtype(s):
        return "bool"
    if pd.api.types.is_integer_dtype(s):
        return "int"
    if pd.api.types.is_numeric_dtype(s):
        return "float"
    return "text"


def _seconds(s: pd.Series) -> np.ndarray:
    from shopmind.synth.transform import to_numeric

    return to_numeric(s, "datetime" if _kind(s).startswith("datetime") else "float")


class TableRules:
    """Rules of one table: declared ``constraints`` plus, with ``detect``, what the rows show."""

    def __init__(
        self,
        constraints: tuple[str, ...] = (),
        detect: bool = True,
        min_count: int = 5,
        max_categories: int = 100,
    ) -> None:
        self.constraints, self.detect = tuple(constraints), detect
        self.min_count, self.max_categories = min_count, max_categories

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        frame: pd.DataFrame,
        seed: int = 0,
        protect: tuple[str, ...] = (),
        context: pd.DataFrame | None = None,
    ) -> TableRules:
        """Learn the rules of ``frame``; ``protect``ed columns (a label) are never rewritten; a
        ``context`` (row-aligned, e.g. the parent's columns) may supply an address's city/country."""
        cols = list(frame.columns)
        self.context_columns_ = [] if context is None else [c for c in context.columns if c not in cols]
        self.columns_, self.kinds_ = cols, {c: _kind(frame[c]) for c in cols}
        declared = [parse(t, cols) for t in self.constraints]
        self.derived_ = [c for c in declared if c.kind == "derived"]
        fixed = (
            set(protect)
            | {c.columns[0] for c in self.derived_}
            | {col for c in declared if c.kind == "hierarchy" for col in c.columns}
        )
        own = [c for c in cols if c not in fixed]
        self.roles_: list[Role] = detect(self._with(frame, context), own=own) if self.detect else []
        enc = self._encode_roles(frame, context)
        self.orders_ = find_orders(enc, declared, self.kinds_, self.detect)
        enc = self._encode_orders(enc)
        self.hierarchies_ = [c.columns for c in declared if c.kind == "hierarchy"]
        if self.detect:
            self.hierarchies_ += find_hierarchies(
                enc.drop(columns=[c for c in protect if c in enc]), self.kinds_, self.roles_
            )
        self.kept_: dict[str, dict[str, int]] = {}
        for chain in self.hierarchies_:
            self._learn_kept(_joint_name(chain), self._joint(enc, chain))
        for role in self.roles_:
            for part in role.parts:
                self._learn_kept(part, _keys(enc[part]))
        ordered = [Constraint(f"{a} <= {b}", "compare", [a, b], "<=", auto=True) for a, b in self.orders_]
        tiers = [
            Constraint(" -> ".join(h), "hierarchy", list(h), auto=True)
            for h in self.hierarchies_
            if all(c in cols for c in h)  # a hierarchy inside an address's parts is not a table column
        ]
        known = {c.text for c in declared}
        self.checks_ = declared + [c for c in ordered + tiers if c.text not in known]
        self.real_violations_ = self.violations(frame)
        if self.roles_ or self.hierarchies_ or self.orders_:
            log.info(
                "rules: formats %s, hierarchies %s, ordered %s",
                {r.column: r.kind for r in self.roles_},
                self.hierarchies_,
                self.orders_,
            )
        return self

    def _with(self, frame: pd.DataFrame, context: pd.DataFrame | None) -> pd.DataFrame:
        """``frame`` with the context's own columns beside it (row by row)."""
        if context is None or not self.context_columns_:
            return frame
        import pandas as pd

        extra = context[self.context_columns_].reset_index(drop=True).set_axis(frame.index)
        return pd.concat([frame, extra], axis=1)

    def _encode_roles(self, frame: pd.DataFrame, context: pd.DataFrame | None = None) -> pd.DataFrame:
        out, full = frame.copy(), self._with(frame, context)
        for role in self.roles_:
            parts = encode_role(role, full, self.min_count)
            role.parts = list(parts)
            at = list(out.columns).index(role.column)
            out = out.drop(columns=[role.column])
            for k, (name, values) in enumerate(parts.items()):
                out.insert(at + k, name, np.asarray(values, dtype=object))
        return out.drop(columns=[c.columns[0] for c in self.derived_])

    def _encode_orders(self, enc: pd.DataFrame) -> pd.DataFrame:
        out = enc.copy()
        for a, b in self.orders_:
            at = list(out.columns).index(b)
            offset = _seconds(enc[b]) - _seconds(enc[a])
            out = out.drop(columns=[b])
            out.insert(
                at,
                b + AFTER,
                offset.astype("int64") if self.kinds_[b] == "int" and not np.isnan(offset).any() else offset,
            )
        return out

    @staticmethod
    def _joint(enc: pd.DataFrame, chain: list[str]) -> pd.Series:
        import pandas as pd

        return pd.Series(
            [json_key(t) for t in enc[chain].itertuples(index=False)], index=enc.index, dtype=object
        )

    def _learn_kept(self, name: str, keys: pd.Series) -> None:
        counts = keys.value_counts()
        kept = counts[counts >= self.min_count].iloc[: self.max_categories]
        if not len(kept):
            kept = counts.iloc[:1]
        self.kept_[name] = {k: int(v) for k, v in kept.items()}

    # ------------------------------------------------------------------ encode
    def encode(self, frame: pd.DataFrame, seed: int = 0, context: pd.DataFrame | None = None) -> pd.DataFrame:
        """The columns the GAN learns, rare format and hierarchy values replaced by frequent ones."""
        rng = np.random.default_rng(seed)
        enc = self._encode_orders(self._encode_roles(frame[self.columns_], context))
        for role in self.roles_:
            for part in role.parts:
                enc[part] = [
                    json.loads(k)[0] for k in self._relabel(part, _keys(enc[part]), rng, group=False)
                ]
        for chain in self.hierarchies_:
            at = min(list(enc.columns).index(c) for c in chain)
            joint = self._relabel(_joint_name(chain), self._joint(enc, chain), rng, group=True)
            enc = enc.drop(columns=chain)
            enc.insert(at, _joint_name(chain), np.asarray(joint, dtype=object))
        return enc

    def _relabel(self, name: str, keys: pd.Series, rng: np.random.Generator, group: bool) -> list[str]:
        kept = self.kept_[name]
        values, counts = list(kept), np.array(list(kept.values()), dtype=float)
        parent = [json.dumps(json.loads(k)[:-1], ensure_ascii=False) for k in values] if group else None
        out = []
        for k in keys:
            if k in kept:
                out.append(k)
                continue
            pool = np.arange(len(values))
            if group:
                same = [
                    i for i, p in enumerate(parent) if p == json.dumps(json.loads(k)[:-1], ensure_ascii=False)
                ]
                pool = np.array(same) if same else pool
            w = counts[pool] / counts[pool].sum()
            out.append(values[int(rng.choice(pool, p=w))])
        return out

    # ------------------------------------------------------------------ decode
    def decode(
        self,
        gan: pd.DataFrame,
        rng: np.random.Generator,
        taken: dict[str, set[int]],
        context: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Generated GAN columns -> the table's columns (``taken``: per format column, the hashes of
        the training values a composed value must not equal; ``context`` as in :meth:`fit`)."""
        import pandas as pd

        out = self._with(gan.copy(), context)
        for chain in self.hierarchies_:
            name = _joint_name(chain)
            parsed = {k: json.loads(k) for k in set(out[name]) if isinstance(k, str) and k.startswith("[")}
            rows = [
                parsed.get(k, [None] * len(chain)) if isinstance(k, str) else [None] * len(chain)
                for k in out[name]
            ]
            for j, col in enumerate(chain):
                out[col] = pd.Series([r[j] for r in rows], index=out.index, dtype=object)
            out = out.drop(columns=[name])
        for a, b in self.orders_:
            offset = pd.to_numeric(out.pop(b + AFTER), errors="coerce").to_numpy(dtype=float)
            out[b] = self._shift(out[a], offset, self.kinds_[b])
        for c in self.derived_:
            from shopmind.synth.constraints import evaluate

            values = {k: _seconds(out[k]) for k in c.columns[1:]}
            out[c.columns[0]] = np.broadcast_to(evaluate(c.expr, values), (len(out),))
        return self._compose(out, rng, taken)[self.columns_]

    @staticmethod
    def _shift(base: pd.Series, offset: np.ndarray, kind: str) -> pd.Series:
        import pandas as pd

        if kind.startswith("datetime"):
            return base + pd.to_timedelta(np.round(offset), unit="s")
        values = _seconds(base) + offset
        if kind == "int":
            return pd.Series(np.round(values), index=base.index).astype(
                "Int64" if np.isnan(values).any() else "int64"
            )
        return pd.Series(values, index=base.index)

    def _compose(
        self, out: pd.DataFrame, rng: np.random.Generator, taken: dict[str, set[int]]
    ) -> pd.DataFrame:
        composer = Composer(rng, set())
        ordered = sorted(self.roles_, key=lambda r: {"name": 0, "address": 1, "code": 2, "email": 3}[r.kind])
        for role in ordered:
            c = role.column
            composer.taken = taken.setdefault(c, set())
            idx = range(len(out))
            if role.kind == "name":
                values = [composer.name(i, s) for i, s in zip(idx, out[f"{c}@style"], strict=True)]
            elif role.kind == "email":
                domains = tuple(
                    json.loads(k)[0] for k in self.kept_.get(f"{c}@domain", {}) if json.loads(k)[0]
                )
                values = [
                    composer.email(i, s, d, domains)
                    for i, s, d in zip(idx, out[f"{c}@style"], out[f"{c}@domain"], strict=True)
                ]
            elif role.kind == "address":
                cities = out[role.city] if role.city else out[f"{c}@city"]
                countries = out[role.country] if role.country else out[f"{c}@country"]
                values = [
                    composer.address(s, ci, co)
                    for s, ci, co in zip(out[f"{c}@style"], cities, countries, strict=True)
                ]
            else:
                values = [composer.code(s) for s in out[f"{c}@shape"]]
            out[c] = np.asarray(values, dtype=object)
            out = out.drop(columns=role.parts)
        return out

    # ------------------------------------------------------------------ checks
    def satisfied(self, frame: pd.DataFrame) -> np.ndarray:
        """(N,) bool: rows of a sample that obey the constraints sampling has to check — those that
        do not hold by construction (hierarchies, derived columns and learned offsets do)."""
        ok = np.ones(len(frame), dtype=bool)
        built = {tuple(p) for p in self.orders_}
        for c in self.checks_:
            if c.kind in ("hierarchy", "derived") or (c.kind == "compare" and _pair(c) in built):
                continue
            ok &= satisfied(c, frame, self._seen(c))
        return ok

    def violations(self, frame: pd.DataFrame) -> dict[str, int]:
        """Rows breaking each constraint (declared and found)."""
        return {c.text: int((~satisfied(c, frame, self._seen(c))).sum()) for c in self.checks_}

    def _seen(self, c: Constraint) -> set[str] | None:
        if c.kind != "hierarchy":
            return None
        return set(self.kept_.get(_joint_name(c.columns), {})) or None

    # ------------------------------------------------------------------ state
    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "constraints": list(self.constraints),
            "detect": self.detect,
            "min_count": self.min_count,
            "max_categories": self.max_categories,
            "columns": self.columns_,
            "context_columns": self.context_columns_,
            "kinds": self.kinds_,
            "roles": [asdict(r) for r in self.roles_],
            "derived": [c.to_dict() for c in self.derived_],
            "orders": [list(p) for p in self.orders_],
            "hierarchies": self.hierarchies_,
            "kept": self.kept_,
            "checks": [c.to_dict() for c in self.checks_],
            "real_violations": self.real_violations_,
        }

    @classmethod
    def none(cls, columns: list[str]) -> TableRules:
        """Rules that change nothing (a model saved before rules existed)."""
        self = cls(detect=False)
        self.columns_, self.kinds_, self.context_columns_ = list(columns), {}, []
        self.roles_, self.derived_, self.orders_, self.hierarchies_ = [], [], [], []
        self.kept_, self.checks_, self.real_violations_ = {}, [], {}
        return self

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> TableRules:
        self = cls(tuple(state["constraints"]), state["detect"], state["min_count"], state["max_categories"])
        self.columns_, self.kinds_ = state["columns"], state["kinds"]
        self.context_columns_ = state.get("context_columns", [])
        self.roles_ = [Role(**r) for r in state["roles"]]
        self.derived_ = [Constraint(**c) for c in state["derived"]]
        self.orders_ = [tuple(p) for p in state["orders"]]
        self.hierarchies_ = state["hierarchies"]
        self.kept_ = state["kept"]
        self.checks_ = [Constraint(**c) for c in state["checks"]]
        self.real_violations_ = state.get("real_violations", {})
        return self


def _pair(c: Constraint) -> tuple[str, ...]:
    """A two-column comparison as (smaller, larger), the form of :attr:`TableRules.orders_`."""
    if len(c.columns) != 2:
        return ()
    return tuple(c.columns) if c.op in ("<", "<=") else tuple(c.columns[::-1])


def _joint_name(chain: list[str]) -> str:
    return "|".join(chain)


def _keys(values: pd.Series) -> pd.Series:
    """Each value as a JSON key (missing as null), so None, "" and 3 stay apart."""
    return values.astype(object).where(values.notna(), None).map(lambda v: json_key([v]))

"""The per-slot columns that filters, facets and sorting read (price, stock, creation time, coded brand,
category and attribute values), kept up to date slot by slot as products are indexed and removed.

Slots only ever get appended or killed, so each column lives in a growable buffer: indexing a product
writes its slot's values, removing one clears them, and a :class:`Columns` snapshot is a set of views
of the first ``n`` slots — taking one costs nothing, whatever the size of the catalog. A snapshot sees
later removals (a slot turning dead) but never later additions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

EMPTY = ""  # the coded value of a dead slot, or of a product without the attribute


@dataclass
class Coded:
    """A string column as integer codes: ``values[codes[slot]]`` is the slot's value ("" = none)."""

    codes: np.ndarray  # (S,) int32
    values: list[str]  # code -> value
    lookup: dict[str, int]  # value -> code

    @classmethod
    def of(cls, column: list[str]) -> Coded:
        lookup: dict[str, int] = {}
        codes = np.fromiter(
            (lookup.setdefault(v, len(lookup)) for v in column), dtype=np.int32, count=len(column)
        )
        return cls(codes, list(lookup), lookup)

    def mask(self, values) -> np.ndarray:
        """Where the value is one of ``values``."""
        wanted = [self.lookup[v] for v in values if v in self.lookup]
        if len(wanted) == 1:
            return self.codes == wanted[0]
        return np.isin(self.codes, wanted)


@dataclass
class Columns:
    """Per-slot arrays for filters, facets and sorting (views of the first ``S`` slots)."""

    alive: np.ndarray  # (S,) bool
    price: np.ndarray  # (S,) float
    in_stock: np.ndarray  # (S,) bool
    created: np.ndarray  # (S,) unix seconds, NaN if unknown
    fields: dict[str, Coded]  # "brand", "category", "attributes.<key>" -> coded values


class _Field:
    """One coded column's buffer and its value table (values are only ever appended)."""

    def __init__(self, capacity: int) -> None:
        self.values: list[str] = [EMPTY]
        self.lookup: dict[str, int] = {EMPTY: 0}
        self.codes = np.zeros(capacity, dtype=np.int32)  # code 0: "" (slots written before it existed)

    def code(self, value: str) -> int:
        code = self.lookup.get(value)
        if code is None:
            code = len(self.values)
            self.values.append(value)
            self.lookup[value] = code
        return code


class ColumnBuffers:
    """The growable column buffers of one index (the index's lock guards every write)."""

    def __init__(self) -> None:
        self.capacity = 0
        self.alive = np.zeros(0, dtype=bool)
        self.price = np.zeros(0, dtype=np.float64)
        self.in_stock = np.zeros(0, dtype=bool)
        self.created = np.zeros(0, dtype=np.float64)
        self.fields: dict[str, _Field] = {"brand": _Field(0), "category": _Field(0)}

    def _grow(self, size: int) -> None:
        if size <= self.capacity:
            return
        cap = max(size, 2 * self.capacity, 1024)
        for name in ("alive", "price", "in_stock", "created"):
            old = getattr(self, name)
            new = np.zeros(cap, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)
        for field in self.fields.values():
            codes = np.zeros(cap, dtype=np.int32)
            codes[: len(field.codes)] = field.codes
            field.codes = codes
        self.capacity = cap

    def add(self, slot: int, product: Mapping[str, Any]) -> None:
        """Write the columns of a newly indexed product (its stored fields) at ``slot``."""
        self._grow(slot + 1)
        self.alive[slot] = True
        self.price[slot] = product["price"]
        self.in_stock[slot] = product["stock"] > 0
        self.created[slot] = product["created"]
        values = {"brand": product["brand"], "category": product["category"]}
        values.update({f"attributes.{k}": v for k, v in product["attributes"].items()})
        for name, value in values.items():
            field = self.fields.get(name)
            if field is None:  # a new attribute: every earlier slot lacks it ("" is code 0)
                field = self.fields[name] = _Field(self.capacity)
            field.codes[slot] = field.code(value)

    def kill(self, slot: int) -> None:
        """Clear the columns of a removed product's slot."""
        self.alive[slot] = self.in_stock[slot] = False
        self.price[slot] = self.created[slot] = np.nan
        for field in self.fields.values():
            field.codes[slot] = 0

    def snapshot(self, n: int) -> Columns:
        """Views of the first ``n`` slots (brand, category, then attributes by name)."""
        self._grow(n)
        names = ["brand", "category", *sorted(k for k in self.fields if k.startswith("attributes."))]
        fields = {k: Coded(f.codes[:n], f.values, f.lookup) for k in names if (f := self.fields[k])}
        return Columns(self.alive[:n], self.price[:n], self.in_stock[:n], self.created[:n], fields)

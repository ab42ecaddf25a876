"""How ingestion reads each kind's columns, derived from the pydantic models in :mod:`shopmind.data.schema`.

A :class:`FieldSpec` is one column: its type, whether it must be present, its default and its
constraints, read from the model's ``model_fields`` (annotation, ``is_required()``, ``ge``,
``max_length``, ``pattern``, enum or ``Literal`` values). The specs are built once, when this
module is imported; a constraint ingestion cannot check raises there, so a schema change never
slips past ingestion silently.

Ingestion adds what the models do not say: how a bad value is explained to a person (per
pattern), how text is normalised before it is checked (enum values lower-cased, currency codes
upper-cased), and how a flat order file differs from a nested order (one row per line item;
``total``, ``line_no`` and ``quantity`` may be left out).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections import deque
from datetime import datetime
from enum import Enum
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from shopmind.data.schema import (
    CURRENCY_PATTERN,
    FILLED_LINE_PATTERN,
    FILLED_TEXT_PATTERN,
    ID_PATTERN,
    LINE_PATTERN,
    ORDER_TRANSITIONS,
    TEXT_PATTERN,
    Customer,
    Event,
    KnowledgeDoc,
    Order,
    OrderItem,
    OrderStatus,
    Product,
)

KINDS = ("products", "customers", "events", "orders", "docs")
# The model(s) whose fields are a kind's columns; an order row is the order's fields then its item's.
MODELS: dict[str, tuple[type[BaseModel], ...]] = {
    "products": (Product,),
    "customers": (Customer,),
    "events": (Event,),
    "orders": (Order, OrderItem),
    "docs": (KnowledgeDoc,),
}
# The id rows are upserted by (orders: with their line items replaced).
ID_KEY = {
    "products": "product_id",
    "customers": "customer_id",
    "events": "event_id",
    "orders": "order_id",
    "docs": "doc_id",
}
# What a value that does not match a pattern is told, and how text is normalised before the match.
PATTERNS: dict[str, tuple[str, str]] = {
    ID_PATTERN: ("must be 1-128 letters, digits or _.:@/- starting with a letter or digit", ""),
    CURRENCY_PATTERN: ("must be a 3-letter ISO code such as CNY, USD, EUR", "upper"),
    LINE_PATTERN: ("must not contain control characters (NUL, tab, line breaks …)", ""),
    TEXT_PATTERN: ("must not contain control characters other than tab and line breaks (e.g. NUL)", ""),
    FILLED_LINE_PATTERN: ("must not contain control characters (NUL, tab, line breaks …)", ""),
    FILLED_TEXT_PATTERN: (
        "must not contain control characters other than tab and line breaks (e.g. NUL)",
        "",
    ),
}
# A flat order file, one row per line item: the total defaults to the sum of the lines, the line
# number to the row's position in its order, the quantity to one.
FLAT_ORDER: dict[str, dict[str, Any]] = {
    "total": {"required": False},
    "line_no": {"required": False},
    "quantity": {"required": False, "default": 1},
}


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """How one column is read: its type, whether it must be present, its default and its checks."""

    name: str
    kind: str  # text | enum | float | int | datetime | json
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()  # enum: the allowed values (lower case)
    pattern: str | None = None  # text: the regular expression the value must match
    message: str = ""  # text: what a value that does not match the pattern is told
    case: str = ""  # text: "upper" to upper-case the value before the match
    min_value: float | None = None  # float, int: the smallest allowed value
    max_value: float | None = None  # float, int: the largest allowed value
    max_length: int | None = None  # text: the most characters allowed


def _unwrap_optional(annotation: Any) -> Any:
    """``X | None`` -> ``X``; anything else unchanged."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _kind(annotation: Any) -> tuple[str, tuple[str, ...]]:
    """The column kind (and enum choices) of a field's annotation."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "enum", tuple(str(m.value) for m in annotation)
    if typing.get_origin(annotation) is typing.Literal:
        return "enum", tuple(str(v) for v in typing.get_args(annotation))
    if typing.get_origin(annotation) is dict:
        return "json", ()
    simple = {str: "text", float: "float", int: "int", datetime: "datetime"}
    if annotation in simple:
        return simple[annotation], ()
    raise TypeError(f"ingestion cannot read a column of type {annotation!r}")


def _constraints(where: str, info: FieldInfo) -> dict[str, Any]:
    """The field's constraints (``ge``, ``le``, ``min_length``, ``max_length``, ``pattern``) by name."""
    out: dict[str, Any] = {}
    for item in info.metadata:  # annotated_types dataclasses (Ge, MaxLen …) or pydantic's pattern holder
        if dataclasses.is_dataclass(item):
            found = {f.name: getattr(item, f.name) for f in dataclasses.fields(item)}
        else:
            found = {k: v for k, v in vars(item).items() if v is not None}
        unknown = set(found) - {"ge", "le", "min_length", "max_length", "pattern"}
        if unknown or not found:
            raise TypeError(f"ingestion cannot check {item!r} of {where}")
        out.update(found)
    return out


def field_spec(model: type[BaseModel], name: str, info: FieldInfo) -> FieldSpec:
    """The :class:`FieldSpec` of one model field."""
    where = f"{model.__name__}.{name}"
    kind, choices = _kind(_unwrap_optional(info.annotation))
    rules = _constraints(where, info)
    required = info.is_required()
    if rules.get("min_length", 1) != 1 or ("min_length" in rules and not required):
        raise TypeError(f"ingestion checks min_length only as 'required' ({where})")
    default = None if info.default is PydanticUndefined else info.default
    message, case = "", ""
    if "pattern" in rules:
        if rules["pattern"] not in PATTERNS:
            raise TypeError(f"ingestion has no message for the pattern of {where}: {rules['pattern']}")
        message, case = PATTERNS[rules["pattern"]]
    return FieldSpec(
        name=name,
        kind=kind,
        required=required,
        default=default.value if isinstance(default, Enum) else default,
        choices=choices,
        pattern=rules.get("pattern"),
        message=message,
        case=case,
        min_value=rules.get("ge"),
        max_value=rules.get("le"),
        max_length=rules.get("max_length"),
    )


def model_specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The columns of a model in declaration order; list fields (an order's items) are not columns."""
    return tuple(
        field_spec(model, name, info)
        for name, info in model.model_fields.items()
        if typing.get_origin(info.annotation) is not list
    )


def kind_specs(kind: str) -> tuple[FieldSpec, ...]:
    """The columns of one kind, in the order their checks run (the first problem of a row is reported)."""
    specs = tuple(s for model in MODELS[kind] for s in model_specs(model))
    if kind == "orders":
        specs = tuple(dataclasses.replace(s, **FLAT_ORDER.get(s.name, {})) for s in specs)
    return specs


def order_header() -> tuple[str, ...]:
    """The columns of an order row (its own fields, without the line items)."""
    return tuple(s.name for s in model_specs(Order))


def canonical_path() -> dict[str, tuple[str, ...]]:
    """Per status, the shortest path to it through the life cycle (:data:`ORDER_TRANSITIONS`) from ``placed``:
    the path an imported order without a timeline is taken to have followed."""
    paths: dict[str, tuple[str, ...]] = {OrderStatus.placed.value: (OrderStatus.placed.value,)}
    todo = deque([OrderStatus.placed])
    while todo:
        status = todo.popleft()
        for nxt in sorted(ORDER_TRANSITIONS[status]):
            if nxt.value not in paths:
                paths[nxt.value] = (*paths[status.value], nxt.value)
                todo.append(nxt)
    return {s.value: paths[s.value] for s in OrderStatus}


SPECS: dict[str, tuple[FieldSpec, ...]] = {kind: kind_specs(kind) for kind in KINDS}
ORDER_HEADER = order_header()
CANONICAL_PATH = canonical_path()

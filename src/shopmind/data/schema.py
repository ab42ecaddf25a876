"""The one data model: pydantic schemas shared by ingestion, the API and the services.

``*_id`` fields are the shop's own external string ids. Timestamps are timezone-aware
UTC; a naive timestamp is read as UTC.

The value rules every way in shares (API requests, batch writes and file ingestion, which derives
its column checks from these models in :mod:`shopmind.data.ingest_specs`):

- **ids** match :data:`ID_PATTERN` (1-128 letters, digits and ``_.:@/-``, starting with a letter
  or digit), in bodies, path and query parameters alike;
- **text** holds no NUL and no other control character (:data:`LINE_PATTERN` for one-line fields;
  :data:`TEXT_PATTERN` also allows tab, line feed and carriage return) and has a documented
  maximum length (the width of its column in the store);
- **numbers** are finite and bounded: money is a decimal amount in the record's ``currency``
  (its major unit, e.g. 12.50) between 0 and :data:`MAX_AMOUNT`; a quantity is a whole number
  from 1 to :data:`MAX_QUANTITY`; stock from 0 to :data:`MAX_STOCK`;
- **JSON objects** (product attributes, metadata) are at most :data:`MAX_JSON_BYTES` as JSON; control
  characters and unpaired surrogates in their keys and strings are removed (:func:`clean_json`);
- **pages** start at an ``offset`` of at most :data:`MAX_OFFSET` with at most :data:`MAX_LIMIT` rows.

Records read back from the store are answered with the ``Stored*`` models (:func:`stored`): the
same fields without the value rules, so a row written before a rule existed is still listed.
"""

from __future__ import annotations

import functools
import json
import re
import types
import typing
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticUndefined

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# One-line text: no control characters at all (C0, DEL).
LINE_PATTERN = r"^[^\x00-\x1f\x7f]*$"
# Multi-line text: no control characters except tab, line feed and carriage return.
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# The same for a required field: something besides white space.
FILLED_LINE_PATTERN = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
FILLED_TEXT_PATTERN = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)
MAX_AMOUNT = 1_000_000_000  # money: the largest amount any field takes, in the currency's major unit
MAX_QUANTITY = 100_000  # items of one product on one order line
MAX_STOCK = 1_000_000_000  # units of one product in stock (fits a 32-bit column)
MAX_LINES = 10_000  # lines of one order (and the largest line number)
MAX_EVENT_VALUE = 1_000_000_000  # |value| of an event (a rating's 1-5, a price seen …)
MAX_JSON_BYTES = 65_536  # a JSON object field (attributes, metadata) as UTF-8 JSON
MAX_OFFSET = 1_000_000  # pagination: the deepest row a list starts at (filter to go further)
MAX_LIMIT = 500  # pagination: the most rows one page holds
MAX_BATCH = 10_000  # records in one API batch write
MAX_EPOCH = 2.5e14  # the largest Unix time a timestamp takes (read as milliseconds above 2e10)

Id = Field(pattern=ID_PATTERN, description="External id: letters, digits and _.:@/- (max 128)")
_SCALARS = (int, float, bool)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def Line(max_length: int, default: Any = "", **kw: Any) -> Any:  # noqa: N802 - reads as a type
    """A one-line text field of at most ``max_length`` characters (no control characters); a required
    one (``default`` ``...``) must hold more than white space."""
    pattern = FILLED_LINE_PATTERN if default is ... else LINE_PATTERN
    return Field(default, max_length=max_length, pattern=pattern, **kw)


def Text(max_length: int, default: Any = "", **kw: Any) -> Any:  # noqa: N802 - reads as a type
    """A text field of at most ``max_length`` characters; tab and line breaks allowed."""
    pattern = FILLED_TEXT_PATTERN if default is ... else TEXT_PATTERN
    return Field(default, max_length=max_length, pattern=pattern, **kw)


def When(default: Any = None, **kw: Any) -> Any:  # noqa: N802 - reads as a type
    """A timestamp: ISO 8601 text (naive = UTC) or Unix time in seconds (milliseconds above 2e10)."""
    return Field(default, json_schema_extra=_iso_or_epoch, **kw)


def _iso_or_epoch(schema: dict[str, Any]) -> None:
    """The JSON schema of a datetime field, stating that Unix times are accepted too."""
    epoch = {"type": "number", "minimum": 0, "maximum": MAX_EPOCH, "description": "Unix time"}
    options = schema.pop("anyOf", None) or [{k: schema.pop(k) for k in ("type", "format") if k in schema}]
    schema["anyOf"] = [*options, epoch]


def Money(default: Any = PydanticUndefined, **kw: Any) -> Any:  # noqa: N802 - reads as a type
    """An amount in the record's currency: a finite decimal from 0 to :data:`MAX_AMOUNT`."""
    return Field(default, ge=0, le=MAX_AMOUNT, **kw)


def _scalar_types(annotation: Any) -> set[Any]:
    """The plain types a field takes (``float | None`` -> {float, NoneType}); empty for containers."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return {t for a in typing.get_args(annotation) for t in _scalar_types(a)}
    return {annotation} if isinstance(annotation, type) and typing.get_origin(annotation) is None else set()


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; naive values are taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clean_json(value: Any) -> Any:
    """``value`` (a JSON object or any value in one) with control characters and unpaired surrogates
    removed from every key and string; raises ValueError when it is over :data:`MAX_JSON_BYTES`."""
    if isinstance(value, dict) and _flat_and_clean(value):
        return value
    chars = [0]
    cleaned = _clean(value, chars)
    # a character takes at most 4 bytes as UTF-8 JSON (2 for an escaped quote): measure only big ones
    if chars[0] * 4 > MAX_JSON_BYTES:
        size = len(json.dumps(cleaned, ensure_ascii=False, default=str).encode())
        if size > MAX_JSON_BYTES:
            raise ValueError(f"must be at most {MAX_JSON_BYTES} bytes as JSON (this one is {size})")
    return cleaned


def _flat_and_clean(value: dict[Any, Any]) -> bool:
    """Whether ``value`` maps text to text or numbers, small and without anything to remove (the common
    case, checked with one search)."""
    parts = [k if type(k) is str else str(k) for k in value]
    for v in value.values():
        if type(v) is str:
            parts.append(v)
        elif not (v is None or type(v) in _SCALARS):
            return False
    text = "".join(parts)
    return len(text) * 4 + 48 * len(value) < MAX_JSON_BYTES and _CONTROL.search(text) is None


def _clean(value: Any, chars: list[int]) -> Any:
    """``value`` cleaned; adds an upper bound of its JSON length less the bytes of each character to
    ``chars[0]``."""
    if isinstance(value, str):
        chars[0] += len(value) + 3
        return _CONTROL.sub("", value)
    if isinstance(value, dict):
        chars[0] += 2
        return {_clean(str(k), chars): _clean(v, chars) for k, v in value.items()}
    if isinstance(value, list | tuple):
        chars[0] += 2
        return [_clean(v, chars) for v in value]
    chars[0] += 32  # a number, true, false or null
    return value


class Input(BaseModel):
    """A request body as its JSON schema says: numbers are JSON numbers (a whole number for an integer:
    5 or 5.0, never "5" or true), booleans are true or false, a timestamp given as a number is a Unix
    time in range, no NaN or infinity, no fields beyond the documented ones."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _json_types(cls, value: Any, info: ValidationInfo) -> Any:
        wants = _scalar_types(cls.model_fields[info.field_name].annotation)
        if isinstance(value, bool):
            if bool not in wants and wants & {int, float, datetime}:
                raise ValueError("must be a number, not true or false")
        elif isinstance(value, str):
            if str not in wants and datetime not in wants and wants & {int, float, bool}:
                raise ValueError("must be a JSON number or boolean, not text")
        elif isinstance(value, int | float) and datetime in wants and not 0 <= value <= MAX_EPOCH:
            raise ValueError(f"a Unix time must be between 0 and {MAX_EPOCH:g}")
        elif bool in wants and not wants & {int, float} and value is not None:
            raise ValueError("must be true or false")
        return value


class Model(Input):
    """A record written to the store: text is stripped of surrounding white space after it is checked
    (so that the documented rules hold for the text as sent), timestamps are made UTC."""

    @field_validator("*", mode="after")
    @classmethod
    def _normalise(cls, value: Any) -> Any:
        if type(value) is str:  # text, not an enum member
            return value.strip()
        return as_utc(value) if isinstance(value, datetime) else value


class Language(StrEnum):
    en = "en"
    zh = "zh"


class EventType(StrEnum):
    view = "view"
    click = "click"
    add_to_cart = "add_to_cart"
    purchase = "purchase"
    search = "search"
    rating = "rating"


class OrderStatus(StrEnum):
    placed = "placed"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    cancelled = "cancelled"
    refund_requested = "refund_requested"
    refunded = "refunded"


# Which status may follow which: the order life cycle.
ORDER_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.placed: frozenset({OrderStatus.paid, OrderStatus.cancelled}),
    OrderStatus.paid: frozenset({OrderStatus.shipped, OrderStatus.cancelled}),
    OrderStatus.shipped: frozenset({OrderStatus.delivered}),
    OrderStatus.delivered: frozenset({OrderStatus.refund_requested}),
    OrderStatus.refund_requested: frozenset({OrderStatus.refunded, OrderStatus.delivered}),
    OrderStatus.cancelled: frozenset(),
    OrderStatus.refunded: frozenset(),
}


def can_transition(current: OrderStatus | str, new: OrderStatus | str) -> bool:
    """Whether an order in ``current`` status may move to ``new``."""
    return OrderStatus(new) in ORDER_TRANSITIONS[OrderStatus(current)]


def _example(**record: Any) -> ConfigDict:
    """The config naming ``record`` as the model's example in the OpenAPI document."""
    return ConfigDict(json_schema_extra={"examples": [record]})


class Product(Model):
    model_config = _example(
        product_id="ember-scented-candle",
        title="Ember Scented Candle",
        description="Soy wax candle scented with cedar and smoke; burns 45 hours.",
        category="Home & Garden > Decor > Candles",
        brand="Greenroom",
        price=21.0,
        currency="EUR",
        attributes={"colour": "amber", "tags": "candle, soy, gift"},
        stock=52,
        image_url="https://shop.example/img/ember-candle.jpg",
        lang="en",
    )
    product_id: str = Id
    title: str = Line(500, ..., min_length=1)
    description: str = Text(20_000)
    category: str = Line(300, description="Category path, levels joined by ' > '")
    brand: str = Line(200)
    price: float = Money(description=f"In the product's currency, 0 to {MAX_AMOUNT:,}")
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)
    attributes: dict[str, Any] = Field(
        default_factory=dict,
        description=f"Free-form attributes (colour, size …); at most {MAX_JSON_BYTES} bytes as JSON, "
        "control characters removed",
    )
    stock: int = Field(0, ge=0, le=MAX_STOCK)
    image_url: str = Line(1000)
    lang: Language = Language.en
    created_at: datetime | None = When()

    @field_validator("attributes", mode="after")
    @classmethod
    def _clean_attributes(cls, value: dict[str, Any]) -> dict[str, Any]:
        return clean_json(value)


class Customer(Model):
    model_config = _example(
        customer_id="C00042",
        name="Li Na",
        email="li.na@example.com",
        country="CN",
        city="Hangzhou",
        lang="zh",
        signup_at="2026-03-14T09:30:00Z",
    )
    customer_id: str = Id
    name: str = Line(200)
    email: str = Line(320)
    country: str = Line(100)
    city: str = Line(100)
    lang: Language = Language.en
    signup_at: datetime | None = When()


class Event(Model):
    model_config = _example(
        customer_id="C00042",
        session_id="s-9f2c",
        type="add_to_cart",
        product_id="ember-scented-candle",
        ts="2026-11-02T18:04:11Z",
    )
    event_id: str | None = Field(None, pattern=ID_PATTERN, description="Derived from the content when absent")
    customer_id: str | None = Field(None, pattern=ID_PATTERN)
    session_id: str = Line(128)
    type: EventType
    product_id: str | None = Field(None, pattern=ID_PATTERN)
    query: str | None = Line(1000, None)
    value: float | None = Field(None, ge=-MAX_EVENT_VALUE, le=MAX_EVENT_VALUE)
    ts: datetime = When(...)
    impression_id: str | None = Field(
        None,
        max_length=40,
        pattern=ID_PATTERN,
        description="The answer that showed the product (its impression_id), for attribution",
    )

    @model_validator(mode="after")
    def _needs_subject(self) -> Event:
        if self.type is EventType.search and not self.query:
            raise ValueError("a search event needs a query")
        if self.type is not EventType.search and not self.product_id:
            raise ValueError(f"a {self.type.value} event needs a product_id")
        if self.type is EventType.rating and (self.value is None or not 1 <= self.value <= 5):
            raise ValueError("a rating event needs a value between 1 and 5")
        return self


class OrderItem(Model):
    line_no: int = Field(ge=1, le=MAX_LINES)
    product_id: str = Id
    quantity: int = Field(ge=1, le=MAX_QUANTITY, description=f"Items on the line, 1 to {MAX_QUANTITY:,}")
    unit_price: float = Money(description="Price of one item in the order's currency")


class OrderStatusChange(Model):
    status: OrderStatus
    at: datetime = When(...)
    note: str = Text(1000)


class Order(Model):
    model_config = _example(
        order_id="O10001",
        customer_id="C00042",
        status="placed",
        placed_at="2026-11-02T18:10:00Z",
        currency="EUR",
        total=42.0,
        items=[{"line_no": 1, "product_id": "ember-scented-candle", "quantity": 2, "unit_price": 21.0}],
    )
    order_id: str = Id
    customer_id: str = Id
    status: OrderStatus = OrderStatus.placed
    placed_at: datetime = When(...)
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)
    total: float = Money(description="The order's total in its currency")
    shipping_address: str = Text(500)
    tracking_number: str = Line(100)
    carrier: str = Line(100)
    items: list[OrderItem] = Field(default_factory=list, max_length=MAX_LINES)
    timeline: list[OrderStatusChange] = Field(default_factory=list, max_length=100)


class KnowledgeDoc(Model):
    doc_id: str = Id
    kind: Literal["faq", "policy"] = "faq"
    topic: str = Line(100)
    lang: Language = Language.en
    title: str = Line(500, ..., min_length=1)
    body: str = Text(100_000, ..., min_length=1)
    updated_at: datetime | None = When()


class Message(Model):
    role: str = Field(pattern=r"^(customer|assistant|agent|system)$")
    text: str = Text(20_000, ...)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    meta: dict[str, Any] = Field(default_factory=dict)


class Conversation(Model):
    conversation_id: str = Id
    customer_id: str | None = Field(None, pattern=ID_PATTERN)
    lang: Language = Language.en
    status: str = Field("open", pattern=r"^(open|handoff|closed)$")
    started_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    messages: list[Message] = Field(default_factory=list)


class Campaign(Model):
    campaign_id: str = Id
    name: str = Line(200, ..., min_length=1)
    channel: str = Line(50, "email")
    status: str = Field("draft", pattern=r"^(draft|running|finished)$")
    offer: str = Line(500)
    budget: float = Money(0)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    meta: dict[str, Any] = Field(default_factory=dict)


# ---------------------------------------------------------------------------- records as read back
def _stored_type(annotation: Any) -> Any:
    """``annotation`` with every :class:`Model` in it replaced by its stored variant."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return list[_stored_type(typing.get_args(annotation)[0])]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_stored_type(a) for a in typing.get_args(annotation))]  # noqa: UP007
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return stored(annotation)
    return annotation


@functools.cache
def stored(model: type[Model]) -> type[BaseModel]:
    """``model`` as a record read back from the store: the same fields, types and defaults, without
    the value rules that writes enforce (so a row written before a rule existed still reads)."""
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        kw: dict[str, Any] = {"description": info.description}
        if info.default_factory is not None:
            kw["default_factory"] = info.default_factory
        elif not info.is_required():
            kw["default"] = info.default
        fields[name] = (_stored_type(info.annotation), Field(**kw))
    extra = model.model_config.get("json_schema_extra")
    return create_model(
        f"Stored{model.__name__}",
        __config__=ConfigDict(extra="ignore", json_schema_extra=extra),
        __doc__=f"A {model.__name__.lower()} as stored (see {model.__name__} for the rules writes follow).",
        **fields,
    )


StoredProduct = stored(Product)
StoredCustomer = stored(Customer)
StoredEvent = stored(Event)
StoredOrderItem = stored(OrderItem)
StoredOrder = stored(Order)
StoredKnowledgeDoc = stored(KnowledgeDoc)

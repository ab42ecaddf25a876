"""The one data model: pydantic schemas shared by ingestion, the API and the services.

``*_id`` fields are the shop's own external string ids. Timestamps are timezone-aware
UTC; a naive timestamp is read as UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
Id = Field(pattern=ID_PATTERN, description="External id: letters, digits and _.:@/- (max 128)")


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; naive values are taken to be UTC already."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _utc(cls, value: Any) -> Any:
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


class Product(Model):
    product_id: str = Id
    title: str = Field(min_length=1, max_length=500)
    description: str = ""
    category: str = Field("", description="Category path, levels joined by ' > '")
    brand: str = ""
    price: float = Field(ge=0)
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)
    attributes: dict[str, Any] = Field(default_factory=dict)
    stock: int = Field(0, ge=0)
    image_url: str = ""
    lang: Language = Language.en
    created_at: datetime | None = None


class Customer(Model):
    customer_id: str = Id
    name: str = ""
    email: str = ""
    country: str = ""
    city: str = ""
    lang: Language = Language.en
    signup_at: datetime | None = None


class Event(Model):
    event_id: str | None = Field(None, pattern=ID_PATTERN, description="Derived from the content when absent")
    customer_id: str | None = Field(None, pattern=ID_PATTERN)
    session_id: str = ""
    type: EventType
    product_id: str | None = Field(None, pattern=ID_PATTERN)
    query: str | None = None
    value: float | None = None
    ts: datetime

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
    line_no: int = Field(ge=1)
    product_id: str = Id
    quantity: int = Field(ge=1)
    unit_price: float = Field(ge=0)


class OrderStatusChange(Model):
    status: OrderStatus
    at: datetime
    note: str = ""


class Order(Model):
    order_id: str = Id
    customer_id: str = Id
    status: OrderStatus = OrderStatus.placed
    placed_at: datetime
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)
    total: float = Field(ge=0)
    shipping_address: str = ""
    tracking_number: str = ""
    carrier: str = ""
    items: list[OrderItem] = Field(default_factory=list)
    timeline: list[OrderStatusChange] = Field(default_factory=list)


class KnowledgeDoc(Model):
    doc_id: str = Id
    kind: Literal["faq", "policy"] = "faq"
    topic: str = ""
    lang: Language = Language.en
    title: str = Field(min_length=1)
    body: str = Field(min_length=1)
    updated_at: datetime | None = None


class Message(Model):
    role: str = Field(pattern=r"^(customer|assistant|agent|system)$")
    text: str
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
    name: str = Field(min_length=1)
    channel: str = "email"
    status: str = Field("draft", pattern=r"^(draft|running|finished)$")
    offer: str = ""
    budget: float = Field(0, ge=0)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    meta: dict[str, Any] = Field(default_factory=dict)

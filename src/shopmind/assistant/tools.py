"""The assistant's tools: what it may look up and do for the signed-in customer.

Every tool has a pydantic argument model (its JSON schema is what an LLM is shown; extra fields
are rejected) and runs under a :class:`ToolContext` whose ``customer_id`` comes from the
authenticated session, never from message text. An order that does not exist and an order of
another customer give the *same* :class:`ToolError` (``not_found``), so a reply reveals nothing
about orders that are not the customer's.

Changing tools (cancel, return, address change) are ``changing=True``: the dialogue asks for an
explicit confirmation first and calls :meth:`ShopTools.check` before asking. Each change is written
to the order's timeline with a note naming the actor (the assistant, the customer, the
conversation). The return window comes from the shop's returns policy (``return_window_days``,
30 days in the demo shop's "Returns policy (30 days)" document).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shopmind.data.schema import OrderStatus, as_utc
from shopmind.data.store import InvalidTransitionError, NotFoundError, Store

log = logging.getLogger(__name__)

ORDER_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,63}$"
BEFORE_SHIPPING = frozenset({OrderStatus.placed.value, OrderStatus.paid.value})


@dataclass(frozen=True)
class ToolsConfig:
    """Shop rules and limits the tools apply."""

    return_window_days: int = 30  # returns policy: days from delivery (demo doc "Returns policy (30 days)")
    recent_orders: int = 5  # orders offered when the customer does not name one
    search_mode: str = "hybrid"  # product search mode: hybrid | lexical | dense
    max_products: int = 3  # products shown per search or recommendation answer


class ToolError(Exception):
    """A tool refused: ``code`` is machine readable, ``facts`` fill the reply template."""

    def __init__(self, code: str, **facts: Any) -> None:
        super().__init__(code)
        self.code = code
        self.facts = facts


@dataclass(frozen=True)
class ToolContext:
    """Who is asking: set by the authenticated session, never by the message."""

    customer_id: str
    conversation_id: str = ""
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    guest: bool = False  # an anonymous shopper: no orders are theirs (the dialogue asks them to sign in)


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class NoArgs(Args):
    pass


class OrderArgs(Args):
    order_id: str = Field(pattern=ORDER_ID, description="The order number, e.g. O000123")


class ReasonArgs(OrderArgs):
    reason: str = Field("", max_length=300, description="The customer's reason in their words")


class AddressArgs(OrderArgs):
    new_address: str = Field(min_length=5, max_length=300, description="The full new shipping address")


class SearchArgs(Args):
    query: str = Field(min_length=1, max_length=200, description="What the customer is looking for")


class RecommendArgs(Args):
    k: int = Field(3, ge=1, le=10, description="How many products")


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its name, what it does, its argument model and whether it changes anything."""

    name: str
    description: str
    args: type[Args]
    changing: bool

    def schema(self) -> dict[str, Any]:
        """The OpenAI ``tools`` entry for this tool."""
        params = self.args.model_json_schema()
        params.pop("title", None)
        params["additionalProperties"] = False
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": params},
        }


SPECS: dict[str, ToolSpec] = {
    s.name: s
    for s in (
        ToolSpec("recent_orders", "The customer's most recent orders.", NoArgs, False),
        ToolSpec(
            "order_status",
            "Status, carrier and tracking number of one of the customer's orders.",
            OrderArgs,
            False,
        ),
        ToolSpec("cancel_order", "Cancel an order that has not shipped yet.", ReasonArgs, True),
        ToolSpec("request_return", "Start a return and refund for a delivered order.", ReasonArgs, True),
        ToolSpec(
            "change_address", "Change the shipping address of an order not shipped yet.", AddressArgs, True
        ),
        ToolSpec("search_products", "Search the catalog for products.", SearchArgs, False),
        ToolSpec("recommend_products", "Products recommended for the customer.", RecommendArgs, False),
    )
}


def validate_call(name: str, arguments: str | dict[str, Any]) -> tuple[ToolSpec, Args]:
    """Check a proposed call against the tool list and its JSON schema; raise ToolError('invalid_call')."""
    spec = SPECS.get(name)
    if spec is None:
        raise ToolError("invalid_call", reason=f"unknown tool {name!r}")
    try:
        raw = json.loads(arguments) if isinstance(arguments, str) else arguments
        if not isinstance(raw, dict):
            raise ValueError("arguments must be a JSON object")
        return spec, spec.args.model_validate(raw)
    except ValidationError as exc:
        why = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors())
        raise ToolError("invalid_call", reason=why[:300]) from exc
    except ValueError as exc:
        raise ToolError("invalid_call", reason=str(exc)[:300]) from exc


MAX_NEED_CHARS = 500  # of a chat message, for described_need
# What a described need keeps of the query parser's chips (a "synonym" chip is not something said)
NEED_CHIPS = ("price", "price_intent", "exclude", "brand", "category", "colour", "size", "attribute")


class ShopTools:
    """Order look-ups and actions for one shop, plus product search and recommendations."""

    def __init__(
        self, store: Store, config: ToolsConfig | None = None, search=None, recommender=None
    ) -> None:
        """``search`` and ``recommender`` are the process's search and recommendation services (the
        engine hands in the very instances the API serves); without them the product tools answer
        ``unavailable``."""
        self.store = store
        self.config = config or ToolsConfig()
        self._search = search
        self._recommender = recommender
        self._run: dict[str, Callable[[Any, ToolContext], dict[str, Any]]] = {
            "recent_orders": lambda a, ctx: self.recent_orders(ctx),
            "order_status": lambda a, ctx: self.order_status(a.order_id, ctx),
            "cancel_order": lambda a, ctx: self.cancel_order(a.order_id, ctx, a.reason),
            "request_return": lambda a, ctx: self.request_return(a.order_id, ctx, a.reason),
            "change_address": lambda a, ctx: self.change_address(a.order_id, a.new_address, ctx),
            "search_products": lambda a, ctx: self.search_products(a.query, ctx),
            "recommend_products": lambda a, ctx: self.recommend_products(ctx, a.k),
        }

    # ------------------------------------------------------------------ dispatch
    def call(self, name: str, arguments: str | dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        """Validate and run one call; the result always names the tool, its arguments and ``ok``."""
        try:
            spec, args = validate_call(name, arguments)
            data = self._run[spec.name](args, ctx)
            return {"tool": name, "args": args.model_dump(), "ok": True, "data": data}
        except ToolError as exc:
            return {
                "tool": name,
                "args": _safe_args(arguments),
                "ok": False,
                "error": exc.code,
                "data": exc.facts,
            }

    def check(self, name: str, order_id: str, ctx: ToolContext) -> dict[str, Any]:
        """Whether tool ``name`` may change ``order_id`` now (raises ToolError); changes nothing."""
        rules = {
            "cancel_order": self._can_cancel,
            "request_return": self._can_return,
            "change_address": self._can_move,
        }
        if name not in rules:
            raise ToolError("invalid_call", reason=f"{name!r} is not a changing tool")
        try:
            OrderArgs.model_validate({"order_id": order_id})
        except ValidationError as exc:
            raise ToolError("not_found", order_id=order_id[:64]) from exc
        order = self.own_order(order_id, ctx)
        rules[name](order, ctx)
        return _summary(order)

    # ------------------------------------------------------------------ orders
    def own_order(self, order_id: str, ctx: ToolContext) -> dict[str, Any]:
        """The order if it belongs to the session's customer; otherwise the same not_found error."""
        try:
            order = self.store.get_order(order_id)
        except NotFoundError:
            order = None
        if order is None or order["customer_id"] != ctx.customer_id:
            raise ToolError("not_found", order_id=order_id)
        return order

    def recent_orders(self, ctx: ToolContext, limit: int | None = None) -> dict[str, Any]:
        rows, total = self.store.list_orders(
            customer_id=ctx.customer_id, limit=limit or self.config.recent_orders
        )
        return {"orders": [_summary(r) for r in rows], "total": total}

    def order_status(self, order_id: str, ctx: ToolContext) -> dict[str, Any]:
        order = self.own_order(order_id, ctx)
        out = _summary(order)
        out["timeline"] = [
            {"status": t["status"], "at": t["at"].isoformat(), "note": t["note"]} for t in order["timeline"]
        ]
        out["items"] = [{"product_id": i["product_id"], "quantity": i["quantity"]} for i in order["items"]]
        return out

    def cancel_order(self, order_id: str, ctx: ToolContext, reason: str = "") -> dict[str, Any]:
        order = self.own_order(order_id, ctx)
        self._can_cancel(order, ctx)
        note = _note("Cancelled at the customer's request", reason, ctx)
        return _summary(self._set_status(order_id, OrderStatus.cancelled, note, ctx))

    def request_return(self, order_id: str, ctx: ToolContext, reason: str = "") -> dict[str, Any]:
        order = self.own_order(order_id, ctx)
        self._can_return(order, ctx)
        note = _note("Return and refund requested", reason, ctx)
        return _summary(self._set_status(order_id, OrderStatus.refund_requested, note, ctx))

    def change_address(self, order_id: str, new_address: str, ctx: ToolContext) -> dict[str, Any]:
        """Change the shipping address before shipping; the timeline gets a row in the same status."""
        order = self.own_order(order_id, ctx)
        self._can_move(order, ctx)
        note = _note(f"Shipping address changed (was: {order['shipping_address']})", "", ctx)
        try:  # the store re-checks the status on the locked row: it may have shipped in the meantime
            changed = self.store.change_shipping_address(
                order_id, new_address, note=note, at=ctx.now, allowed=BEFORE_SHIPPING
            )
        except NotFoundError:
            raise ToolError("already_shipped", order_id=order_id, status="") from None
        except InvalidTransitionError as exc:
            raise ToolError("already_shipped", order_id=order_id, status=exc.status) from None
        return _summary(changed)

    def _set_status(self, order_id: str, status: OrderStatus, note: str, ctx: ToolContext) -> dict[str, Any]:
        try:
            return self.store.set_order_status(order_id, status, note=note, at=ctx.now)
        except InvalidTransitionError as exc:  # changed between the check and the write
            raise ToolError("invalid_transition", order_id=order_id, detail=str(exc)) from exc

    # ------------------------------------------------------------------ policy checks
    def _can_cancel(self, order: dict[str, Any], ctx: ToolContext) -> None:
        if order["status"] == OrderStatus.cancelled.value:
            raise ToolError("already_cancelled", **_summary(order))
        if order["status"] not in BEFORE_SHIPPING:
            raise ToolError("already_shipped", **_summary(order))

    _can_move = _can_cancel

    def _can_return(self, order: dict[str, Any], ctx: ToolContext) -> None:
        facts = _summary(order)
        status = order["status"]
        if status in (OrderStatus.refund_requested.value, OrderStatus.refunded.value):
            raise ToolError("already_returned", **facts)
        if any(t["status"] == OrderStatus.refund_requested.value for t in order["timeline"]):
            raise ToolError("already_returned", **facts)  # a return was requested and declined before
        if status != OrderStatus.delivered.value:
            raise ToolError("not_delivered", **facts)
        delivered = delivered_at(order)
        days = (as_utc(ctx.now) - delivered).total_seconds() / 86_400 if delivered else 0.0
        facts |= {"days_since_delivery": int(days), "window_days": self.config.return_window_days}
        if days > self.config.return_window_days:
            raise ToolError("window_closed", **facts)

    # ------------------------------------------------------------------ products
    def search_products(self, query: str, ctx: ToolContext) -> dict[str, Any]:
        if self._search is None:
            raise ToolError("unavailable", tool="search_products")
        res = self._search.search(
            query,
            customer_id=ctx.customer_id,
            page_size=self.config.max_products,
            mode=self.config.search_mode,
            log=False,
        )
        items = [
            {
                "product_id": p["product_id"],
                "title": p["title"],
                "price": p["price"],
                "in_stock": p.get("stock", 1) > 0,
            }
            for p in res["products"]
        ]
        return {"query": query, "total": res["total"], "products": items, "mode": res.get("mode", "")}

    def described_need(self, text: str) -> str:
        """The product need a request describes, as a search query: what the search's query parser
        finds in ``text`` — prices, brands, categories, colours, sizes, attributes — and the other
        words of it that product titles use, in the order said ("hi, any red dresses under 200 you
        would suggest?" -> "red dresses under 200"); "" when it names no category or brand ("what
        should I buy my mum?") or there is no search service."""
        if self._search is None:
            return ""
        parsed = self._search.parser.parse(text[:MAX_NEED_CHARS])
        if not any(c.type in ("brand", "category") for c in parsed.chips):
            return ""
        index = self._search.index
        said = [c.text for c in parsed.chips if c.type in NEED_CHIPS]
        said += [
            n.text
            for n in parsed.needs
            if not n.chips and (index.word_counts.get(n.text, 0) > 0 or index.han_counts.get(n.text, 0) > 0)
        ]
        lowered = text.lower()

        def said_at(words: str) -> int:  # where the shopper said it (not found after normalising: last)
            at = lowered.find(words.lower())
            return at if at >= 0 else len(lowered)

        return " ".join(sorted(dict.fromkeys(said), key=said_at))[:200]

    def recommend_products(self, ctx: ToolContext, k: int = 3) -> dict[str, Any]:
        if self._recommender is None:
            raise ToolError("unavailable", tool="recommend_products")
        res = self._recommender.recommend(ctx.customer_id, k=k)
        items = [
            {"product_id": i["product_id"], "title": i["title"], "price": i["price"]} for i in res["items"]
        ]
        return {"source": res["source"], "products": items, "version": res.get("version") or ""}


def delivered_at(order: dict[str, Any]) -> datetime | None:
    """When the order was first delivered (the return window starts there)."""
    times = [t["at"] for t in order.get("timeline", []) if t["status"] == OrderStatus.delivered.value]
    return as_utc(min(times)) if times else None


def _summary(order: dict[str, Any]) -> dict[str, Any]:
    placed = order.get("placed_at")
    return {
        "order_id": order["order_id"],
        "status": order["status"],
        "placed_at": placed.isoformat() if isinstance(placed, datetime) else str(placed or ""),
        "total": float(order["total"]),
        "currency": order["currency"],
        "carrier": order.get("carrier") or "",
        "tracking_number": order.get("tracking_number") or "",
        "shipping_address": order.get("shipping_address") or "",
    }


def _note(what: str, reason: str, ctx: ToolContext) -> str:
    """A timeline note naming the actor: ``<what> [reason: …] (by assistant for C…, conversation …)``."""
    why = f"; reason: {reason}" if reason else ""
    conv = f", conversation {ctx.conversation_id}" if ctx.conversation_id else ""
    return f"{what}{why} (by assistant for customer {ctx.customer_id}{conv})"[:1000]


def _safe_args(arguments: str | dict[str, Any]) -> Any:
    if isinstance(arguments, dict):
        return arguments
    return str(arguments)[:500]

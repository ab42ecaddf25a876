"""The store's order queries: orders with their items and timeline, status changes, order statistics."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from shopmind.data import tables as T
from shopmind.data.changes import record_keys
from shopmind.data.errors import InvalidTransitionError, NotFoundError
from shopmind.data.schema import ORDER_TRANSITIONS, OrderStatus, as_utc, can_transition
from shopmind.data.sql import one, page

BEFORE_SHIPPING = (OrderStatus.placed.value, OrderStatus.paid.value)


def _locked_status(conn: Connection, order_id: str) -> str:
    """The order's status, its row locked until the transaction ends (NotFoundError without it)."""
    o = T.orders
    status = conn.execute(sa.select(o.c.status).where(o.c.order_id == order_id).with_for_update()).scalar()
    if status is None:
        raise NotFoundError(f"order {order_id!r} not found")
    return status


def _append_timeline(conn: Connection, order_id: str, status: str, at: datetime, note: str) -> None:
    """Add a timeline row (and log the change of the order)."""
    ts = T.order_status
    seq = conn.execute(
        sa.select(sa.func.coalesce(sa.func.max(ts.c.seq), 0)).where(ts.c.order_id == order_id)
    ).scalar_one()
    conn.execute(ts.insert().values(order_id=order_id, seq=seq + 1, status=status, at=at, note=note))
    record_keys(conn, "orders", [order_id])


class OrderQueries:
    """Orders, their life cycle and statistics over them (a part of :class:`Store`)."""

    engine: Engine

    def get_order(self, order_id: str) -> dict[str, Any]:
        """An order with its items and status timeline."""
        order = one(self.engine, T.orders, "order_id", order_id)
        oi, ts = T.order_items, T.order_status
        with self.engine.connect() as conn:
            items = conn.execute(sa.select(oi).where(oi.c.order_id == order_id).order_by("line_no"))
            items = items.mappings().all()
            timeline = conn.execute(sa.select(ts).where(ts.c.order_id == order_id).order_by("seq"))
            timeline = timeline.mappings().all()
        order["items"] = [{k: v for k, v in i.items() if k != "order_id"} for i in items]
        order["timeline"] = [
            {"status": t["status"], "at": as_utc(t["at"]), "note": t["note"]} for t in timeline
        ]
        return order

    def list_orders(
        self, *, customer_id: str | None = None, status: str | None = None, limit: int = 20, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Orders, newest first."""
        o = T.orders
        cond = []
        if customer_id:
            cond.append(o.c.customer_id == customer_id)
        if status:
            cond.append(o.c.status == status)
        return page(self.engine, o, cond, o.c.placed_at.desc(), limit, offset)

    def set_order_status(
        self,
        order_id: str,
        status: OrderStatus | str,
        note: str = "",
        at: datetime | None = None,
        **fields: str,
    ) -> dict[str, Any]:
        """Move an order to ``status`` if the life cycle allows it, appending to its timeline.

        ``fields`` may set ``tracking_number``, ``carrier`` or ``shipping_address`` in the same
        transaction. Raises :class:`InvalidTransitionError` naming the allowed next statuses.
        """
        new = OrderStatus(status)
        allowed_fields = {"tracking_number", "carrier", "shipping_address"}
        if set(fields) - allowed_fields:
            raise ValueError(f"cannot set {sorted(set(fields) - allowed_fields)} with a status change")
        at = as_utc(at or datetime.now(UTC))
        o = T.orders
        with self.engine.begin() as conn:
            current = _locked_status(conn, order_id)
            if not can_transition(current, new):
                nxt = sorted(s.value for s in ORDER_TRANSITIONS[OrderStatus(current)]) or ["none"]
                raise InvalidTransitionError(
                    f"order {order_id} is {current}; it cannot become {new.value} "
                    f"(allowed: {', '.join(nxt)})",
                    status=current,
                )
            _append_timeline(conn, order_id, new.value, at, note)
            conn.execute(o.update().where(o.c.order_id == order_id).values(status=new.value, **fields))
        return self.get_order(order_id)

    def change_shipping_address(
        self,
        order_id: str,
        address: str,
        note: str = "",
        at: datetime | None = None,
        allowed: Collection[str] = BEFORE_SHIPPING,
    ) -> dict[str, Any]:
        """Set the order's shipping address if its status is one of ``allowed`` (checked on the locked
        row), with a timeline row in the unchanged status, in one transaction; returns the order.

        NotFoundError without the order; :class:`InvalidTransitionError` (with the current ``status``)
        when its status is not ``allowed``.
        """
        o = T.orders
        at = as_utc(at or datetime.now(UTC))
        with self.engine.begin() as conn:
            current = _locked_status(conn, order_id)
            if current not in allowed:
                raise InvalidTransitionError(
                    f"order {order_id} is {current}: its address can change only while it is "
                    f"{' or '.join(sorted(allowed))}",
                    status=current,
                )
            _append_timeline(conn, order_id, current, at, note)
            conn.execute(o.update().where(o.c.order_id == order_id).values(shipping_address=address))
        return self.get_order(order_id)

    def latest_order_event_time(self) -> datetime | None:
        """The newest timestamp in any order's status timeline (None without orders)."""
        with self.engine.connect() as conn:
            latest = conn.execute(sa.select(sa.func.max(T.order_status.c.at))).scalar()
        return as_utc(latest) if latest is not None else None

    def orders_fingerprint(self) -> tuple[int, str]:
        """(number of orders, latest ``placed_at`` as text): changes when orders are added."""
        o = T.orders
        with self.engine.connect() as conn:
            n, latest = conn.execute(sa.select(sa.func.count(), sa.func.max(o.c.placed_at))).one()
        return int(n), str(latest)

    def order_status_counts(self) -> dict[str, int]:
        """``{status: number of orders}`` for the statuses that occur."""
        o = T.orders
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(o.c.status, sa.func.count()).group_by(o.c.status)).all()
        return {s: int(n) for s, n in rows}

    def customer_spend_rank(self, customer_id: str) -> dict[str, Any]:
        """The customer's spend over orders not cancelled, how many customers spent more, and how many
        customers have such orders: ``{"spend": float, "above": int, "customers": int}``."""
        o = T.orders
        spend = sa.func.sum(o.c.total)
        live = o.c.status != OrderStatus.cancelled.value
        with self.engine.connect() as conn:
            mine = conn.execute(sa.select(spend).where(live, o.c.customer_id == customer_id)).scalar() or 0.0
            per_customer = sa.select(spend.label("s")).where(live).group_by(o.c.customer_id).subquery()
            n = conn.execute(sa.select(sa.func.count()).select_from(per_customer)).scalar_one()
            above = conn.execute(
                sa.select(sa.func.count()).select_from(per_customer).where(per_customer.c.s > mine)
            ).scalar_one()
        return {"spend": float(mine), "above": int(above), "customers": int(n)}

    def customers_by_orders(self, limit: int) -> list[dict[str, Any]]:
        """Customers (id, name, email, lang, city, orders) with the most orders first, then by id."""
        c, o = T.customers, T.orders
        n = sa.func.count(o.c.order_id).label("orders")
        cols = (c.c.customer_id, c.c.name, c.c.email, c.c.lang, c.c.city)
        stmt = (
            sa.select(*cols, n)
            .join(o, o.c.customer_id == c.c.customer_id, isouter=True)
            .group_by(*cols)
            .order_by(n.desc(), c.c.customer_id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(stmt).mappings()]

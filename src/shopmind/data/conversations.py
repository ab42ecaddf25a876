"""Conversations and their messages in the store (SQLite or PostgreSQL)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from shopmind.data import tables as T
from shopmind.data.errors import NotFoundError
from shopmind.data.sql import page, plain

if TYPE_CHECKING:
    from shopmind.data.store import Store

STATUSES = ("open", "handoff", "closed")
# Roles the customer sees (an agent's ``note`` and the ``system`` events are for the shop only).
CUSTOMER_ROLES = ("customer", "assistant", "agent")


class Conversations:
    """Create, append to, read and list conversations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, customer_id: str, lang: str, at: datetime | None = None) -> dict[str, Any]:
        row = {
            "conversation_id": f"CV{secrets.token_hex(8)}",
            "customer_id": customer_id,
            "lang": lang,
            "status": "open",
            "started_at": at or datetime.now(UTC),
        }
        with self.store.begin() as conn:
            conn.execute(T.conversations.insert().values(**row))
        return row

    def get(self, conversation_id: str) -> dict[str, Any]:
        c = T.conversations
        with self.store.engine.connect() as conn:
            row = conn.execute(sa.select(c).where(c.c.conversation_id == conversation_id)).mappings().first()
        if row is None:
            raise NotFoundError(f"conversation {conversation_id!r} not found")
        return plain(row)

    def append(
        self, conversation_id: str, role: str, text: str, meta: dict[str, Any], at: datetime | None = None
    ) -> int:
        """Add one message; returns its sequence number."""
        m = T.messages
        of_conversation = m.c.conversation_id == conversation_id
        last = sa.select(sa.func.coalesce(sa.func.max(m.c.seq), 0)).where(of_conversation)
        with self.store.begin() as conn:
            seq = conn.execute(last).scalar_one() + 1
            conn.execute(
                m.insert().values(
                    conversation_id=conversation_id,
                    seq=seq,
                    role=role,
                    text=text,
                    at=at or datetime.now(UTC),
                    meta=meta,
                )
            )
        return seq

    def update(self, conversation_id: str, **values: Any) -> None:
        c = T.conversations
        with self.store.begin() as conn:
            conn.execute(c.update().where(c.c.conversation_id == conversation_id).values(**values))

    def messages(
        self,
        conversation_id: str,
        last: int | None = None,
        after: int = 0,
        roles: tuple[str, ...] | None = None,
    ) -> list[dict[str, Any]]:
        """The conversation's messages in order: only the ``last`` ones, those after sequence number
        ``after`` and those of ``roles`` when given."""
        m = T.messages
        cond = [m.c.conversation_id == conversation_id, m.c.seq > after]
        if roles is not None:
            cond.append(m.c.role.in_(roles))
        stmt = sa.select(m).where(*cond).order_by(m.c.seq.desc())
        if last:
            stmt = stmt.limit(last)
        with self.store.engine.connect() as conn:
            rows = conn.execute(stmt).mappings().all()
        return [plain(r, drop=("conversation_id",)) for r in rows][::-1]

    def last_state(self, conversation_id: str) -> dict[str, Any] | None:
        """The dialogue state saved with the latest assistant message (None before the first reply)."""
        m = T.messages
        stmt = (
            sa.select(m.c.meta)
            .where(m.c.conversation_id == conversation_id, m.c.role == "assistant")
            .order_by(m.c.seq.desc())
            .limit(1)
        )
        with self.store.engine.connect() as conn:
            meta = conn.execute(stmt).scalar()
        return (meta or {}).get("state")

    def list(
        self, status: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[dict[str, Any]], int]:
        """Conversations, newest first; ``status="handoff"`` is the human agents' queue."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
        c = T.conversations
        cond = [c.c.status == status] if status else []
        return page(self.store.engine, c, cond, c.c.started_at.desc(), limit, offset)

    def queue(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Conversations with a human (status ``handoff``): those waiting longest first, then the
        ones nobody waits in (answered by their agent), newest first."""
        c = T.conversations
        where = c.c.status == "handoff"
        order = (c.c.waiting_since.is_(None), c.c.waiting_since.asc(), c.c.started_at.desc())
        with self.store.engine.connect() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(c).where(where)).scalar_one()
            stmt = sa.select(c).where(where).order_by(*order).limit(limit).offset(offset)
            rows = conn.execute(stmt).mappings().all()
        return [plain(r) for r in rows], total

    def claim(self, conversation_id: str, agent: str, force: bool = False) -> str | None:
        """Give the conversation to ``agent`` unless another agent has it (``force``: take it over);
        one conditional update, so two agents taking it at once cannot both get it. Returns the agent
        who has it now."""
        c = T.conversations
        cond = [c.c.conversation_id == conversation_id]
        if not force:
            cond.append(sa.or_(c.c.agent.is_(None), c.c.agent == agent))
        with self.store.begin() as conn:
            conn.execute(c.update().where(*cond).values(agent=agent, status="handoff"))
        return self.get(conversation_id)["agent"]

    def transcript(self, conversation_id: str) -> dict[str, Any]:
        """A conversation with all its messages and its handoff packet (the admin view)."""
        conv = self.get(conversation_id)
        conv["messages"] = self.messages(conversation_id)
        conv["handoff"] = self.handoff_packet(conversation_id)
        return conv

    def handoff_packet(self, conversation_id: str) -> dict[str, Any] | None:
        """The latest handoff packet saved in the conversation (None if never handed over)."""
        for msg in reversed(self.messages(conversation_id)):
            if msg["role"] == "system" and "handoff" in (msg["meta"] or {}):
                return msg["meta"]["handoff"]
        return None

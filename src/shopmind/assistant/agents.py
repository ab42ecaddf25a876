"""The human agents' desk: the queue of handed-over conversations and what an agent does with one.

A conversation the assistant hands over (or one an agent takes) has status ``handoff``; its
``agent`` column names the agent who has it (None: still in the queue) and ``waiting_since`` the
moment the customer started waiting for a human (set by the handoff and by every customer message
an agent has not answered yet, cleared by the agent's reply). All of it is in the store, so every
replica, the API and the CLI see one queue.

What an agent can do:

- ``take``: the conversation becomes theirs (one conditional update: two agents cannot both get it;
  ``force`` takes it over from another agent);
- ``reply``: a message the customer sees (role ``agent``; the chat widget polls for it);
- ``note``: an internal note (role ``note``), never shown to the customer;
- ``hand_back``: the assistant answers again (status ``open``);
- ``close``: the conversation ends (a later customer message reopens it with the assistant).

While an agent has the conversation the assistant stays silent; before one takes it, the assistant
tells the customer once that a human will answer. ``view`` is what the agent sees: the transcript,
notes included, the handoff packet, the wait and the customer's value and churn risk from the
marketing models when they are available.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shopmind.data.conversations import Conversations
from shopmind.data.store import Store

log = logging.getLogger(__name__)

MAX_AGENT_TEXT = 4000  # characters of an agent's reply or note
AGENT_NAME = r"^[\w .@+-]{1,100}$"  # an agent's display name


class AgentConflictError(RuntimeError):
    """The conversation is not in a state that allows this (another agent has it, or it is closed)."""


def wait_seconds(conv: dict[str, Any], now: datetime | None = None) -> float | None:
    """How long the customer has been waiting for a human (None when nobody waits)."""
    since = conv.get("waiting_since")
    if since is None:
        return None
    return round(max(((now or datetime.now(UTC)) - since).total_seconds(), 0.0), 1)


class AgentDesk:
    """The agents' side of the conversations in one store."""

    def __init__(self, store: Store, profile: Callable[[str], dict[str, Any]] | None = None) -> None:
        self.store = store
        self.conversations = Conversations(store)
        self.profile = profile  # customer id -> marketing profile (clv_365d, churn_risk …), or None

    # ------------------------------------------------------------------ reading
    def queue(self, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """Handed-over conversations, longest waiting first, each with its wait, reason and the
        customer's last message."""
        rows, total = self.conversations.queue(limit, offset)
        now = datetime.now(UTC)
        for r in rows:
            cid = r["conversation_id"]
            packet = self.conversations.handoff_packet(cid) or {}
            last = self.conversations.messages(cid, last=1, roles=("customer",))
            r["wait_s"] = wait_seconds(r, now)
            r["reason"] = packet.get("reason", "taken by an agent")
            r["last_message"] = last[0]["text"][:300] if last else ""
        return rows, total

    def view(self, conversation_id: str) -> dict[str, Any]:
        """The transcript (notes included), the handoff packet, the wait and the customer's value."""
        conv = self.conversations.transcript(conversation_id)
        conv["wait_s"] = wait_seconds(conv)
        conv["customer_value"] = self._customer_value(conv.get("customer_id"))
        return conv

    def _customer_value(self, customer_id: str | None) -> dict[str, Any] | None:
        """CLV and churn risk from the marketing models, or None with no models or no purchases."""
        if self.profile is None or not customer_id:
            return None
        try:
            p = self.profile(customer_id)
        except Exception as exc:  # noqa: BLE001 - a missing profile must not hide the conversation
            log.info("no marketing profile for %s: %s", customer_id, exc)
            return None
        keys = ("clv_365d", "churn_risk", "p_alive", "expected_purchases_90d", "segment", "rfm")
        return {k: p.get(k) for k in keys}

    # ------------------------------------------------------------------ acting
    def take(self, conversation_id: str, agent: str, force: bool = False) -> dict[str, Any]:
        """Make the conversation ``agent``'s (AgentConflictError if another agent has it)."""
        conv = self.conversations.get(conversation_id)
        if conv["status"] == "closed":
            raise AgentConflictError(f"conversation {conversation_id} is closed")
        if conv["agent"] == agent:
            return conv
        holder = self.conversations.claim(conversation_id, agent, force)
        if holder != agent:
            raise AgentConflictError(f"conversation {conversation_id} is with agent {holder!r}")
        self._event(conversation_id, "take", agent, f"{agent} took the conversation")
        return self.conversations.get(conversation_id)

    def reply(self, conversation_id: str, agent: str, text: str) -> dict[str, Any]:
        """Send the customer a message as ``agent`` (taking the conversation if nobody has it)."""
        conv = self.take(conversation_id, agent)
        seq = self.conversations.append(conversation_id, "agent", _clean(text), {"agent": agent})
        self.conversations.update(conversation_id, waiting_since=None)
        return {"conversation_id": conversation_id, "seq": seq, "agent": agent, "status": conv["status"]}

    def note(self, conversation_id: str, agent: str, text: str) -> dict[str, Any]:
        """An internal note on the conversation (never shown to the customer)."""
        self.conversations.get(conversation_id)  # NotFoundError for an unknown conversation
        seq = self.conversations.append(conversation_id, "note", _clean(text), {"agent": agent})
        return {"conversation_id": conversation_id, "seq": seq, "agent": agent}

    def hand_back(self, conversation_id: str, agent: str) -> dict[str, Any]:
        """The assistant answers the customer again."""
        self._own(conversation_id, agent)
        self.conversations.update(conversation_id, status="open", agent=None, waiting_since=None)
        self._event(conversation_id, "hand_back", agent, f"{agent} handed the conversation back")
        return self.conversations.get(conversation_id)

    def close(self, conversation_id: str, agent: str) -> dict[str, Any]:
        """End the conversation."""
        conv = self.conversations.get(conversation_id)
        if conv["agent"] not in (None, agent):
            raise AgentConflictError(f"conversation {conversation_id} is with agent {conv['agent']!r}")
        self.conversations.update(conversation_id, status="closed", waiting_since=None)
        self._event(conversation_id, "close", agent, f"{agent} closed the conversation")
        return self.conversations.get(conversation_id)

    def _own(self, conversation_id: str, agent: str) -> dict[str, Any]:
        conv = self.conversations.get(conversation_id)
        if conv["status"] != "handoff":
            raise AgentConflictError(f"conversation {conversation_id} is {conv['status']}, not with an agent")
        if conv["agent"] not in (None, agent):
            raise AgentConflictError(f"conversation {conversation_id} is with agent {conv['agent']!r}")
        return conv

    def _event(self, conversation_id: str, event: str, agent: str, text: str) -> None:
        self.conversations.append(conversation_id, "system", text, {"event": event, "agent": agent})


def _clean(text: str) -> str:
    text = text.strip()
    if not text:
        raise ValueError("the message is empty")
    if len(text) > MAX_AGENT_TEXT:
        raise ValueError(f"the message has {len(text):,} characters; at most {MAX_AGENT_TEXT:,} are allowed")
    return text

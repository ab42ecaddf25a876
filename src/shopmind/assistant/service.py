"""AssistantService: the one entry point the API and the CLI call for customer-service chat.

``start(customer_id)`` opens a conversation for an *authenticated* customer; ``reply(conversation_id,
customer_id, text)`` parses the message (NLU), runs the dialogue policy with tools bound to that
customer, optionally rewrites the grounded reply with an LLM, and stores both messages: the
customer's with the parse in ``meta``, the assistant's with the actions, citations, intent and the
dialogue state in ``meta`` (the state is read back from there on the next turn, so any process can
serve the next message). A handoff also stores a ``system`` message holding the handoff packet and
sets the conversation's status to ``handoff`` (the human agents' queue).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shopmind.assistant.dialogue import Dialogue, DialogueConfig
from shopmind.assistant.handoff import handoff_packet
from shopmind.assistant.knowledge import KnowledgeBase, KnowledgeConfig
from shopmind.assistant.state import DialogueState
from shopmind.assistant.tools import ShopTools, ToolContext, ToolsConfig
from shopmind.data.conversations import Conversations
from shopmind.data.store import NotFoundError, Store

log = logging.getLogger(__name__)


@dataclass
class AssistantConfig:
    """How the assistant is put together."""

    tools: ToolsConfig = field(default_factory=ToolsConfig)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
    dialogue: DialogueConfig = field(default_factory=DialogueConfig)
    clock: str = "system"  # "system" = real time; "store" = the newest order event (demo shops, replays)


def store_clock(store: Store) -> datetime:
    """The newest order-timeline timestamp: "now" for a historic or generated shop."""
    latest = store.latest_order_event_time()
    return latest if latest is not None else datetime.now(UTC)


class AssistantService:
    def __init__(
        self,
        store: Store,
        nlu=None,
        config: AssistantConfig | None = None,
        llm=None,
        knowledge: KnowledgeBase | None = None,
        tools: ShopTools | None = None,
    ) -> None:
        self.store = store
        self.config = config or AssistantConfig()
        self._nlu = nlu
        self.llm = llm  # an LLMAssistant (shopmind.assistant.llm) or None: offline templates
        self.conversations = Conversations(store)
        self.tools = tools or ShopTools(store, self.config.tools)
        # a knowledge base made from the store follows its edits in the background (its ``follower``)
        self.knowledge = knowledge or KnowledgeBase.from_store(store, self.config.knowledge)
        self.dialogue = Dialogue(self.tools, self.knowledge, self.config.dialogue, planner=llm)
        self._now: datetime | None = None

    @property
    def nlu(self):
        """The NLU given to the service; without one, the rule-based fallback (never a training run)."""
        if self._nlu is None:
            from shopmind.assistant.nlu.fallback import build_fallback

            self._nlu = build_fallback()
        return self._nlu

    def now(self) -> datetime:
        if self.config.clock == "store":
            if self._now is None:
                self._now = store_clock(self.store)
            return self._now
        return datetime.now(UTC)

    # ------------------------------------------------------------------ conversations
    def start(self, customer_id: str, lang: str | None = None) -> dict[str, Any]:
        """Open a conversation for an authenticated customer (raises NotFoundError for an unknown one)."""
        customer = self.store.get_customer(customer_id)
        return self.conversations.create(customer_id, lang or customer.get("lang") or "en")

    def reply(self, conversation_id: str, customer_id: str, text: str) -> dict[str, Any]:
        """Answer one message of ``customer_id`` in their own conversation."""
        t0 = time.perf_counter()
        conv = self.conversations.get(conversation_id)
        if conv["customer_id"] != customer_id:
            raise NotFoundError(f"conversation {conversation_id!r} not found")
        text = text.strip()[:2000]
        state = DialogueState.from_dict(self.conversations.last_state(conversation_id))
        if state.turns == 0:
            state.lang = conv["lang"]
        history = [
            m["text"]
            for m in self.conversations.messages(conversation_id, last=20)
            if m["role"] == "customer"
        ]
        parse = self.nlu.parse(text, history=history)  # earlier complaints raise the frustration score
        ctx = ToolContext(customer_id=customer_id, conversation_id=conversation_id, now=self.now())
        turn = self.dialogue.respond(state, parse, text, ctx)
        if self.llm is not None and not turn.handoff:
            turn.text = self.llm.rewrite(turn, state.lang)
        self.conversations.append(conversation_id, "customer", text, {"parse": _parse_meta(parse)})
        meta = {
            "intent": turn.intent,
            "template": turn.template,
            "actions": _jsonable(turn.actions),
            "citations": turn.citations,
            "handoff": turn.handoff,
            "state": state.to_dict(),
        }
        self.conversations.append(conversation_id, "assistant", turn.text, meta)
        if turn.handoff:
            packet = handoff_packet(
                self.store, conversation_id, customer_id, reason=_handoff_reason(parse, state)
            )
            self.conversations.append(
                conversation_id, "system", "handed over to a human agent", {"handoff": packet}
            )
            self.conversations.update(conversation_id, status="handoff", lang=state.lang)
        elif conv["lang"] != state.lang:
            self.conversations.update(conversation_id, lang=state.lang)
        return {
            "conversation_id": conversation_id,
            "reply": turn.text,
            "intent": turn.intent,
            "template": turn.template,
            "lang": state.lang,
            "actions": meta["actions"],
            "citations": turn.citations,
            "handoff": state.handoff,
            "state": {
                "order_id": state.order_id,
                "pending": state.pending.need if state.pending else None,
                "awaiting_confirmation": bool(state.pending and state.pending.need == "confirm"),
                "turns": state.turns,
            },
            "took_ms": round(1000 * (time.perf_counter() - t0), 1),
        }

    def transcript(self, conversation_id: str) -> dict[str, Any]:
        """A conversation with all its messages and its handoff packet (admin view)."""
        return self.conversations.transcript(conversation_id)


def _parse_meta(parse) -> dict[str, Any]:
    return {
        "intent": parse.intent,
        "score": round(float(parse.score), 4),
        "lang": parse.lang,
        "frustration": round(float(parse.frustration), 4),
        "entities": [{"kind": e.kind, "value": str(e.value)} for e in parse.entities],
    }


def _handoff_reason(parse, state: DialogueState) -> str:
    if parse.intent == "human_agent":
        return "customer asked for a human"
    if state.failures >= 2:
        return f"{state.failures} turns in a row the assistant could not help"
    return f"customer frustrated (score {parse.frustration:.2f})"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value

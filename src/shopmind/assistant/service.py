"""AssistantService: the one entry point the API and the CLI call for customer-service chat.

``start(customer_id)`` opens a conversation for an *authenticated* customer, ``start_guest(guest_id)``
one for an anonymous shopper (policies, delivery and products; no orders are a guest's);
``reply(conversation_id, customer_id, text)`` parses the message (NLU), runs the dialogue policy
with tools bound to that customer, optionally rewrites the grounded reply with an LLM, and stores
both messages: the customer's with the parse and its language in ``meta``, the assistant's with the
actions, citations, intent and the dialogue state in ``meta`` (the state is read back from there on
the next turn, so any process can serve the next message). A handoff also stores a ``system``
message holding the handoff packet and sets the conversation's status to ``handoff`` (the human
agents' queue, :mod:`shopmind.assistant.agents`).

While a human has the conversation the assistant stays silent (it tells the customer once, before an
agent takes it, that a human will answer); after an agent hands it back it answers again, and a
message to a closed conversation reopens it with the assistant. A message longer than
``MAX_MESSAGE_CHARS`` is cut to it (the API refuses longer ones with a 422 that names the limit).

The reply follows the language of each message; the conversation's ``lang`` label follows the
customer's latest messages (the most frequent language among the last ``LANG_WINDOW``; a tie keeps
the label), so one Chinese line in an English conversation does not relabel it. A message in
Traditional Chinese characters (我的訂單到哪了) is read in its Simplified form (NLU, rules, tools); the
customer's own text is stored as written, and the answers are in Traditional characters from then on
until the customer writes Simplified ones (:mod:`shopmind.text.script`).

The clock ("now" for return windows and cancellations): ``auto`` is the demo shop's reference time
on a demo database (:func:`shopmind.data.demo.demo_now`, 2026-11-01) and real time anywhere else;
``system`` is real time; ``store`` the newest order event. Web chat, CLI and API share the service,
so they share its clock.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shopmind.assistant import replies as R
from shopmind.assistant.dialogue import Dialogue, DialogueConfig
from shopmind.assistant.dialogue import reply_lang as _message_lang
from shopmind.assistant.handoff import handoff_packet
from shopmind.assistant.knowledge import KnowledgeBase, KnowledgeConfig
from shopmind.assistant.state import DialogueState, Turn
from shopmind.assistant.tools import ShopTools, ToolContext, ToolsConfig
from shopmind.data.conversations import CUSTOMER_ROLES, Conversations
from shopmind.data.store import NotFoundError, Store
from shopmind.text.script import script_of, to_simplified, to_traditional

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000  # a customer message is cut to this many characters
LANG_WINDOW = 3  # customer messages the conversation's language label looks at
CLOCKS = ("auto", "system", "store")


@dataclass
class AssistantConfig:
    """How the assistant is put together."""

    tools: ToolsConfig = field(default_factory=ToolsConfig)
    knowledge: KnowledgeConfig = field(default_factory=KnowledgeConfig)
    dialogue: DialogueConfig = field(default_factory=DialogueConfig)
    clock: str = "auto"  # auto: demo reference time on a demo shop, else real | system | store (newest order)


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
        """The shop's "now" for order rules (see the module docstring); fixed once found."""
        if self._now is not None:
            return self._now
        if self.config.clock == "store":
            self._now = store_clock(self.store)
            return self._now
        if self.config.clock == "auto":
            from shopmind.data.demo import demo_now

            found = demo_now(self.store)
            if found is not None:
                self._now = found
                return found
        return datetime.now(UTC)

    def clock(self) -> dict[str, Any]:
        """The clock in use: its mode, what "now" is and whether it is the real time."""
        now = self.now()
        real = self._now is None
        return {"mode": self.config.clock, "now": now.isoformat(), "real_time": real}

    # ------------------------------------------------------------------ conversations
    def start(self, customer_id: str, lang: str | None = None) -> dict[str, Any]:
        """Open a conversation for an authenticated customer (raises NotFoundError for an unknown one)."""
        customer = self.store.get_customer(customer_id)
        return self.conversations.create(customer_id, lang or customer.get("lang") or "en")

    def start_guest(self, guest_id: str, lang: str | None = None) -> dict[str, Any]:
        """Open a conversation for an anonymous shopper (``guest-…`` id with no stored customer)."""
        return self.conversations.create(guest_id, lang or "en")

    def is_guest(self, customer_id: str) -> bool:
        """No stored customer has this id: an anonymous shopper's conversation."""
        try:
            self.store.get_customer(customer_id)
        except NotFoundError:
            return True
        return False

    def reply(self, conversation_id: str, customer_id: str, text: str) -> dict[str, Any]:
        """Answer one message of ``customer_id`` in their own conversation."""
        t0 = time.perf_counter()
        conv = self._reopened(self._own(conversation_id, customer_id))
        text = text.strip()[:MAX_MESSAGE_CHARS]
        state = DialogueState.from_dict(self.conversations.last_state(conversation_id))
        if state.turns == 0:
            state.lang = conv["lang"]
        if conv["status"] == "open" and state.handoff:  # handed back by an agent: the assistant serves
            state.handoff, state.failures, state.told_waiting = False, 0, False
        history = [
            m["text"] for m in self.conversations.messages(conversation_id, last=20, roles=("customer",))
        ]
        read = to_simplified(text)  # Traditional characters are read in their Simplified form
        state.script = script_of(text) or state.script  # the customer's script, kept when a message has none
        parse = self.nlu.parse(read, history=history)  # earlier complaints raise the frustration score
        if conv["status"] == "handoff":
            return self._with_human(conv, state, parse, text, t0)
        guest = self.is_guest(customer_id)
        ctx = ToolContext(
            customer_id=customer_id, conversation_id=conversation_id, now=self.now(), guest=guest
        )
        turn = self.dialogue.respond(state, parse, read, ctx)
        if self.llm is not None and not turn.handoff:
            turn.text = self.llm.rewrite(turn, state.lang)
        turn.text = _in_script(turn.text, state)
        self._customer_message(conversation_id, text, parse, state.lang)
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
            self._hand_over(conversation_id, customer_id, parse, state)
        self._relabel(conv)
        status = "handoff" if turn.handoff else conv["status"]
        return _answer(conversation_id, turn, state, meta["actions"], status, conv.get("agent"), t0)

    def _hand_over(self, conversation_id: str, customer_id: str, parse, state: DialogueState) -> None:
        """Store the handoff packet and put the conversation in the human agents' queue."""
        reason = _handoff_reason(parse, state)
        packet = handoff_packet(self.store, conversation_id, customer_id, reason, state=state, parse=parse)
        self.conversations.append(
            conversation_id, "system", "handed over to a human agent", {"handoff": packet}
        )
        self.conversations.update(conversation_id, status="handoff", waiting_since=datetime.now(UTC))

    # ------------------------------------------------------------------ with a human
    def _with_human(self, conv: dict[str, Any], state: DialogueState, parse, text: str, t0: float):
        """A message while a human has the conversation: stored for the agent, the customer marked as
        waiting; the assistant says once (before an agent takes it) that a human will answer."""
        cid = conv["conversation_id"]
        state.turns += 1
        state.lang = _message_lang(parse, text, state.lang)
        self._customer_message(cid, text, parse, state.lang)
        if conv.get("waiting_since") is None:
            self.conversations.update(cid, waiting_since=datetime.now(UTC))
        turn = Turn(text="", intent=parse.intent, template="with_agent")
        if conv.get("agent") is None and not state.told_waiting:
            state.told_waiting = True
            said = _in_script(R.render("in_handoff", state.lang), state)
            turn = Turn(text=said, intent=parse.intent, template="in_handoff")
            meta = {"intent": turn.intent, "template": turn.template, "actions": [], "citations": []}
            self.conversations.append(cid, "assistant", turn.text, meta | {"state": state.to_dict()})
        self._relabel(conv)
        return _answer(cid, turn, state, [], "handoff", conv.get("agent"), t0)

    def messages(self, conversation_id: str, customer_id: str, after: int = 0) -> dict[str, Any]:
        """What the customer sees of their conversation after message ``after``: their messages, the
        assistant's and the agents' (never notes or system events), with its status and agent."""
        conv = self._own(conversation_id, customer_id)
        rows = self.conversations.messages(conversation_id, after=after, roles=CUSTOMER_ROLES)
        return {
            "conversation_id": conversation_id,
            "status": conv["status"],
            "agent": conv.get("agent"),
            "messages": [
                {"seq": m["seq"], "role": m["role"], "text": m["text"], "at": m["at"]} for m in rows
            ],
        }

    # ------------------------------------------------------------------ helpers
    def _own(self, conversation_id: str, customer_id: str) -> dict[str, Any]:
        conv = self.conversations.get(conversation_id)
        if conv["customer_id"] != customer_id:
            raise NotFoundError(f"conversation {conversation_id!r} not found")
        return conv

    def _reopened(self, conv: dict[str, Any]) -> dict[str, Any]:
        """A closed conversation the customer writes in again goes back to the assistant."""
        if conv["status"] != "closed":
            return conv
        self.conversations.update(conv["conversation_id"], status="open", agent=None, waiting_since=None)
        return conv | {"status": "open", "agent": None, "waiting_since": None}

    def _customer_message(self, conversation_id: str, text: str, parse, lang: str) -> None:
        self.conversations.append(
            conversation_id, "customer", text, {"parse": _parse_meta(parse), "lang": lang}
        )

    def _relabel(self, conv: dict[str, Any]) -> None:
        """Set the conversation's language to the most frequent one of the latest customer messages."""
        cid = conv["conversation_id"]
        recent = self.conversations.messages(cid, last=LANG_WINDOW, roles=("customer",))
        langs = [m["meta"].get("lang") for m in recent if (m.get("meta") or {}).get("lang")]
        if not langs:
            return
        counts = Counter(langs)
        top = max(counts.values())
        if counts.get(conv["lang"], 0) == top:
            return  # a tie keeps the label
        label = next(lang for lang in reversed(langs) if counts[lang] == top)
        if label != conv["lang"]:
            self.conversations.update(cid, lang=label)

    def transcript(self, conversation_id: str) -> dict[str, Any]:
        """A conversation with all its messages and its handoff packet (admin view)."""
        return self.conversations.transcript(conversation_id)


def _in_script(text: str, state: DialogueState) -> str:
    """An answer in Traditional characters (Taiwan's standard forms: 為, 裡) to a customer who writes
    them (Simplified otherwise)."""
    return to_traditional(text, "tw") if state.script == "traditional" else text


def _answer(
    conversation_id: str,
    turn: Turn,
    state: DialogueState,
    actions: list,
    status: str,
    agent: str | None,
    t0: float,
) -> dict[str, Any]:
    return {
        "conversation_id": conversation_id,
        "reply": turn.text,
        "intent": turn.intent,
        "template": turn.template,
        "lang": state.lang,
        "actions": actions,
        "citations": turn.citations,
        "handoff": status == "handoff",
        "status": status,
        "agent": agent,
        "state": {
            "order_id": state.order_id,
            "pending": state.pending.need if state.pending else None,
            "awaiting_confirmation": bool(state.pending and state.pending.need == "confirm"),
            "turns": state.turns,
        },
        "took_ms": round(1000 * (time.perf_counter() - t0), 1),
    }


PRODUCT_TOOLS = {"search_products": "search", "recommend_products": "rec"}  # tool -> model kind shown


def suggested(actions: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The products a reply shows (its successful product tools' results, in the order listed, each
    product once) with the model kind and version that chose them; None when it shows none."""
    ids: list[str] = []
    kind, version = "", ""
    for action in actions:
        if action.get("tool") not in PRODUCT_TOOLS or not action.get("ok"):
            continue
        data = action.get("data") or {}
        for p in data.get("products") or []:
            if p.get("product_id") and p["product_id"] not in ids:
                ids.append(str(p["product_id"]))
        if not kind and data.get("products"):
            kind = PRODUCT_TOOLS[action["tool"]]
            version = str(data.get("mode") or data.get("version") or "")
    return {"products": ids, "model_kind": kind, "model_version": version} if ids else None


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

"""Dialogue policy: from a parsed customer message and the state to a grounded reply and actions.

The policy, in order:

1. A conversation already with a human stays there; asking for a human, a frustrated message
   (``Parse.frustration`` at or above ``frustration_handoff``) or ``max_failures`` turns in a row
   the assistant could not help with hand the conversation over.
2. A correction ("no, the other order" / "不是这个，是另一个订单") switches the order and redoes
   the task in progress.
3. A pending slot (order number, new address) is filled, or a pending confirmation is answered:
   only an explicit *affirm* runs a changing tool; anything else runs nothing.
4. Otherwise the intent is served: order intents need an order (taken from the message, else the
   order remembered from earlier turns, else the customer is shown their recent orders and asked);
   policy questions are answered from the knowledge base with a citation, or the assistant says it
   does not know and offers a human; products go to search, recommendations to the recommender.

Order numbers come from NLU entities; the customer id only from the session (``ToolContext``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from shopmind.assistant import replies as R
from shopmind.assistant.state import DialogueState, Pending, Turn
from shopmind.assistant.tools import ShopTools, ToolContext, ToolError

if TYPE_CHECKING:
    from shopmind.assistant.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

# Order intents and the changing tool each one ends in (None: read only).
ORDER_INTENTS: dict[str, str | None] = {
    "track_order": None,
    "cancel_order": "cancel_order",
    "change_address": "change_address",
    "refund_return": "request_return",
}
KNOWLEDGE_INTENTS = frozenset({"policy_question", "delivery_options", "payment_problem"})
# Which order statuses are offered first when the customer has to pick an order for an intent.
ELIGIBLE = {
    "track_order": ("shipped", "paid", "placed"),
    "cancel_order": ("placed", "paid"),
    "change_address": ("placed", "paid"),
    "refund_return": ("delivered",),
}
# "the other order" in both languages (reference resolution, not intent classification).
OTHER_ORDER = re.compile(
    r"\b(other|another|different|wrong|not that|not this|meant|i mean)\b"
    r"|另一|另外|别的|其他|其它|不是这|不对|换一个|错了",
    re.IGNORECASE,
)


def _request_after_yes_no(parse) -> str | None:
    """The best-ranked intent that is neither yes, no nor out of scope, when its probability is at
    least half the top one's (None otherwise)."""
    top = parse.ranked[0][1] if parse.ranked else 0.0
    for intent, p in parse.ranked:
        if intent not in ("affirm", "deny", "out_of_scope"):
            return intent if p >= 0.5 * top and p > 0 else None
    return None


@dataclass(frozen=True)
class DialogueConfig:
    """When the assistant gives up and hands over."""

    frustration_handoff: float = 0.7  # Parse.frustration at or above this hands over at once
    max_failures: int = 2  # consecutive unhelpful turns before handing over


def entity_values(parse, kind: str) -> list[str]:
    return [str(e.value) for e in parse.entities if e.kind == kind]


def address_of(parse, text: str) -> str | None:
    """The address the message gives: from the address entity to the end of the message (an address
    ends the sentence: "… change it to 12 Harbour Road, Brighton BN1 2AB"), or the entity's value."""
    for e in parse.entities:
        if e.kind == "address":
            if not e.text or text[e.start : e.end] != e.text:
                return str(e.value)
            tail = text[e.start :].strip().rstrip("。.!！?？")
            return tail if len(tail) >= len(str(e.value)) else str(e.value)
    return None


class Dialogue:
    """The policy over one shop's tools and knowledge base (stateless: the state is passed in)."""

    def __init__(
        self,
        tools: ShopTools,
        knowledge: KnowledgeBase | None,
        config: DialogueConfig | None = None,
        planner=None,
    ) -> None:
        self.tools = tools
        self.knowledge = knowledge
        self.config = config or DialogueConfig()
        self.planner = planner  # optional LLM planner: propose(text, state, ctx) -> [(tool, args)]

    # ------------------------------------------------------------------ entry point
    def respond(self, state: DialogueState, parse, text: str, ctx: ToolContext) -> Turn:
        """The reply to one customer message; ``state`` is updated in place."""
        state.turns += 1
        state.lang = reply_lang(parse, text, state.lang)
        if state.handoff:
            return self._say(state, "in_handoff", parse.intent)
        if parse.intent == "human_agent" or parse.frustration >= self.config.frustration_handoff:
            return self._handoff(state, parse.intent)
        ids = entity_values(parse, "order_id")
        if self._is_correction(state, parse, text, ids):
            turn = self._correct(state, parse, ids, ctx)
        elif state.pending is not None:
            turn = self._continue(state, parse, text, ids, ctx)
        else:
            turn = self._serve(state, parse, text, ids, ctx)
        return self._count_failure(state, turn)

    def _count_failure(self, state: DialogueState, turn: Turn) -> Turn:
        failed = turn.template in ("out_of_scope", "knowledge_none", "not_found", "complaint")
        state.failures = state.failures + 1 if failed else 0
        if failed and state.failures >= self.config.max_failures:
            handoff = self._handoff(state, turn.intent)
            handoff.text = f"{turn.text}\n{handoff.text}"
            handoff.actions = turn.actions + handoff.actions
            return handoff
        return turn

    # ------------------------------------------------------------------ routing
    def _serve(self, state: DialogueState, parse, text: str, ids: list[str], ctx: ToolContext) -> Turn:
        intent = parse.intent
        if intent in ("affirm", "deny"):
            # With nothing pending a yes or no has nothing to answer: "ok, and can I cancel it?"
            # is the request that follows the acknowledgement, when the parse ranks it close.
            intent = _request_after_yes_no(parse) or intent
            parse = replace(parse, intent=intent)
        if ORDER_INTENTS.get(intent) and not ids and state.order_id is None and _policy_like(parse, text):
            turn = self._knowledge(state, "policy_question", text)  # "how long does a refund take?"
            if turn.citations:
                return turn
        if intent in ORDER_INTENTS:
            return self._order_task(state, intent, ids[0] if ids else state.order_id, parse, ctx)
        if ids and intent in ("affirm", "complaint", "out_of_scope", "greeting"):  # "O000123?" alone
            return self._order_task(state, state.last_intent or "track_order", ids[0], parse, ctx)
        if intent in KNOWLEDGE_INTENTS:
            return self._knowledge(state, intent, text)
        if intent == "product_question":
            query = (entity_values(parse, "product") or [text])[0]
            return self._products(state, intent, "search_products", {"query": query[:200]}, ctx)
        if intent == "recommendation":
            turn = self._described_products(state, intent, text, ctx)
            if turn is not None:
                return turn
            return self._products(
                state, intent, "recommend_products", {"k": self.tools.config.max_products}, ctx
            )
        if intent in ("greeting", "goodbye", "complaint"):
            return self._say(state, intent, intent)
        if intent in ("affirm", "deny"):
            return self._say(state, "nothing_pending", intent)
        return self._out_of_scope(state, parse, text, ctx)

    def _continue(self, state: DialogueState, parse, text: str, ids: list[str], ctx: ToolContext) -> Turn:
        pending = state.pending
        assert pending is not None
        if pending.need == "confirm":
            if _confirms(parse, pending, ids):
                return self._execute(state, pending, ctx)
            state.pending = None
            if parse.intent == "deny":
                return self._say(state, "declined_action", "deny")
            return self._serve(state, parse, text, ids, ctx)  # anything else: nothing runs
        if pending.need == "order_id":
            if ids:
                state.pending = None
                return self._order_task(state, pending.intent, ids[0], parse, ctx)
            picked = _ordinal(text, state.offered)
            if picked is None and parse.intent == "affirm" and len(state.offered) == 1:
                picked = state.offered[0]
            if picked is not None:
                state.pending = None
                return self._order_task(state, pending.intent, picked, parse, ctx)
            state.pending = None
            if parse.intent in ("deny", "goodbye"):
                return self._say(state, "declined_action", parse.intent)
            return self._serve(state, parse, text, ids, ctx)
        # need == "address": the address entity (whatever intent the message was taken for: the change
        # still waits for a yes), else a "no", else the message itself
        address = address_of(parse, text)
        if address is None and parse.intent in ("deny", "goodbye"):
            state.pending = None
            return self._say(state, "declined_action", parse.intent)
        if address is None and re.search(r"\d", text) and len(text.strip()) >= 8:
            address = text.strip()  # an address the entity rules did not recognise
        if address is None:  # not an address: a new request
            state.pending = None
            return self._serve(state, parse, text, ids, ctx)
        pending.args["new_address"] = address[:300]
        return self._confirm(
            state, pending, {"order_id": pending.args["order_id"], "new_address": address[:300]}
        )

    # ------------------------------------------------------------------ orders
    def _order_task(
        self, state: DialogueState, intent: str, order_id: str | None, parse, ctx: ToolContext
    ) -> Turn:
        if ctx.guest:  # orders are a signed-in customer's only
            return self._say(state, "sign_in", intent)
        if order_id is None:
            return self._ask_order(state, intent, ctx)
        state.last_intent = intent
        tool = ORDER_INTENTS[intent]
        if tool is None:
            res = self.tools.call("order_status", {"order_id": order_id}, ctx)
            if not res["ok"]:
                return self._say(state, res["error"], intent, actions=[res], **res["data"])
            state.order_id = order_id
            data = res["data"]
            key = {"shipped": "status_shipped", "delivered": "status_delivered"}.get(
                data["status"], "status_other"
            )
            if data["status"] in ("refund_requested", "refunded") and data["tracking_number"]:
                key = "status_other"
            return self._say(state, key, intent, actions=[res], **_order_facts(data))
        args = {"order_id": order_id}
        try:
            facts = self.tools.check(tool, order_id, ctx)
        except ToolError as exc:
            if exc.code != "not_found":
                state.order_id = order_id
            return self._say(state, exc.code, intent, **exc.facts)
        state.order_id = order_id
        if tool == "change_address":
            address = address_of(parse, getattr(parse, "text", ""))
            pending = Pending(intent, "address", tool, dict(args))
            if not address:
                state.pending = pending
                return self._say(state, "ask_address", intent, **facts)
            pending.args["new_address"] = address[:300]
            return self._confirm(state, pending, pending.args)
        return self._confirm(
            state, Pending(intent, "confirm", tool, args), facts | self._return_facts(tool, facts, ctx)
        )

    def _return_facts(self, tool: str, facts: dict[str, Any], ctx: ToolContext) -> dict[str, Any]:
        if tool != "request_return":
            return {}
        from shopmind.assistant.tools import delivered_at

        order = self.tools.own_order(facts["order_id"], ctx)
        days = (ctx.now - delivered_at(order)).total_seconds() / 86_400
        return {"days_since_delivery": int(days), "window_days": self.tools.config.return_window_days}

    def _confirm(self, state: DialogueState, pending: Pending, facts: dict[str, Any]) -> Turn:
        pending.need = "confirm"
        state.pending = pending
        key = {"cancel_order": "confirm_cancel", "request_return": "confirm_return"}.get(
            pending.tool, "confirm_address"
        )
        return self._say(state, key, pending.intent, **facts)

    def _execute(self, state: DialogueState, pending: Pending, ctx: ToolContext) -> Turn:
        state.pending = None
        res = self.tools.call(pending.tool, pending.args, ctx)
        if not res["ok"]:
            return self._say(state, res["error"], pending.intent, actions=[res], **res["data"])
        return self._say(
            state, f"done_{pending.tool}", pending.intent, actions=[res], **_order_facts(res["data"])
        )

    def _ask_order(
        self,
        state: DialogueState,
        intent: str,
        ctx: ToolContext,
        exclude: str | None = None,
        key: str = "ask_order",
    ) -> Turn:
        recent = self.tools.recent_orders(ctx, limit=20)["orders"]
        recent = [o for o in recent if o["order_id"] != exclude]
        first = ELIGIBLE.get(intent, ())
        recent.sort(key=lambda o: o["status"] not in first)  # stable: eligible first, newest first
        shown = recent[: self.tools.config.recent_orders]
        state.offered = [o["order_id"] for o in shown]
        state.pending = Pending(intent, "order_id")
        state.last_intent = intent
        if not shown:
            return self._say(state, "ask_order_none", intent)
        return self._say(state, key, intent, orders=R.order_lines(shown, state.lang))

    # ------------------------------------------------------------------ corrections
    def _is_correction(self, state: DialogueState, parse, text: str, ids: list[str]) -> bool:
        if not (state.order_id or state.offered) or not (state.pending or state.last_intent):
            return False
        if OTHER_ORDER.search(text) and not (ids and ids[0] == state.order_id):
            return True  # an explicit "the other one" wins over whatever intent the NLU guessed
        if parse.intent in ORDER_INTENTS and parse.intent != (
            state.pending.intent if state.pending else state.last_intent
        ):
            return False  # a new task, not a correction
        return parse.intent == "deny" and bool(ids) and ids[0] != state.order_id

    def _correct(self, state: DialogueState, parse, ids: list[str], ctx: ToolContext) -> Turn:
        intent = state.pending.intent if state.pending else state.last_intent or "track_order"
        current = state.order_id
        state.pending = None
        if ids and ids[0] != current:
            return self._order_task(state, intent, ids[0], parse, ctx)
        others = [o for o in state.offered if o != current]
        if len(others) == 1:
            return self._order_task(state, intent, others[0], parse, ctx)
        if not others:
            recent = [
                o["order_id"] for o in self.tools.recent_orders(ctx)["orders"] if o["order_id"] != current
            ]
            if len(recent) == 1:
                return self._order_task(state, intent, recent[0], parse, ctx)
        state.order_id = None
        return self._ask_order(state, intent, ctx, exclude=current, key="ask_order_other")

    # ------------------------------------------------------------------ knowledge, products
    def _knowledge(self, state: DialogueState, intent: str, text: str) -> Turn:
        hit = self.knowledge.answer(text, state.lang) if self.knowledge is not None else None
        if hit is None:
            return self._say(state, "knowledge_none", intent)
        cfg = self.knowledge.config
        cite = hit.citation(cfg.max_quote_chars, cfg.doc_link)
        turn = self._say(
            state, "knowledge", intent, quote=cite["quote"], title=cite["title"], url=cite["url"]
        )
        turn.text = turn.text.rstrip()  # no link configured: the line ends with the title
        turn.citations = [cite]
        return turn

    def _products(
        self, state: DialogueState, intent: str, tool: str, args: dict[str, Any], ctx: ToolContext
    ) -> Turn:
        res = self.tools.call(tool, args, ctx)
        products = res["data"].get("products", []) if res["ok"] else []
        if not products:
            return self._say(state, "products_none", intent, actions=[res], query=args.get("query", ""))
        key = "products" if tool == "search_products" else "recommend"
        lines = R.product_lines(products, state.lang)
        return self._say(state, key, intent, actions=[res], lines=lines, query=args.get("query", ""))

    def _described_products(self, state: DialogueState, intent: str, text: str, ctx: ToolContext):
        """A request that names what to suggest ("any running shoes under 100?", 推荐200元以下的蓝牙耳机)
        is answered by a product search for that need (or says that nothing matches it, rather than
        suggesting something else); None when it names no category or brand: the recommender answers."""
        if _COMPLEMENT.search(text):  # "what goes with a black dress": not more black dresses
            return None
        query = self.tools.described_need(text)
        if not query:
            return None
        return self._products(state, intent, "search_products", {"query": query}, ctx)

    def _out_of_scope(self, state: DialogueState, parse, text: str, ctx: ToolContext) -> Turn:
        if self.planner is not None:
            turn = self.planner.plan_turn(self, state, parse, text, ctx)
            if turn is not None:
                return turn
        return self._say(state, "out_of_scope", parse.intent)

    # ------------------------------------------------------------------ replies
    def _handoff(self, state: DialogueState, intent: str) -> Turn:
        state.handoff = True
        state.pending = None
        turn = self._say(state, "handoff", intent)
        turn.handoff = True
        return turn

    def _say(
        self, state: DialogueState, key: str, intent: str, actions: list | None = None, **facts: Any
    ) -> Turn:
        text = R.render(key, state.lang, **facts)
        return Turn(text=text, intent=intent, template=key, facts=facts, actions=list(actions or []))


# Asking what goes with something names the product it should go with, not the one wanted
_COMPLEMENT = re.compile(r"goes? with|go well with|match(?:es)? with|pair with|搭配|配什么|搭什么", re.I)

ORDINALS = {
    "first": 0,
    "1st": 0,
    "second": 1,
    "2nd": 1,
    "third": 2,
    "3rd": 2,
    "last": -1,
    "第一": 0,
    "第二": 1,
    "第三": 2,
    "最后": -1,
}


QUESTION = re.compile(
    r"[?？]\s*$|吗|多久|几天|多少|怎么|如何|什么时候|^(how|when|what|which|can|could|do|does|is|are|will)\b",
    re.IGNORECASE,
)


def _policy_like(parse, text: str, min_prob: float = 0.05) -> bool:
    """An order-intent message that is really a general question ("when will I get my refund?"):
    phrased as a question, and the NLU gives policy_question some weight among its top three."""
    top = dict(parse.ranked[:3])
    return bool(QUESTION.search(text.strip())) and top.get("policy_question", 0.0) >= min_prob


def _confirms(parse, pending: Pending, ids: list[str], min_prob: float = 0.1) -> bool:
    """An explicit yes: *affirm*, or the same request restated for the same order with affirm among
    the NLU's top three ("确认取消" = "confirm the cancellation", classified cancel_order)."""
    if parse.intent == "affirm":
        return True
    if ids and ids[0] != pending.args.get("order_id"):
        return False
    return parse.intent == pending.intent and dict(parse.ranked[:3]).get("affirm", 0.0) >= min_prob


def _ordinal(text: str, offered: list[str]) -> str | None:
    """ "the second one" / "第二个" → that entry of the offered list (None when there is no such cue)."""
    low = text.lower()
    for word, i in ORDINALS.items():
        if word in low and offered and (i < len(offered)):
            return offered[i]
    return None


def _order_facts(data: dict[str, Any]) -> dict[str, Any]:
    return {
        k: data[k]
        for k in ("order_id", "status", "carrier", "tracking_number", "total", "currency", "shipping_address")
        if k in data
    }


def reply_lang(parse, text: str, previous: str) -> str:
    """The message's language; a message with no words of its own (an order number) keeps the last one.

    Chinese when its Chinese characters are at least as many as its English words (a Chinese sentence
    with a brand name is Chinese; an English one quoting a product's Chinese name is English)."""
    rest = text
    for e in parse.entities:
        if e.text:
            rest = rest.replace(e.text, " ")
    han = len(re.findall(r"[\u4e00-\u9fff]", rest))
    words = len(re.findall(r"[A-Za-z]{2,}", rest))
    if han and han >= words:
        return "zh"
    if words == 0 or parse.lang not in ("zh", "en"):
        return previous
    return "en" if han else parse.lang

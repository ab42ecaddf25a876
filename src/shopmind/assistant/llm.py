"""Optional LLM: a client for any OpenAI-compatible ``/v1/chat/completions`` API, used two ways.

- **Rewrite**: the grounded template reply and its facts go to the model, which may only make the
  wording more fluent; a rewrite that drops any key fact (order number, tracking number, amount,
  cited document id) or fails is discarded and the template reply is kept.
- **Plan**: when NLU finds no intent it can serve, the model sees the tool schemas and may propose
  *one* tool call. The engine validates it (known tool, JSON schema with no extra fields) and runs
  it through the same dialogue paths as NLU intents: the customer id still comes from the session,
  other customers' orders are still "not found", and changing tools still need the customer's
  explicit confirmation. Model text is never executed and never shown as a plan.

Configure with ``SHOPMIND_LLM_BASE_URL`` (e.g. ``http://localhost:8080/v1``), ``SHOPMIND_LLM_MODEL``
and ``SHOPMIND_LLM_API_KEY``; without a base URL the assistant runs fully offline.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

from shopmind.assistant.state import Turn
from shopmind.assistant.tools import SPECS, ToolError, validate_call

log = logging.getLogger(__name__)

# Tool → the dialogue intent that serves it (changing tools go through the confirmation turn).
TOOL_INTENTS = {
    "order_status": "track_order",
    "cancel_order": "cancel_order",
    "request_return": "refund_return",
    "change_address": "change_address",
}
KEY_FACTS = ("order_id", "tracking_number", "doc_id", "new_address")


@dataclass(frozen=True)
class LLMConfig:
    """Where the OpenAI-compatible API is and how to call it."""

    base_url: str  # e.g. http://localhost:8080/v1 (the path up to /chat/completions)
    model: str = "default"  # model name sent with every request
    api_key: str | None = field(default=None, repr=False)  # sent as a Bearer token when set
    timeout: float = 20.0  # seconds per request
    temperature: float = 0.2  # sampling temperature


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # the raw JSON text the model produced


@dataclass
class ChatReply:
    content: str
    tool_calls: list[ToolCall]


class LLMError(RuntimeError):
    """The LLM endpoint failed or answered something that is not a chat completion."""


class LLMClient:
    """A minimal OpenAI-compatible chat client (httpx, no SDK)."""

    def __init__(self, config: LLMConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {config.api_key}"} if config.api_key else {}
        self._http = httpx.Client(
            base_url=config.base_url.rstrip("/"), headers=headers, timeout=config.timeout, transport=transport
        )

    def chat(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> ChatReply:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "temperature": self.config.temperature,
        }
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        try:
            resp = self._http.post("/chat/completions", json=body)
            resp.raise_for_status()
            msg = resp.json()["choices"][0]["message"]
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError) as exc:
            raise LLMError(f"chat completion failed: {exc}") from exc
        calls = []
        for c in msg.get("tool_calls") or []:
            fn = c.get("function") or {}
            args = fn.get("arguments", "{}")
            calls.append(
                ToolCall(
                    str(c.get("id", "")),
                    str(fn.get("name", "")),
                    args if isinstance(args, str) else json.dumps(args),
                )
            )
        return ChatReply(str(msg.get("content") or ""), calls)

    def close(self) -> None:
        self._http.close()


REWRITE_PROMPT = (
    "You are the customer-service assistant of an online shop. Rewrite the draft reply so it reads "
    "naturally, in {language}. Use only the facts in the draft and the facts object; add no promises, "
    "prices, dates or policies. Keep every order number, tracking number, amount and document id exactly "
    "as written. Answer with the reply text only."
)
PLAN_PROMPT = (
    "You are the customer-service assistant of an online shop. The customer is already signed in; you "
    "never need their customer id. If one of the tools serves the message, call exactly one tool; "
    "otherwise answer briefly without a tool. Reply in {language}."
)


class LLMAssistant:
    """Rewrites grounded replies and proposes tool calls; the engine stays in charge."""

    def __init__(self, client: LLMClient) -> None:
        self.client = client
        self.rejected: list[dict[str, Any]] = []  # tool calls refused (also recorded in the turn's actions)

    def rewrite(self, turn: Turn, lang: str) -> str:
        """A fluent version of ``turn.text`` keeping all key facts, else ``turn.text`` unchanged."""
        language = "Simplified Chinese" if lang == "zh" else "English"
        facts = {k: v for k, v in turn.facts.items() if isinstance(v, str | int | float)}
        messages = [
            {"role": "system", "content": REWRITE_PROMPT.format(language=language)},
            {"role": "user", "content": json.dumps({"draft": turn.text, "facts": facts}, ensure_ascii=False)},
        ]
        try:
            text = self.client.chat(messages).content.strip()
        except LLMError as exc:
            log.warning("LLM rewrite failed, keeping the template: %s", exc)
            return turn.text
        missing = [k for k in KEY_FACTS if turn.facts.get(k) and str(turn.facts[k]) not in text]
        if not text or missing:
            log.info("LLM rewrite dropped %s; keeping the template", missing or "everything")
            return turn.text
        if turn.citations:  # the citation line is the engine's, never the model's
            text += "\n" + turn.text.splitlines()[-1]
        return text

    def plan_turn(self, dialogue, state, parse, text: str, ctx) -> Turn | None:
        """Ask the model for one tool call for an unrecognised message; validate and route it."""
        language = "Simplified Chinese" if state.lang == "zh" else "English"
        messages = [
            {"role": "system", "content": PLAN_PROMPT.format(language=language)},
            {"role": "user", "content": text},
        ]
        try:
            reply = self.client.chat(messages, tools=[s.schema() for s in SPECS.values()])
        except LLMError as exc:
            log.warning("LLM planning failed: %s", exc)
            return None
        if not reply.tool_calls:
            return None
        call = reply.tool_calls[0]
        try:
            spec, args = validate_call(call.name, call.arguments)
        except ToolError as exc:
            rejected = {
                "tool": call.name,
                "args": call.arguments[:500],
                "ok": False,
                "error": "rejected_tool_call",
                "data": {"reason": exc.facts.get("reason", "")},
                "source": "llm",
            }
            self.rejected.append(rejected)
            log.warning("rejected LLM tool call %s: %s", call.name, exc.facts.get("reason"))
            turn = dialogue._say(state, "out_of_scope", parse.intent)
            turn.actions.append(rejected)
            return turn
        values = args.model_dump()
        if spec.name in TOOL_INTENTS:
            turn = dialogue._order_task(
                state, TOOL_INTENTS[spec.name], values["order_id"], _WithAddress(parse, values), ctx
            )
        elif spec.name == "recent_orders":
            turn = dialogue._ask_order(state, "track_order", ctx)
        else:
            turn = dialogue._products(state, spec.name, spec.name, values, ctx)
        for a in turn.actions:
            a.setdefault("source", "llm")
        return turn


class _WithAddress:
    """A parse whose address entity is the one the model proposed (the customer still confirms it)."""

    def __init__(self, parse, values: dict[str, Any]) -> None:
        self._parse = parse
        self.entities = list(parse.entities)
        if values.get("new_address"):
            self.entities.append(_Entity("address", values["new_address"]))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._parse, name)


@dataclass
class _Entity:
    kind: str
    value: str
    text: str = ""
    start: int = 0
    end: int = 0


def load_llm(config: LLMConfig | None) -> LLMAssistant | None:
    """The LLM assistant for ``config``, or None (offline templates) when no LLM is configured."""
    return LLMAssistant(LLMClient(config)) if config is not None and config.base_url else None

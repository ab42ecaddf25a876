"""Customer-service chat (storefront key + a chat session) and its admin views (admin key).

1. ``POST /chat/sessions`` (storefront key) with the customer's login — for the demo shop the
   customer id and the e-mail on file — opens a conversation and returns a signed session token
   bound to that customer and conversation. A ``guest-`` id with no e-mail opens a guest's
   conversation: policies, delivery and products; order questions get "please sign in".
2. ``POST /chat`` (storefront key, token in ``X-Chat-Token``) with ``{"message": …}`` returns the
   reply, actions, citations, dialogue state and handoff flag; a reply that suggests products carries
   the ``impression_id`` of those products (surface ``assistant``), which the widget sends back with a
   click on one of them. The customer is the token's; the
   body has no customer field (extra fields are rejected) and message text never chooses one. A
   message holds at most ``MAX_MESSAGE_CHARS`` (2,000) characters: a longer one is answered 422
   with the limit and its length (a body over the server's byte bound, 413), never cut silently.
3. ``GET /chat/messages?after=SEQ`` (same token): the conversation's messages the customer sees
   (theirs, the assistant's, the human agent's) after ``SEQ``, with its status and agent; the chat
   widgets poll it while a human has the conversation.
4. ``GET /admin/conversations`` (``?status=handoff`` = the human agents' queue) and
   ``GET /admin/conversations/{id}`` (transcript + handoff packet) need an admin key; what agents do
   with a conversation is in :mod:`shopmind.api.routers.agents`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from shopmind.api import abuse, tokens
from shopmind.api.deps import AssistantDep, SettingsDep, StoreDep, admin, storefront
from shopmind.api.impressions import IMPRESSION, MaybeOnlineDep
from shopmind.api.routers.common import TOKEN_PATTERN, IdPath
from shopmind.api.schemas import BODY, INPUT, KEYED, Page, errors
from shopmind.assistant.service import MAX_MESSAGE_CHARS, suggested
from shopmind.data.conversations import Conversations
from shopmind.data.errors import NotFoundError
from shopmind.data.schema import FILLED_TEXT_PATTERN, ID_PATTERN, MAX_LIMIT, MAX_OFFSET, Line
from shopmind.data.store import Store

customer_router = APIRouter(tags=["chat"], dependencies=[storefront], responses=KEYED)
admin_router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin], responses=KEYED)
router = APIRouter()


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(pattern=ID_PATTERN, description="The customer's id, or a guest- id")
    email: str | None = Line(
        320, None, min_length=3, description="The e-mail on file (demo login); none for a guest- id"
    )
    lang: str | None = Field(None, pattern="^(en|zh)$")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(
        ..., min_length=1, description=f"The customer's words: at most {MAX_MESSAGE_CHARS:,} characters"
    )

    @field_validator("message")
    @classmethod
    def _bounded(cls, value: str) -> str:
        if len(value) > MAX_MESSAGE_CHARS:
            raise ValueError(
                f"the message has {len(value):,} characters; a chat message holds at most "
                f"{MAX_MESSAGE_CHARS:,} (send a shorter one or split it)"
            )
        if not re.fullmatch(FILLED_TEXT_PATTERN, value):
            raise ValueError("the message is empty or holds control characters")
        return value


# ---------------------------------------------------------------------- answers
class Session(BaseModel):
    token: str = Field(description="Send it as X-Chat-Token with every message of this conversation")
    conversation_id: str
    customer_id: str
    expires_in: int = Field(description="Seconds the token stays valid")


class ToolAction(BaseModel):
    """One tool call the assistant made for this message, with its result."""

    tool: str = Field(description="e.g. order_status, cancel_order, search_products")
    args: dict[str, Any] | str = Field(description="The call's arguments (the raw text of a rejected call)")
    ok: bool
    error: str | None = Field(None, description="Why the call failed (a code); only when ok is false")
    data: dict[str, Any] | None = Field(None, description="The tool's result, or the facts of its failure")
    source: str | None = Field(None, description="'llm' for a call the language model proposed")


class Citation(BaseModel):
    """A knowledge-base passage the reply quotes."""

    doc_id: str = Field(description="The document's id in the knowledge base (not shown to customers)")
    title: str
    url: str = Field("", description="Link of the document (SHOPMIND_ASSISTANT_DOC_LINK)")
    topic: str
    lang: str
    quote: str
    score: float = Field(description="Retrieval score of the passage")
    coverage: float = Field(description="Share of the question's words the passage covers")


class DialogueState(BaseModel):
    order_id: str | None = Field(description="The order the conversation is about")
    pending: str | None = Field(description="What the assistant waits for, e.g. order_id or confirm")
    awaiting_confirmation: bool
    turns: int


class ChatReply(BaseModel):
    conversation_id: str
    reply: str
    intent: str
    template: str = Field(description="The reply template used")
    lang: str
    actions: list[ToolAction]
    citations: list[Citation]
    handoff: bool = Field(description="The conversation is now with a human agent")
    status: str = Field("open", description="open, handoff (with a human) or closed")
    agent: str | None = Field(None, description="The human agent who has the conversation")
    state: DialogueState
    took_ms: float
    impression_id: str | None = Field(
        None,
        description="When the reply suggests products (its search_products / recommend_products actions): "
        f"the impression of those products. {IMPRESSION}",
    )


class CustomerMessage(BaseModel):
    seq: int
    role: str = Field(description="customer, assistant or agent (a human agent)")
    text: str
    at: datetime


class CustomerMessages(BaseModel):
    conversation_id: str
    status: str = Field(description="open, handoff (with a human) or closed")
    agent: str | None = Field(description="The human agent who has the conversation")
    messages: list[CustomerMessage]


class ActionTaken(BaseModel):
    tool: str
    order_id: str | None
    ok: bool | None


class TranscriptSummary(BaseModel):
    intents: list[str]
    actions: list[ActionTaken] = Field(description="Order changes attempted")
    turns: int = Field(description="Customer messages")
    last_lines: list[str]


class OrderBrief(BaseModel):
    order_id: str
    status: str
    placed_at: str
    total: float
    tracking_number: str


class ValueTier(BaseModel):
    spend: float
    rank: int = Field(description="Rank by spend among all customers (1 = the most)")
    customers: int
    tier: str


class Entity(BaseModel):
    kind: str
    value: str


class HandoffPacket(BaseModel):
    """What a human agent needs to take over without asking again."""

    reason: str
    customer_id: str
    intent: str | None = Field(None, description="The intent of the message that handed over")
    entities: list[Entity] = Field([], description="The entities of that message")
    order: dict[str, Any] | None = Field(None, description="The order the conversation is about")
    summary: TranscriptSummary
    orders: list[OrderBrief] = Field(description="The customer's latest orders")
    orders_total: int
    recent_searches: list[str]
    value: ValueTier


class ConversationItem(BaseModel):
    conversation_id: str
    customer_id: str | None
    lang: str
    status: str = Field(description="open, handoff or closed")
    started_at: datetime
    agent: str | None = Field(None, description="The human agent who has it")
    waiting_since: datetime | None = Field(None, description="Since when the customer waits for a human")
    handoff: HandoffPacket | None = Field(description="The handoff packet of a handed-over conversation")


class TranscriptMessage(BaseModel):
    seq: int
    role: str = Field(description="customer, assistant, agent, note (internal) or system")
    text: str
    at: datetime
    meta: dict[str, Any] = Field(
        description="The customer message's parse; the assistant's intent, actions, citations and state"
    )


class Transcript(BaseModel):
    conversation_id: str
    customer_id: str | None
    lang: str
    status: str
    started_at: datetime
    agent: str | None = None
    waiting_since: datetime | None = None
    messages: list[TranscriptMessage]
    handoff: HandoffPacket | None


# ---------------------------------------------------------------------- tokens
def make_token(secret: bytes, conversation_id: str, customer_id: str, ttl: int) -> str:
    return tokens.sign(secret, "chat", [conversation_id, customer_id], ttl)


def read_token(secret: bytes, token: str) -> tuple[str, str]:
    """(conversation_id, customer_id) of a valid, unexpired token; 401 otherwise."""
    fields = tokens.verify(secret, "chat", token, 2)
    if fields is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or expired chat session: open a new one with POST /chat/sessions",
        )
    return fields[0], fields[1]


# ---------------------------------------------------------------------- customer
def _is_guest(store: Store, customer_id: str) -> bool:
    """A guest- id no stored customer has (a stored customer's id always needs the login)."""
    if not customer_id.startswith(tokens.GUEST_PREFIX):
        return False
    try:
        store.get_customer(customer_id)
    except NotFoundError:
        return True
    return False


@customer_router.post("/chat/sessions", status_code=201, response_model=Session, responses=BODY | errors(429))
def open_session(
    body: SessionRequest, request: Request, store: StoreDep, assistant: AssistantDep, settings: SettingsDep
) -> dict[str, Any]:
    """Log the customer in (demo: customer id + e-mail on file) and open a conversation; a ``guest-`` id
    with no e-mail opens a guest's conversation (questions about the shop: no orders are a guest's).
    Rate limited per address and per customer id like ``POST /shop/login``."""
    abuse.limit(request, "login", body.customer_id)
    if _is_guest(store, body.customer_id) and body.email is None:
        # an anonymous shopper (the embedded widget): questions about the shop; no orders are theirs
        conv = assistant.start_guest(body.customer_id, body.lang)
    else:
        tokens.check_login(store, body.customer_id, body.email or "")
        conv = assistant.start(body.customer_id, body.lang)
    ttl = settings.chat_session_ttl
    token = make_token(tokens.secret(request), conv["conversation_id"], body.customer_id, ttl)
    return {
        "token": token,
        "conversation_id": conv["conversation_id"],
        "customer_id": body.customer_id,
        "expires_in": ttl,
    }


@customer_router.post(
    "/chat", response_model=ChatReply, response_model_exclude_unset=True, responses=BODY | errors(429)
)
def chat(
    body: ChatRequest,
    request: Request,
    assistant: AssistantDep,
    online: MaybeOnlineDep,
    x_chat_token: str = Header(..., pattern=TOKEN_PATTERN, description="Token from POST /chat/sessions"),
) -> dict[str, Any]:
    """One customer message → the assistant's reply, actions, citations, state and handoff flag."""
    conversation_id, customer_id = read_token(tokens.secret(request), x_chat_token)
    abuse.limit(request, "chat", customer_id)
    answer = assistant.reply(conversation_id, customer_id, body.message)
    shown = suggested(answer["actions"])
    answer["impression_id"] = None
    if shown is not None and online is not None:
        answer["impression_id"] = online.show(
            "assistant", shown.pop("products"), customer_id=customer_id, **shown
        )
    return answer


@customer_router.get("/chat/messages", response_model=CustomerMessages, responses=errors(404, 422))
def chat_messages(
    request: Request,
    assistant: AssistantDep,
    after: int = Query(0, ge=0, le=10**9, description="Only messages after this sequence number"),
    x_chat_token: str = Header(..., pattern=TOKEN_PATTERN, description="Token from POST /chat/sessions"),
) -> dict[str, Any]:
    """The messages of the session's conversation the customer sees (theirs, the assistant's, the human
    agent's; never internal notes) after ``after``, with its status and agent: poll it for an agent's
    replies."""
    conversation_id, customer_id = read_token(tokens.secret(request), x_chat_token)
    return assistant.messages(conversation_id, customer_id, after)


# ---------------------------------------------------------------------- admin
@admin_router.get("/conversations", response_model=Page[ConversationItem], responses=INPUT)
def conversations(
    store: StoreDep,
    status_: str | None = Query(
        None, alias="status", pattern="^(open|handoff|closed)$", description="handoff = the agents' queue"
    ),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """Conversations, newest first; each handed-over one carries its handoff packet."""
    convs = Conversations(store)
    rows, total = convs.list(status_, limit, offset)
    for r in rows:
        r["handoff"] = convs.handoff_packet(r["conversation_id"]) if r["status"] == "handoff" else None
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@admin_router.get("/conversations/{conversation_id}", response_model=Transcript, responses=errors(404, 422))
def conversation(conversation_id: IdPath, store: StoreDep) -> dict[str, Any]:
    """A transcript with every message's meta (parse, actions, citations, state) and the handoff packet."""
    return Conversations(store).transcript(conversation_id)


router.include_router(customer_router)
router.include_router(admin_router)

"""Customer-service chat (storefront key + a chat session) and its admin views (admin key).

1. ``POST /chat/sessions`` (storefront key) with the customer's login — for the demo shop the
   customer id and the e-mail on file — opens a conversation and returns a signed session token
   bound to that customer and conversation.
2. ``POST /chat`` (storefront key, token in ``X-Chat-Token``) with ``{"message": …}`` returns the
   reply, actions, citations, dialogue state and handoff flag. The customer is the token's; the
   body has no customer field (extra fields are rejected) and message text never chooses one.
3. ``GET /admin/conversations`` (``?status=handoff`` = the human agents' queue) and
   ``GET /admin/conversations/{id}`` (transcript + handoff packet) need an admin key.
"""

from __future__ import annotations

import threading
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api import tokens
from shopmind.api.deps import admin, get_store, storefront
from shopmind.data.store import Store

customer_router = APIRouter(tags=["chat"], dependencies=[storefront])
admin_router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[admin])
router = APIRouter()
_lock = threading.Lock()


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=128)
    email: str = Field(min_length=3, max_length=320, description="The e-mail on file (demo login)")
    lang: str | None = Field(None, pattern="^(en|zh)$")


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=2000)


def get_assistant(request: Request):
    service = getattr(request.app.state, "assistant", None)
    if service is None:
        with _lock:
            service = getattr(request.app.state, "assistant", None)
            if service is None:
                from shopmind.assistant.service import build_assistant

                state = request.app.state
                service = build_assistant(
                    get_store(request),
                    state.settings,
                    search=getattr(state, "search", None),
                    recommender=getattr(state, "recommendations", None),
                )
                state.assistant = service
    return service


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
@customer_router.post("/chat/sessions", status_code=201)
def open_session(body: SessionRequest, request: Request, store: Store = Depends(get_store)) -> dict[str, Any]:
    """Log the customer in (demo: customer id + e-mail on file) and open a conversation."""
    tokens.check_login(store, body.customer_id, body.email)
    conv = get_assistant(request).start(body.customer_id, body.lang)
    ttl = request.app.state.settings.chat_session_ttl
    token = make_token(tokens.secret(request), conv["conversation_id"], body.customer_id, ttl)
    return {
        "token": token,
        "conversation_id": conv["conversation_id"],
        "customer_id": body.customer_id,
        "expires_in": ttl,
    }


@customer_router.post("/chat")
def chat(
    body: ChatRequest,
    request: Request,
    x_chat_token: str = Header(..., description="Token from POST /chat/sessions"),
) -> dict[str, Any]:
    """One customer message → the assistant's reply, actions, citations, state and handoff flag."""
    conversation_id, customer_id = read_token(tokens.secret(request), x_chat_token)
    return get_assistant(request).reply(conversation_id, customer_id, body.message)


# ---------------------------------------------------------------------- admin
@admin_router.get("/conversations")
def conversations(
    request: Request,
    status_: str | None = Query(
        None, alias="status", pattern="^(open|handoff|closed)$", description="handoff = the agents' queue"
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Conversations, newest first; each handed-over one carries its handoff packet."""
    from shopmind.assistant.conversations import Conversations

    convs = Conversations(get_store(request))
    rows, total = convs.list(status_, limit, offset)
    for r in rows:
        r["handoff"] = convs.handoff_packet(r["conversation_id"]) if r["status"] == "handoff" else None
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@admin_router.get("/conversations/{conversation_id}")
def conversation(conversation_id: str, request: Request) -> dict[str, Any]:
    """A transcript with every message's meta (parse, actions, citations, state) and the handoff packet."""
    from shopmind.assistant.conversations import Conversations

    convs = Conversations(get_store(request))
    conv = convs.get(conversation_id)
    conv["messages"] = convs.messages(conversation_id)
    conv["handoff"] = convs.handoff_packet(conversation_id)
    return conv


router.include_router(customer_router)
router.include_router(admin_router)

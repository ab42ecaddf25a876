"""The human agents' desk (admin key): the queue of handed-over conversations and the agent's actions.

- ``GET /admin/agents/queue``: conversations with a human, those waiting longest first, each with its
  wait in seconds, agent, handoff reason and the customer's last message.
- ``GET /admin/agents/conversations/{id}``: the transcript (internal notes included), the handoff
  packet, the wait and the customer's CLV and churn risk (marketing models, when available).
- ``POST /admin/agents/conversations/{id}/take | reply | notes | hand-back | close`` with
  ``{"agent": NAME, …}``: take it (409 when another agent has it, unless ``force``), send the customer
  a message (they see it in the chat widget, which polls ``GET /chat/messages``), add an internal
  note (never shown to the customer), give it back to the assistant, close it.

The same actions are ``shopmind agents …`` on the command line (:mod:`shopmind.assistant.agents_cli`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from shopmind.api.deps import EngineDep, StoreDep, admin
from shopmind.api.routers.chat import Transcript
from shopmind.api.routers.common import IdPath
from shopmind.api.schemas import BODY, INPUT, KEYED, Page, errors
from shopmind.assistant.agents import AGENT_NAME, MAX_AGENT_TEXT, AgentConflictError, AgentDesk
from shopmind.data.schema import FILLED_TEXT_PATTERN, MAX_LIMIT, MAX_OFFSET

router = APIRouter(prefix="/admin/agents", tags=["agents"], dependencies=[admin], responses=KEYED)


class AgentAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    agent: str = Field(pattern=AGENT_NAME, description="The agent's name as the transcript shows it")


class TakeRequest(AgentAction):
    force: bool = Field(False, description="Take it over from another agent")


class AgentText(AgentAction):
    text: str = Field(
        min_length=1,
        max_length=MAX_AGENT_TEXT,
        pattern=FILLED_TEXT_PATTERN,
        description=f"At most {MAX_AGENT_TEXT:,} characters",
    )


class QueueItem(BaseModel):
    conversation_id: str
    customer_id: str | None
    lang: str
    status: str
    started_at: datetime
    agent: str | None = Field(description="The agent who has it (None: nobody yet)")
    waiting_since: datetime | None = Field(description="Since when the customer waits for a human")
    wait_s: float | None = Field(description="Seconds the customer has waited (None: answered)")
    reason: str = Field(description="Why the assistant handed over")
    last_message: str = Field(description="The customer's last message")


class ConversationState(BaseModel):
    conversation_id: str
    customer_id: str | None
    lang: str
    status: str = Field(description="open (assistant), handoff (with a human) or closed")
    agent: str | None
    waiting_since: datetime | None = None


class Posted(BaseModel):
    conversation_id: str
    seq: int = Field(description="The message's sequence number in the conversation")
    agent: str
    status: str | None = None


class AgentView(Transcript):
    wait_s: float | None = Field(None, description="Seconds the customer has waited for a human")
    customer_value: dict[str, Any] | None = Field(
        None, description="CLV (365 days), churn risk, p(alive), segment from the marketing models"
    )


def desk(store, engine) -> AgentDesk:
    return AgentDesk(store, profile=lambda customer_id: engine.marketing.profile(customer_id))


def _act(fn, *args) -> dict[str, Any]:
    try:
        return fn(*args)
    except AgentConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("/queue", response_model=Page[QueueItem], responses=INPUT)
def queue(
    store: StoreDep,
    engine: EngineDep,
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
) -> dict[str, Any]:
    """Conversations with a human: those waiting longest first, then the answered ones."""
    rows, total = desk(store, engine).queue(limit, offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/conversations/{conversation_id}", response_model=AgentView, responses=errors(404, 422))
def view(conversation_id: IdPath, store: StoreDep, engine: EngineDep) -> dict[str, Any]:
    """What the agent sees: transcript with notes, handoff packet, wait, the customer's value."""
    return desk(store, engine).view(conversation_id)


@router.post(
    "/conversations/{conversation_id}/take",
    response_model=ConversationState,
    responses=BODY | errors(404, 409),
)
def take(conversation_id: IdPath, body: TakeRequest, store: StoreDep, engine: EngineDep) -> dict[str, Any]:
    """Take the conversation (from the queue, or from the assistant): the assistant stops answering."""
    return _act(desk(store, engine).take, conversation_id, body.agent, body.force)


@router.post(
    "/conversations/{conversation_id}/reply", response_model=Posted, responses=BODY | errors(404, 409)
)
def reply(conversation_id: IdPath, body: AgentText, store: StoreDep, engine: EngineDep) -> dict[str, Any]:
    """Send the customer a message (takes the conversation when nobody has it)."""
    return _act(desk(store, engine).reply, conversation_id, body.agent, body.text)


@router.post(
    "/conversations/{conversation_id}/notes", response_model=Posted, responses=BODY | errors(404, 409)
)
def note(conversation_id: IdPath, body: AgentText, store: StoreDep, engine: EngineDep) -> dict[str, Any]:
    """An internal note: agents see it in the transcript, the customer never does."""
    return _act(desk(store, engine).note, conversation_id, body.agent, body.text)


@router.post(
    "/conversations/{conversation_id}/hand-back",
    response_model=ConversationState,
    responses=BODY | errors(404, 409),
)
def hand_back(
    conversation_id: IdPath, body: AgentAction, store: StoreDep, engine: EngineDep
) -> dict[str, Any]:
    """Give the conversation back to the assistant (it answers the customer's next message)."""
    return _act(desk(store, engine).hand_back, conversation_id, body.agent)


@router.post(
    "/conversations/{conversation_id}/close",
    response_model=ConversationState,
    responses=BODY | errors(404, 409),
)
def close(conversation_id: IdPath, body: AgentAction, store: StoreDep, engine: EngineDep) -> dict[str, Any]:
    """Close the conversation (a later customer message reopens it with the assistant)."""
    return _act(desk(store, engine).close, conversation_id, body.agent)

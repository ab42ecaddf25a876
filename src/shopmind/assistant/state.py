"""Dialogue state and turn results: plain data that round-trips through JSON (messages.meta)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Pending:
    """A task waiting for the customer: a missing slot or an explicit confirmation."""

    intent: str  # the intent being served, e.g. "cancel_order"
    need: str  # "order_id", "address" or "confirm"
    tool: str = ""  # the changing tool to run once confirmed
    args: dict[str, Any] = field(default_factory=dict)  # its arguments so far


@dataclass
class DialogueState:
    """What the assistant remembers between turns of one conversation."""

    lang: str = "en"  # language of the latest customer message (replies follow it)
    script: str = ""  # "traditional" or "simplified": the customer's Chinese characters (replies follow)
    order_id: str | None = None  # the order being talked about (remembered across turns)
    offered: list[str] = field(default_factory=list)  # orders listed in the last question
    pending: Pending | None = None  # slot or confirmation being waited for
    last_intent: str | None = None  # the last order intent served (for corrections)
    failures: int = 0  # consecutive turns the assistant could not help with
    handoff: bool = False  # handed to a human
    told_waiting: bool = False  # the customer was told once that a human will answer
    turns: int = 0  # customer turns so far

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> DialogueState:
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if values.get("pending"):
            values["pending"] = Pending(**values["pending"])
        return cls(**values)


@dataclass
class Turn:
    """The assistant's answer to one customer message."""

    text: str  # the reply
    intent: str  # the intent it served
    template: str = ""  # the reply template used (tests and the LLM rewrite read it)
    facts: dict[str, Any] = field(default_factory=dict)  # the facts the reply was filled with
    actions: list[dict[str, Any]] = field(default_factory=list)  # tool calls and results
    citations: list[dict[str, Any]] = field(default_factory=list)  # knowledge passages quoted
    handoff: bool = False  # this turn hands the conversation to a human

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

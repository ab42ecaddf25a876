"""`shopmind agents …`: the human agents' desk on the command line (the same actions as the API's
``/admin/agents`` routes; the terminal is an operator's tool, it has the database)."""

from __future__ import annotations

import getpass
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

agents_app = typer.Typer(
    help="Human agents: the handoff queue, take, reply, notes, hand back, close.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)

Agent = Annotated[str, typer.Option("--agent", "-a", help="Your name as the transcript shows it.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]
Conversation = Annotated[str, typer.Argument(help="The conversation id (CV…).")]
Message = Annotated[str, typer.Option("--message", "-m", help="The text.")]


def _me() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "agent"


def _run(action: str, *args: Any, engine_needed: bool = False) -> Any:
    """Call ``AgentDesk.<action>(*args)`` on the configured store; errors become a message and exit 1."""
    from shopmind.assistant.agents import AgentConflictError, AgentDesk
    from shopmind.config import get_settings
    from shopmind.data.store import NotFoundError
    from shopmind.engine import Engine

    engine = Engine(get_settings())
    engine.store.migrate()
    with engine:
        profile = (lambda cid: engine.marketing.profile(cid)) if engine_needed else None
        desk = AgentDesk(engine.store, profile=profile)
        try:
            return getattr(desk, action)(*args)
        except (AgentConflictError, NotFoundError, ValueError) as exc:
            err.print(f"[bold red]error:[/] {exc}")
            raise typer.Exit(1) from None


def _print(value: Any) -> None:
    console.print_json(json.dumps(value, ensure_ascii=False, default=str))


@agents_app.command("queue")
def queue(limit: int = typer.Option(50, min=1, max=500), as_json: AsJson = False) -> None:
    """Conversations with a human: those waiting longest first."""
    rows, total = _run("queue", limit, 0)
    if as_json:
        _print({"items": rows, "total": total})
        return
    table = Table(title=f"handoff queue ({total})")
    for col in ("conversation", "customer", "lang", "waiting", "agent", "reason", "last message"):
        table.add_column(col)
    for r in rows:
        wait = "answered" if r["wait_s"] is None else f"{r['wait_s'] / 60:.1f} min"
        table.add_row(
            r["conversation_id"],
            str(r["customer_id"]),
            r["lang"],
            wait,
            r["agent"] or "—",
            r["reason"],
            r["last_message"][:60],
        )
    console.print(table)


@agents_app.command("show")
def show(conversation: Conversation, as_json: AsJson = False) -> None:
    """The transcript (notes included), the handoff packet and the customer's value."""
    view = _run("view", conversation, engine_needed=True)
    if as_json:
        _print(view)
        return
    console.print(
        f"[bold]{view['conversation_id']}[/] · {view['customer_id']} · {view['lang']} · {view['status']}"
        + (f" · agent {view['agent']}" if view.get("agent") else "")
    )
    for m in view["messages"]:
        style = {"note": "yellow", "system": "dim", "agent": "green"}.get(m["role"], "")
        line = f"{str(m['at'])[:19]} {m['role']:>9}: {m['text']}"
        console.print(f"[{style}]{line}[/]" if style else line, highlight=False)
    if view.get("handoff"):
        console.print("[bold]handoff packet[/]")
        _print(view["handoff"])
    if view.get("customer_value"):
        console.print("[bold]customer value[/]")
        _print(view["customer_value"])


@agents_app.command("take")
def take(
    conversation: Conversation,
    agent: Agent = "",
    force: bool = typer.Option(False, help="Take it over from another agent."),
) -> None:
    """Take the conversation: the assistant stops answering it."""
    conv = _run("take", conversation, agent or _me(), force)
    console.print(f"{conversation} is with {conv['agent']}")


@agents_app.command("reply")
def reply(conversation: Conversation, message: Message, agent: Agent = "") -> None:
    """Send the customer a message (they see it in the chat)."""
    posted = _run("reply", conversation, agent or _me(), message)
    console.print(f"sent as message {posted['seq']} of {conversation}")


@agents_app.command("note")
def note(conversation: Conversation, message: Message, agent: Agent = "") -> None:
    """Add an internal note (never shown to the customer)."""
    posted = _run("note", conversation, agent or _me(), message)
    console.print(f"note {posted['seq']} added to {conversation}")


@agents_app.command("hand-back")
def hand_back(conversation: Conversation, agent: Agent = "") -> None:
    """Give the conversation back to the assistant."""
    _run("hand_back", conversation, agent or _me())
    console.print(f"{conversation} is with the assistant again")


@agents_app.command("close")
def close(conversation: Conversation, agent: Agent = "") -> None:
    """Close the conversation."""
    _run("close", conversation, agent or _me())
    console.print(f"{conversation} is closed")

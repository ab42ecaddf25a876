"""`shopmind chat --customer ID`: talk to the assistant in the terminal as one customer.

The terminal is an operator's tool (it has the database): the customer is the ``--customer``
option, exactly like the session a web login opens; message text never changes it. ``--guest``
talks as an anonymous shopper (policies, delivery, products; orders need a customer). The clock is
the service's (``SHOPMIND_ASSISTANT_CLOCK``, the same as the API's and the web chat's); the first
line says which "now" it is. Human agents answer with ``shopmind agents …``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)


def chat(
    customer: Annotated[str, typer.Option("--customer", "-c", help="The signed-in customer's id.")] = "",
    guest: Annotated[bool, typer.Option("--guest", help="Chat as an anonymous shopper (no orders).")] = False,
    message: Annotated[
        list[str] | None, typer.Option("--message", "-m", help="Send these messages in order and exit.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Conversation language (en or zh); default: the customer's.")
    ] = None,
    clock: Annotated[
        str | None,
        typer.Option(
            help="auto (the demo shop's 2026-11-01 on a demo database, else real time), system (real "
            "time) or store (the shop's newest order event). Default: SHOPMIND_ASSISTANT_CLOCK (auto)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print each full reply as JSON.")] = False,
) -> None:
    """Chat with the customer-service assistant as CUSTOMER (type 'exit' or Ctrl-D to leave)."""
    from shopmind.assistant.service import CLOCKS
    from shopmind.config import get_settings
    from shopmind.engine import Engine

    if bool(customer) == guest:
        err.print("[bold red]error:[/] give --customer ID or --guest")
        raise typer.Exit(2)
    settings = get_settings()
    if clock:
        if clock not in CLOCKS:
            err.print(f"[bold red]error:[/] --clock must be one of {', '.join(CLOCKS)}")
            raise typer.Exit(2)
        settings = settings.model_copy(update={"assistant_clock": clock})
    engine = Engine(settings)
    engine.store.migrate()
    with engine:
        _converse(engine.assistant, customer, guest, message, lang, as_json)


def _open(service, customer: str, guest: bool, lang: str | None) -> tuple[str, str]:
    """(customer or guest id, conversation id) of a new conversation."""
    import secrets

    from shopmind.data.store import NotFoundError

    if guest:
        who = f"guest-{secrets.token_hex(5)}"
        return who, service.start_guest(who, lang)["conversation_id"]
    try:
        return customer, service.start(customer, lang)["conversation_id"]
    except NotFoundError:
        err.print(f"[bold red]error:[/] customer {customer!r} not found")
        raise typer.Exit(1) from None


def _converse(
    service, customer: str, guest: bool, message: list[str] | None, lang: str | None, as_json: bool
) -> None:
    from shopmind.assistant.service import MAX_MESSAGE_CHARS

    customer, cid = _open(service, customer, guest, lang)
    clock = service.clock()
    when = "real time" if clock["real_time"] else f"shop clock {clock['now'][:19]} ({clock['mode']})"
    console.print(f"[dim]conversation {cid} with {customer}; {when}; 'exit' to leave[/]")
    seen = 0
    for text in message or _prompts():
        if len(text) > MAX_MESSAGE_CHARS:
            err.print(
                f"[yellow]warning:[/] the message has {len(text):,} characters; "
                f"only the first {MAX_MESSAGE_CHARS:,} are sent"
            )
            text = text[:MAX_MESSAGE_CHARS]
        if as_json:
            console.print_json(
                json.dumps(service.reply(cid, customer, text), ensure_ascii=False, default=str)
            )
            continue
        seen = _agent_lines(service, cid, customer, seen)  # a human agent's replies since
        if message:
            console.print(f"[bold cyan]you>[/] {text}")
        _show(service.reply(cid, customer, text))
        seen = _agent_lines(service, cid, customer, seen)


def _agent_lines(service, cid: str, customer: str, after: int) -> int:
    """Print the human agent's messages after sequence number ``after``; returns the last one seen."""
    got = service.messages(cid, customer, after)
    for m in got["messages"]:
        if m["role"] == "agent":
            console.print(f"[bold magenta]{got['agent'] or 'agent'}>[/] {m['text']}", highlight=False)
    return max([after, *(m["seq"] for m in got["messages"])])


def _prompts():
    while True:
        try:
            text = console.input("[bold cyan]you>[/] ").strip()
        except (EOFError, KeyboardInterrupt):
            return
        if text.lower() in ("exit", "quit", "/q"):
            return
        if text:
            yield text


def _show(res: dict) -> None:
    if res["reply"]:
        console.print(f"[bold green]assistant>[/] {res['reply']}", highlight=False)
    for a in res["actions"]:
        mark = "ok" if a["ok"] else a.get("error", "refused")
        console.print(f"  [dim]action {a['tool']} {json.dumps(a['args'], ensure_ascii=False)} → {mark}[/]")
    if res["handoff"]:
        console.print(
            "  [bold yellow]with a human agent (`shopmind agents queue`, GET /admin/agents/queue)[/]"
        )

"""`shopmind chat --customer ID`: talk to the assistant in the terminal as one customer.

The terminal is an operator's tool (it has the database): the customer is the ``--customer``
option, exactly like the session a web login opens; message text never changes it.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

console = Console()
err = Console(stderr=True)


def chat(
    customer: Annotated[str, typer.Option("--customer", "-c", help="The signed-in customer's id.")],
    message: Annotated[
        list[str] | None, typer.Option("--message", "-m", help="Send these messages in order and exit.")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="Conversation language (en or zh); default: the customer's.")
    ] = None,
    clock: Annotated[
        str | None,
        typer.Option(help="system (real time) or store (the shop's newest order event; demo data)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print each full reply as JSON.")] = False,
) -> None:
    """Chat with the customer-service assistant as CUSTOMER (type 'exit' or Ctrl-D to leave)."""
    from shopmind.config import get_settings
    from shopmind.engine import Engine

    settings = get_settings()
    if clock:
        if clock not in ("system", "store"):
            err.print("[bold red]error:[/] --clock must be system or store")
            raise typer.Exit(2)
        settings = settings.model_copy(update={"assistant_clock": clock})
    engine = Engine(settings)
    engine.store.migrate()
    with engine:
        _converse(engine.assistant, customer, message, lang, as_json)


def _converse(service, customer: str, message: list[str] | None, lang: str | None, as_json: bool) -> None:
    from shopmind.data.store import NotFoundError

    try:
        conv = service.start(customer, lang)
    except NotFoundError:
        err.print(f"[bold red]error:[/] customer {customer!r} not found")
        raise typer.Exit(1) from None
    cid = conv["conversation_id"]
    console.print(f"[dim]conversation {cid} with {customer} ({conv['lang']}); 'exit' to leave[/]")
    for text in message or _prompts():
        if as_json:
            console.print_json(
                json.dumps(service.reply(cid, customer, text), ensure_ascii=False, default=str)
            )
            continue
        if message:
            console.print(f"[bold cyan]you>[/] {text}")
        _show(service.reply(cid, customer, text))


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
    console.print(f"[bold green]assistant>[/] {res['reply']}", highlight=False)
    for a in res["actions"]:
        mark = "ok" if a["ok"] else a.get("error", "refused")
        console.print(f"  [dim]action {a['tool']} {json.dumps(a['args'], ensure_ascii=False)} → {mark}[/]")
    for c in res["citations"]:
        console.print(f"  [dim]cited {c['doc_id']} ({c['title']})[/]")
    if res["handoff"]:
        console.print(
            "  [bold yellow]handed over to a human agent (see GET /admin/conversations?status=handoff)[/]"
        )

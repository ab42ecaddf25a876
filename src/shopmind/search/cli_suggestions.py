"""`shopmind search suggestions …`: the logged queries and their moderation (approve / hide / clear).

``shopmind search suggestions`` lists them (``--pending``: only those waiting for a decision);
``shopmind search suggestions approve TEXT`` always offers TEXT, ``hide TEXT`` never does, and
``clear TEXT`` returns it to the automatic rules (visitors + blocklist). The rules are kept in the
store: every serving replica applies them within ``SHOPMIND_SUGGEST_INTERVAL`` seconds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

suggestions_app = typer.Typer(help="Moderate the suggested searches (approve, hide).")
console = Console()


@suggestions_app.callback(invoke_without_command=True)
def list_cmd(
    ctx: typer.Context,
    pending: Annotated[bool, typer.Option("--pending", help="Only queries waiting for a decision")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Rows to show")] = 50,
) -> None:
    """Logged queries, most visitors first, with their status (live, pending, blocked, approved, hidden)."""
    if ctx.invoked_subcommand is not None:
        return
    from shopmind.cli import engine_from_settings
    from shopmind.search.moderation import suggestion_list

    with engine_from_settings() as engine:
        rows = suggestion_list(engine.store, engine.settings.suggest_min_visitors, pending, limit)
    table = Table("query", "visitors", "status", "why", title=f"{len(rows)} logged queries")
    for r in rows:
        table.add_row(r["text"], str(r["visitors"]), r["status"], r["reason"])
    console.print(table)


def _rule(text: str, action: str) -> None:
    from shopmind.cli import engine_from_settings
    from shopmind.search.moderation import set_rule

    with engine_from_settings() as engine:
        try:
            rule = set_rule(engine.store, text, action)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    console.print(f"{rule['text']!r}: {rule['status']}")


@suggestions_app.command("approve")
def approve_cmd(text: Annotated[str, typer.Argument(help="The query, as a shopper types it")]) -> None:
    """Always offer TEXT as a suggestion (whatever its visitors or the blocklist say)."""
    _rule(text, "approve")


@suggestions_app.command("hide")
def hide_cmd(text: Annotated[str, typer.Argument(help="The query, as a shopper types it")]) -> None:
    """Never offer TEXT as a suggestion."""
    _rule(text, "hide")


@suggestions_app.command("clear")
def clear_cmd(text: Annotated[str, typer.Argument(help="The query, as a shopper types it")]) -> None:
    """Drop the rule of TEXT (back to the automatic rules)."""
    _rule(text, "clear")

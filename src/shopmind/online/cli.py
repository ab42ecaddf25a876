"""`shopmind online …`: online metrics, search analytics, attribution and experiments from the shell
(the same calls as the admin API's /admin/online/…)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

online_app = typer.Typer(help="Online metrics, search analytics and experiments.", no_args_is_help=True)
experiment_app = typer.Typer(help="Define, list, analyse and stop online experiments.", no_args_is_help=True)
online_app.add_typer(experiment_app, name="experiment")
console = Console()
err = Console(stderr=True)


def _engine():
    from shopmind.cli import engine_from_settings

    return engine_from_settings()


def _fmt(rate: dict[str, Any], scale: float = 100.0, unit: str = "%") -> str:
    if rate["value"] is None:
        return "–"
    lo, hi = rate["ci"]
    return f"{rate['value'] * scale:.2f}{unit} [{lo * scale:.2f}, {hi * scale:.2f}]"


@online_app.command("metrics")
def metrics_cmd(
    days: int = 30,
    surface: Annotated[str | None, typer.Option(help="Only this surface (search, recommendations …)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Impressions, CTR, add-to-cart and conversion rates, revenue per 1,000 impressions (95 % intervals)
    per day, surface and model version."""
    with _engine() as engine:
        engine.online.attribute()
        out = engine.online.metrics(days, surface)
    if as_json:
        console.print_json(json.dumps(out, default=str))
        return
    table = Table("day", "surface", "version", "impressions", "CTR", "add to cart", "conversion", "rev/1000")
    for r in out["rows"]:
        rpm = r["revenue_per_mille"]
        table.add_row(r["day"], r["surface"], r["model_version"] or "(fallback)", f"{r['impressions']:,}",
                      _fmt(r["ctr"]), _fmt(r["add_to_cart_rate"]), _fmt(r["conversion_rate"]),
                      _fmt(rpm, 1.0, "") if rpm["value"] is not None else "–")  # fmt: skip
    console.print(table)
    console.print(f"attributions: {out['attributions']}  mismatches per day: {out['mismatches']}")


@online_app.command("search")
def search_cmd(
    days: int = 30, limit: int = 20, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """Search analytics: top queries, no results, low click-through, zero-click rate, what was bought."""
    with _engine() as engine:
        engine.online.attribute()
        out = engine.online.search_report(days, limit)
    if as_json:
        console.print_json(json.dumps(out, default=str))
        return
    console.print(
        f"{out['searches']:,} searches since {out['since']}; zero-click rate {_fmt(out['zero_click_rate'])}"
    )
    for title, rows in (("top", out["top"]), ("no results", out["no_results"]), ("low CTR", out["low_ctr"])):
        table = Table("query", "searches", "no results", "CTR", "bought", title=title)
        for q in rows:
            bought = ", ".join(f"{b['product_id']}×{b['purchases']}" for b in q["bought"])
            ctr = f"{q['ctr'] * 100:.1f}%" if q["ctr"] is not None else "–"
            table.add_row(q["query"], str(q["searches"]), str(q["no_results"]), ctr, bought)
        console.print(table)


@online_app.command("attribute")
def attribute_cmd(
    everything: Annotated[bool, typer.Option("--all", help="From the first impression on")] = False,
) -> None:
    """Attribute the events and orders since the latest attribution (less the window) now."""
    with _engine() as engine:
        since = engine.store.first_impression_at() if everything else None
        console.print(engine.online.attribute(since))


def _arm(text: str) -> dict[str, Any]:
    """name=share:version, or for a search arm name=share:key=value[,key=value] (mode=lexical,
    click_learning=ipw)."""
    name, _, rest = text.partition("=")
    share, _, what = rest.partition(":")
    try:
        arm: dict[str, Any] = {"name": name, "share": float(share)}
    except ValueError as exc:
        msg = f"{text!r}: write an arm as name=share:version or name=share:mode=lexical"
        raise typer.BadParameter(msg) from exc
    if "=" in what:
        arm["settings"] = dict(pair.partition("=")[::2] for pair in what.split(","))
    elif what:
        arm["version"] = what
    return arm


@experiment_app.command("create")
def create_cmd(
    name: str,
    surface: Annotated[str, typer.Option(help="recommendations, similar or search")],
    arm: Annotated[list[str], typer.Option(help="name=share:version (search: name=share:key=value,…)")],
    baseline: float = 0.05,
    min_effect: float = 0.01,
) -> None:
    """Define and start an experiment (the first arm is the control)."""
    from shopmind.online.experiments import ExperimentError

    with _engine() as engine:
        try:
            row = engine.online.define(name, surface, [_arm(a) for a in arm], baseline=baseline,
                                       min_effect=min_effect)  # fmt: skip
        except ExperimentError as exc:
            err.print(f"[bold red]refused:[/] {exc}")
            raise typer.Exit(1) from exc
    n = row["plan"]["sample_size_per_arm"]
    console.print(f"{row['experiment_id']} running on {surface}; about {n:,} shoppers per arm needed")


@experiment_app.command("list")
def list_cmd() -> None:
    """Every experiment, newest first."""
    with _engine() as engine:
        rows = engine.online.experiments()
    table = Table("id", "name", "surface", "arms", "status", "started")
    for x in rows:
        arms = ", ".join(f"{a['name']} {a['share']:g}" for a in x["arms"])
        table.add_row(x["experiment_id"], x["name"], x["surface"], arms, x["status"], str(x["start_at"])[:16])
    console.print(table)


@experiment_app.command("show")
def show_cmd(
    experiment_id: str,
    lang: Annotated[str, typer.Option(help="en or zh")] = "en",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The experiment's analysis and verdict."""
    with _engine() as engine:
        engine.online.attribute()
        out = engine.online.analyse(experiment_id)
    if as_json:
        console.print_json(json.dumps(out, default=str))
        return
    if out["analysis"]:
        table = Table("arm", "shoppers", "converted", "conversion (95% CI)")
        for a in out["analysis"]["arms"]:
            lo, hi = a["conversion_ci"]
            table.add_row(a["arm"], f"{a['customers']:,}", f"{a['conversions']:,}",
                          f"{a['conversion_rate'] * 100:.2f}% [{lo * 100:.2f}, {hi * 100:.2f}]")  # fmt: skip
        console.print(table)
    console.print(out["verdict"].get(lang, out["verdict"]["en"]))


@experiment_app.command("stop")
def stop_cmd(experiment_id: str) -> None:
    """Stop an experiment."""
    with _engine() as engine:
        row = engine.online.stop(experiment_id)
    console.print(f"{row['experiment_id']} stopped at {row['stop_at']}")

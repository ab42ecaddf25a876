"""`shopmind marketing …`: profiles, RFM, CLV, churn, segments, uplift, campaigns, A/B tests, charts.

Commands read the shop's store (SHOPMIND_DATABASE_URL / var/) unless ``--dataset`` names a public
data set (cdnow, hillstrom, online-retail-uci), which runs the reproducible benchmark instead. They
use the engine's marketing service; a command that needs the fitted models (CLV, churn, uplift)
first waits for the refit job when the published version is missing or stale, so it answers from
models of the current data. ``shopmind marketing fit`` fits and publishes a version explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

marketing_app = typer.Typer(
    help="Marketing: profiles, RFM, CLV, churn, segments, uplift, campaigns, A/B tests, charts.",
    no_args_is_help=True,
)
console = Console()
err = Console(stderr=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the whole answer as JSON.")]
ChartOpt = Annotated[Path | None, typer.Option("--chart", help="Also draw the chart to this .png/.svg file.")]


if TYPE_CHECKING:
    from shopmind.marketing.service import MarketingService


@contextmanager
def _served(fitted: bool = True) -> Iterator[MarketingService]:
    """The engine's marketing service over the configured store (closed afterwards). With ``fitted``,
    first wait for the refit the current data needs (this process is the one waiting for it)."""
    from shopmind.cli import engine_from_settings

    with engine_from_settings() as engine:
        if fitted:
            _wait_for_fit(engine)
        yield engine.marketing


def _wait_for_fit(engine) -> None:
    from shopmind.data.store import NotFoundError

    try:
        job = engine.marketing.ensure_fitted()
    except NotFoundError:
        return  # no purchases: the command itself says so
    if job is None:
        return
    with console.status(f"fitting the marketing models for the current data (job {job.job_id})…"):
        engine.jobs.wait(job)
    if job.status == "failed":
        err.print(f"[yellow]the marketing models could not be fitted: {job.error}[/]")


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def _dump(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _call(fn, *args, status: str = "working…", **kwargs):
    """Run a service call under a spinner; expected failures become one red line and exit code 1."""
    from shopmind.data.datasets import DatasetNotFoundError
    from shopmind.data.store import NotFoundError
    from shopmind.marketing.clv import FitError
    from shopmind.marketing.service import ModelNotReadyError

    try:
        with console.status(status):
            return fn(*args, **kwargs)
    except (NotFoundError, DatasetNotFoundError, FitError, ModelNotReadyError, ValueError, KeyError) as exc:
        _fail(str(exc))


def _chart(name: str, data: dict, path: Path | None, title: str = "") -> None:
    if path is not None:
        from shopmind.marketing.charts import render

        console.print(f"chart: {render(name, data, path, title)}")


@marketing_app.command("profile")
def profile_cmd(customer_id: str, as_json: JsonOpt = False) -> None:
    """A customer's profile: RFM, tenure, affinities, price sensitivity, churn risk, CLV."""
    with _served() as service:
        p = _call(service.profile, customer_id, status="profiling…")
    if as_json:
        return _dump(p)
    table = Table("field", "value", title=f"{customer_id} · {p['segment']['en']} / {p['segment']['zh']}")
    keys = ("recency_days", "frequency", "monetary", "tenure_days", "avg_order_value", "price_sensitivity")
    for key in keys + ("p_alive", "churn_risk", "expected_purchases_90d", "clv_365d"):
        table.add_row(key, "" if p[key] is None else f"{p[key]:,.4g}")
    table.add_row("rfm", p["rfm"]["code"])
    affinities = ", ".join(f"{a['category']} {a['affinity']:.2f}" for a in p["category_affinities"])
    table.add_row(f"affinities ({p['affinity_source']})", affinities)
    console.print(table)


@marketing_app.command("fit")
def fit_cmd(as_json: JsonOpt = False) -> None:
    """Fit CLV (BG/NBD + Gamma-Gamma), churn and uplift on the shop's data and publish a new version."""
    from shopmind.artifacts import read_meta

    with _served(fitted=False) as service:
        path = _call(service.refit, status="fitting BG/NBD, Gamma-Gamma, churn and uplift…")
    meta = read_meta(path)
    out = {
        k: meta.get(k) for k in ("version", "data_fingerprint", "fitted_on", "metrics", "seconds", "notes")
    }
    if as_json:
        return _dump(out)
    console.print(f"published marketing version [bold]{out['version']}[/] in {out['seconds']} s")
    table = Table("metric", "value", title=f"fitted on {out['fitted_on']['orders']:,} orders")
    for key, value in out["metrics"].items():
        table.add_row(key, f"{value:,.4g}" if isinstance(value, float) else str(value))
    console.print(table)
    for note in out["notes"]:
        console.print(f"[yellow]{note}[/]")


@marketing_app.command("rfm")
def rfm_cmd(chart: ChartOpt = None, as_json: JsonOpt = False) -> None:
    """RFM segments of the shop's customers with sizes and revenue shares."""
    with _served(fitted=False) as service:
        r = _call(service.rfm, status="scoring RFM…")
    if as_json:
        return _dump(r)
    table = Table(
        "segment", "细分", "customers", "share", "revenue share", "action", title=f"RFM · {r['customers']:,}"
    )
    for s in r["segments"]:
        table.add_row(
            s["name_en"], s["name_zh"], f"{s['customers']:,}", f"{s['customer_share']:.1%}",
            f"{s['revenue_share']:.1%}", s["action_en"],
        )  # fmt: skip
    console.print(table)
    _chart("rfm-grid", r["grid"], chart)


def _print_cdnow(r: dict) -> None:
    s = r["sample"]
    table = Table(
        "parameter", "fitted", "published", "rel. error", title=f"CDNOW sample ({s['customers']:,})"
    )
    for k, v in s["published"].items():
        table.add_row(k, f"{s['fitted'][k]:.4f}", f"{v:g}", f"{s['relative_error'][k]:.3%}")
    console.print(table)
    f = r["full"]
    console.print(
        f"full CDNOW ({f['customers']:,} customers, calibrated to 1997-09-30): holdout repeat purchases "
        f"actual {f['holdout_actual']:,.0f}, predicted {f['holdout_predicted_conditional']:,.0f} "
        f"(conditional) / {f['holdout_predicted_unconditional']:,.0f} (aggregate)"
    )


@marketing_app.command("clv")
def clv_cmd(
    dataset: Annotated[str | None, typer.Option(help="cdnow: the published-fit benchmark.")] = None,
    chart: ChartOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """BG/NBD + Gamma-Gamma lifetime value of the shop's customers (or the CDNOW benchmark)."""
    if dataset:
        if dataset != "cdnow":
            _fail(f"--dataset {dataset!r}: use cdnow")
        from shopmind.marketing.benchmarks import cdnow_clv

        r = _call(cdnow_clv, status="fitting BG/NBD and Gamma-Gamma on CDNOW…")
        return _dump(r) if as_json else _print_cdnow(r)
    with _served() as service:
        r = _call(service.clv, status="scoring lifetime values…")
    if as_json:
        return _dump(r)
    console.print(f"BG/NBD (weeks): {r['bgnbd']}\nGamma-Gamma: {r['gamma_gamma']}")
    for note in r["notes"]:
        console.print(f"[yellow]{note}[/]")
    console.print(f"expected purchases next 90 days: {r['expected_purchases_90d']:,.1f}; "
                  f"1-year value of the base: {r['clv_365d_total']:,.2f}")  # fmt: skip
    table = Table("customer", "CLV 365d", title="most valuable")
    for row in r["top"][:10]:
        table.add_row(row["customer_id"], f"{row['clv_365d']:,.2f}")
    console.print(table)
    _chart("clv", r["distribution"], chart)


@marketing_app.command("churn")
def churn_cmd(
    dataset: Annotated[
        str | None, typer.Option(help="online-retail-uci: the temporal-split benchmark.")
    ] = None,
    horizon: Annotated[int, typer.Option(help="Days: buying again within this counts.")] = 90,
    as_json: JsonOpt = False,
) -> None:
    """Next-purchase propensity / churn risk with AUC on a temporal split."""
    if dataset:
        if dataset != "online-retail-uci":
            _fail(f"--dataset {dataset!r}: use online-retail-uci")
        from shopmind.marketing.benchmarks import retail_churn

        r = _call(retail_churn, horizon_days=horizon, status="building snapshots and tuning on validation…")
        if as_json:
            return _dump(r)
        console.print(
            f"chosen {r['chosen']['learner']}: validation AUC {r['validation_auc']:.4f}, "
            f"test AUC {r['test_auc']:.4f} (recency only {r['test_auc_recency_only']:.4f})"
        )
        return None
    with _served() as service:
        r = _call(service.churn, horizon, status="scoring churn risk…")
    if as_json:
        return _dump(r)
    console.print(f"AUC ({r['train_cutoff']} → {r['check_cutoff']}): {r.get('auc', float('nan')):.4f}")
    table = Table("customer", "churn risk", title="most at risk")
    for row in r["at_risk"][:10]:
        table.add_row(row["customer_id"], f"{row['churn_risk']:.3f}")
    console.print(table)


@marketing_app.command("segments")
def segments_cmd(
    k: Annotated[int | None, typer.Option(help="Number of segments (default: best silhouette).")] = None,
    chart: ChartOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Cluster customers on behaviour and taste; each segment described in English and Chinese."""
    with _served() as service:
        r = _call(service.segments, k, status="clustering…")
    if as_json:
        return _dump({k: v for k, v in r.items() if k != "map"})
    table = Table(
        "#", "customers", "revenue", "description", title=f"{r['k']} segments ({r['taste_features']})"
    )
    for s in r["segments"]:
        table.add_row(str(s["segment"]), f"{s['customers']:,}", f"{s['revenue_share']:.1%}",
                      f"{s['description_en']}\n{s['description_zh']}")  # fmt: skip
    console.print(table)
    _chart("segments", r["map"], chart)


@marketing_app.command("uplift")
def uplift_cmd(
    arm: Annotated[str, typer.Option(help="womens, mens or multi (all three arms).")] = "womens",
    target: Annotated[str, typer.Option(help="visit or conversion.")] = "visit",
    seed: Annotated[int, typer.Option(help="Split seed.")] = 42,
    chart: ChartOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Uplift models on Hillstrom (tuned on validation, scored once on the seeded 50/50 test half)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from shopmind.marketing import benchmarks

    if arm == "multi":
        r = _call(benchmarks.hillstrom_multi, target, seed, status="fitting the multi-treatment model…")
        return _dump(r)
    if arm not in ("womens", "mens"):
        _fail(f"--arm {arm!r}: use womens, mens or multi")
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err, transient=True) as bar:
        task = bar.add_task("tuning on validation…")
        r = _call(benchmarks.hillstrom_uplift, arm, target, seed,
                  progress=lambda msg: bar.update(task, description=msg))  # fmt: skip
    if as_json:
        return _dump({k: v for k, v in r.items() if k != "qini_chart"})
    table = Table("method", "learner", "val Qini", "uplift@10%", "uplift@30%", "AUUC", "Qini",
                  title=f"Hillstrom {arm} vs none · {target} · test half")  # fmt: skip
    for name, m in r["methods"].items():
        t = m["test"]
        table.add_row(name + (" *" if name == r["chosen"] else ""), m["config"]["learner"],
                      f"{m['validation_qini']:.4f}", f"{t['uplift@10%']:.4f}", f"{t['uplift@30%']:.4f}",
                      f"{t['auuc']:.4f}", f"{t['qini']:.4f}")  # fmt: skip
    console.print(table)
    console.print(
        f"random targeting uplift@30%: {r['random_uplift@30%']['mean']:.4f}; * = chosen on validation"
    )
    _chart("qini", r["qini_chart"], chart, f"Hillstrom {arm} vs none · {r['chosen']} (test half)")


def _plan_config(budget: float, cost: float, offer: float, channel: str):
    from shopmind.marketing.campaigns import PlanConfig

    return PlanConfig(budget, cost, offer, channel)


@marketing_app.command("plan")
def plan_cmd(
    budget: Annotated[float, typer.Option(help="Most the campaign may cost.")] = 1000.0,
    cost: Annotated[float, typer.Option(help="Cost per contact.")] = 0.5,
    offer: Annotated[float, typer.Option(help="Offer value, paid when a customer converts.")] = 5.0,
    channel: Annotated[str, typer.Option(help="email, sms, push…")] = "email",
    window: Annotated[int, typer.Option(help="Days after launch that count.")] = 30,
    csv: Annotated[
        Path | None, typer.Option(help="Write the target list (with bilingual copy) here.")
    ] = None,
    chart: ChartOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Choose the target list that maximises expected incremental revenue within the budget."""
    from shopmind.marketing.campaigns import export_csv

    with _served() as service:
        ranked, s = _call(
            service.plan, _plan_config(budget, cost, offer, channel), window, status="planning…"
        )
    if as_json:
        return _dump(s)
    console.print(f"[bold]{s['contacts']:,}[/] of {s['candidates']:,} customers · expected cost "
                  f"{s['expected_cost']:,.2f} · incremental revenue "
                  f"{s['expected_incremental_revenue']:,.2f} · "
                  f"ROI {s['roi']:.2f}\nuplift from: {s['uplift_source']}")  # fmt: skip
    table = Table("segment", "contacts", "copy (en)", "文案 (zh)")
    for seg in s.get("segments", []):
        table.add_row(seg["name_en"], f"{seg['contacts']:,}", seg["copy"]["en"], seg["copy"]["zh"])
    console.print(table)
    if csv:
        console.print(f"target list: {export_csv(ranked, csv, f'{offer:g}')}")
    _chart("forecast", s["forecast"], chart)


@marketing_app.command("launch")
def launch_cmd(
    name: str,
    budget: Annotated[float, typer.Option(help="Most the campaign may cost.")] = 1000.0,
    cost: Annotated[float, typer.Option(help="Cost per contact.")] = 0.5,
    offer: Annotated[float, typer.Option(help="Offer value.")] = 5.0,
    holdout: Annotated[float, typer.Option(help="Share of the target list held out as control.")] = 0.1,
    window: Annotated[int, typer.Option(help="Days after launch that count.")] = 30,
    seed: int = 0,
    product: Annotated[
        list[str] | None, typer.Option(help="A product the message shows everybody (repeat; at most 10).")
    ] = None,
    recommend: Annotated[int, typer.Option(help="Or: each recipient's top K recommendations.")] = 0,
    recipients: Annotated[
        Path | None, typer.Option(help="Write the recipient list (customer, impression id, products) here.")
    ] = None,
) -> None:
    """Plan and record a campaign with a random hold-out group (the A/B test of the campaign). A message
    that shows products logs one impression per contacted recipient (docs/online.md)."""
    from shopmind.marketing.campaigns import recipients_csv

    with _served() as service:
        config = _plan_config(budget, cost, offer, "email")
        r = _call(service.launch, name, config, holdout, window, seed, products=product or (),
                  recommend_k=recommend)  # fmt: skip
        if recipients:
            recipients.parent.mkdir(parents=True, exist_ok=True)
            recipients.write_text(recipients_csv(service.recipients(r["campaign_id"])), encoding="utf-8")
    console.print(f"{r['campaign_id']}: {r['treatment']:,} contacted, {r['control']:,} held out")
    if r.get("shown"):
        console.print(f"{r['shown']:,} messages show products (one impression each)")
    if recipients:
        console.print(f"recipient list: {recipients}")


@marketing_app.command("outcome")
def outcome_cmd(campaign_id: str, as_json: JsonOpt = False) -> None:
    """Contacted vs held out: conversion and revenue with CIs and p-values; stored as labelled uplift data."""
    with _served(fitted=False) as service:
        r = _call(service.outcome, campaign_id, status="reading the outcome…")
    return _dump(r) if as_json else _print_ab(r)


def _print_ab(r: dict) -> None:
    table = Table("arm", "customers", "conversion", "95% CI", "revenue / customer")
    for a in r["arms"]:
        lo, hi = a["conversion_ci"]
        rev = f"{a['revenue_per_customer']:.2f}" if "revenue_per_customer" in a else ""
        table.add_row(
            a["arm"], f"{a['customers']:,}", f"{a['conversion_rate']:.2%}", f"{lo:.2%} – {hi:.2%}", rev
        )
    console.print(table)
    for c in r["comparisons"]:
        d = c["conversion"]
        console.print(f"{c['arm']} vs {r['control']}: {d['difference']:+.2%} "
                      f"(CI {d['ci'][0]:+.2%} … {d['ci'][1]:+.2%}), p = {d['p_value']:.4g}"
                      + (" [green]significant[/]" if c["significant"] else ""))  # fmt: skip


@marketing_app.command("abtest")
def abtest_cmd(
    arm: Annotated[list[str], typer.Option(help="NAME:CUSTOMERS:CONVERSIONS, first = control (repeat).")],
    as_json: JsonOpt = False,
) -> None:
    """Analyse an A/B test from counts: conversion per arm with CIs and two-proportion z-tests."""
    from shopmind.marketing.abtest import Arm, analyse

    arms = []
    for spec in arm:
        try:
            name, n, conv = spec.rsplit(":", 2)
            arms.append(Arm(name, int(n), int(conv)))
        except ValueError as exc:
            _fail(f"--arm {spec!r}: {exc} (expected NAME:CUSTOMERS:CONVERSIONS)")
    r = _call(analyse, arms)
    return _dump(r) if as_json else _print_ab(r)


@marketing_app.command("chart")
def chart_cmd(
    name: Annotated[str, typer.Argument(help="rfm-grid, clv, segments, qini or forecast.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The .png or .svg file to write.")],
    as_json: JsonOpt = False,
) -> None:
    """Draw a chart of the shop (PNG or SVG); --json also prints the data the admin UI gets."""
    from shopmind.marketing.charts import render

    with _served(fitted=name != "rfm-grid") as service:
        data = _call(service.chart, name, status=f"computing {name}…")
    console.print(f"chart: {_call(render, name, data, out)}")
    if as_json:
        _dump(data)

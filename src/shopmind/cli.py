"""`shopmind` command line: one sub-command group per capability. Thin: it calls the library."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Column, Table

app = typer.Typer(help="ShopMind: a self-hosted AI engine for online shops.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema: upgrade, reset, info.", no_args_is_help=True)
datasets_app = typer.Typer(help="Public data sets: list, fetch, verify.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys with scopes (admin, storefront).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(datasets_app, name="datasets")
app.add_typer(keys_app, name="keys")
rec_app = typer.Typer(
    help="Recommendations: evaluate, benchmark, recommend, similar, versions.", no_args_is_help=True
)
train_app = typer.Typer(help="Train models on the store's data and publish them.", no_args_is_help=True)
app.add_typer(rec_app, name="rec")
app.add_typer(train_app, name="train")


def _register_search() -> None:
    from shopmind.search.cli import search_app

    app.add_typer(search_app, name="search")


_register_search()


def _register_chat() -> None:
    from shopmind.assistant.agents_cli import agents_app
    from shopmind.assistant.cli import chat

    app.command("chat")(chat)
    app.add_typer(agents_app, name="agents")  # the human agents' desk


_register_chat()


def _register_marketing() -> None:
    from shopmind.marketing.cli import marketing_app

    app.add_typer(marketing_app, name="marketing")


_register_marketing()


def _register_synth() -> None:
    from shopmind.synth.cli import synth_app

    app.add_typer(synth_app, name="synth")  # GAN synthetic data


_register_synth()


def _register_online() -> None:
    from shopmind.online.cli import online_app

    app.add_typer(online_app, name="online")  # online metrics and experiments


_register_online()
console = Console()
err = Console(stderr=True)

KINDS = ("products", "customers", "events", "orders", "docs")


def _store(database_url: str | None = None, migrate: bool = True):
    from shopmind.config import get_settings
    from shopmind.data.store import Store

    store = Store(database_url or get_settings().resolved_database_url)
    if migrate:
        store.migrate()
    return store


def engine_from_settings(migrate: bool = True):
    """The engine over the configured store (``SHOPMIND_*`` settings); use it as a context manager."""
    from shopmind.config import get_settings
    from shopmind.engine import Engine

    engine = Engine(get_settings())
    if migrate:
        engine.store.migrate()
    return engine


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show debug logs.")] = False) -> None:
    from shopmind.config import get_settings

    level = logging.DEBUG if verbose else getattr(logging, get_settings().log_level.upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)


# ---------------------------------------------------------------------------- db
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision."""
    store = _store()
    console.print(f"schema at revision {store.schema_revision()} ({store.dialect}: {store.engine.url!r})")


@db_app.command("reset")
def db_reset(yes: Annotated[bool, typer.Option("--yes", help="Do not ask.")] = False) -> None:
    """Drop every ShopMind table and create an empty schema."""
    store = _store(migrate=False)
    if not yes and not typer.confirm(f"Delete all data in {store.engine.url!r}?"):
        raise typer.Abort()
    store.drop_all()
    store.migrate()
    console.print("database reset")


@db_app.command("info")
def db_info() -> None:
    """Backend, schema revision and row counts."""
    store = _store()
    table = Table("table", "rows", title=f"{store.dialect} · revision {store.schema_revision()}")
    for name, n in store.counts().items():
        table.add_row(name, f"{n:,}")
    console.print(table)


# ---------------------------------------------------------------------------- ingest
def _parse_mapping(pairs: list[str]) -> dict[str, str]:
    mapping = {}
    for pair in pairs:
        if "=" not in pair:
            _fail(f"--map takes FIELD=COLUMN (e.g. --map product_id=sku), got {pair!r}")
        field, column = pair.split("=", 1)
        mapping[field.strip()] = column.strip()
    return mapping


@app.command()
def ingest(
    kind: Annotated[str, typer.Argument(help=f"What the file holds: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(help="CSV, JSON Lines or Parquet file.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, jsonl or parquet (default: by suffix).")
    ] = None,
    mapping: Annotated[list[str], typer.Option("--map", help="FIELD=COLUMN: read COLUMN as FIELD.")] = [],  # noqa: B006
    guess: Annotated[
        bool, typer.Option(help="Map fields the file does not name exactly from usual names (SKU, Name …).")
    ] = True,
    rejects: Annotated[Path | None, typer.Option(help="Where to write rejected rows (CSV).")] = None,
    batch_size: Annotated[int | None, typer.Option(help="Rows per transaction.")] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="Text encoding of CSV/JSONL files (default: a BOM's, else UTF-16 or UTF-8)."),
    ] = None,
) -> None:
    """Validate FILE and upsert its rows; invalid rows go to a rejects file and never stop the valid ones."""
    from rich.markup import escape
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    from shopmind.config import get_settings
    from shopmind.data.ingest import IngestError, ingest_file

    if kind not in KINDS:
        _fail(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    settings = get_settings()
    store = _store()
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task(f"{kind} ← {file.name}", total=file.stat().st_size if file.is_file() else None)
        try:
            report = ingest_file(
                store,
                kind,
                file,
                fmt=fmt,
                mapping=_parse_mapping(mapping),
                batch_size=batch_size or settings.ingest_batch_size,
                rejects_path=rejects,
                rejects_dir=settings.var_dir / "rejects",
                encoding=encoding,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                stale_after=settings.ingest_stale_after,
                guess=guess,
            )
        except IngestError as exc:
            _fail(escape(str(exc)))
    if report.recognised:
        folded = f" ({report.rows_folded:,} variant/image rows folded into their product)"
        console.print(f"recognised as {report.recognised}{folded if report.rows_folded else ''}")
    elif report.mapping:
        console.print("columns read as: " + escape(", ".join(f"{f}={c}" for f, c in report.mapping.items())))
    console.print(
        f"[green]{report.rows_written:,}[/] rows written, [red]{report.rows_rejected:,}[/] rejected "
        f"of {report.rows_read:,} read in {report.seconds:.1f}s"
    )
    if report.ignored_columns:
        console.print(f"ignored columns: {escape(', '.join(report.ignored_columns))}")
    for line in report.errors[:10]:
        console.print(f"  [yellow]{escape(line)}[/]")
    if report.rejects_path:
        console.print(f"rejected rows with reasons: {report.rejects_path}")


# ---------------------------------------------------------------------------- demo data
@app.command("demo-data")
def demo_data(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same shop.")] = 7,
    scale: Annotated[float, typer.Option(help="Size factor (1.0 ≈ 3,000 products, 5,000 customers).")] = 1.0,
    reset: Annotated[bool, typer.Option(help="Empty the database first.")] = False,
) -> None:
    """Generate the bilingual demo shop and load it into the database."""
    from shopmind.config import get_settings
    from shopmind.data.demo import NotADemoShopError, load_demo_shop

    store = _store(migrate=False)
    if reset:
        store.drop_all()
    truth = get_settings().var_dir / "demo" / f"truth-seed{seed}.json"
    try:
        with console.status(f"generating the demo shop (seed {seed}, scale {scale:g})…"):
            written = load_demo_shop(store, seed=seed, scale=scale, truth_path=truth)
    except NotADemoShopError as exc:
        _fail(f"{exc} (`--reset` empties this database first, deleting its data)")
    table = Table("table", "rows", title="demo shop")
    for name, n in written.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"latent customer tastes: {truth}")


# ---------------------------------------------------------------------------- datasets
@datasets_app.command("list")
def datasets_list() -> None:
    """The registered public data sets and whether they are available locally."""
    from shopmind.config import get_settings
    from shopmind.data import datasets

    root = get_settings().datasets_dir
    table = Table("name", "what", "license", "local")
    for name, ds in sorted(datasets.REGISTRY.items()):
        try:
            datasets.locate(name, root)
            local = "[green]yes[/]"
        except datasets.DatasetNotFoundError:
            local = "no"
        table.add_row(name, ds.title, ds.license, local)
    console.print(table)
    console.print(
        "local folder: SHOPMIND_DATASETS_DIR (then `shopmind datasets fetch NAME` needs no network)"
    )


@datasets_app.command("fetch")
def datasets_fetch(
    name: str,
    dest: Annotated[Path | None, typer.Option(help="Target folder (default: SHOPMIND_DATASETS_DIR).")] = None,
) -> None:
    """Get a data set: use the local copy when its checksums match, else download and verify it."""
    from shopmind.config import get_settings
    from shopmind.data import datasets

    try:
        path = datasets.fetch(name, dest, root=get_settings().datasets_dir)
    except (KeyError, OSError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"{name}: {path}")


@datasets_app.command("import-shop")
def datasets_import_shop(
    name: Annotated[str, typer.Argument(help="The data set to load as a shop: online-retail-uci.")],
    months: Annotated[str | None, typer.Option(help="Comma-separated months, e.g. 2011-01,2011-02.")] = None,
) -> None:
    """Load a real shop's data set into the database as products, customers, orders and events."""
    from shopmind.config import get_settings
    from shopmind.data import datasets
    from shopmind.data.ingest import canonical_timeline

    if name != "online-retail-uci":
        _fail(f"{name!r} cannot be imported as a shop; available: online-retail-uci")
    store = _store()
    try:
        with console.status(f"reading {name}…"):
            folder = datasets.locate(name, get_settings().datasets_dir)
            frame = datasets.load_online_retail(months.split(",") if months else None, folder=folder)
    except (KeyError, OSError, ValueError) as exc:
        _fail(str(exc))
    frames = datasets.online_retail_to_shop(frame)
    frames["order_status"] = canonical_timeline(frames["orders"])
    with console.status("writing…"):
        written = store.write_frames(frames)
    table = Table("table", "rows", title=name)
    for table_name, n in written.items():
        table.add_row(table_name, f"{n:,}")
    console.print(table)


@datasets_app.command("verify")
def datasets_verify(name: str) -> None:
    """Check the local files of a data set against the registry's SHA-256."""
    from shopmind.config import get_settings
    from shopmind.data import datasets

    try:
        problems = datasets.verify(name, get_settings().datasets_dir)
    except (KeyError, OSError, ValueError) as exc:
        _fail(str(exc))
    if problems:
        _fail("; ".join(problems))
    console.print(f"{name}: all files match their SHA-256")


# ---------------------------------------------------------------------------- recommendations
def _parse_params(pairs: list[str]) -> dict[str, object]:
    """``name=value`` pairs; values are read as JSON where they parse (numbers, true/false), else text."""
    import json

    out: dict[str, object] = {}
    for pair in pairs:
        if "=" not in pair:
            _fail(f"--param takes NAME=VALUE (e.g. --param epochs=50), got {pair!r}")
        key, value = pair.split("=", 1)
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


@train_app.command("rec")
def train_rec(
    model: Annotated[str, typer.Option(help="Recommender name (see `shopmind rec models`).")] = "sasrec",
    param: Annotated[list[str], typer.Option(help="Model config NAME=VALUE.")] = [],  # noqa: B006
    publish: Annotated[bool, typer.Option(help="Serve the new version at once.")] = True,
    force: Annotated[
        bool, typer.Option(help="Publish even if its validation NDCG@10 is below the serving version's.")
    ] = False,
    nproc: Annotated[
        int, typer.Option(help="Train data-parallel in N processes (launches torchrun; DDP, gloo on CPU).")
    ] = 1,
) -> None:
    """Train a recommender on the store's events, evaluate it, save a version and publish it — unless its
    validation NDCG@10 is more than 5% below the serving version's (then `--force` publishes it)."""
    from shopmind.recommend.base import UnknownModelError
    from shopmind.recommend.train import train_and_publish
    from shopmind.train import distributed as D

    if nproc > 1:
        args = ["train", "rec", "--model", model, *(f"--param={p}" for p in param)]
        flags = ["--publish" if publish else "--no-publish", *(["--force"] if force else [])]
        raise typer.Exit(D.launch(nproc, [*args, *flags]))
    dist = D.info()
    engine = engine_from_settings(migrate=dist.is_main)
    try:
        with console.status(f"training {model}… (progress in the log)") if dist.is_main else nullcontext():
            result = train_and_publish(
                engine.store, model, _parse_params(param), engine.artifacts, publish, force=force
            )
    except (UnknownModelError, ValueError, TypeError) as exc:
        _fail(str(exc))
    finally:
        D.shutdown()
        engine.close()
    if not dist.is_main:  # a helper process of a torchrun launch: rank 0 reports and saves
        return
    table = Table("metric", "validation", "test", title=f"{model} · {result.seconds:.0f}s")
    for name in ("hr@10", "ndcg@10", "recall@20", "ndcg@20", "mrr", "coverage@10"):
        table.add_row(name, f"{result.metrics[f'valid_{name}']:.4f}", f"{result.metrics[f'test_{name}']:.4f}")
    console.print(table)
    console.print(f"saved {result.version_dir}" + (" (published)" if publish and result.published else ""))
    if result.refused:
        console.print(f"[yellow]not published:[/yellow] {result.refused}")


@train_app.command("nlu")
def train_nlu(
    datasets: Annotated[
        bool, typer.Option(help="Also use Bitext/CLINC150/SMP2019/reviews under SHOPMIND_DATASETS_DIR.")
    ] = True,
    publish: Annotated[bool, typer.Option(help="Serve the new version at once.")] = True,
    force: Annotated[
        bool, typer.Option(help="Publish even if its held-out accuracy falls short of the serving version's.")
    ] = False,
) -> None:
    """Train the assistant's bilingual NLU (intents, out-of-scope, sentiment), save and publish it — unless
    its held-out in-scope accuracy is more than 2% below the serving version's (then `--force` does)."""
    from shopmind.artifacts import read_meta
    from shopmind.assistant.nlu.shop import ShopNLUConfig, train_and_publish_nlu
    from shopmind.lifecycle import NLU_GATE

    with engine_from_settings() as engine, console.status("training the NLU… (progress in the log)"):
        settings = engine.settings
        path = train_and_publish_nlu(
            engine.artifacts,  # published in the store: every replica serves it
            ShopNLUConfig(use_datasets=datasets),
            datasets_dir=settings.datasets_dir,
            cache_path=settings.var_dir / "cache" / "nlu-vectors.sqlite",
            publish=False,
        )
        refused = engine.artifacts.publish_gated("nlu", path, NLU_GATE, force) if publish else None
    table = Table(title=f"nlu {path.name}" + (" (published)" if publish and not refused else ""))
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in read_meta(path)["metrics"].items():
        table.add_row(key, f"{value}")
    console.print(table)
    if refused:
        console.print(f"[yellow]not published:[/yellow] {refused}")


def _run_benchmark(dataset: str, models: list[str], params: dict, split: str, json_out: Path | None) -> None:
    from shopmind.recommend import benchmark

    try:
        data = benchmark.load_split(dataset, split, store=_store() if dataset == "demo" else None)
        with console.status(f"{dataset}: fitting {', '.join(models)}…"):
            results = benchmark.run(data, models, params)
    except (KeyError, FileNotFoundError, ValueError, TypeError) as exc:
        _fail(str(exc))
    console.print(benchmark.markdown(results, title=f"{dataset} ({split}, full ranking)"))
    if json_out:
        benchmark.to_json(results, json_out, dataset=dataset, split=split)
        console.print(f"JSON: {json_out}")


@rec_app.command("evaluate")
def rec_evaluate(
    model: Annotated[str, typer.Option(help="Recommender name.")],
    dataset: Annotated[
        str, typer.Option(help="beauty, ml-100k, gowalla or demo (the store's events).")
    ] = "demo",
    param: Annotated[list[str], typer.Option(help="Model config NAME=VALUE.")] = [],  # noqa: B006
    split: Annotated[str, typer.Option(help="loo (leave-one-out) or temporal.")] = "loo",
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON.")] = None,
) -> None:
    """Fit one model (early stopping on validation) and report full-ranking test metrics."""
    _run_benchmark(dataset, [model], {model: _parse_params(param)}, split, json_out)


@rec_app.command("benchmark")
def rec_benchmark(
    dataset: Annotated[str, typer.Option(help="beauty, ml-100k, gowalla or demo.")] = "ml-100k",
    models: Annotated[
        str, typer.Option(help="Comma-separated model names.")
    ] = "popular,itemknn,bpr,lightgcn,sasrec",
    split: Annotated[str, typer.Option(help="loo or temporal.")] = "loo",
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the results as JSON.")] = None,
) -> None:
    """Compare models on one data set: a Markdown table (and JSON) of full-ranking metrics."""
    _run_benchmark(dataset, [m.strip() for m in models.split(",") if m.strip()], {}, split, json_out)


@rec_app.command("models")
def rec_models() -> None:
    """Registered recommenders and the saved versions (the one in service is marked)."""
    from shopmind.recommend.base import available
    from shopmind.recommend.train import KIND

    console.print("registered: " + ", ".join(available()))
    table = Table("version", "model", "in service", "test ndcg@10")
    with engine_from_settings() as engine:
        versions = engine.artifacts.versions(KIND)
    for v in versions:
        ndcg = v.get("metrics", {}).get("test_ndcg@10")
        table.add_row(
            v["version"], v.get("model", "?"), "✓" if v["current"] else "", f"{ndcg:.4f}" if ndcg else ""
        )
    console.print(table)


@rec_app.command("recommend")
def rec_recommend(
    customer_id: str,
    k: Annotated[int, typer.Option(help="How many.")] = 10,
    category: Annotated[str | None, typer.Option(help="Category path or prefix.")] = None,
    max_price: Annotated[float | None, typer.Option(help="Highest price.")] = None,
) -> None:
    """Recommendations for a customer from the published model and the live store."""
    with engine_from_settings() as engine:
        result = engine.recommendations.recommend(customer_id, k, category=category, max_price=max_price)
    _print_items(result["items"], f"for {customer_id} · {result['source']}")


@rec_app.command("similar")
def rec_similar(product_id: str, k: Annotated[int, typer.Option(help="How many.")] = 10) -> None:
    """Products similar to PRODUCT_ID."""
    from shopmind.data.store import NotFoundError

    with engine_from_settings() as engine:
        try:
            result = engine.recommendations.similar(product_id, k)
        except NotFoundError as exc:
            _fail(str(exc))
    _print_items(result["items"], f"like {product_id} · {result['source']}")


def _print_items(items: list[dict], title: str) -> None:
    table = Table("product", "title", "category", "price", "score", title=title)
    for it in items:
        table.add_row(
            it["product_id"], it["title"], it["category"], f"{it['price']:.2f}", f"{it['score']:.3f}"
        )
    console.print(table)


# ---------------------------------------------------------------------------- keys and serving
@keys_app.command("create")
def keys_create(
    scope: Annotated[str, typer.Option(help="admin or storefront.")] = "storefront",
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    expires_in: Annotated[
        str | None, typer.Option("--expires-in", help="Lifetime, e.g. 30d, 12h, 2w (default: never expires).")
    ] = None,
    origin: Annotated[
        list[str] | None,
        typer.Option(
            "--origin", help="Storefront keys: a web origin whose pages may use the key (repeatable)."
        ),
    ] = None,
) -> None:
    """Create an API key; it is printed once (on stdout) and stored only as a hash."""
    from datetime import UTC, datetime

    from shopmind.data.store_keys import parse_lifetime

    try:
        expires_at = datetime.now(UTC) + parse_lifetime(expires_in) if expires_in else None
        info = _store().issue_api_key(scope, name, expires_at=expires_at, origins=origin)
    except ValueError as exc:
        _fail(str(exc))
    console.print(info["key"], soft_wrap=True)
    until = f"expires {_when(info['expires_at'])}" if info["expires_at"] else "never expires"
    err.print(f"key id {info['key_id']} · {scope} · {until} · shown once: store it now")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


@keys_app.command("list")
def keys_list() -> None:
    """Stored keys (never the keys themselves): id, name, scope, created, expires, last used, status."""
    table = Table(Column("id", no_wrap=True), "name", "scope", "created", "expires", "last used", "status")
    colours = {"active": "green", "expired": "yellow", "revoked": "red"}
    for k in _store().list_api_keys():
        status = f"[{colours[k['status']]}]{k['status']}[/]"
        if k["revoked_at"]:
            status += f" {_when(k['revoked_at'])}"
        when = [_when(k[c]) for c in ("created_at", "expires_at", "last_used_at")]
        table.add_row(k["key_id"], k["name"], k["scope"], *when, status)
    console.print(table)
    console.print("times in UTC; keys from SHOPMIND_ADMIN_API_KEY/SHOPMIND_STOREFRONT_API_KEY are not stored")


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (`shopmind keys list`).")]) -> None:
    """Revoke a key: it stops working at once, on every server using this database."""
    from shopmind.data.store import NotFoundError

    try:
        info = _store().revoke_api_key(key_id)
    except NotFoundError as exc:
        _fail(f"{exc}; `shopmind keys list` shows the ids")
    console.print(f"revoked {info['key_id']} ({info['scope']}, {info['name'] or 'no name'})")


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run the jobs queued now, then exit.")] = False,
    kinds: Annotated[
        list[str], typer.Option("--kinds", help="Only these kinds: names or prefix:* (e.g. train:*).")
    ] = [],  # noqa: B006
    grace: Annotated[
        float, typer.Option(help="Seconds a job may go on after SIGTERM/Ctrl-C before it is requeued.")
    ] = 30.0,
    nice: Annotated[
        int,
        typer.Option(
            min=0,
            max=19,
            help="Lower this worker's CPU priority by this much, so that API servers on the same machine "
            "answer first while it trains (0: keep the priority it was started with).",
        ),
    ] = 10,
) -> None:
    """Run background jobs (training, fits, refits) from the store's queue until stopped."""
    from shopmind.config import get_settings
    from shopmind.engine import Engine
    from shopmind.worker import Worker, lower_priority
    from shopmind.worker import serve as serve_jobs

    for handler in logging.getLogger().handlers:  # progress lines with their time, also in a log file
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    wanted = tuple(k.strip() for item in kinds for k in item.split(",") if k.strip())
    lower_priority(nice)
    with Engine(get_settings().model_copy(update={"embedded_worker": False})) as engine:
        engine.store.migrate()
        engine.mark_interrupted_ingest_runs()
        runner = Worker(engine.jobs, engine.worker_config(wanted), name="worker")
        if not runner.kinds():
            _fail(f"no job kind matches {', '.join(wanted)}; kinds: {', '.join(engine.jobs.kinds())}")
        serve_jobs(runner, once=once, grace=grace)


def _run_http(api, host: str, port: int, log_level: str, workers: int = 1) -> None:
    """Serve ``api`` with uvicorn (its C parser and event loop when installed); uvicorn logs at the
    settings' level, so a level above INFO also turns its access log off. With ``workers`` > 1, ``api``
    is an import string of an app factory that each of the processes calls."""
    import uvicorn

    from shopmind.api.protocol import http_protocol

    many = {"factory": True, "workers": workers} if workers > 1 else {}
    uvicorn.run(api, host=host, port=port, log_level=log_level.lower(), http=http_protocol(), **many)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default from settings).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default from settings).")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Server processes sharing the port, each with its own copy of the search index and "
            "caches (one per core for a busy shop; the store keeps them in step).",
        ),
    ] = 1,
) -> None:
    """Serve the API and web UI."""
    from shopmind.api.app import create_app

    if workers > 1:
        from shopmind.config import get_settings

        _store().dispose()  # the schema migrated once, before the processes start
        settings = get_settings()
        err.print(f"starting {workers} server processes; each loads the catalog before it answers")
        _run_http("shopmind.api.app:app_from_settings", host or settings.host, port or settings.port,
                  settings.log_level, workers)  # fmt: skip
        return
    engine = engine_from_settings()
    settings = engine.settings
    with console.status("loading the catalog for search and recommendations…"):
        engine.start(
            wait=True, assistant=True
        )  # search and recommendations loaded, the store's changes followed
    _run_http(create_app(engine), host or settings.host, port or settings.port, settings.log_level)


def _step(what: str, began: float):
    """Print a step and, when it ends, its time: plain lines that show in a log file too."""
    from contextlib import contextmanager

    @contextmanager
    def step():
        t0 = time.monotonic()
        console.print(f"[{t0 - began:6.1f}s] {what} …", highlight=False)
        yield
        console.print(f"[{time.monotonic() - began:6.1f}s] {what}: done in {time.monotonic() - t0:.1f}s",
                      highlight=False)  # fmt: skip

    return step()


def _queue_training(engine, kind: str, model: str, params: dict | None) -> None:
    """Queue a training job for the embedded worker (one already queued or running is left alone)."""
    from shopmind.jobs import JobBusyError

    try:
        job = engine.models.train(kind, model, params)
    except ValueError as exc:  # an unknown model name: the message lists the valid ones
        engine.close()
        _fail(str(exc))
    except JobBusyError:
        console.print(f"{kind}: a training is already queued or running; the server's worker takes it")
        return
    console.print(f"{kind}: training {model} in the background (job {job.job_id}); "
                  "its fallback serves until it is published")  # fmt: skip


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Demo shop seed.")] = 7,
    model: Annotated[
        str, typer.Option(help="Recommender to train if none is published (sasrec reacts in real time).")
    ] = "sasrec",
    host: Annotated[str | None, typer.Option(help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Port.")] = None,
) -> None:
    """Build the demo shop and its default models on first run (SQLite, offline); serve the API and web UI."""
    from shopmind.api.app import create_app
    from shopmind.data.demo import NotADemoShopError, check_demo_database, demo_keys, load_demo_shop
    from shopmind.recommend.train import DEMO_PARAMS, KIND

    began = time.monotonic()
    engine = engine_from_settings()
    settings, store = engine.settings, engine.store
    try:
        check_demo_database(store)
    except NotADemoShopError as exc:
        engine.close()
        _fail(str(exc))
    if store.counts()["products"] == 0:
        with _step("building the demo shop (first run only)", began):
            load_demo_shop(store, seed=seed, truth_path=settings.var_dir / "demo" / f"truth-seed{seed}.json")
    # the models train in the background (the server's embedded worker) while their fallbacks serve;
    # the console's Models page shows their progress, and serving switches when each is published
    if engine.artifacts.current(KIND) is None:
        _queue_training(engine, "rec", model, DEMO_PARAMS.get(model))
    if engine.artifacts.current("nlu") is None:
        _queue_training(engine, "nlu", "shop", None)
    with _step("loading search and recommendations", began):
        engine.start(
            wait=True, assistant=True
        )  # lexical search at once; sentence vectors are filled in the background
    keys = demo_keys(store)  # the same keys on every start (kept in the demo database)
    admin_key, web_key = keys["admin"], keys["storefront"]
    host, port = host or settings.host, port or settings.port
    console.print(f"\n[bold green]ShopMind demo shop[/] on [link]http://{host}:{port}[/]  (API docs: /docs)")
    console.print(f"demo admin API key: [bold]{admin_key}[/]  (send as X-API-Key; the same on every start)")
    console.print(f"admin console: http://{host}:{port}/admin  (it asks for that key)\n")
    _run_http(create_app(engine, web_storefront_key=web_key, web_demo=True), host, port, settings.log_level)


if __name__ == "__main__":
    app()

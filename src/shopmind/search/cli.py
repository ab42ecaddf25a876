"""`shopmind search …`: search the shop, evaluate retrieval quality, benchmark.

``shopmind search "红色连衣裙"`` is short for ``shopmind search query "红色连衣裙"``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from shopmind.search.cli_suggestions import suggestions_app


class _QueryByDefault(TyperGroup):
    """Runs ``query`` when the first word is not a sub-command (``shopmind search "red dress"``)."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["query", *args]
        return super().parse_args(ctx, args)


search_app = typer.Typer(
    cls=_QueryByDefault, help="Search the catalog; evaluate and benchmark search.", no_args_is_help=True
)
console = Console()
search_app.add_typer(suggestions_app, name="suggestions")


@search_app.command("query")
def query_cmd(
    text: Annotated[str, typer.Argument(help="The query, Chinese or English")],
    page: int = 1,
    size: int = 10,
    customer: Annotated[str | None, typer.Option(help="Personalise for this customer id")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense")] = "hybrid",
    as_json: Annotated[bool, typer.Option("--json", help="Print the whole answer as JSON")] = False,
    spell: Annotated[
        bool, typer.Option(help="--no-spell: search the words as typed (no corrections)")
    ] = True,
) -> None:
    """Search the shop's catalog (the store in SHOPMIND_DATABASE_URL / var/)."""
    from shopmind.cli import engine_from_settings

    with engine_from_settings() as engine:
        try:
            answer = engine.search.search(
                text, None, page, customer, page_size=size, mode=mode, log=False, correct=spell
            )
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from exc
    _print_answer(answer, as_json)


def _print_answer(answer: dict, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(answer, ensure_ascii=False, default=str))
        return
    chips = ", ".join(
        c.get("label") or f"{c['type']}: {c.get('value', c.get('text'))}" for c in answer["parsed"]["chips"]
    )
    console.print(f"[bold]{answer['total']}[/bold] results ({answer['took_ms']} ms)  {chips}")
    if answer.get("corrected"):
        fix = answer["corrected"]
        console.print(
            f"showing results for “{fix['query']}” (search instead for “{fix['original']}”: --no-spell)"
        )
    if answer.get("message"):
        console.print(f"[yellow]{answer['message']}[/yellow]")
    if answer["relaxed"]:
        console.print(f"[yellow]relaxed: {', '.join(c['text'] for c in answer['relaxed'])}[/yellow]")
    for title, rows in (
        ("", answer["products"]),
        ("related products (not an exact match)", answer.get("related")),
    ):
        if not rows and title:
            continue
        table = Table("id", "title", "price", "stock", "score", title=title or None)
        for p in rows:
            table.add_row(
                p["product_id"], p["title"], f"{p['price']:g}", str(p["stock"]), f"{p['score']:.3f}"
            )
        console.print(table)


@search_app.command("pin")
def pin_cmd(
    query: Annotated[str, typer.Argument(help="The query, as a shopper types it")],
    product_ids: Annotated[list[str], typer.Argument(help="Product ids to show first, in this order")],
) -> None:
    """Always show these products first for QUERY (on every replica, within about a second)."""
    from shopmind.cli import engine_from_settings

    with engine_from_settings() as engine:
        missing = engine.store.missing_products(product_ids)
        if missing:
            console.print(f"[red]unknown product ids: {', '.join(missing)}[/red]")
            raise typer.Exit(2)
        key = engine.search.pin(query, product_ids)
    console.print(f"pinned for {key!r}: {', '.join(product_ids)}")


@search_app.command("unpin")
def unpin_cmd(query: Annotated[str, typer.Argument(help="The pinned query")]) -> None:
    """Remove the pin of QUERY."""
    from shopmind.cli import engine_from_settings
    from shopmind.search.pins import pin_key

    with engine_from_settings() as engine:
        if engine.store.delete_search_pin(pin_key(query)):
            console.print(f"unpinned {pin_key(query)!r}")
            return
    console.print(f"[yellow]no pin for {pin_key(query)!r}[/yellow]")
    raise typer.Exit(1)


@search_app.command("pins")
def pins_cmd() -> None:
    """Every pinned query with its products."""
    from shopmind.cli import engine_from_settings

    with engine_from_settings() as engine:
        pins = engine.store.search_pins()
    table = Table("query", "products (shown first, in order)", title=f"{len(pins)} pinned queries")
    for query, ids in pins.items():
        table.add_row(query, ", ".join(ids))
    console.print(table)


@search_app.command("evaluate")
def evaluate_cmd(
    dataset: Annotated[str, typer.Option(help="homedepot or demo")] = "homedepot",
    max_queries: Annotated[int | None, typer.Option(help="Home Depot: use this many queries")] = None,
    tune: Annotated[bool, typer.Option(help="Tune the fusion on the validation queries first")] = True,
    extra_encoder: Annotated[
        str, typer.Option(help="Home Depot: a second sentence encoder blended in, e.g. st:minilm")
    ] = "",
) -> None:
    """NDCG@10 / MRR / Recall@100 of BM25-only, dense-only and hybrid (needs SHOPMIND_DATASETS_DIR for
    Home Depot). Home Depot: tuned on the validation queries, reported on the test queries."""
    from shopmind.search import evaluate as E

    results = {}
    if dataset == "homedepot":
        products, valid, test = E.homedepot(max_queries=max_queries)
        service = _service(products, extra_encoder)
        if tune:
            best, grid = E.tune(service, valid)
            service.config.fusion = best
            console.print(f"tuned on {len(valid)} validation queries: {best}")
        results[test.name] = E.compare(service, test)
    elif dataset == "demo":
        products, zh, en = E.demo_queries()
        service = _service(products)
        results[zh.name] = E.compare(service, zh)
        results[en.name] = E.compare(service, en)
    else:
        console.print(f"[red]unknown dataset {dataset!r}: use homedepot or demo[/red]")
        raise typer.Exit(2)
    console.print(E.markdown_table(results))


@search_app.command("benchmark")
def benchmark_cmd(
    products: Annotated[int, typer.Option(help="Catalog size")] = 100_000,
    queries: Annotated[int, typer.Option(help="Queries to time")] = 300,
) -> None:
    """Index build time and memory, p50/p99 latency at 1 client, QPS at 4 clients (bench/bench_search.py)."""
    from shopmind.search.bench import run_benchmark

    console.print(run_benchmark(n_products=products, n_queries=queries))


def _service(products, extra_encoder: str = ""):
    """A search service over ``products`` alone (no store), its embeddings cached in the var folder."""
    from shopmind.config import get_settings
    from shopmind.search.index import IndexConfig, ProductIndex
    from shopmind.search.service import SearchConfig, SearchService

    cache = str(get_settings().var_dir / "search" / "embeddings.sqlite")
    config = IndexConfig(extra_encoder=extra_encoder, cache_queries=True, cache_path=cache)
    index = ProductIndex.from_frame(products, config)
    return SearchService(None, SearchConfig(log_events=False), index=index)

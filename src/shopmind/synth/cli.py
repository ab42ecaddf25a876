"""`shopmind synth …`: fit GAN synthesizers on store tables or files, sample, report, export, images.

Thin: each command builds the engine from the settings and calls its
:class:`~shopmind.synth.service.SynthService`. The service also logs a line per epoch (at most every
few seconds) beside the Rich progress bar shown here, so progress stays visible when the output goes
to a file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from shopmind.synth.service import SynthService

synth_app = typer.Typer(
    help="Synthetic data (GANs): fit, sample, report, export, images.", no_args_is_help=True
)
console = Console()
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


@contextmanager
def _service() -> Iterator[SynthService]:
    """The engine's synth service over the configured store and artifacts (closed afterwards); the
    store is migrated first, since published versions are recorded in it."""
    from shopmind.cli import engine_from_settings

    with engine_from_settings() as engine:
        yield engine.synth


def _bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[losses]}"),
        console=err,
    )


def _write(frame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    else:
        frame.to_csv(path, index=False)


def _name(service: SynthService, name: str | None) -> str:
    names = service.names()
    if name:
        return name
    if len(names) == 1:
        return names[0]
    _fail(
        f"say which synthesizer with --name (fitted: {', '.join(names) or 'none; run `shopmind synth fit`'})"
    )


@synth_app.command("fit")
def fit(
    table: Annotated[
        str,
        typer.Argument(help="Store table (customers, orders, events, products) or a CSV/Parquet/JSONL file."),
    ],
    child: Annotated[
        str | None,
        typer.Option(help="Child table fitted with it, keys kept consistent (customers --child orders)."),
    ] = None,
    epochs: Annotated[
        int, typer.Option(help="At most this many passes (held-out checks stop earlier).")
    ] = 300,
    batch_size: Annotated[int, typer.Option(help="Rows per step (a multiple of 10).")] = 500,
    seed: int = 0,
    threads: Annotated[int, typer.Option(help="torch threads (0 = default).")] = 0,
    label: Annotated[
        str | None, typer.Option(help="Column a model trained on the sample will predict (e.g. status).")
    ] = None,
    constraint: Annotated[
        list[str] | None, typer.Option(help='A rule (repeatable): "country -> city", "total >= 0", …')
    ] = None,
    dp_epsilon: Annotated[
        float | None, typer.Option(help="Train the critic with differential privacy for this ε.")
    ] = None,
) -> None:
    """Fit a CTGAN-style synthesizer, publish it under artifacts/synth/<name>/ and write its report."""
    from shopmind.synth.tabular import TabularGANConfig

    try:
        cfg = TabularGANConfig(
            epochs=epochs,
            batch_size=batch_size,
            threads=threads,
            label=label,
            constraints=tuple(constraint or ()),
            dp_epsilon=dp_epsilon,
        )
    except ValueError as exc:
        _fail(str(exc))
    with _service() as service, _bar() as bar:
        task = bar.add_task(f"fit {table}", total=epochs, losses="")

        def tick(epoch: int, total: int, losses: dict[str, float]) -> None:
            if epoch == 1 and total != bar.tasks[task].total:  # the child model of a relational fit
                bar.reset(task, total=total, description=f"fit {child}")
            text = f"G {losses['loss_g']:+.3f}  D {losses['loss_d']:+.3f}"
            bar.update(task, completed=epoch, losses=text)

        try:
            version = service.fit(table, child=child, config=cfg, seed=seed, progress=tick)
        except (ValueError, LookupError) as exc:
            _fail(str(exc))
    console.print(f"saved and published [bold]{version}[/]")
    report = version / "report.json"
    if report.is_file():
        _findings(json.loads(report.read_text(encoding="utf-8")))
        console.print(f"report: {report}")


def _findings(report: dict) -> None:
    colour = {"good": "green", "fair": "yellow", "poor": "red"}
    for f in report.get("summary", []):
        console.print(f"[{colour.get(f['verdict'], 'white')}]{f['verdict']:>4}[/] {f['en']}")


@synth_app.command("sample")
def sample(
    n: Annotated[int, typer.Argument(help="Rows to generate (parents, for a parent+child model).")],
    name: Annotated[
        str | None, typer.Option(help="Which synthesizer (default: the only one fitted).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="File (.csv/.parquet/.jsonl); several tables: <stem>.<table><suffix>.")
    ] = None,
    seed: int = 0,
    where: Annotated[
        list[str] | None,
        typer.Option(help="COLUMN=VALUE of a discrete column (repeatable): only such rows."),
    ] = None,
) -> None:
    """Generate N synthetic rows (cold-start customers, load-test data, more rows of a rare class …)."""
    conditions = {}
    for item in where or []:
        column, sep, value = item.partition("=")
        if not sep or not column.strip():
            _fail(f"--where takes COLUMN=VALUE, got {item!r}")
        conditions[column.strip()] = value.strip()
    with _service() as service:
        try:
            frames = service.sample(_name(service, name), n, seed, where=conditions or None)
        except (LookupError, ValueError) as exc:
            _fail(str(exc))
    for table, frame in frames.items():
        if out is None:
            console.print(f"[bold]{table}[/] ({len(frame):,} rows)")
            console.print(frame.head(10).to_string())
            continue
        path = out if len(frames) == 1 else out.with_name(f"{out.stem}.{table}{out.suffix}")
        _write(frame, path)
        console.print(f"{table}: {len(frame):,} rows -> {path}")


@synth_app.command("report")
def report(
    name: Annotated[
        str | None, typer.Argument(help="Which synthesizer (default: the only one fitted).")
    ] = None,
    real: Annotated[
        str | None, typer.Option(help="Real table or file to compare with (default: the fitted source).")
    ] = None,
    rows: Annotated[
        int | None, typer.Option(help="Synthetic rows to score (default: as many as real).")
    ] = None,
    seed: int = 0,
) -> None:
    """Fidelity (column shapes, pairs), privacy (exact copies, DCR) and PNG plots in the model folder."""
    from shopmind.synth.service import read_table

    with _service() as service:
        name = _name(service, name)
        try:
            _, frame = read_table(real or service.fit_info(name)["source"], service.store)
            result = service.report(name, frame, n=rows, seed=seed)
        except (ValueError, LookupError) as exc:
            _fail(str(exc))
        folder = service.model_dir(name)
    table = Table("measure", "value", title=f"synthetic {name}")
    for key in ("quality_score", "column_shapes", "column_pairs"):
        table.add_row(key, f"{result[key]:.3f}")
    for key, value in result["privacy"].items():
        table.add_row(key, f"{value:.4f}")
    console.print(table)
    _findings(result)
    console.print(f"report and plots in {folder}")


@synth_app.command("export")
def export(
    n: Annotated[int, typer.Argument(help="Rows to generate.")],
    out: Annotated[Path, typer.Option(help="Output file (.csv/.parquet/.jsonl).")],
    name: Annotated[str | None, typer.Option(help="Which synthesizer.")] = None,
    min_dcr: Annotated[float, typer.Option(help="Drop rows closer than this to a real record.")] = 0.0,
    seed: int = 0,
) -> None:
    """Safe data sharing: synthetic rows with no exact copy of (and none too close to) a real row."""
    from shopmind.synth.service import read_table

    with _service() as service:
        name = _name(service, name)
        try:
            _, real = read_table(service.fit_info(name)["source"], service.store)
            frame = service.export(name, n, real, seed, min_dcr)
        except (ValueError, LookupError) as exc:
            _fail(str(exc))
    _write(frame, out)
    console.print(f"{len(frame):,} rows (of {n:,}) -> {out}")


@synth_app.command("shop")
def shop(
    out: Annotated[Path, typer.Option(help="Folder for one Parquet file per table.")],
    times: Annotated[float, typer.Option(help="Synthetic customers = this × the store's customers.")] = 10.0,
    refit: Annotated[bool, typer.Option(help="Fit the shop model first (else the published one).")] = True,
    epochs: Annotated[int, typer.Option(help="At most this many epochs per table.")] = 300,
    max_steps: Annotated[int, typer.Option(help="At most this many steps per table.")] = 3000,
    chunk: Annotated[int, typer.Option(help="Customers generated (and held in memory) at a time.")] = 5000,
    seed: int = 0,
    threads: Annotated[int, typer.Option(help="torch threads (0 = default).")] = 0,
) -> None:
    """A whole synthetic shop for load tests: customers with orders (items, timelines) and events,
    keys consistent, written chunk by chunk."""
    from shopmind.synth.shop import ShopConfig, write_parquet
    from shopmind.synth.tabular import TabularGANConfig

    with _service() as service:
        try:
            if refit:
                cfg = ShopConfig(TabularGANConfig(epochs=epochs, threads=threads), max_steps=max_steps)
                console.print(f"fitted {service.fit_shop(config=cfg, seed=seed)}")
            n = round(times * len(service.store.frame("customers", columns=["customer_id"])))
            rows = write_parquet(service.sample_shop(n, seed=seed, chunk=chunk), out)
        except (ValueError, LookupError) as exc:
            _fail(str(exc))
    for table, count in rows.items():
        console.print(f"{table}: {count:,} rows -> {out / table}.parquet")


@synth_app.command("versions")
def versions() -> None:
    """Fitted synthesizers and their versions."""
    table = Table("name", "version", "current")
    with _service() as service:
        for name in service.names():
            for v in service.artifacts.versions(f"synth/{name}"):
                table.add_row(name, v["version"], "yes" if v["current"] else "")
    console.print(table)


@synth_app.command("images")
def images(
    out: Annotated[Path, typer.Option(help="PNG grid of samples (10 per class).")] = Path("synth-grid.png"),
    epochs: Annotated[int, typer.Option(help="Training passes.")] = 5,
    part: Annotated[
        str, typer.Option(help="Fashion-MNIST part: train (60k) or train_subset (6k).")
    ] = "train_subset",
    seed: int = 0,
) -> None:
    """Train the class-conditional DCGAN on Fashion-MNIST, publish it and write a sample grid."""
    from shopmind.synth.image import DCGANConfig

    with _service() as service:
        with _bar() as bar:
            task = bar.add_task("dcgan", total=epochs, losses="")

            def tick(epoch: int, total: int, losses: dict[str, float]) -> None:
                text = f"G {losses['loss_g']:.3f}  D {losses['loss_d']:.3f}"
                bar.update(task, completed=epoch, losses=text)

            try:
                version = service.fit_images(
                    part=part, config=DCGANConfig(epochs=epochs), seed=seed, progress=tick
                )
            except (ValueError, LookupError, FileNotFoundError) as exc:  # no such part; data set absent
                _fail(str(exc))
        service.image_grid(out, seed=seed)
    console.print(f"model {version}, grid {out}")

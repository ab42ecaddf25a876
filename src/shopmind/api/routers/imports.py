"""Importing a file from the console: upload (bounded), preview with the guessed mapping, import.

``POST /admin/imports?kind=…&filename=…`` takes the file as the raw request body (at most
``SHOPMIND_MAX_BODY_BYTES``) and answers its preview; ``POST /admin/imports/{upload_id}`` ingests it
with the mapping the user chose and answers the report with the first rejects;
``GET /admin/ingest-runs/{run_id}/rejects.csv`` downloads a run's rejects file. Admin key."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from shopmind.api.deps import SettingsDep, StoreDep, admin
from shopmind.api.routers.common import IdPath
from shopmind.api.schemas import BODY, KEYED, errors
from shopmind.data.schema import Input
from shopmind.data.store import NotFoundError

router = APIRouter(prefix="/admin", tags=["imports"], dependencies=[admin], responses=KEYED)

UploadId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{16}$", description="From the upload's answer")]
FIRST_REJECTS = 20


class ImportField(BaseModel):
    name: str
    required: bool


class ImportPreview(BaseModel):
    """An uploaded file as an import would read it."""

    upload_id: str
    kind: Literal["products", "customers", "events", "orders"]
    format: Literal["csv", "jsonl", "parquet"]
    filename: str = Field(description="The name the file was sent with (shown only)")
    size: int = Field(description="Bytes")
    columns: list[str] = Field(description="The file's own columns")
    recognised: str | None = Field(description="A known platform export, read without mapping (null: none)")
    fields: list[ImportField] = Field(description="The kind's fields, in order")
    preview_columns: list[str] = Field(description="The columns of the preview rows")
    rows: list[list[str]] = Field(description="The first rows, as text")
    mapping: dict[str, str] = Field(description="Guessed {field: column} for fields the file does not name")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "upload_id": "3f2a9c0d1e4b5a69",
                    "kind": "products",
                    "format": "csv",
                    "filename": "my-shop.csv",
                    "size": 1834,
                    "columns": ["SKU", "Name", "Price"],
                    "recognised": None,
                    "fields": [{"name": "product_id", "required": True}],
                    "preview_columns": ["SKU", "Name", "Price"],
                    "rows": [["A1", "Blue mug", "3.50"]],
                    "mapping": {"product_id": "SKU", "title": "Name"},
                }
            ]
        }
    }


FieldName = Annotated[str, Field(max_length=100)]
ColumnName = Annotated[str, Field(max_length=300)]


class ImportRequest(Input):
    mapping: dict[FieldName, ColumnName] = Field(
        default_factory=dict,
        max_length=64,
        description="{field: column}: read the file's column as the field (empty: as recognised or named)",
        examples=[{"product_id": "SKU", "title": "Name"}],
    )


class ImportResult(BaseModel):
    run_id: str
    kind: str
    source: str = Field(description="The uploaded file's name")
    recognised: str | None
    mapping: dict[str, str] = Field(description="The mapping applied")
    rows_read: int
    rows_written: int
    rows_rejected: int
    rows_folded: int = Field(description="Rows of a recognised export folded into their product")
    seconds: float
    reject_columns: list[str] = Field(description="Header of the rejects: line, row, field, reason, …")
    rejects: list[list[str]] = Field(description=f"The first {FIRST_REJECTS} rejected rows")
    rejects_url: str | None = Field(description="Download of the whole rejects file (null: none)")


def _folder(settings: Any) -> Path:
    return Path(settings.var_dir) / "uploads"


@router.post(
    "/imports",
    response_model=ImportPreview,
    status_code=status.HTTP_201_CREATED,
    responses=errors(413, 422),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def upload(
    request: Request,
    settings: SettingsDep,
    kind: Literal["products", "customers", "events", "orders"] = Query(description="What the file holds"),
    filename: str = Query(max_length=300, description="The file's name: its suffix gives the format"),
    format: Literal["csv", "jsonl", "parquet"] | None = Query(None, description="Overrides the suffix"),
) -> dict[str, Any]:
    """Upload a CSV, JSON Lines or Parquet file as the raw body; answers its preview: the first rows,
    the recognised export or the guessed mapping. The file is kept a day, under a generated name."""
    from shopmind.data.ingest_uploads import preview, save_upload

    body = await request.body()  # bounded by the app's body limit
    folder = _folder(settings)
    saved = await run_in_threadpool(
        save_upload, folder, kind, filename, [body], settings.max_body_bytes, format
    )
    return await run_in_threadpool(preview, folder, saved.upload_id)


@router.get("/imports/{upload_id}", response_model=ImportPreview, responses=errors(404, 422))
def show_upload(upload_id: UploadId, settings: SettingsDep) -> dict[str, Any]:
    """The preview of an upload not yet imported."""
    from shopmind.data.ingest_uploads import preview

    return preview(_folder(settings), upload_id)


@router.post("/imports/{upload_id}", response_model=ImportResult, responses={**BODY, **errors(404)})
def run_import(
    upload_id: UploadId, store: StoreDep, settings: SettingsDep, body: ImportRequest = Body(...)
) -> dict[str, Any]:
    """Ingest the upload with the chosen mapping (the same validation as the CLI; invalid rows are
    rejected with their line, field and reason and never stop the valid ones)."""
    from shopmind.data.ingest_rejects import read_rejects
    from shopmind.data.ingest_uploads import import_upload

    report, _ = import_upload(
        store,
        _folder(settings),
        upload_id,
        body.mapping,
        Path(settings.var_dir) / "rejects",
        settings.ingest_batch_size,
    )
    columns, rows = read_rejects(report.rejects_path, FIRST_REJECTS) if report.rejects_path else ([], [])
    return {
        **{k: getattr(report, k) for k in ("run_id", "kind", "source", "recognised", "mapping", "seconds")},
        **{k: getattr(report, k) for k in ("rows_read", "rows_written", "rows_rejected", "rows_folded")},
        "reject_columns": columns,
        "rejects": rows,
        "rejects_url": f"/admin/ingest-runs/{report.run_id}/rejects.csv" if report.rejects_path else None,
    }


@router.get(
    "/ingest-runs/{run_id}/rejects.csv",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The rejects file",
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(404, 422),
    },
)
def download_rejects(run_id: IdPath, store: StoreDep) -> FileResponse:
    """The whole rejects file of an ingestion run (CSV: line, row, field, reason, …, the row's values)."""
    run = store.ingest_run(run_id)
    path = Path(run["rejects_path"] or "")
    if not run["rejects_path"] or not path.is_file():
        raise NotFoundError(f"ingest run {run_id!r} has no rejects file")
    return FileResponse(path, media_type="text/csv", filename=f"rejects-{run['kind']}-{run_id}.csv")

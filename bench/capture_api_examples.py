"""Capture a real answer of every API operation as the example of the OpenAPI document.

    OMP_NUM_THREADS=1 .venv/bin/python bench/capture_api_examples.py  # writes src/shopmind/api/examples.json

Builds the demo shop that ``make demo`` serves (seed 7, scale 1: the same customers, e-mails and
orders, so an id or login copied from the examples works there) in a temporary SQLite file,
publishes an item-kNN model, fits the marketing models and a tiny customers synthesizer, then calls
every operation of the app once through ``TestClient`` with an admin key. Each 2xx JSON answer is
stored, made small and safe to publish: lists cut to two items, long strings cut, keys and tokens
replaced by placeholders.
The app adds the stored answers to its document (:func:`shopmind.api.docs.add_examples`);
``tests/api/test_openapi.py`` checks that every JSON operation has one and that each still fits
its response schema, and that the demo customers, e-mails and orders in it are those of the
``make demo`` shop. Operations that answer no JSON are listed in :data:`NOT_JSON`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "shopmind" / "api" / "examples.json"
NOT_JSON = {
    "DELETE /products/{product_id}": "204 No Content: the answer has no body",
    "GET /admin/ingest-runs/{run_id}/rejects.csv": "a text/csv download of the rejected rows",
}
MAX_ITEMS = 2
MAX_CHARS = 160
SECRET_FIELDS = {"api_key", "token", "secret", "password"}  # and every string that looks like a key (sm_…)
MAX_BYTES = 200_000


@dataclass
class Call:
    method: str
    path: str  # the document's path; {name} is filled from what earlier answers saved
    kwargs: dict[str, Any] = field(default_factory=dict)
    save: Callable[[Any], dict[str, str]] | None = None  # values from the answer for later calls
    status: int = 200
    values: dict[str, str] = field(default_factory=dict)  # path parameters of this call only


def catalog_calls(customer: str, email: str) -> list[Call]:
    product = {
        "product_id": "EX-1",
        "title": "Trail running shoe",
        "description": "Light trail shoe with a grippy sole.",
        "category": "shoes",
        "brand": "Ridge",
        "price": 89.0,
        "currency": "EUR",
        "stock": 12,
    }
    order = {
        "order_id": "EX-O1",
        "customer_id": customer,
        "placed_at": "2026-11-02T18:10:00Z",
        "currency": "EUR",
        "total": 89.0,
        "items": [{"line_no": 1, "product_id": "EX-1", "quantity": 1, "unit_price": 89.0}],
    }
    return [
        Call("GET", "/health"),
        Call("GET", "/products", {"params": {"limit": 2}}),
        Call("POST", "/products", {"json": [product, {"product_id": "EX-2", "price": -1}]}),
        Call("GET", "/products/{product_id}"),
        Call("PUT", "/products/{product_id}", {"json": product}),
        Call("GET", "/knowledge", {"params": {"limit": 2}}),
        Call("POST", "/knowledge", {"json": [{"doc_id": "EX-K1", "title": "Returns", "body": "30 days."}]}),
        Call("GET", "/customers", {"params": {"limit": 2}}),
        Call("POST", "/customers", {"json": [{"customer_id": "EX-C1", "name": "Ada", "email": email}]}),
        Call("GET", "/customers/{customer_id}"),
        Call("GET", "/events", {"params": {"limit": 2}}),
        Call(
            "POST",
            "/events",
            {
                "json": [
                    {
                        "customer_id": customer,
                        "product_id": "EX-1",
                        "type": "view",
                        "ts": "2026-11-02T18:00:00Z",
                    }
                ]
            },
        ),
        Call("GET", "/orders", {"params": {"limit": 2}}),
        Call("POST", "/orders", {"json": [order]}),
        Call("GET", "/orders/{order_id}"),
        Call("POST", "/orders/{order_id}/status", {"json": {"status": "paid", "note": "card"}}),
        Call("GET", "/recommendations/{customer_id}", {"params": {"k": 2}}),
        Call("GET", "/products/{product_id}/similar", {"params": {"k": 2}}),
        Call("GET", "/trending", {"params": {"k": 2}}),
        Call("GET", "/search", {"params": {"q": "shoes", "page_size": 2}}),
        Call("GET", "/suggest", {"params": {"q": "sh", "k": 2}}),
        Call("GET", "/customers/{customer_id}/profile"),
    ]


def admin_calls(version: str) -> list[Call]:
    csv = b"product_id,title,price\nEX-3,Rain jacket,120\nEX-4,,-5\n"
    run_id = lambda a: {"run_id": str(a[0]["run_id"])}  # noqa: E731
    return [
        Call("GET", "/admin/overview"),
        Call(
            "POST",
            "/admin/imports",
            {"params": {"kind": "products", "filename": "jackets.csv"}, "content": csv},
            save=lambda a: {"upload_id": a["upload_id"]},
            status=201,
        ),
        Call("GET", "/admin/imports/{upload_id}"),
        Call("POST", "/admin/imports/{upload_id}", {"json": {"mapping": {}}}),
        Call("GET", "/admin/ingest-runs", {"params": {"limit": 2}}, save=run_id),
        Call("GET", "/admin/ingest-runs/{run_id}/rejects", {"params": {"limit": 2}}),
        Call("GET", "/admin/keys"),
        Call(
            "POST",
            "/admin/keys",
            {"json": {"scope": "storefront", "name": "shop front", "origins": ["https://shop.example"]}},
            save=lambda a: {"key_id": str(a["key_id"])},
            status=201,
        ),
        Call("DELETE", "/admin/keys/{key_id}"),
        Call("GET", "/admin/activity", {"params": {"days": 7}}),
        Call("GET", "/admin/models"),
        Call(
            "POST",
            "/admin/models/{kind}/retrain",
            {"json": {"model": "itemknn"}},
            save=lambda a: {"job_id": a["job_id"]},
            status=202,
            values={"kind": "rec"},
        ),
        Call(
            "POST",
            "/admin/models/{kind}/publish",
            {"json": {"version": version, "force": True}},
            values={"kind": "rec"},
        ),
        Call("GET", "/admin/jobs"),
        Call("GET", "/admin/jobs/{job_id}"),
        Call("PUT", "/admin/search/pins", {"json": {"query": "rain jacket", "product_ids": ["EX-1"]}}),
        Call("GET", "/admin/search/pins"),
        Call("DELETE", "/admin/search/pins", {"params": {"query": "rain jacket"}}),
        Call("POST", "/admin/search/suggestions", {"json": {"text": "running shoes", "action": "approve"}}),
        Call("GET", "/admin/search/suggestions", {"params": {"limit": 2}}),
    ]


def online_calls() -> list[Call]:
    """Online metrics of the answers shown so far, search analytics, and a search experiment."""
    lexical = {"name": "lexical", "share": 0.5, "settings": {"mode": "lexical"}}
    arms = [{"name": "hybrid", "share": 0.5}, lexical]
    experiment = {"name": "Lexical search", "surface": "search", "arms": arms}
    return [
        Call("POST", "/admin/online/attribute"),
        Call("GET", "/admin/online/metrics", {"params": {"days": 7}}),
        Call("GET", "/admin/online/search", {"params": {"days": 7, "limit": 2}}),
        Call("GET", "/admin/online/sample-size", {"params": {"baseline": 0.05, "min_effect": 0.01}}),
        Call(
            "POST",
            "/admin/online/experiments",
            {"json": experiment},
            save=lambda a: {"experiment_id": a["experiment_id"]},
            status=201,
        ),
        Call("GET", "/admin/online/experiments"),
        Call("GET", "/admin/online/experiments/{experiment_id}"),
        Call("POST", "/admin/online/experiments/{experiment_id}/stop"),
    ]


def shop_calls(customer: str, email: str) -> list[Call]:
    chat_token = lambda a: {"chat_token": a["token"]}  # noqa: E731
    conversation = lambda a: {"conversation_id": str(a["items"][0]["conversation_id"])}  # noqa: E731
    return [
        Call("POST", "/shop/login", {"json": {"customer_id": customer, "email": email}}),
        Call("POST", "/shop/events", {"json": {"type": "view", "product_id": "EX-1", "session_id": "s1"}}),
        Call("GET", "/shop/categories"),
        Call("GET", "/shop/models"),
        Call("GET", "/shop/customers", {"params": {"limit": 2}}),
        Call("GET", "/shop/customers/{customer_id}/orders"),
        Call("POST", "/chat/sessions", {"json": {"customer_id": customer, "email": email}}, chat_token, 201),
        Call(
            "POST",
            "/chat",
            {
                "json": {"message": "Any running shoes under 100?"},
                "headers": {"X-Chat-Token": "{chat_token}"},
            },
        ),
        Call("GET", "/chat/messages", {"headers": {"X-Chat-Token": "{chat_token}"}}),
        Call("GET", "/admin/conversations", {"params": {"limit": 2}}, save=conversation),
        Call("GET", "/admin/conversations/{conversation_id}"),
    ] + agent_calls()


def agent_calls() -> list[Call]:
    """A human agent takes the conversation, notes, replies, looks at the queue, hands back, closes."""
    me = {"agent": "Mei"}
    return [
        Call("POST", "/admin/agents/conversations/{conversation_id}/take", {"json": me}),
        Call("POST", "/admin/agents/conversations/{conversation_id}/notes", {"json": me | {"text": "VIP"}}),
        Call(
            "POST",
            "/admin/agents/conversations/{conversation_id}/reply",
            {"json": me | {"text": "Hi, I am Mei from the shop: the size 42 is back in stock."}},
        ),
        Call("GET", "/admin/agents/queue", {"params": {"limit": 2}}),
        Call("GET", "/admin/agents/conversations/{conversation_id}"),
        Call("POST", "/admin/agents/conversations/{conversation_id}/hand-back", {"json": me}),
        Call("POST", "/admin/agents/conversations/{conversation_id}/close", {"json": me}),
    ]


def marketing_calls(synth_job: str) -> list[Call]:
    arms = [
        {"name": "control", "customers": 500, "conversions": 40},
        {"name": "offer", "customers": 500, "conversions": 61},
    ]
    return [
        Call("GET", "/marketing/rfm"),
        Call("GET", "/marketing/clv", {"params": {"top": 2}}),
        Call("GET", "/marketing/churn", {"params": {"top": 2}}),
        Call("GET", "/marketing/segments", {"params": {"k": 3}}),
        Call("POST", "/marketing/campaigns/plan", {"params": {"limit": 2}, "json": {"budget": 100}}),
        Call(
            "POST",
            "/marketing/campaigns",
            {"json": {"name": "spring win-back", "budget": 100, "recommend_k": 2}},
            save=lambda a: {"campaign_id": str(a["campaign_id"])},
        ),
        Call("GET", "/marketing/campaigns/{campaign_id}/recipients"),
        Call("POST", "/marketing/campaigns/{campaign_id}/outcome"),
        Call("POST", "/marketing/abtest", {"json": arms}),
        Call("GET", "/marketing/charts/{name}", values={"name": "clv"}),
        Call("GET", "/synth/models"),
        Call("POST", "/synth/sample", {"json": {"name": "customers", "n": 2}}),
        Call("GET", "/synth/report/{name}", values={"name": "customers"}),
        Call("GET", "/synth/jobs/{job_id}", values={"job_id": synth_job}),
    ]


# ---------------------------------------------------------------------------- making answers small
def placeholder(value: Any) -> Any:
    """A stand-in for a key or token: its prefix (``sm_ad_``) kept, the rest elided."""
    if not isinstance(value, str):
        return value
    if value.startswith("sm_") and value.count("_") >= 2:
        return value[: value.index("_", 3) + 1] + "…"
    return "<redacted>"


def shrink(value: Any, name: str = "") -> Any:
    """``value`` with lists cut to :data:`MAX_ITEMS`, strings to :data:`MAX_CHARS` and secrets elided."""
    if name in SECRET_FIELDS or name.endswith(("_token", "_secret")):
        return placeholder(value)
    if isinstance(value, str) and value.startswith("sm_"):
        return placeholder(value)
    if isinstance(value, dict):
        return {k: shrink(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [shrink(v) for v in value[:MAX_ITEMS]]
    if isinstance(value, str) and len(value) > MAX_CHARS:
        return value[: MAX_CHARS - 1] + "…"
    if isinstance(value, float):
        return round(value, 4)
    return value


# ---------------------------------------------------------------------------- the demo shop and the calls
def build(folder: Path):
    """The demo app over a fresh SQLite shop, with every model an answer needs, and an admin key."""
    from shopmind.api.app import create_app
    from shopmind.config import Settings
    from shopmind.data.demo import load_demo_shop
    from shopmind.data.store import Store
    from shopmind.engine import Engine
    from shopmind.recommend.train import train_and_publish

    store = Store(f"sqlite:///{folder / 'shop.db'}")
    store.migrate()
    load_demo_shop(store, seed=7, scale=1.0)  # the `make demo` shop (`shopmind demo`'s defaults)
    admin_key = store.create_api_key("admin", "examples")
    settings = Settings(var_dir=folder / "var", artifacts_dir=folder / "artifacts")
    engine = Engine(settings, store)
    version = train_and_publish(store, "itemknn", None, engine.artifacts).version_dir.name
    engine.marketing.models.refit()
    engine.recommendations.similar("P00001", 5)  # encodes the catalog once
    return create_app(engine, web_demo=True), admin_key, version, store


def call(client, ctx: dict[str, str], c: Call, examples: dict[str, Any]) -> Any:
    url = c.path.format_map({**ctx, **c.values})
    kwargs = dict(c.kwargs)
    if "headers" in kwargs:
        kwargs["headers"] = {k: v.format_map(ctx) for k, v in kwargs["headers"].items()}
    answer = client.request(c.method, url, **kwargs)
    if answer.status_code != c.status:
        raise SystemExit(f"{c.method} {url}: {answer.status_code} {answer.text[:500]}")
    body = answer.json()
    examples[f"{c.method} {c.path}"] = {"status": c.status, "example": shrink(body)}
    if c.save:
        ctx.update(c.save(body))
    return body


def fit_synth(client, examples: dict[str, Any]) -> str:
    """Fit a two-epoch customers synthesizer through ``POST /synth/fit`` and wait for its job."""
    body = {"table": "customers", "epochs": 2, "batch_size": 50}
    fit = Call("POST", "/synth/fit", {"json": body}, status=202)
    job = call(client, {}, fit, examples)
    deadline = time.monotonic() + 300
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"/synth/jobs/{job['job_id']}").json()
    if job["status"] != "done":
        raise SystemExit(f"the synthesizer's fit did not finish: {job}")
    return job["job_id"]


def capture(folder: Path) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    app, admin_key, version, store = build(folder)
    customer = store.frame("customers").iloc[0]
    examples: dict[str, Any] = {}
    with TestClient(app, headers={"X-API-Key": admin_key}) as client:
        ctx = {"customer_id": customer["customer_id"], "product_id": "EX-1", "order_id": "EX-O1"}
        who = (customer["customer_id"], customer["email"])
        for c in catalog_calls(*who) + admin_calls(version) + shop_calls(*who) + online_calls():
            call(client, ctx, c, examples)
        synth_job = fit_synth(client, examples)
        for c in marketing_calls(synth_job):
            call(client, ctx, c, examples)
    return dict(sorted(examples.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        examples = capture(Path(tmp))
        text = json.dumps(examples, indent=1, ensure_ascii=False) + "\n"
        text = text.replace(tmp, "/srv/shopmind")  # the temporary folder's name, in paths
    if len(text.encode()) > MAX_BYTES:
        raise SystemExit(f"{len(text.encode())} bytes: over the {MAX_BYTES} bound")
    args.out.write_text(text, encoding="utf-8")
    print(f"{len(examples)} examples, {len(text.encode())} bytes -> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The OpenAPI document describes every answer: each route's success response has a typed schema,
and every schema reference in the document resolves; its examples (and the docs' demo logins) name the
customers, e-mails and orders of the shop ``make demo`` serves."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from shopmind.api.app import create_app
from shopmind.config import Settings
from shopmind.data.store import Store
from shopmind.engine import Engine

METHODS = ("get", "put", "post", "delete", "patch")
PREFIX = "#/components/schemas/"
ONE_PER_ROUTER = {
    "GET /health",
    "GET /products",
    "GET /customers",
    "GET /orders",
    "GET /trending",
    "GET /search",
    "GET /admin/overview",
    "GET /admin/jobs",
    "POST /shop/events",
    "POST /chat",
    "GET /marketing/rfm",
    "POST /synth/sample",
}


@pytest.fixture
def app(sqlite_store: Store, tmp_path) -> Iterator[FastAPI]:
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    engine = Engine(settings, sqlite_store)
    try:
        yield create_app(engine)
    finally:
        engine.close()


@pytest.fixture
def document(app: FastAPI) -> dict[str, Any]:
    response = TestClient(app).get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].removeprefix(PREFIX)]
    return schema


def untyped(doc: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether ``schema`` says nothing about its value: ``{}``, an object with neither properties nor a
    schema for ``additionalProperties`` (an open dict of typed values is fine), or a list or union of only
    such schemas."""
    schema = resolve(doc, schema)
    if not schema:
        return True
    if "anyOf" in schema:
        return all(untyped(doc, s) for s in schema["anyOf"] if s.get("type") != "null")
    if schema.get("type") == "array":
        return untyped(doc, schema.get("items", {}))
    if schema.get("type") == "object" and not schema.get("properties"):
        extra = schema.get("additionalProperties")
        return not isinstance(extra, dict) or not extra
    return False


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_the_untyped_check_tells_an_open_object_from_a_described_one() -> None:
    doc = {"components": {"schemas": {"Row": {"type": "object", "properties": {"id": {"type": "string"}}}}}}
    assert untyped(doc, {})
    assert untyped(doc, {"type": "object", "additionalProperties": True})
    assert untyped(doc, {"type": "array", "items": {"type": "object"}})
    assert untyped(doc, {"anyOf": [{"type": "object"}, {"type": "null"}]})
    assert not untyped(doc, {"$ref": f"{PREFIX}Row"})
    assert not untyped(doc, {"type": "array", "items": {"$ref": f"{PREFIX}Row"}})
    assert untyped(doc, {"type": "object", "additionalProperties": {}})
    assert not untyped(doc, {"type": "object", "additionalProperties": {"type": "integer"}})
    assert not untyped(doc, {"type": "object", "additionalProperties": {"type": "array", "items": {}}})


def test_every_success_response_has_a_typed_schema(document: dict[str, Any]) -> None:
    ops = dict(operations(document))
    assert ONE_PER_ROUTER <= set(ops)
    bad = []
    for name, op in ops.items():
        success = {code: r for code, r in op["responses"].items() if code.startswith("2")}
        if not success:
            bad.append(f"{name}: no success response")
        for code, response in success.items():
            content = response.get("content", {})
            if content and "application/json" not in content:  # a file download (e.g. text/csv)
                schema = next(iter(content.values())).get("schema")
                if schema is None or schema.get("type") != "string":
                    bad.append(f"{name} {code}: a download without a string schema")
                continue
            schema = content.get("application/json", {}).get("schema")
            if code == "204":
                if schema is not None:
                    bad.append(f"{name}: a 204 with a body")
            elif schema is None or untyped(document, schema):
                bad.append(f"{name} {code}: {'no' if schema is None else 'an untyped'} schema {schema}")
    assert not bad, "routes whose answer the OpenAPI document does not describe:\n" + "\n".join(bad)


def test_every_schema_reference_resolves(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    missing = sorted({r for r in refs(document) if r.removeprefix(PREFIX) not in schemas})
    assert not missing, f"references to schemas the document lacks: {missing}"
    clashes = [name for name in schemas if name.startswith("shopmind__")]  # two models named alike
    assert not clashes, f"response models sharing a name: {clashes}"
    for name, op in operations(document):
        for response in op["responses"].values():
            for media in response.get("content", {}).values():
                assert resolve(document, media["schema"]) is not None, name


# ---------------------------------------------------------------------------- documented errors
def needs_key(dependant) -> bool:
    """Whether a route's dependencies include the API-key check (``deps.require``)."""
    return any(
        getattr(d.call, "__qualname__", "").startswith("require.") or needs_key(d)
        for d in dependant.dependencies
    )


def keyed_routes(app: FastAPI) -> set[str]:
    return {
        f"{method} {route.path_format}"
        for route in iter_route_contexts(app.router.routes)
        if isinstance(route.original_route, APIRoute)
        and route.include_in_schema
        and needs_key(route.dependant)
        for method in route.methods
    }


def test_the_key_check_is_found_on_the_routes_that_need_a_key(app: FastAPI) -> None:
    keyed = keyed_routes(app)
    assert {"GET /products", "POST /products", "GET /admin/overview", "POST /chat"} <= keyed
    assert "GET /health" not in keyed


def test_every_error_a_route_can_answer_is_documented_with_the_error_shape(
    app: FastAPI, document: dict[str, Any]
) -> None:
    """422 wherever there are parameters or a body, 400 for a JSON body (unreadable), 401 and 403
    wherever a key is needed — each with the one error shape, never FastAPI's default 422 model."""
    keyed = keyed_routes(app)
    bad = []
    for name, op in operations(document):
        responses = op["responses"]
        wanted = set()
        if op.get("parameters") or op.get("requestBody"):
            wanted.add("422")
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            wanted.add("400")
        if name in keyed:
            wanted |= {"401", "403"}
        if missing := sorted(wanted - set(responses)):
            bad.append(f"{name}: {', '.join(missing)} not documented")
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if schema.get("$ref") != f"{PREFIX}ErrorBody":
                    bad.append(f"{name} {code}: not the error shape ({schema})")
    if "HTTPValidationError" in document["components"]["schemas"]:
        bad.append("FastAPI's own 422 model is still referenced")
    assert not bad, "routes whose errors the OpenAPI document does not describe:\n" + "\n".join(bad)


def test_ids_and_pages_are_bounded_in_the_document(document: dict[str, Any]) -> None:
    from shopmind.data.schema import ID_PATTERN, MAX_LIMIT, MAX_OFFSET

    params = {p["name"]: p for p in document["paths"]["/products/{product_id}"]["put"]["parameters"]}
    assert params["product_id"]["schema"]["pattern"] == ID_PATTERN
    for path in ("/products", "/customers", "/orders", "/events", "/admin/conversations"):
        query = {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}
        assert query["offset"]["maximum"] == MAX_OFFSET and query["limit"]["maximum"] == MAX_LIMIT, path


# ---------------------------------------------------------------------------- examples
def json_successes(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(operation, status, media type object) of every 2xx JSON answer in the document."""
    for name, op in operations(doc):
        for code, response in op["responses"].items():
            media = response.get("content", {}).get("application/json")
            if code.startswith("2") and media is not None:
                yield name, code, media


def test_every_json_answer_has_an_example_that_fits_its_schema(document: dict[str, Any]) -> None:
    """The examples are real answers captured by bench/capture_api_examples.py; each must still
    validate against its response's schema, so a changed response model shows up here (recapture)."""
    import jsonschema_rs

    answers = list(json_successes(document))
    assert len(answers) >= len(ONE_PER_ROUTER)
    bad = []
    for name, code, media in answers:
        if "example" not in media:
            bad.append(f"{name} {code}: no example")
            continue
        schema = {**media["schema"], "components": document["components"]}
        errors = [
            e.message[:200] for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(media["example"])
        ]
        if errors:
            bad.append(f"{name} {code}: the example does not fit its schema: {errors[:3]}")
    assert not bad, "run bench/capture_api_examples.py to recapture:\n" + "\n".join(bad)


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    import jsonschema_rs

    doc = {"components": {"schemas": {"Row": {"type": "object", "required": ["id"]}}}}
    validator = jsonschema_rs.Draft202012Validator({"$ref": f"{PREFIX}Row", **doc})
    assert validator.is_valid({"id": "a"}) and not validator.is_valid({"name": "a"})


# ---------------------------------------------------------------------------- demo ids in examples and docs
ROOT = Path(__file__).resolve().parents[2]
LOGIN = re.compile(r'"customer_id": "(C\d{5})", "email": "([^"]+)"')
CHAT_LINE = re.compile(r"shopmind chat (?:--customer|-c) (C\d{5})(.*)")
DEMO_IDS = re.compile(r"\b(C\d{5}|O\d{6}|P\d{5})\b")


@dataclass
class DemoFacts:
    """Who is who in a demo shop: customer id → (name, e-mail), order id → (customer, product ids)."""

    customers: dict[str, tuple[str, str]]
    orders: dict[str, tuple[str, set[str]]]
    products: set[str]

    def exists(self, some_id: str) -> bool:
        return some_id in self.customers or some_id in self.orders or some_id in self.products

    def orders_of(self, customer_id: str) -> set[str]:
        return {o for o, (c, _) in self.orders.items() if c == customer_id}


@pytest.fixture(scope="module")
def make_demo_shop() -> DemoFacts:
    """The data ``make demo`` loads: ``shopmind demo`` calls ``load_demo_shop(store, seed=<its --seed
    default>)``, which writes ``generate(DemoConfig(seed, scale=<its scale default>))`` (≈ 2 s)."""
    from shopmind.cli import demo
    from shopmind.data.demo import load_demo_shop
    from shopmind.data.simulate import DemoConfig, generate

    seed = inspect.signature(demo).parameters["seed"].default
    scale = inspect.signature(load_demo_shop).parameters["scale"].default
    shop = generate(DemoConfig(seed=seed, scale=scale))
    c, o = shop.customers, shop.orders
    items = shop.order_items.groupby("order_id")["product_id"].agg(set).to_dict()
    return DemoFacts(
        customers=dict(zip(c["customer_id"], zip(c["name"], c["email"], strict=True), strict=True)),
        orders={
            oid: (cid, items.get(oid, set()))
            for oid, cid in zip(o["order_id"], o["customer_id"], strict=True)
        },
        products=set(shop.products["product_id"]),
    )


def doc_mismatches(text: str, shop: DemoFacts) -> list[str]:
    """Demo logins and chat commands in a document that do not work on the demo shop."""
    bad = [f"{i} is not in the demo shop" for i in sorted(set(DEMO_IDS.findall(text))) if not shop.exists(i)]
    for customer, email in LOGIN.findall(text):
        if shop.customers.get(customer, ("", ""))[1] != email:
            bad.append(
                f"login {customer} / {email}: the demo shop's {customer} has {shop.customers.get(customer)}"
            )
        elif not shop.orders_of(customer):
            bad.append(f"login {customer}: the customer has no orders to ask the assistant about")
    for customer, rest in CHAT_LINE.findall(text):
        for order in re.findall(r"\bO\d{6}\b", rest):
            owner = shop.orders.get(order, ("nobody",))[0]
            if owner != customer:
                bad.append(f"shopmind chat -c {customer} … {order}: the order is {owner}'s")
    return bad


def example_mismatches(node: Any, shop: DemoFacts, where: str = "") -> list[str]:
    """Demo customers, e-mails, orders and products in captured answers that the demo shop does not
    hold together (ids such as ``EX-1`` or ``syn-customers-…`` that the capture made are not checked)."""
    bad: list[str] = []
    if isinstance(node, list):
        for item in node:
            bad += example_mismatches(item, shop, where)
        return bad
    if not isinstance(node, dict):
        return bad
    customer, order = node.get("customer_id"), node.get("order_id")
    if isinstance(customer, str) and re.fullmatch(r"C\d{5}", customer):
        if customer not in shop.customers:
            bad.append(f"{where}: customer {customer} is not in the demo shop")
        else:
            name, email = shop.customers[customer]
            shown = (node.get("name", name), node.get("email", email))
            if shown != (name, email):
                bad.append(f"{where}: {customer} is {name} <{email}>, not {shown[0]} <{shown[1]}>")
    if isinstance(order, str) and re.fullmatch(r"O\d{6}", order):
        owner, products = shop.orders.get(order, (None, set()))
        if owner is None:
            bad.append(f"{where}: order {order} is not in the demo shop")
        elif customer is not None and customer != owner:
            bad.append(f"{where}: order {order} is {owner}'s, not {customer}'s")
        elif {i["product_id"] for i in node.get("items", [])} - products:
            bad.append(f"{where}: order {order}'s items are {sorted(products)}")
    product = node.get("product_id")
    if isinstance(product, str) and re.fullmatch(r"P\d{5}", product) and product not in shop.products:
        bad.append(f"{where}: product {product} is not in the demo shop")
    for key, value in node.items():
        bad += example_mismatches(value, shop, where or key)
    return bad


def test_the_demo_ids_in_the_examples_and_docs_are_those_of_the_make_demo_shop(
    make_demo_shop: DemoFacts,
) -> None:
    """A reader copies the assistant's demo login and chat commands (docs/assistant.md) and the ids of the
    API examples (src/shopmind/api/examples.json, shown at /docs) into the shop ``make demo`` serves:
    each customer, their e-mail and their orders must be there, and belong together."""
    from shopmind.api.docs import examples

    shop = make_demo_shop
    bad = example_mismatches(examples(), shop)
    docs = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    bad += [f"{p.name}: {m}" for p in docs for m in doc_mismatches(p.read_text(encoding="utf-8"), shop)]
    assert LOGIN.search((ROOT / "docs" / "assistant.md").read_text(encoding="utf-8")), (
        "the login example moved"
    )
    assert not bad, "\n".join(bad)


def test_the_demo_id_check_catches_a_customer_the_demo_shop_does_not_have(make_demo_shop: DemoFacts) -> None:
    shop = make_demo_shop
    customer, (name, email) = next((c, v) for c, v in shop.customers.items() if shop.orders_of(c))
    order = min(shop.orders_of(customer))
    other = next(o for o, (c, _) in shop.orders.items() if c != customer)
    assert doc_mismatches(f'{{"customer_id": "{customer}", "email": "{email}"}}', shop) == []
    assert doc_mismatches(f'{{"customer_id": "{customer}", "email": "x{email}"}}', shop)
    assert doc_mismatches(f'shopmind chat -c {customer} -m "Where is it?" -m "{order}"', shop) == []
    assert doc_mismatches(f'shopmind chat -c {customer} -m "Where is it?" -m "{other}"', shop)
    assert doc_mismatches("customer C99999", shop)
    row = {"customer_id": customer, "name": name, "email": email}
    assert example_mismatches({"items": [row]}, shop) == []
    assert example_mismatches({"items": [row | {"email": "bo.lin2@example.net"}]}, shop)
    assert example_mismatches({"order_id": other, "customer_id": customer}, shop)

"""The OpenAPI document describes every answer: each route's success response has a typed schema,
and every schema reference in the document resolves."""

from __future__ import annotations

from collections.abc import Iterator
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

"""The OpenAPI document describes every answer: each route's success response has a typed schema,
and every schema reference in the document resolves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
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
def document(sqlite_store: Store, tmp_path) -> Iterator[dict[str, Any]]:
    settings = Settings(var_dir=tmp_path / "var", artifacts_dir=tmp_path / "artifacts")
    engine = Engine(settings, sqlite_store)
    try:
        response = TestClient(create_app(engine)).get("/openapi.json")
        assert response.status_code == 200
        yield response.json()
    finally:
        engine.close()


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
            schema = response.get("content", {}).get("application/json", {}).get("schema")
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

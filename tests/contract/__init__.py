"""Contract tests: one test module per capability, parametrised over its registry, so every
registered name is checked without a test of its own."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from shopmind.registry import Registry

# applied to every registered class whose Config has the field: keeps a new model's contract run short
SMALL = {"epochs": 2, "n_threads": 1, "threads": 1}


def tiny_config(registry: Registry, name: str, tiny: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Config fields for a quick fit of ``name``: :data:`SMALL` where the model's Config has those
    fields, then the model's own entry in ``tiny``."""
    fields = {f.name for f in dataclasses.fields(registry.get(name).Config)}
    return {k: v for k, v in SMALL.items() if k in fields} | dict(tiny.get(name, {}))

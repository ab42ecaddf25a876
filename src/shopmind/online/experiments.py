"""Online experiments: definition (with its refusals), stable assignment, and the sample size planned
up front.

An experiment splits the shoppers of one surface between two or more *arms* by traffic share. On
``recommendations`` and ``similar`` an arm is a saved model version; on ``search`` an arm is a set of
search settings (``{"mode": "lexical"}``, ``{"click_learning": "ipw"}`` …). A shopper (customer, else
session) is assigned by a hash of the experiment id and their id, so they see the same arm on every
request and in every process.
The analysis lives in :mod:`shopmind.online.analysis`.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

SURFACES = {"recommendations": "version", "similar": "version", "search": "settings"}
# the settings a search arm may set
SEARCH_SETTINGS = {"mode": ("hybrid", "lexical", "dense"), "click_learning": ("off", "ipw")}
SHARE_TOLERANCE = 1e-6


class ExperimentError(ValueError):
    """An experiment that cannot be run as defined; the message says why and what would do."""


class ExperimentConflict(ExperimentError):
    """Another experiment already runs on the surface."""


def sample_size(baseline: float, min_effect: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """Shoppers per arm to detect a change of ``min_effect`` (absolute, e.g. 0.01 = one percentage point)
    in a conversion rate of ``baseline`` with a two-sided test at ``alpha`` with ``power``:
    n = (z₁₋α/₂·√(2p̄(1−p̄)) + z₁₋β·√(p₁(1−p₁)+p₂(1−p₂)))² / (p₂−p₁)²."""
    from scipy.stats import norm

    p1, p2 = baseline, baseline + min_effect
    if not 0 < p1 < 1 or not 0 < p2 < 1 or min_effect == 0:
        raise ExperimentError(
            f"baseline {baseline} and minimum effect {min_effect} must give two rates strictly between 0 "
            "and 1 that differ (e.g. baseline 0.05, minimum effect 0.01)"
        )
    pbar = (p1 + p2) / 2
    za, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    n = (za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2
    return math.ceil(n / (p2 - p1) ** 2)


def _treatment(surface: str, arm: Mapping[str, Any], versions: Sequence[str] | None) -> tuple[str, Any]:
    name = arm["name"]
    if SURFACES[surface] == "version":
        version = arm.get("version")
        if not version:
            raise ExperimentError(f"arm {name!r}: a {surface} arm needs a model version")
        if versions is not None and version not in versions:
            known = ", ".join(versions) or "none saved yet"
            raise ExperimentError(f"arm {name!r}: no saved model version {version!r} (saved: {known})")
        return "version", version
    settings = dict(arm.get("settings") or {})
    for key, value in settings.items():
        allowed = SEARCH_SETTINGS.get(key)
        if allowed is None:
            raise ExperimentError(
                f"arm {name!r}: unknown search setting {key!r}; settings: {', '.join(SEARCH_SETTINGS)}"
            )
        if value not in allowed:
            raise ExperimentError(f"arm {name!r}: {key} must be one of {', '.join(allowed)}, not {value!r}")
    return "settings", settings


def check_arms(
    surface: str, arms: Sequence[Mapping[str, Any]], versions: Sequence[str] | None = None
) -> list:
    """The arms as stored (name, share, version or settings); ExperimentError for arms that overlap,
    shares that do not add up to 1, and unknown versions or settings."""
    if surface not in SURFACES:
        raise ExperimentError(f"unknown surface {surface!r}; experiments run on: {', '.join(SURFACES)}")
    if len(arms) < 2:
        raise ExperimentError("an experiment needs at least two arms (a control and a treatment)")
    out, seen = [], {}
    for arm in arms:
        name = str(arm.get("name") or "").strip()
        share = float(arm.get("share", 0))
        if not name or len(name) > 64:
            raise ExperimentError("every arm needs a name of 1 to 64 characters")
        if any(a["name"] == name for a in out):
            raise ExperimentError(f"two arms are named {name!r}: arm names must differ")
        if not 0 < share <= 1:
            raise ExperimentError(f"arm {name!r}: share {share} must be above 0 and at most 1")
        key, value = _treatment(surface, {**arm, "name": name}, versions)
        same = json.dumps(value, sort_keys=True)
        if same in seen:
            raise ExperimentError(
                f"arms {seen[same]!r} and {name!r} overlap: both serve {key} {same}; each arm needs its own"
            )
        seen[same] = name
        out.append({"name": name, "share": share, key: value})
    total = sum(a["share"] for a in out)
    if abs(total - 1) > SHARE_TOLERANCE:
        shares = ", ".join(f"{a['name']} {a['share']:g}" for a in out)
        raise ExperimentError(f"traffic shares must add up to 1; they add up to {total:g} ({shares})")
    return out


def define(
    name: str,
    surface: str,
    arms: Sequence[Mapping[str, Any]],
    *,
    running: Sequence[Mapping[str, Any]] = (),
    versions: Sequence[str] | None = None,
    baseline: float = 0.05,
    min_effect: float = 0.01,
    alpha: float = 0.05,
    power: float = 0.8,
    start_at: datetime | None = None,
    stop_at: datetime | None = None,
) -> dict[str, Any]:
    """A new experiment's row. ``running``: the experiments already running (one at a time per
    surface, so that no shopper is in two); ``versions``: the saved model versions (None: not checked)."""
    checked = check_arms(surface, arms, versions)
    busy = [x for x in running if x["surface"] == surface and x["status"] == "running"]
    if busy:
        raise ExperimentConflict(
            f"experiment {busy[0]['experiment_id']!r} ({busy[0]['name']}) already runs on {surface}: stop it "
            "first (one experiment per surface at a time, so that no shopper is in two)"
        )
    now = datetime.now(UTC)
    start = start_at or now
    if stop_at is not None and stop_at <= start:
        raise ExperimentError("the experiment must stop after it starts")
    plan = {"baseline": baseline, "min_effect": min_effect, "alpha": alpha, "power": power,
            "sample_size_per_arm": sample_size(baseline, min_effect, alpha, power)}  # fmt: skip
    return {
        "experiment_id": f"ex-{uuid.uuid4().hex[:12]}",
        "name": name.strip()[:200] or surface,
        "surface": surface,
        "arms": checked,
        "status": "running",
        "start_at": start,
        "stop_at": stop_at,
        "plan": plan,
        "created_at": now,
    }


def bucket(experiment_id: str, unit: str) -> float:
    """A number in [0, 1) fixed by the experiment and the unit (SHA-256, so arms get independent draws)."""
    digest = hashlib.sha256(f"{experiment_id}\x1f{unit}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def assign(experiment: Mapping[str, Any], unit: str) -> dict[str, Any]:
    """The arm ``unit`` sees in ``experiment`` (the same every time)."""
    x, edge = bucket(experiment["experiment_id"], unit), 0.0
    for arm in experiment["arms"]:
        edge += arm["share"]
        if x < edge:
            return arm
    return experiment["arms"][-1]


def is_live(experiment: Mapping[str, Any], now: datetime) -> bool:
    stop = experiment.get("stop_at")
    return (
        experiment["status"] == "running" and experiment["start_at"] <= now and (stop is None or now < stop)
    )


class Assignments:
    """The running experiments, read from the store at most every ``ttl`` seconds (``load``: a function
    returning every experiment), and the arm a unit sees on a surface."""

    def __init__(self, load: Callable[[], list[dict[str, Any]]], ttl: float = 5.0) -> None:
        self._load, self.ttl = load, ttl
        self._cache: tuple[float, list[dict[str, Any]]] | None = None

    def refresh(self) -> None:
        self._cache = None

    def running(self) -> list[dict[str, Any]]:
        import time

        cached = self._cache
        if cached is None or time.monotonic() - cached[0] > self.ttl:
            now = datetime.now(UTC)
            cached = (time.monotonic(), [x for x in self._load() if is_live(x, now)])
            self._cache = cached
        return cached[1]

    def arm(self, surface: str, unit: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(experiment, arm) for ``unit`` on ``surface``, or None when no experiment runs there."""
        for experiment in self.running():
            if experiment["surface"] == surface:
                return experiment, assign(experiment, unit)
        return None

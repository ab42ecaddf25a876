"""The online service: impressions, attribution, metrics, experiments and search ranking learned from
clicks (:mod:`~shopmind.online.learned_ranking`) behind one object, built once per process by the
engine (``engine.online``). The API and CLI only translate to its calls."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from shopmind.online import analysis, metrics
from shopmind.online.attribution import Attributor
from shopmind.online.experiments import Assignments, ExperimentError, define
from shopmind.online.impressions import ImpressionLog, impression
from shopmind.online.learned_ranking import LearnedRanking, LearnedRankingConfig
from shopmind.search.query_log import QueryLogConfig

log = logging.getLogger(__name__)
REC_KIND = "rec"  # the artifact kind of the recommenders (recommend/train.py)


@dataclass(frozen=True)
class OnlineConfig:
    window_hours: float = 24.0  # attribution window (docs/online.md)
    queue: int = 50_000  # impressions queued for the writer at most
    batch: int = 2_000  # impressions written in one transaction at most
    spill: Path | None = None  # where impressions that cannot be written at shutdown are kept
    experiments_ttl: float = 5.0  # seconds the running experiments are cached between store reads
    ranking: LearnedRankingConfig = field(default_factory=LearnedRankingConfig)  # search learned from clicks


class OnlineService:
    """Impressions, attribution, metrics and experiments of one shop (module docstring)."""

    def __init__(self, store: Any, artifacts: Any = None, config: OnlineConfig | None = None) -> None:
        self.store = store
        self.artifacts = artifacts
        self.config = config or OnlineConfig()
        qc = QueryLogConfig(capacity=self.config.queue, batch=self.config.batch)
        self.impressions = ImpressionLog(store, qc, spill=self.config.spill)
        self.attributor = Attributor(store, timedelta(hours=self.config.window_hours))
        self.follower = self.attributor.follower
        self.assignments = Assignments(store.experiments, ttl=self.config.experiments_ttl)
        self.ranking = LearnedRanking(store.search_click_log, self.config.ranking)

    # ------------------------------------------------------------------ serving
    def arm(self, surface: str, unit: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(experiment, arm) ``unit`` is assigned on ``surface``; None when no experiment runs there."""
        try:
            return self.assignments.arm(surface, unit)
        except Exception:  # noqa: BLE001 - an unreadable experiment table never stops an answer
            log.exception("online: experiments unreadable; serving without them")
            return None

    def show(
        self, surface: str, product_ids: list[str], assigned: tuple | None = None, **fields: Any
    ) -> str | None:
        """Log an impression of ``product_ids`` on ``surface`` (off the request path); its id, or None
        when the log's queue was full. ``fields``: see :func:`~shopmind.online.impressions.impression`."""
        if assigned is not None:
            fields |= {"experiment_id": assigned[0]["experiment_id"], "arm": assigned[1]["name"]}
        return self.impressions.log(impression(surface, product_ids, **fields))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every impression queued so far is written."""
        return self.impressions.flush(timeout)

    # ------------------------------------------------------------------ attribution and metrics
    def attribute(self, since: datetime | None = None) -> dict[str, int]:
        """Attribute what arrived since ``since`` now (default: since the latest attribution less the
        window; the engine's followers do this in the background as events and orders arrive)."""
        self.flush()
        return self.attributor.catch_up(since)

    def metrics(self, days: int = 30, surface: str | None = None) -> dict[str, Any]:
        out = metrics.daily(self.store, days, surface)
        out["attributions"] = self.store.attribution_counts()
        out["log"] = {"written": self.impressions.written, "dropped": self.impressions.dropped}
        return out

    def search_report(self, days: int = 30, limit: int = 20, min_searches: int = 3) -> dict[str, Any]:
        return metrics.search_report(self.store, days, limit, min_searches)

    # ------------------------------------------------------------------ experiments
    def versions(self) -> list[str] | None:
        """The saved recommender versions (None without an artifact store)."""
        return None if self.artifacts is None else [v["version"] for v in self.artifacts.versions(REC_KIND)]

    def define(self, name: str, surface: str, arms: list[dict[str, Any]], **plan: Any) -> dict[str, Any]:
        """Define and start an experiment; ExperimentError (with the reason) when it cannot run."""
        versions = self.versions() if surface != "search" else None
        row = define(name, surface, arms, running=self.store.experiments(), versions=versions, **plan)
        self.store.save_experiment(row)
        self.assignments.refresh()
        return row

    def experiments(self) -> list[dict[str, Any]]:
        return self.store.experiments()

    def experiment(self, experiment_id: str) -> dict[str, Any]:
        return self.store.experiment(experiment_id)

    def stop(self, experiment_id: str) -> dict[str, Any]:
        row = self.store.experiment(experiment_id)
        if row["status"] != "stopped":
            row |= {"status": "stopped", "stop_at": datetime.now(UTC)}
            self.store.save_experiment(row)
            self.assignments.refresh()
        return row

    def analyse(self, experiment_id: str) -> dict[str, Any]:
        return analysis.analyse_experiment(self.store, self.store.experiment(experiment_id))

    def close(self) -> None:
        """Write what is queued and stop the writer and the learned ranking's refresh."""
        self.ranking.close()
        self.impressions.close()


__all__ = ["ExperimentError", "OnlineConfig", "OnlineService"]

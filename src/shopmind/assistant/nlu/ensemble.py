"""Several intent classifiers trained on the same data, their class probabilities averaged.

    p(y | x) = Σ_m w_m · p_m(y | x) / Σ_m w_m

Members differ in what they learn from — e.g. a fine-tuned English MiniLM and a head on frozen
multilingual-e5 vectors — so their mistakes overlap less than two runs of one model, and the
average is usually better than the best member. Each member is any registered classifier with its
own config (``members=[{"model": "finetune", "train_layers": -1}, {"model": "embed"}]``); it is
trained in turn, so training time is the sum of the members'.

Saved as a folder with ``meta.json`` (the members' names and configs, weights, classes) and one
sub-folder per member in that member's own format.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from shopmind.assistant.nlu.base import (
    classifier_class,
    make_classifier,
    predict_labels,
    restore,
    write_meta,
)

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@dataclass
class EnsembleConfig:
    # The members: each a dict with "model" (a registry name) and that classifier's config fields.
    members: list[dict[str, Any]] = field(
        default_factory=lambda: [{"model": "finetune", "train_layers": -1}, {"model": "embed"}]
    )
    # Weight of each member's probabilities (empty = equal weights).
    weights: list[float] = field(default_factory=list)


class EnsembleClassifier:
    """Weighted average of member classifiers' probabilities (registry name ``ensemble``)."""

    name = "ensemble"
    Config = EnsembleConfig

    def __init__(self, config: EnsembleConfig | None = None) -> None:
        self.config = config or EnsembleConfig()
        self._check(self.config)
        self.classes_: list[str] = []
        self.members_: list[Any] = []
        self.fit_seconds_: list[float] = []

    @staticmethod
    def _check(cfg: EnsembleConfig) -> None:
        if not cfg.members:
            raise ValueError("an ensemble needs at least one member")
        for m in cfg.members:
            if not isinstance(m, dict) or "model" not in m:
                raise ValueError(f"each ensemble member is a dict with a 'model' name, got {m!r}")
            if m["model"] == "ensemble":
                raise ValueError("an ensemble member cannot itself be an ensemble")
            classifier_class(m["model"])  # unknown names fail here, listing the valid ones
        if cfg.weights and len(cfg.weights) != len(cfg.members):
            raise ValueError(f"{len(cfg.weights)} weights for {len(cfg.members)} members")
        if cfg.weights and (min(cfg.weights) < 0 or sum(cfg.weights) <= 0):
            raise ValueError("ensemble weights must be non-negative and not all zero")

    def _weights(self) -> list[float]:
        w = self.config.weights or [1.0] * len(self.config.members)
        total = float(sum(w))
        return [x / total for x in w]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        self.classes_ = sorted(set(labels))
        self.members_, self.fit_seconds_ = [], []
        for i, spec in enumerate(self.config.members):
            params = {k: v for k, v in spec.items() if k != "model"}
            t0 = time.perf_counter()
            member = make_classifier(spec["model"], **params).fit(texts, labels)
            self.fit_seconds_.append(time.perf_counter() - t0)
            log.info(
                "ensemble member %d/%d (%s) trained in %.0f s",
                i + 1,
                len(self.config.members),
                spec["model"],
                self.fit_seconds_[-1],
            )
            if list(member.classes_) != self.classes_:  # every member sorts the same label set
                raise RuntimeError(f"member {spec['model']!r} learned different classes")
            self.members_.append(member)
        return self

    def member_probas(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Each member's (N, C) probabilities, in member order (to study or re-weight them)."""
        if not self.members_:
            raise RuntimeError("classifier is not fitted; call fit() or load()")
        return [m.predict_proba(texts) for m in self.members_]

    def combine(self, probas: Sequence[np.ndarray]) -> np.ndarray:
        """The weighted average of the members' (N, C) probabilities (from :meth:`member_probas`)."""
        return sum(w * p for w, p in zip(self._weights(), probas, strict=True))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.combine(self.member_probas(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(self, texts)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        for i, member in enumerate(self.members_):
            member.save(path / f"member-{i}")
        write_meta(path, self.name, self.config, self.classes_)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        path = Path(path)
        obj, meta = restore(cls, path)
        obj.members_ = [
            classifier_class(spec["model"]).load(path / f"member-{i}")
            for i, spec in enumerate(obj.config.members)
        ]
        return obj

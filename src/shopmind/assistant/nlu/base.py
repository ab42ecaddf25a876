"""Intent classifiers behind one small interface, found by name in one registry.

Every classifier has ``fit(texts, labels) -> self``, ``predict(texts)``, ``predict_proba(texts)``
(rows follow ``classes_``), ``save(path)`` and ``load(path)``. Saved models are a folder with
``meta.json`` (registry name, resolved config, classes) and ``model.safetensors``; no pickles.

Adding a classifier is one new file plus one line in :data:`CLASSIFIERS`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from shopmind import artifacts
from shopmind.registry import Registry, UnknownNameError

if TYPE_CHECKING:
    import numpy as np


class UnknownClassifierError(UnknownNameError):
    """A classifier name that is not registered; the message lists the valid names."""


# name -> "module:Class" (imported lazily so that importing this module stays cheap)
CLASSIFIERS = Registry(
    "intent classifier",
    {
        "embed": "shopmind.assistant.nlu.embed:EmbeddingClassifier",
        "ensemble": "shopmind.assistant.nlu.ensemble:EnsembleClassifier",
        "finetune": "shopmind.assistant.nlu.finetune:FineTunedClassifier",
        "lexical": "shopmind.assistant.nlu.lexical:LexicalClassifier",
    },
    error=UnknownClassifierError,
)


class IntentClassifier(Protocol):
    classes_: list[str]

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def predict(self, texts: Sequence[str]) -> list[str]: ...

    def save(self, path: str | Path) -> Path: ...

    @classmethod
    def load(cls, path: str | Path) -> Self: ...


def classifier_class(name: str) -> type:
    """The class registered as ``name`` (raises :class:`UnknownClassifierError` listing the names)."""
    return CLASSIFIERS.get(name)


def make_classifier(name: str, **config: Any) -> IntentClassifier:
    """A new classifier ``name`` whose config fields are overridden by ``config``."""
    return CLASSIFIERS.create(name, **config)


def load_classifier(path: str | Path) -> IntentClassifier:
    """Load any saved classifier; its registry name is read from ``meta.json``."""
    return classifier_class(read_meta(path)["model"]).load(path)


def write_meta(
    path: Path,
    name: str,
    config: Any,
    classes: list[str],
    *,
    arrays: Mapping[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Write a classifier's ``meta.json`` (registry name, config, classes, ``extra``) and, when
    given, its ``arrays`` as ``model.safetensors`` (:func:`shopmind.artifacts.write_model`)."""
    meta = {"model": name, "config": asdict(config), "classes": classes, **extra}
    artifacts.write_model(path, meta, arrays)


def read_meta(path: str | Path) -> dict[str, Any]:
    """A saved classifier's ``meta.json``."""
    return artifacts.read_meta(path)


def restore(cls: type, path: Path) -> tuple[Any, dict[str, Any]]:
    """A new ``cls`` with the config and classes saved in ``path/meta.json``, and that meta (for
    the weights, which each classifier loads itself)."""
    meta = read_meta(path)
    obj = cls(cls.Config(**meta["config"]))
    obj.classes_ = list(meta["classes"])
    return obj, meta


def predict_labels(clf: IntentClassifier, texts: Sequence[str]) -> list[str]:
    """The most probable class of each text (``predict`` of every classifier)."""
    return [clf.classes_[i] for i in clf.predict_proba(texts).argmax(axis=1)]


def stratified_split(labels: Sequence[str], test_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Seeded stratified split of row indices: (train, test). Classes with one row stay in train."""
    import numpy as np

    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    train: list[int] = []
    test: list[int] = []
    for label in sorted(by_label):
        rows = np.array(by_label[label])
        rng.shuffle(rows)
        n_test = int(round(len(rows) * test_fraction)) if len(rows) > 1 else 0
        test.extend(rows[:n_test].tolist())
        train.extend(rows[n_test:].tolist())
    return sorted(train), sorted(test)


def tune_threshold(in_scope_max: np.ndarray, oos_max: np.ndarray, min_recall: float = 0.0) -> float:
    """The confidence threshold that maximises (in-scope kept + out-of-scope rejected) on held-out
    rows, i.e. balanced accuracy of the in/out decision. ``*_max`` are the best in-scope
    probabilities of in-scope and of out-of-scope examples."""
    import numpy as np

    candidates = np.unique(np.concatenate([in_scope_max, oos_max, [0.0]]))
    best, best_score = 0.0, -1.0
    for t in candidates:
        kept = float((in_scope_max >= t).mean()) if len(in_scope_max) else 1.0
        rejected = float((oos_max < t).mean()) if len(oos_max) else 0.0
        if rejected < min_recall:
            continue
        score = kept + rejected
        if score > best_score:
            best, best_score = float(t), score
    return best

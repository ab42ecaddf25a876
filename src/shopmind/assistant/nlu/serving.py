"""The NLU a server holds: the published shop model when there is one, the rule-based fallback otherwise.

:class:`ServedNLU` wraps :class:`shopmind.artifacts.Hot` for the ``nlu`` kind. Every call asks it
for the published version (a newly published one is loaded whole and swapped in on the next call);
while nothing is published, or when the published version cannot be loaded, messages are parsed by
:class:`~shopmind.assistant.nlu.fallback.FallbackNLU`, built from the packaged examples the first
time it is needed. Nothing here trains: training is
:func:`~shopmind.assistant.nlu.shop.train_and_publish_nlu`, run by a job or the CLI.
:meth:`ServedNLU.status` says which of the two is serving.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopmind.artifacts import ArtifactStore, Hot
from shopmind.assistant.nlu.entities import Catalog
from shopmind.assistant.nlu.fallback import SUMMARY, FallbackNLU, build_fallback
from shopmind.assistant.nlu.shop import ARTIFACT_KIND, Parse, ShopNLU

if TYPE_CHECKING:
    from shopmind.assistant.nlu.fallback import FallbackConfig


class ServedNLU:
    """``parse`` / ``parse_many`` with the published ``nlu`` model, or the fallback while there is none."""

    def __init__(
        self,
        artifacts: ArtifactStore,
        catalog: Catalog | None = None,
        fallback_config: FallbackConfig | None = None,
    ) -> None:
        self.artifacts = artifacts
        self.catalog = catalog
        self.fallback_config = fallback_config
        self._hot: Hot[ShopNLU] = Hot(ARTIFACT_KIND, self._load, artifacts)
        self._fallback: FallbackNLU | None = None
        self._lock = threading.Lock()

    def _load(self, path: Path) -> ShopNLU:
        return ShopNLU.load(path, self.catalog)

    @property
    def fallback(self) -> FallbackNLU:
        """The rule-based parser (built once, on first use)."""
        if self._fallback is None:
            with self._lock:
                if self._fallback is None:
                    self._fallback = build_fallback(self.fallback_config, self.catalog)
        return self._fallback

    def current(self) -> tuple[ShopNLU | FallbackNLU, str | None]:
        """The parser in service now and its artifact version (None for the fallback)."""
        model, version = self._hot.get()
        return (model, version) if model is not None else (self.fallback, None)

    def parse(self, text: str, *, history: Sequence[str] = (), top: int = 5) -> Parse:
        return self.current()[0].parse(text, history=history, top=top)

    def parse_many(self, texts: Sequence[str], top: int = 5) -> list[Parse]:
        return self.current()[0].parse_many(texts, top=top)

    @property
    def meta(self) -> dict[str, Any]:
        """The meta of the parser in service (the artifact's meta.json, or the fallback's)."""
        return self.current()[0].meta

    def status(self) -> dict[str, Any]:
        """What is serving: ``{"kind", "version", "serving": "model" | "fallback", "fallback"}``, plus
        ``error`` when the published version could not be loaded."""
        _, version = self._hot.get()
        out: dict[str, Any] = {
            "kind": ARTIFACT_KIND,
            "version": version,
            "serving": "model" if version is not None else "fallback",
            "fallback": SUMMARY,
        }
        if self._hot.error:
            out["error"] = self._hot.error
        return out

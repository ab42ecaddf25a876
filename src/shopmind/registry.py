"""One registry pattern: names mapped to lazy ``"module:Class"`` paths.

    RECOMMENDERS = Registry("recommender", {"popular": "shopmind.recommend.popular:Popular"})
    RECOMMENDERS.get("popular")             # imports shopmind.recommend.popular, returns Popular
    RECOMMENDERS.create("popular", seed=3)  # Popular(Popular.Config(seed=3))
    RECOMMENDERS.get("nope")  # UnknownNameError: unknown recommender 'nope'; valid names: popular

A module is imported only when one of its names is asked for, so building a registry (and
importing the module that holds it) loads none of the registered code — no torch at import.
Prefix entries name a family: with ``prefixes={"st:": "pkg.mod:Encoder"}``, ``create("st:minilm")``
is ``Encoder("minilm")``. Every capability keeps its registry beside its interface
(``recommend/base.py``, ``assistant/nlu/base.py``, ``synth/__init__.py``, ``text/encoder.py``);
adding a model there is one new file plus one line.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import Any


class UnknownNameError(KeyError):
    """A name that is not registered; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


class Registry:
    """Names of one kind of thing (``what``) mapped to ``"module:Class"`` paths, imported on use.

    ``error`` is the exception raised for an unknown name (a subclass of :class:`UnknownNameError`,
    so a capability can keep its own error type)."""

    def __init__(
        self,
        what: str,
        entries: Mapping[str, str],
        *,
        prefixes: Mapping[str, str] | None = None,
        error: type[UnknownNameError] = UnknownNameError,
    ) -> None:
        self.what = what
        self._entries = dict(entries)
        self._prefixes = dict(prefixes or {})
        self._error = error
        for path in [*self._entries.values(), *self._prefixes.values()]:
            if path.count(":") != 1 or not all(path.split(":")):
                raise ValueError(f"{what} registry: {path!r} is not a 'module:Class' path")

    def __repr__(self) -> str:
        return f"Registry({self.what!r}, {self.valid_names()})"

    def names(self) -> list[str]:
        """The registered names (prefix families not included), sorted."""
        return sorted(self._entries)

    def prefixes(self) -> list[str]:
        """The registered name prefixes (e.g. ``["st:"]``), sorted."""
        return sorted(self._prefixes)

    def valid_names(self) -> list[str]:
        """What an error message offers: every name, and each prefix as ``<prefix><name>``."""
        return [*self.names(), *(f"{p}<name>" for p in self.prefixes())]

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._resolve(name) is not None

    def path(self, name: str) -> str:
        """The ``"module:Class"`` path of ``name`` (raises the registry's error when unknown)."""
        resolved = self._resolve(name)
        if resolved is None:
            raise self._error(f"unknown {self.what} {name!r}; valid names: {', '.join(self.valid_names())}")
        return resolved[0]

    def get(self, name: str) -> type:
        """The class registered as ``name``, imported now."""
        module, attr = self.path(name).split(":")
        return getattr(importlib.import_module(module), attr)

    def create(self, name: str, **config: Any) -> Any:
        """A new instance of ``name``: ``cls(cls.Config(**config))`` for a class with a ``Config``,
        else ``cls(**config)``; a prefix entry gets the rest of the name first (``cls(rest, ...)``)."""
        cls = self.get(name)
        rest = self._resolve(name)[1]
        args = () if rest is None else (rest,)
        config_cls = getattr(cls, "Config", None)
        if config_cls is not None:
            return cls(*args, config_cls(**config))
        return cls(*args, **config)

    def _resolve(self, name: str) -> tuple[str, str | None] | None:
        """(path, rest of the name after a prefix or None), or None when ``name`` is unknown."""
        if name in self._entries:
            return self._entries[name], None
        for prefix, path in self._prefixes.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                return path, name[len(prefix) :]
        return None

"""Synthetic data from GANs: tabular (CTGAN-style), parent–child tables, images (DCGAN), reports.

Every tabular synthesizer has ``fit(frame, seed) -> self``, ``sample(n, seed) -> frame``,
``save(dir)`` and ``load(dir)``, and is found by name in :data:`SYNTHESIZERS`.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# name -> "module:class" (imported on use, so importing shopmind.synth loads no torch)
SYNTHESIZERS = {"ctgan-style": "shopmind.synth.tabular:TabularGAN"}


def create(name: str, *args: Any, **kwargs: Any) -> Any:
    """A synthesizer by registry name; an unknown name raises a KeyError listing the valid ones."""
    if name not in SYNTHESIZERS:
        raise KeyError(f"unknown synthesizer {name!r}; known: {', '.join(sorted(SYNTHESIZERS))}")
    module, cls = SYNTHESIZERS[name].split(":")
    return getattr(import_module(module), cls)(*args, **kwargs)

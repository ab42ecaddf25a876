"""Synthetic data from GANs: tabular (CTGAN-style), parent–child tables, images (DCGAN), reports.

Every single-table synthesizer has a ``Config`` dataclass, ``fit(frame, seed) -> self``,
``sample(n, seed) -> frame``, ``save(dir)`` and ``load(dir)``, and is found by name in
:data:`SYNTHESIZERS` (``SynthService.fit(…, synthesizer=name)``).
"""

from __future__ import annotations

from typing import Any

from shopmind.registry import Registry

# name -> "module:Class" (imported on use, so importing shopmind.synth loads no torch)
SYNTHESIZERS = Registry("synthesizer", {"ctgan-style": "shopmind.synth.tabular:TabularGAN"})


def create(name: str, **config: Any) -> Any:
    """A new synthesizer by registry name with config fields as keyword arguments; an unknown
    name raises a KeyError listing the valid ones."""
    return SYNTHESIZERS.create(name, **config)

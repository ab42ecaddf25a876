"""Loading the built-in demo shop into a store (used by `shopmind demo-data`, `make demo` and tests)."""

from __future__ import annotations

import logging
from pathlib import Path

from shopmind.data.store import Store

log = logging.getLogger(__name__)


def load_demo_shop(
    store: Store, seed: int = 7, scale: float = 1.0, truth_path: Path | None = None
) -> dict[str, int]:
    """Generate the demo shop for ``seed`` and upsert it; the latent tastes go to ``truth_path`` as JSON.

    Returns the row counts written per table. Re-running with the same seed rewrites the same rows.
    """
    from shopmind.data.simulate import DemoConfig, generate

    shop = generate(DemoConfig(seed=seed, scale=scale))
    store.migrate()
    written = store.write_frames(shop.frames())
    if truth_path is not None:
        truth_path.parent.mkdir(parents=True, exist_ok=True)
        shop.truth.to_json(truth_path)
    log.info("demo shop (seed %d, scale %g) written: %s", seed, scale, written)
    return written

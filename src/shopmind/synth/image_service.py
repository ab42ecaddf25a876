"""The image GAN's part of the synthesis service (fit, load, sample, grid), and the per-epoch
progress logger both parts use."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from shopmind.artifacts import ArtifactStore
    from shopmind.synth.image import DCGANConfig, ImageGAN

log = logging.getLogger(__name__)
# progress(epoch done (1-based), epochs, {"loss_g": …, "loss_d": …})
Progress = Callable[[int, int, dict[str, float]], None]
IMAGE_DATASETS = ("fashion-mnist",)  # data sets the image GAN can be fitted on
LOG_EVERY = 5.0  # seconds between two per-epoch log lines (the first and the last are always logged)


class EpochLog:
    """A progress callback that logs one line per epoch, at most every ``every`` seconds (the first
    and the last epoch always), passes each epoch on to ``then`` and keeps the last losses."""

    def __init__(self, label: str, then: Progress | None = None, every: float = LOG_EVERY) -> None:
        self.label, self.then, self.every = label, then, every
        self.losses: dict[str, float] = {}
        self._last = float("-inf")

    def __call__(self, epoch: int, epochs: int, losses: dict[str, float]) -> None:
        self.losses = dict(losses)
        now = time.monotonic()
        if epoch in (1, epochs) or now - self._last >= self.every:
            self._last = now
            text = "  ".join(f"{k} {v:+.4f}" for k, v in losses.items())
            log.info("%s: epoch %d/%d  %s", self.label, epoch, epochs, text)
        if self.then is not None:
            self.then(epoch, epochs, losses)


class ImageMethods:
    """The class-conditional DCGAN (kind ``synth-images/<dataset>``) in the synthesis service."""

    artifacts: ArtifactStore

    def fit_images(
        self,
        dataset: str = "fashion-mnist",
        *,
        part: str = "train_subset",
        config: DCGANConfig | None = None,
        seed: int = 0,
        progress: Progress | None = None,
        folder: str | Path | None = None,
        publish: bool = True,
    ) -> Path:
        """Fit the class-conditional DCGAN on ``dataset`` (its ``part``; ``folder`` overrides where
        the data set lies), save a version of ``synth-images/<dataset>``, publish it; returns its folder."""
        from shopmind.data.datasets import load_fashion_mnist
        from shopmind.synth.image import DCGANConfig, ImageGAN

        kind = _image_kind(dataset)
        images, labels = load_fashion_mnist(part, folder=Path(folder) if folder else None)
        config = config or DCGANConfig()
        tracker = EpochLog(f"dcgan {dataset}", progress)
        t0 = time.perf_counter()
        model = ImageGAN(config).fit(images, labels, seed=seed, progress=tracker)
        digest = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:16]
        return self.artifacts.save_version(
            kind,
            "dcgan",
            model.save,
            config=asdict(config),
            metrics=tracker.losses,
            data_fingerprint=digest,
            seconds=time.perf_counter() - t0,
            extra={"dataset": dataset, "part": part, "rows": len(images), "seed": seed},
            publish=publish,
        )

    def load_images(self, dataset: str = "fashion-mnist") -> ImageGAN:
        """The published image GAN of ``dataset``; LookupError when none was fitted."""
        from shopmind.synth.image import ImageGAN

        path = self.artifacts.current(_image_kind(dataset))
        if path is None:
            raise LookupError(f"no image GAN for {dataset!r} yet: run `shopmind synth images`")
        return ImageGAN.load(path)

    def sample_images(
        self,
        labels: np.ndarray | list[int] | None = None,
        *,
        dataset: str = "fashion-mnist",
        per_class: int = 10,
        seed: int = 0,
    ) -> np.ndarray:
        """uint8 images (N, 28, 28) of the published image GAN, one per label (default: ``per_class``
        of every class, class by class)."""
        import numpy as np

        model = self.load_images(dataset)
        if labels is None:
            labels = np.repeat(np.arange(model.config.n_classes), per_class)
        return model.sample(labels, seed=seed)

    def image_grid(
        self, out: str | Path, *, dataset: str = "fashion-mnist", per_class: int = 10, seed: int = 0
    ) -> Path:
        """A PNG grid of ``per_class`` samples of every class, one class per row; returns its path."""
        from shopmind.synth.image import save_grid

        return save_grid(self.sample_images(dataset=dataset, per_class=per_class, seed=seed), out, per_class)


def _image_kind(dataset: str) -> str:
    if dataset not in IMAGE_DATASETS:
        raise ValueError(f"unknown image data set {dataset!r}; known: {', '.join(IMAGE_DATASETS)}")
    return f"synth-images/{dataset}"

"""The class-conditional DCGAN on the Fashion-MNIST subset: a short fit lowers the Fréchet
distance, samples round-trip through save/load, grids are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from shopmind.synth.image import (
    DCGANConfig,
    ImageGAN,
    classifier_accuracy,
    features,
    frechet_distance,
    save_grid,
    train_classifier,
)


def test_frechet_distance_hand_case() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4000, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # equal covariances, means 2 apart on one axis: FD = 4
    assert frechet_distance(a, a + np.array([2.0, 0, 0])) == pytest.approx(4.0, rel=1e-6)
    # N(0, I) vs N(0, 4I) in 3-d: Tr(I + 4I − 2·2I) = 3
    b = rng.standard_normal((4000, 3)) * 2
    assert frechet_distance(a, b) == pytest.approx(3.0, rel=0.1)


def test_dcgan_short_fit_lowers_frechet_distance(fashion, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    images, labels = fashion
    perm = np.random.default_rng(0).permutation(len(images))
    train_x, train_y = images[perm[:3000]], labels[perm[:3000]]
    held_x, held_y = images[perm[3000:]], labels[perm[3000:]]
    clf = train_classifier(train_x, train_y, epochs=2)
    assert classifier_accuracy(clf, held_x, held_y) > 0.7  # the feature net is a real classifier
    cfg = DCGANConfig(channels=16, noise_dim=32, epochs=2, batch_size=64, lr=1e-3)
    untrained = ImageGAN(cfg)
    untrained._build()
    model = ImageGAN(cfg).fit(train_x, train_y, seed=0)
    want = held_y[:1000]
    real_f = features(clf, held_x[:1000])
    fd_trained = frechet_distance(real_f, features(clf, model.sample(want, seed=1)))
    fd_untrained = frechet_distance(real_f, features(clf, untrained.sample(want, seed=1)))
    assert fd_trained < 0.5 * fd_untrained, (fd_trained, fd_untrained)
    # save -> load: the same images for a seed
    model.save(tmp_path / "dcgan")
    again = ImageGAN.load(tmp_path / "dcgan")
    assert np.array_equal(again.sample(want[:20], seed=5), model.sample(want[:20], seed=5))
    grid = save_grid(model.sample(np.repeat(np.arange(10), 10), seed=0), tmp_path / "grid.png")
    from PIL import Image

    assert Image.open(grid).size == (300, 300)

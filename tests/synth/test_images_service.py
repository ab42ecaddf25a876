"""The DCGAN flow of the synth service and its thin CLI command: fit on Fashion-MNIST, save and
publish through the artifact store, sample the published model, write a grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopmind.artifacts import ArtifactStore, read_meta
from shopmind.synth.image import DCGANConfig
from shopmind.synth.service import SynthService
from tests.synth.conftest import _need

pytestmark = pytest.mark.datasets
PART = "test_subset"  # 2,000 images, 200 per class: enough to check the flow, quick to fit


def small(**kw) -> DCGANConfig:
    return DCGANConfig(**{"channels": 8, "noise_dim": 16, "epochs": 2, "batch_size": 100, "threads": 1, **kw})


@pytest.fixture(scope="module")
def fashion_dir() -> Path:
    return _need("fashion-mnist")


def test_fit_images_publishes_a_version_that_samples_and_draws_a_grid(
    fashion_dir: Path, tmp_path: Path
) -> None:
    from PIL import Image

    service = SynthService(None, ArtifactStore(tmp_path / "art"))
    with pytest.raises(LookupError, match="no image GAN"):
        service.sample_images()
    with pytest.raises(ValueError, match="fashion-mnist"):
        service.fit_images("mnist")
    epochs: list[int] = []
    version = service.fit_images(
        part=PART, config=small(), seed=1, folder=fashion_dir, progress=lambda e, n, losses: epochs.append(e)
    )
    assert epochs == [1, 2] and service.artifacts.current("synth-images/fashion-mnist") == version
    meta = read_meta(version)
    assert meta["kind"] == "synth-images/fashion-mnist" and meta["name"] == "dcgan"
    assert (meta["dataset"], meta["part"], meta["rows"], meta["seed"]) == ("fashion-mnist", PART, 2000, 1)
    assert meta["config"]["channels"] == 8 and set(meta["metrics"]) == {"loss_g", "loss_d"}
    assert len(meta["data_fingerprint"]) == 16 and (version / "model.safetensors").is_file()
    images = service.sample_images(per_class=3, seed=4)
    assert images.shape == (30, 28, 28) and images.dtype == np.uint8
    assert np.array_equal(images, service.sample_images(per_class=3, seed=4))
    assert service.sample_images([7, 7], seed=4).shape == (2, 28, 28)
    grid = service.image_grid(tmp_path / "grid.png", seed=0)
    assert Image.open(grid).size == (300, 300)  # 10 classes x 10 samples of 28 px + 2 px gaps


def test_cli_images_is_a_thin_call(
    fashion_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image
    from typer.testing import CliRunner

    from shopmind.cli import app
    from shopmind.synth import image

    monkeypatch.setattr(image, "DCGANConfig", small)  # the command's own config, made small
    out = tmp_path / "grid.png"
    res = CliRunner().invoke(app, ["synth", "images", "--epochs", "1", "--part", PART, "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "grid" in res.output and Image.open(out).size == (300, 300)
    published = ArtifactStore(tmp_path / "artifacts").current("synth-images/fashion-mnist")
    assert published is not None and read_meta(published)["config"]["epochs"] == 1
    res = CliRunner().invoke(app, ["synth", "images", "--part", "nope", "--out", str(out)])
    assert res.exit_code == 1 and "nope" in res.output

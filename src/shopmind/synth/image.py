"""A class-conditional DCGAN for 28×28 grey product images (Radford et al., "Unsupervised
Representation Learning with Deep Convolutional GANs", ICLR 2016; conditioning as in Mirza &
Osindero, "Conditional GANs", 2014), trained with the losses of :mod:`shopmind.nn.gan`.

    G: [z, embed(y)] → Linear → (2C, 7, 7) → ConvT ↑ (C, 14, 14) → ConvT ↑ (1, 28, 28), tanh
    D: [x, map(y)] (2, 28, 28) → Conv ↓ (C, 14, 14) → Conv ↓ (2C, 7, 7) → Linear → logit
       (BatchNorm everywhere but G's output and D's input layer; LeakyReLU(0.2) in D)

Quality is the **Fréchet distance** between Gaussian fits of classifier features of real and
generated images (the FID recipe, with a small CNN trained here on Fashion-MNIST instead of
Inception): FD = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^½).
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from shopmind.artifacts import read_arrays, read_meta, write_model
from shopmind.nn.gan import d_loss, g_loss
from shopmind.nn.scope import torch_scope

log = logging.getLogger(__name__)


@dataclass
class DCGANConfig:
    # noise dimension
    noise_dim: int = 64
    # number of classes (Fashion-MNIST: 10)
    n_classes: int = 10
    # base channel width C of G and D
    channels: int = 64
    # passes over the images
    epochs: int = 5
    # images per step
    batch_size: int = 128
    # Adam (the DCGAN paper: 2e-4, β₁ = 0.5)
    lr: float = 2e-4
    beta1: float = 0.5
    # torch threads (0 = torch's default)
    threads: int = 0


class Generator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        c = cfg.channels
        self.embed = nn.Embedding(cfg.n_classes, cfg.n_classes)
        self.fc = nn.Sequential(
            nn.Linear(cfg.noise_dim + cfg.n_classes, 2 * c * 49), nn.BatchNorm1d(2 * c * 49), nn.ReLU()
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, 2, 1),
            nn.BatchNorm2d(c),
            nn.ReLU(),  # (2C, 7, 7) -> (C, 14, 14)
            nn.ConvTranspose2d(c, 1, 4, 2, 1),
            nn.Tanh(),  # (C, 14, 14) -> (1, 28, 28)
        )
        self.c = c

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([z, self.embed(y)], dim=1))  # (B, noise + K) -> (B, 2C·49)
        return self.up(h.view(-1, 2 * self.c, 7, 7))  # (B, 1, 28, 28) in [-1, 1]


class Discriminator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        c = cfg.channels
        self.embed = nn.Embedding(cfg.n_classes, 28 * 28)  # the label as a learned extra image channel
        self.body = nn.Sequential(
            nn.Conv2d(2, c, 4, 2, 1),
            nn.LeakyReLU(0.2),  # (2, 28, 28) -> (C, 14, 14)
            nn.Conv2d(c, 2 * c, 4, 2, 1),
            nn.BatchNorm2d(2 * c),
            nn.LeakyReLU(0.2),  # -> (2C, 7, 7)
            nn.Flatten(),
            nn.Linear(2 * c * 49, 1),
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        label_map = self.embed(y).view(-1, 1, 28, 28)  # (B, 1, 28, 28)
        return self.body(torch.cat([x, label_map], dim=1))  # (B, 1) logits


def to_unit(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float (N, 1, 28, 28) in [-1, 1]."""
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)


def to_uint8(x: torch.Tensor) -> np.ndarray:
    """float (N, 1, 28, 28) in [-1, 1] -> uint8 (N, 28, 28)."""
    return ((x.squeeze(1).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()


class ImageGAN:
    """``ImageGAN(config).fit(images, labels).sample(labels, seed)``; save/load as safetensors + JSON."""

    def __init__(self, config: DCGANConfig | None = None) -> None:
        self.config = config or DCGANConfig()

    def _build(self) -> None:
        self.generator_ = Generator(self.config)

    def fit(self, images: np.ndarray, labels: np.ndarray, seed: int = 0, progress=None) -> ImageGAN:
        t0 = time.perf_counter()
        with torch_scope(seed, self.config.threads) as gen:
            self._train(images, labels, gen, progress)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _train(self, images: np.ndarray, labels: np.ndarray, gen: torch.Generator, progress) -> None:
        """The DCGAN loop: per batch one discriminator step on real and fake images, one generator step."""
        cfg = self.config
        self._build()
        D = Discriminator(cfg)
        opt_g = torch.optim.Adam(self.generator_.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
        x_all, y_all = to_unit(images), torch.from_numpy(labels.astype(np.int64))
        self.history_ = []
        for epoch in range(cfg.epochs):
            perm = torch.randperm(len(x_all), generator=gen)
            for i in range(0, len(perm) - cfg.batch_size + 1, cfg.batch_size):
                idx = perm[i : i + cfg.batch_size]
                x, y = x_all[idx], y_all[idx]
                z = torch.randn(len(idx), cfg.noise_dim, generator=gen)
                fake = self.generator_(z, y)  # (B, 1, 28, 28)
                loss_d = d_loss(D(x, y), D(fake.detach(), y))
                opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                opt_d.step()
                loss_g = g_loss(D(fake, y))
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
            losses = {"loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach())}
            self.history_.append(losses)
            if progress:
                progress(epoch + 1, cfg.epochs, losses)
        self.generator_.eval()

    def sample(self, labels: np.ndarray | list[int], seed: int = 0) -> np.ndarray:
        """uint8 images (N, 28, 28), one per requested class label."""
        y = torch.as_tensor(np.asarray(labels, dtype=np.int64))
        self.generator_.eval()
        with torch_scope(seed) as gen, torch.no_grad():
            z = torch.randn(len(y), self.config.noise_dim, generator=gen)
            return to_uint8(self.generator_(z, y))

    def save(self, path: str | Path) -> Path:
        meta = {"kind": "image", "model": "dcgan", "config": asdict(self.config), "history": self.history_}
        return write_model(path, meta, self.generator_.state_dict())

    @classmethod
    def load(cls, path: str | Path) -> ImageGAN:
        meta = read_meta(path)
        self = cls(DCGANConfig(**meta["config"]))
        with torch_scope(0):  # the initial weights drawn here are overwritten
            self._build()
        self.generator_.load_state_dict(read_arrays(path, torch=True))
        self.generator_.eval()
        self.history_ = meta["history"]
        return self


# ---------------------------------------------------------------------------- Fréchet distance
class FeatureNet(nn.Module):
    """A small CNN classifier; its 64-d penultimate layer is the feature space of the Fréchet distance."""

    def __init__(self, n_classes: int = 10) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (16, 14, 14)
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # (32, 7, 7)
            nn.Flatten(),
            nn.Linear(32 * 49, 64),
            nn.ReLU(),  # (64,)
        )
        self.head = nn.Linear(64, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def train_classifier(images: np.ndarray, labels: np.ndarray, epochs: int = 2, seed: int = 0) -> FeatureNet:
    x, y = to_unit(images), torch.from_numpy(labels.astype(np.int64))
    with torch_scope(seed) as gen:
        net = FeatureNet(int(labels.max()) + 1)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        for _ in range(epochs):
            perm = torch.randperm(len(x), generator=gen)
            for i in range(0, len(perm), 128):
                idx = perm[i : i + 128]
                loss = nn.functional.cross_entropy(net(x[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return net.eval()


@torch.no_grad()
def classifier_accuracy(net: FeatureNet, images: np.ndarray, labels: np.ndarray) -> float:
    return float((net(to_unit(images)).argmax(1).numpy() == labels).mean())


@torch.no_grad()
def features(net: FeatureNet, images: np.ndarray) -> np.ndarray:
    return torch.cat(
        [net.features(to_unit(images[i : i + 1000])) for i in range(0, len(images), 1000)]
    ).numpy()


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """FD between Gaussian fits of feature rows ``a`` (N, d) and ``b`` (M, d)."""
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    eps = 1e-6 * np.eye(len(mu_a))  # ReLU features have dead units: keep the product non-singular
    cov_a, cov_b = cov_a + eps, cov_b + eps
    covmean = linalg.sqrtm(cov_a @ cov_b)
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * covmean.real))


def save_grid(images: np.ndarray, path: str | Path, nrow: int = 10) -> Path:
    """uint8 (N, 28, 28) images as one PNG grid, ``nrow`` per row (2-pixel gaps)."""
    from PIL import Image

    n = len(images)
    rows = -(-n // nrow)
    grid = np.full((rows * 30, nrow * 30), 255, dtype=np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        grid[r * 30 + 1 : r * 30 + 29, c * 30 + 1 : c * 30 + 29] = img
    path = Path(path)
    Image.fromarray(grid).save(path)
    return path

"""GAN losses against hand computations and BCE-with-logits; a GAN fitted to a 1-D Gaussian mixture."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from shopmind.nn.gan import (
    GANConfig,
    MLPDiscriminator,
    MLPGenerator,
    d_loss,
    fit_gan,
    g_loss,
    gradient_penalty,
    pack,
    wgan_d_loss,
    wgan_g_loss,
)


def test_d_loss_matches_hand_computation_and_bce() -> None:
    real = torch.tensor([2.0, -1.0, 0.5])
    fake = torch.tensor([-3.0, 1.0])
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    hand = -np.mean([math.log(sig(v)) for v in real.tolist()]) - np.mean(
        [math.log(1 - sig(v)) for v in fake.tolist()]
    )
    assert float(d_loss(real, fake)) == pytest.approx(hand, rel=1e-6)
    bce = F.binary_cross_entropy_with_logits(real, torch.ones(3)) + F.binary_cross_entropy_with_logits(
        fake, torch.zeros(2)
    )
    assert float(d_loss(real, fake)) == pytest.approx(float(bce), rel=1e-6)


def test_g_loss_is_non_saturating() -> None:
    fake = torch.tensor([-8.0, 0.0, 3.0])
    hand = -np.mean([math.log(1 / (1 + math.exp(-v))) for v in fake.tolist()])
    assert float(g_loss(fake)) == pytest.approx(hand, rel=1e-6)
    assert float(g_loss(fake)) == pytest.approx(
        float(F.binary_cross_entropy_with_logits(fake, torch.ones(3))), rel=1e-6
    )
    # the gradient does not vanish when D confidently rejects the fakes (the reason for −log D(G(z)))
    x = torch.tensor([-8.0], requires_grad=True)
    g_loss(x).backward()
    assert abs(float(x.grad)) > 0.99


def test_wgan_losses() -> None:
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, -2.0])
    assert float(wgan_d_loss(real, fake)) == pytest.approx(-1.0 - 2.0)
    assert float(wgan_g_loss(fake)) == pytest.approx(1.0)


def test_gradient_penalty_of_a_linear_critic() -> None:
    w = torch.tensor([3.0, 4.0])  # ‖w‖ = 5 -> (5 − 1)² = 16 for every interpolate
    critic = lambda x: pack(x, 1) @ w[:, None]  # noqa: E731
    real, fake = torch.randn(8, 2), torch.randn(8, 2)
    assert float(gradient_penalty(critic, real, fake)) == pytest.approx(16.0, rel=1e-5)
    # packed by 2: the critic sees (B/2, 4) and its gradient is (w, w) with norm 5√2
    w2 = torch.cat([w, w])
    critic2 = lambda x: pack(x, 2) @ w2[:, None]  # noqa: E731
    expected = (5 * math.sqrt(2) - 1) ** 2
    assert float(gradient_penalty(critic2, real, fake, pac=2)) == pytest.approx(expected, rel=1e-5)


def test_pack_shapes_and_errors() -> None:
    x = torch.arange(12.0).view(6, 2)
    assert pack(x, 3).shape == (2, 6)
    assert pack(x, 3)[0].tolist() == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="not divisible"):
        pack(x, 4)
    assert MLPDiscriminator(2, (8,), pac=3)(x).shape == (2, 1)
    with pytest.raises(ValueError, match="loss must be"):
        GANConfig(loss="hinge")


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import ks_2samp

    return float(ks_2samp(a, b).statistic)


@pytest.mark.parametrize(
    ("cfg", "steps"),
    [
        (GANConfig(loss="bce", lr_g=2e-3, lr_d=2e-3), 400),
        (GANConfig(loss="wgan-gp", pac=4, d_steps=3, lr_g=2e-3, lr_d=2e-3), 600),
    ],
    ids=["bce", "wgan-gp-pac4"],
)
def test_gan_learns_a_bimodal_gaussian_mixture(cfg: GANConfig, steps: int) -> None:
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    n = 4000
    real = np.where(rng.random(n) < 0.5, -2.0, 2.0) + 0.3 * rng.standard_normal(n)
    data = torch.tensor(real, dtype=torch.float32)[:, None]
    torch.manual_seed(0)
    untrained = MLPGenerator(8, 1, (32, 32))
    G, history = fit_gan(data, cfg, steps=steps, batch_size=128, hidden=(32, 32), seed=0)
    with torch.no_grad():
        z = torch.randn(n, 8, generator=torch.Generator().manual_seed(1))
        fake, base = G(z).squeeze(1).numpy(), untrained(z).squeeze(1).numpy()
    assert len(history) == steps and all(np.isfinite([h["loss_d"] for h in history]))
    ks_fake, ks_base = _ks(fake, real), _ks(base, real)
    assert ks_fake < 0.15, ks_fake
    assert ks_fake < ks_base / 3
    # both modes are there, not a collapse onto one
    assert 0.3 < float(np.mean(fake < 0)) < 0.7

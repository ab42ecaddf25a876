"""Generative adversarial networks: the losses, packing, gradient penalty and one training step.

A generator G maps noise z ~ N(0, I) to samples; a discriminator D tells real samples from
generated ones (Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014). D returns a
*logit* l, D(x) = σ(l), so every log below is computed stably with log σ:

    L_D = −E_x[log D(x)] − E_z[log(1 − D(G(z)))]   = −E[log σ(l_real)] − E[log σ(−l_fake)]
    L_G = −E_z[log D(G(z))]                          = −E[log σ(l_fake)]        (non-saturating)

The stabilised option is the Wasserstein loss with a gradient penalty (Gulrajani et al.,
"Improved Training of Wasserstein GANs", NeurIPS 2017); D is then a critic with an unbounded score:

    L_D = E_z[D(G(z))] − E_x[D(x)] + λ E_x̂[(‖∇_x̂ D(x̂)‖₂ − 1)²],   x̂ = ε x + (1 − ε) G(z), ε ~ U(0, 1)
    L_G = −E_z[D(G(z))]

and PacGAN packing (Lin et al., "PacGAN", NeurIPS 2018): D judges ``pac`` samples at once,
concatenated into one vector, which penalises a generator that collapses onto few modes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from shopmind.nn.scope import torch_scope


@dataclass
class GANConfig:
    # "bce" (the original minimax with the non-saturating L_G) or "wgan-gp"
    loss: str = "bce"
    # samples the discriminator judges together (PacGAN); 1 = no packing
    pac: int = 1
    # λ of the gradient penalty (wgan-gp only)
    gp_weight: float = 10.0
    # discriminator steps per generator step
    d_steps: int = 1
    # Adam learning rates and betas (the DCGAN paper's β₁ = 0.5)
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.9)

    def __post_init__(self) -> None:
        if self.loss not in ("bce", "wgan-gp"):
            raise ValueError(f"loss must be 'bce' or 'wgan-gp', got {self.loss!r}")
        if self.pac < 1:
            raise ValueError(f"pac must be >= 1, got {self.pac}")


# ---------------------------------------------------------------------------- losses
def d_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """L_D = −E[log D(x)] − E[log(1 − D(G(z)))] on logits; 1 − σ(l) = σ(−l)."""
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def g_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating L_G = −E[log D(G(z))] on logits."""
    return -F.logsigmoid(fake_logits).mean()


def wgan_d_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    """Critic loss E[D(G(z))] − E[D(x)] (the gradient penalty is added separately)."""
    return fake_scores.mean() - real_scores.mean()


def wgan_g_loss(fake_scores: torch.Tensor) -> torch.Tensor:
    """Generator loss −E[D(G(z))]."""
    return -fake_scores.mean()


def pack(x: torch.Tensor, pac: int) -> torch.Tensor:
    """(B, …) -> (B/pac, pac·prod(…)): ``pac`` consecutive samples become one vector (B divisible by pac)."""
    if x.size(0) % pac:
        raise ValueError(f"batch size {x.size(0)} is not divisible by pac={pac}")
    return x.reshape(x.size(0) // pac, -1)


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor, pac: int = 1
) -> torch.Tensor:
    """E_x̂[(‖∇D(x̂)‖₂ − 1)²] on x̂ = ε x + (1 − ε) x̃; one ε per pack, the norm over each packed vector."""
    b = real.size(0) // pac
    eps = torch.rand(b, 1, device=real.device).repeat_interleave(pac, 0)  # (B, 1), shared within a pack
    eps = eps.view(-1, *([1] * (real.dim() - 1)))  # broadcast over feature dims
    mixed = (eps * real + (1 - eps) * fake).requires_grad_(True)  # (B, …)
    scores = critic(mixed)  # (B/pac, 1)
    (grad,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)  # (B, …)
    norms = pack(grad, pac).norm(2, dim=1)  # (B/pac,)
    return ((norms - 1) ** 2).mean()


# ---------------------------------------------------------------------------- small MLP pair
class MLPGenerator(nn.Module):
    """z (B, noise_dim) -> x (B, out_dim) through ReLU hidden layers (linear output)."""

    def __init__(self, noise_dim: int, out_dim: int, hidden: tuple[int, ...] = (64, 64)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = noise_dim
        for h in hidden:
            layers += [nn.Linear(d, h), nn.ReLU()]
            d = h
        layers.append(nn.Linear(d, out_dim))
        self.net = nn.Sequential(*layers)
        self.noise_dim = noise_dim

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)  # (B, noise_dim) -> (B, out_dim)


class MLPDiscriminator(nn.Module):
    """x (B, in_dim) -> one logit per pack (B/pac, 1); LeakyReLU(0.2) hidden layers."""

    def __init__(self, in_dim: int, hidden: tuple[int, ...] = (64, 64), pac: int = 1) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        d = in_dim * pac
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2)]
            d = h
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)
        self.pac = pac

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(pack(x, self.pac))  # (B, in_dim) -> (B/pac, pac·in_dim) -> (B/pac, 1)


# ---------------------------------------------------------------------------- training step
def discriminator_loss(
    D: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fake: torch.Tensor, cfg: GANConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """(total L_D, gradient penalty or 0) for a batch of real and (detached) generated samples."""
    real_out, fake_out = D(real), D(fake)
    if cfg.loss == "bce":
        return d_loss(real_out, fake_out), torch.zeros(())
    gp = gradient_penalty(D, real, fake, cfg.pac)
    return wgan_d_loss(real_out, fake_out) + cfg.gp_weight * gp, gp.detach()


def generator_loss(
    D: Callable[[torch.Tensor], torch.Tensor], fake: torch.Tensor, cfg: GANConfig
) -> torch.Tensor:
    out = D(fake)
    return g_loss(out) if cfg.loss == "bce" else wgan_g_loss(out)


def make_optimizers(G: nn.Module, D: nn.Module, cfg: GANConfig) -> tuple[torch.optim.Adam, torch.optim.Adam]:
    return (
        torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas),
        torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
    )


def train_step(
    G: nn.Module,
    D: nn.Module,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    real: torch.Tensor,
    cfg: GANConfig,
    generator: torch.Generator | None = None,
) -> dict[str, float]:
    """``cfg.d_steps`` discriminator updates on ``real`` (B, …), then one generator update."""
    b = real.size(0)
    for _ in range(cfg.d_steps):
        z = torch.randn(b, G.noise_dim, generator=generator)  # (B, noise_dim)
        with torch.no_grad():
            fake = G(z)
        loss_d, _ = discriminator_loss(D, real, fake, cfg)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
    z = torch.randn(b, G.noise_dim, generator=generator)
    loss_g = generator_loss(D, G(z), cfg)
    opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    opt_g.step()
    return {"loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach())}


def fit_gan(
    data: torch.Tensor,
    cfg: GANConfig | None = None,
    *,
    noise_dim: int = 8,
    hidden: tuple[int, ...] = (64, 64),
    steps: int = 1000,
    batch_size: int = 200,
    seed: int = 0,
) -> tuple[MLPGenerator, list[dict[str, float]]]:
    """Fit an MLP GAN to the rows of ``data`` (N, d); returns the generator and the per-step losses."""
    cfg = cfg or GANConfig()
    batch_size -= batch_size % cfg.pac
    history = []
    with torch_scope(seed) as gen:
        G = MLPGenerator(noise_dim, data.size(1), hidden)
        D = MLPDiscriminator(data.size(1), hidden, cfg.pac)
        opt_g, opt_d = make_optimizers(G, D, cfg)
        for _ in range(steps):
            idx = torch.randint(0, data.size(0), (batch_size,), generator=gen)
            history.append(train_step(G, D, opt_g, opt_d, data[idx], cfg, gen))
    return G, history


__all__ = [
    "GANConfig",
    "MLPDiscriminator",
    "MLPGenerator",
    "d_loss",
    "discriminator_loss",
    "fit_gan",
    "g_loss",
    "generator_loss",
    "gradient_penalty",
    "make_optimizers",
    "pack",
    "train_step",
    "wgan_d_loss",
    "wgan_g_loss",
]

"""Differentially private training of the tabular GAN: DP-SGD on the critic, with its own accountant.

Only the critic reads real rows, so only its updates need noise; the generator learns from the
critic's scores (post-processing, free). One critic step (Abadi et al., "Deep Learning with
Differential Privacy", CCS 2016):

    rows ← Poisson sample, each training row with probability q = batch_size / N
    g_i = ∇θ L_D(row i)                                             per-row gradient (torch.func)
    ḡ = ( Σ_i g_i · min(1, C / ‖g_i‖) + N(0, σ² C² I) ) / (q N)

Each term reads one real row (with its own cond vector, a fake generated for it and their
interpolate for the gradient penalty), so adding or removing a row adds or removes one term of
norm ≤ C: the add/remove sensitivity the accountant assumes. The private critic therefore judges
one row at a time (pac = 1): with PacGAN groups of several real rows, removing a row would change
its group's gradient (up to 2C) and regroup every later row of the batch. The
conditional vector of a real row is one of its own categories (training-by-sampling reads the
rows, so it is replaced by uniform row sampling); the generator's cond vectors and the sampling
frequencies come from the category counts released once with Gaussian noise (σ_c = 20 per count;
a row moves one count in each of the k discrete columns: L2 sensitivity √k).

**Accountant** (Rényi DP; Mironov, Talwar, Zhang, "Rényi Differential Privacy of the Sampled
Gaussian Mechanism", 2019): for integer orders α the subsampled Gaussian has

    RDP(α) = 1/(α−1) · log Σ_{k=0..α} C(α,k) (1−q)^{α−k} q^k exp((k² − k) / (2σ²))

per step; T steps add up, the count release adds α k / (2 σ_c²), and the total converts to
(ε, δ)-DP with ε = min_α RDP(α) + log((α−1)/α) − (log δ + log α)/(α−1) (Balle et al. 2020). The
noise multiplier σ is the smallest that keeps ε within ``dp_epsilon`` after all planned steps.

Not covered by ε: the column encoding (each continuous column's mixture modes and observed range,
the list of categories seen at least ``min_count`` times and their exact counts, kept in the
transformer's state) and the rules found in the data are
fitted without noise; with private data, declare ranges and categories you can publish. The saved
model also keeps 64-bit hashes of the training rows (and of format columns' values), which
:meth:`TabularGAN.sample` uses to refuse exact copies: whoever holds the artifact can test whether
a given row was in the training data, and the refusal itself depends on the rows. ε covers the
generator's weights and the released counts, not the artifact as saved nor that filter.
Training runs all its epochs (the held-out check would read real rows outside the accountant), and
the critic loss it records is the fakes' mean score (the real rows' score would be released as is).
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import torch

    from shopmind.synth.tabular import TabularGANConfig
    from shopmind.synth.tabular_train import Trainer

log = logging.getLogger(__name__)
ORDERS = tuple(range(2, 65)) + (80, 96, 128, 192, 256, 512)
COUNT_SIGMA = 20.0  # Gaussian noise on each released category count


def rdp_subsampled_gaussian(q: float, sigma: float, orders: tuple[int, ...] = ORDERS) -> np.ndarray:
    """RDP of one step of the Poisson-subsampled Gaussian mechanism at each integer order."""
    from scipy.special import gammaln, logsumexp

    out = []
    for a in orders:
        if q >= 1.0:
            out.append(a / (2 * sigma**2))
            continue
        k = np.arange(a + 1)
        log_binom = gammaln(a + 1) - gammaln(k + 1) - gammaln(a - k + 1)
        terms = log_binom + (a - k) * math.log1p(-q) + k * math.log(q) + (k * k - k) / (2 * sigma**2)
        out.append(float(logsumexp(terms)) / (a - 1))
    return np.array(out)


def epsilon(rdp: np.ndarray, delta: float, orders: tuple[int, ...] = ORDERS) -> tuple[float, int]:
    """(ε, the order that gives it) for total RDP values at ``orders``."""
    a = np.asarray(orders, dtype=float)
    eps = rdp + np.log((a - 1) / a) - (math.log(delta) + np.log(a)) / (a - 1)
    i = int(np.nanargmin(eps))
    return max(0.0, float(eps[i])), int(a[i])


def spent(q: float, sigma: float, steps: int, delta: float, k_counts: int) -> float:
    """ε after ``steps`` DP-SGD steps and one release of ``k_counts`` columns' counts."""
    a = np.asarray(ORDERS, dtype=float)
    total = steps * rdp_subsampled_gaussian(q, sigma) + a * k_counts / (2 * COUNT_SIGMA**2)
    return epsilon(total, delta)[0]


def noise_for(target: float, q: float, steps: int, delta: float, k_counts: int) -> float:
    """The smallest noise multiplier σ (to 1 %) with ε ≤ ``target``."""
    lo, hi = 0.3, 100.0
    if spent(q, hi, steps, delta, k_counts) > target:
        raise ValueError(
            f"ε = {target} cannot be reached with {steps} steps: the category counts alone spend "
            f"more; raise dp_epsilon or use fewer discrete columns"
        )
    while hi / lo > 1.01:
        mid = math.sqrt(lo * hi)
        lo, hi = (lo, mid) if spent(q, mid, steps, delta, k_counts) <= target else (mid, hi)
    return hi


class PrivateCritic:
    """The critic's DP-SGD steps and the generator's steps that go with them (see the module doc)."""

    def __init__(self, config: TabularGANConfig, n: int, seed: int) -> None:
        self.cfg, self.n, self.seed = config, n, seed
        self.q = min(1.0, config.batch_size / n)
        self.delta = config.dp_delta or 1.0 / n
        self.spent: dict[str, Any] | None = None

    def attach(self, trainer: Trainer, critic: torch.nn.Module, opt_d: Any) -> None:
        import torch

        cfg, model = self.cfg, trainer.model
        self.trainer, self.critic, self.opt_d = trainer, critic, opt_d
        self.opt_g = torch.optim.Adam(
            model.generator_.parameters(), lr=cfg.lr_g, betas=(0.5, 0.9), weight_decay=cfg.weight_decay
        )
        steps = cfg.epochs * trainer.steps * cfg.d_steps
        k = model.sampler_.n_columns
        self.sigma = noise_for(cfg.dp_epsilon, self.q, steps, self.delta, k)
        model.sampler_.privatize(COUNT_SIGMA, np.random.default_rng(self.seed + 1))
        eps = spent(self.q, self.sigma, steps, self.delta, k)
        self.spent = {
            "epsilon": eps,
            "delta": self.delta,
            "noise_multiplier": self.sigma,
            "max_grad_norm": cfg.dp_max_grad_norm,
            "sampling_rate": self.q,
            "steps": steps,
            "count_sigma": COUNT_SIGMA,
        }
        log.info(
            "private critic: σ = %.3f for ε = %.2f, δ = %.1e over %d steps",
            self.sigma,
            eps,
            self.delta,
            steps,
        )

    def _rows(self, rng: np.random.Generator) -> np.ndarray:
        """A Poisson sample of row indices: each row independently with probability q."""
        return np.flatnonzero(rng.random(self.n) < self.q)

    def critic_step(self, gen: torch.Generator, rng: np.random.Generator) -> float:
        import torch
        from torch.func import functional_call, grad, vmap

        cfg, tr, critic = self.cfg, self.trainer, self.critic
        rows = self._rows(rng)
        params = {k: v.detach() for k, v in critic.named_parameters()}
        total = {k: torch.zeros_like(v) for k, v in params.items()}
        loss_value = 0.0
        if len(rows):
            cond, _ = tr.model.sampler_.cond_of_rows(rows, rng)
            cond = torch.from_numpy(cond)
            empty = torch.zeros(len(rows), 0)
            with torch.no_grad():
                fake, _ = tr.fakes(cond, empty, gen)
            real = torch.cat([tr.data[torch.from_numpy(rows)], cond], 1).view(
                -1, 1, tr.data.size(1) + cond.size(1)
            )
            fake = torch.cat([fake, cond], 1).view_as(real)
            eps = torch.rand(real.size(0), 1, 1, generator=gen)

            def loss(p, r, f, e):  # one real row and its fake: r, f (1, D)
                score = lambda x: functional_call(critic, p, (x,)).sum()  # noqa: E731
                mixed = e * r + (1 - e) * f
                gp = (grad(score)(mixed).reshape(-1).norm() - 1) ** 2
                return score(f) - score(r) + cfg.gp_weight * gp

            per = vmap(grad(loss), in_dims=(None, 0, 0, 0), randomness="different")(params, real, fake, eps)
            norms = torch.sqrt(sum(g.reshape(g.size(0), -1).pow(2).sum(1) for g in per.values()))  # (B,)
            scale = (cfg.dp_max_grad_norm / (norms + 1e-12)).clamp(max=1.0)  # (B,)
            for k, g in per.items():
                total[k] = (g * scale.view(-1, *([1] * (g.dim() - 1)))).sum(0)
            with torch.no_grad():
                # the fakes' mean score only: a score of the real rows would be released (history,
                # progress) without noise
                loss_value = float(critic(fake.flatten(0, 1)).mean())
        expected = self.q * self.n
        for k, p in critic.named_parameters():
            noise = torch.randn(p.shape, generator=gen) * self.sigma * cfg.dp_max_grad_norm
            p.grad = (total[k] + noise) / expected
        self.opt_d.step()
        return loss_value

    def generator_step(self, gen: torch.Generator, rng: np.random.Generator) -> float:
        import torch

        tr = self.trainer
        cond, cols = tr.model.sampler_.sample_released(tr.batch, rng)
        cond, cols = torch.from_numpy(cond), torch.from_numpy(cols)
        return tr.generator_step(self.critic, self.opt_g, gen, rng, cond, cols, torch.zeros(len(cond), 0))

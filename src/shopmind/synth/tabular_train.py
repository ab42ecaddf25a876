"""The training loop of :class:`~shopmind.synth.tabular.TabularGAN`: WGAN-GP with training-by-sampling,
the number of epochs chosen on held-out rows (:mod:`shopmind.synth.validation`), and the
differentially private variant of the critic's steps (:mod:`shopmind.synth.dp`).

One step (Xu et al., NeurIPS 2019):

    critic:    c, rows ← training-by-sampling;  x̃ = act(G(z, c, ctx))
               L_D = E[D(x̃, c, ctx)] − E[D(x, c, ctx)] + λ·GP          (PacGAN: pac rows per score)
    label:     L_C = CE(C(x without its label), label of x)              (real rows; with a label)
    generator: L_G = −E[D(x̃, c, ctx)] + CE(x̃ of the conditioned column, c)
                     + w · CE(C(x̃ without its label), label of x̃)

``ctx`` is the per-row context of a child table (its parent's columns, encoded); empty otherwise.
The label classifier C (an MLP; Zhao et al., "CTAB-GAN", ACML 2021, after Park et al.'s table-GAN)
learns the real rows' label from their other columns; the generator pays when its rows' label is
not the one their other columns predict, so the sample keeps how the label depends on the rest —
what a model trained on the sample has to learn.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

    from shopmind.synth.tabular import TabularGAN
    from shopmind.synth.validation import Check, Validator

log = logging.getLogger(__name__)
Progress = Callable[[int, int, dict[str, float]], None]


class Trainer:
    """Trains ``model.generator_`` on encoded rows ``data`` (N, dim) with optional context (N, C)."""

    def __init__(self, model: TabularGAN, data: torch.Tensor, context: torch.Tensor | None) -> None:
        import torch

        self.model, self.cfg, self.data = model, model.config, data
        self.context = context if context is not None else torch.zeros(len(data), 0)
        n, pac = len(data), self.cfg.pac
        self.batch = min(self.cfg.batch_size, max(pac, n - n % pac))
        self.steps = max(1, n // self.batch)
        self.classifier = self._label_classifier()

    def _label_classifier(self) -> LabelClassifier | None:
        cfg, model = self.cfg, self.model
        if cfg.label is None or cfg.label_loss <= 0 or cfg.dp_epsilon is not None:
            return None
        names = [c.name for c in model.transformer_.columns_]
        span = next(
            s for s in model.transformer_.spans_ if s.role == "category" and names[s.column] == cfg.label
        )
        return LabelClassifier(self.data.size(1), span.start, span.size, cfg.dis_dims, cfg.lr_d)

    # ------------------------------------------------------------------ batches
    def fakes(self, cond, ctx, gen) -> tuple[torch.Tensor, torch.Tensor]:
        """(activated fakes, raw logits) for cond vectors and contexts."""
        import torch

        z = torch.randn(len(cond), self.cfg.noise_dim, generator=gen)  # (B, noise)
        raw = self.model.generator_(z, torch.cat([cond, ctx], 1))  # (B, dim)
        return self.model._activate(raw, gen), raw

    def sampled(self, rng: np.random.Generator) -> tuple[torch.Tensor, torch.Tensor, np.ndarray]:
        """(cond (B, C), column per row (B,), real row per row (B,)) by training-by-sampling."""
        import torch

        sampler = self.model.sampler_
        if sampler.n_columns:
            cond, cols, rows = sampler.sample_train(self.batch, rng)
        else:
            cond, cols = np.zeros((self.batch, 0), np.float32), np.zeros(self.batch, np.int64)
            rows = rng.integers(0, len(self.data), self.batch)
        return torch.from_numpy(cond), torch.from_numpy(cols), rows

    # ------------------------------------------------------------------ steps
    def critic_step(self, critic, opt_d, gen, rng) -> float:
        import torch

        from shopmind.nn.gan import gradient_penalty, wgan_d_loss

        cond, _, rows = self.sampled(rng)
        ctx = self.context[torch.from_numpy(rows)]
        fake, _ = self.fakes(cond, ctx, gen)
        real_c = torch.cat([self.data[torch.from_numpy(rows)], cond, ctx], 1)
        fake_c = torch.cat([fake.detach(), cond, ctx], 1)
        gp = gradient_penalty(critic, real_c, fake_c, self.cfg.pac)
        loss = wgan_d_loss(critic(real_c), critic(fake_c)) + self.cfg.gp_weight * gp
        opt_d.zero_grad(set_to_none=True)
        loss.backward()
        opt_d.step()
        if self.classifier is not None:
            self.classifier.step(self.data[torch.from_numpy(rows)])
        return float(loss.detach())

    def generator_step(self, critic, opt_g, gen, rng, cond=None, cols=None, ctx=None) -> float:
        import torch

        from shopmind.nn.gan import wgan_g_loss

        if cond is None:
            cond, cols, rows = self.sampled(rng)
            ctx = self.context[torch.from_numpy(rows)]
        fake, raw = self.fakes(cond, ctx, gen)
        loss = wgan_g_loss(critic(torch.cat([fake, cond, ctx], 1))) + self.model._cond_loss(raw, cols, cond)
        if self.classifier is not None:
            loss = loss + self.cfg.label_loss * self.classifier.loss(fake)
        opt_g.zero_grad(set_to_none=True)
        loss.backward()
        opt_g.step()
        return float(loss.detach())

    # ------------------------------------------------------------------ the loop
    def run(
        self,
        gen: torch.Generator,
        rng: np.random.Generator,
        progress: Progress | None,
        validator: Validator | None,
    ) -> None:
        """Train for at most ``epochs``; with a validator, keep the best checked generator and stop
        after ``patience`` checks without improvement."""
        import torch

        from shopmind.synth.tabular_nets import TabularCritic

        cfg, model = self.cfg, self.model
        critic = TabularCritic(
            self.data.size(1) + model.sampler_.dim + self.context.size(1), cfg.dis_dims, cfg.pac
        )
        opt_g = torch.optim.Adam(
            model.generator_.parameters(), lr=cfg.lr_g, betas=(0.5, 0.9), weight_decay=cfg.weight_decay
        )
        opt_d = torch.optim.Adam(critic.parameters(), lr=cfg.lr_d, betas=(0.5, 0.9))
        private = model.private_
        if private is not None:
            private.attach(self, critic, opt_d)
        model.history_, model.checks_ = [], []
        self.best: tuple[float, int, dict] | None = None
        for epoch in range(1, cfg.epochs + 1):
            for _ in range(self.steps):
                for _ in range(cfg.d_steps):
                    if private is not None:
                        loss_d = private.critic_step(gen, rng)
                    else:
                        loss_d = self.critic_step(critic, opt_d, gen, rng)
                if private is not None:
                    loss_g = private.generator_step(gen, rng)
                else:
                    loss_g = self.generator_step(critic, opt_g, gen, rng)
            losses = {"loss_g": loss_g, "loss_d": loss_d}
            model.history_.append(losses)
            if progress:
                progress(epoch, cfg.epochs, losses)
            if validator is not None and (epoch % cfg.check_every == 0 or epoch == cfg.epochs):
                if self.stop_after_check(validator, epoch, gen):
                    break
        if self.best is not None:
            model.generator_.load_state_dict(self.best[2])
            model.best_epoch_ = self.best[1]
            log.info("kept the generator of epoch %d (validation score %.4f)", self.best[1], self.best[0])
        model.generator_.eval()

    def stop_after_check(self, validator: Validator, epoch: int, gen: torch.Generator) -> bool:
        """Check the generator on the held-out rows, keep it if it is the best so far; True when
        ``patience`` checks in a row were not better."""
        check = self.check(validator, epoch, gen)
        if self.best is None or check.score > self.best[0]:
            self.best = (check.score, epoch, copy.deepcopy(self.model.generator_.state_dict()))
            return False
        if (epoch - self.best[1]) // self.cfg.check_every >= self.cfg.patience:
            log.info(
                "no better validation score for %d checks: stopping at epoch %d", self.cfg.patience, epoch
            )
            return True
        return False

    def check(self, validator: Validator, epoch: int, gen: torch.Generator) -> Check:
        """Score a sample of the current generator on the held-out rows (the generator in eval mode
        meanwhile; the training random streams are not touched)."""
        import torch

        model = self.model
        model.generator_.eval()
        ctx = validator.context
        n = len(ctx) if ctx is not None else min(len(self.data), 5000)
        with torch.random.fork_rng(devices=[]):
            check_gen = torch.Generator().manual_seed(epoch)
            frame = model._generate(n, check_gen, np.random.default_rng(epoch), context=ctx, raw=True)
        model.generator_.train()
        result = validator.score(frame, epoch)
        model.checks_.append(result.__dict__)
        log.info(
            "epoch %d: validation %s",
            epoch,
            {k: round(v, 4) for k, v in result.__dict__.items() if isinstance(v, float)},
        )
        return result


class LabelClassifier:
    """C: the encoded row without its label span -> the label's logits (an MLP with the critic's
    widths), trained on real rows; :meth:`loss` is the generator's term for generated rows."""

    def __init__(self, dim: int, start: int, size: int, hidden: tuple[int, ...], lr: float) -> None:
        import torch
        from torch import nn

        self.start, self.size = start, size
        layers, d = [], dim - size
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            d = h
        self.net = nn.Sequential(*layers, nn.Linear(d, size))
        self.opt = torch.optim.Adam(self.net.parameters(), lr=lr, betas=(0.5, 0.9))

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        label = x[:, self.start : self.start + self.size]  # (B, size)
        rest = torch.cat([x[:, : self.start], x[:, self.start + self.size :]], 1)  # (B, dim - size)
        return rest, label

    def step(self, real: torch.Tensor) -> None:
        import torch.nn.functional as F

        rest, label = self._split(real)
        loss = F.cross_entropy(self.net(rest), label.argmax(1))
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()

    def loss(self, fake: torch.Tensor) -> torch.Tensor:
        """CE of C's prediction from a generated row's other columns vs its generated label."""
        import torch.nn.functional as F

        rest, label = self._split(fake)
        return F.cross_entropy(self.net(rest), label.detach().argmax(1))

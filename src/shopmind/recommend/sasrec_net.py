"""The SASRec network (Kang & McAuley, ICDM 2018): item embeddings read by a causal Transformer
encoder, scored against the same embedding table.

    x_t = √D · E[s_t] + P[t]
    h_t = Encoder(x_1 … x_t)          causal self-attention (shopmind.nn.transformer)
    r_{t,i} = h_tᵀ E[i]               weight tying: the input table scores the next item

Its own module so that :mod:`shopmind.recommend.sasrec` (imported by the registry and the serving
code) loads torch only when a model is trained or loaded.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from shopmind.nn.transformer import TransformerEncoder

if TYPE_CHECKING:
    from shopmind.recommend.sasrec import SASRecConfig


class SASRecNet(nn.Module):
    """The network for ``n_items`` items: index 0 is padding, item i is row i + 1."""

    def __init__(self, cfg: SASRecConfig, n_items: int) -> None:
        super().__init__()
        self.scale = math.sqrt(cfg.dim)
        self.item_emb = nn.Embedding(n_items + 1, cfg.dim, padding_idx=0)  # E, row 0 = padding
        nn.init.normal_(self.item_emb.weight, std=cfg.dim**-0.5)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()
        self.encoder = TransformerEncoder(
            cfg.dim,
            cfg.n_heads,
            cfg.n_blocks,
            cfg.ffn_dim or cfg.dim,
            cfg.dropout,
            cfg.max_len,
            cfg.positional,
            cfg.norm_first,
            activation="relu",
        )

    def forward(self, seq: torch.Tensor) -> torch.Tensor:
        """(B, T) item rows, right-padded with 0 -> (B, T, D) hidden states."""
        x = self.item_emb(seq) * self.scale  # (B, T, D)
        return self.encoder(x, valid=seq > 0, causal=True)  # (B, T, D)

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        """(…, D) hidden states -> (…, I) scores of every item (tied output embedding)."""
        return h @ self.item_emb.weight[1:].T  # (…, D) @ (D, I) -> (…, I)


__all__ = ["SASRecNet"]

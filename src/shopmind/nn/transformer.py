"""Transformer encoder: positional encodings, position-wise feed-forward, encoder blocks, a stack.

One encoder block (Vaswani et al., NeurIPS 2017), with sublayers self-attention and feed-forward:

    post-LN (the original):  x = LN(x + Dropout(Sublayer(x)))
    pre-LN  (GPT-2, SASRec): x = x + Dropout(Sublayer(LN(x)))      and one final LN after the stack

    FFN(x) = W_2 act(W_1 x + b_1) + b_2                              (the same at every position)

Positions are added to the token embeddings, learned (one vector per position, as in BERT and
SASRec) or sinusoidal (fixed):

    PE(t, 2i) = sin(t / 10000^(2i/D)),   PE(t, 2i+1) = cos(t / 10000^(2i/D))

:class:`TransformerEncoder` takes embedded tokens (B, T, D) and an optional (B, T) "is a real
token" mask; ``causal=True`` makes position t see only positions ≤ t (SASRec's next-item model),
``causal=False`` is bidirectional (BERT-style, e.g. an intent classifier).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from shopmind.nn.attention import MultiHeadAttention, causal_mask, combine_masks, padding_mask


class LearnedPositionalEncoding(nn.Module):
    """x + P[t] with a learned table P (max_len, D)."""

    def __init__(self, max_len: int, dim: int) -> None:
        super().__init__()
        self.table = nn.Embedding(max_len, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        t = x.size(1)
        return x + self.table(torch.arange(t, device=x.device))  # (B, T, D) + (T, D) -> (B, T, D)


class SinusoidalPositionalEncoding(nn.Module):
    """x + PE[t] with the fixed sin/cos table of the original Transformer."""

    def __init__(self, max_len: int, dim: int) -> None:
        super().__init__()
        pos = torch.arange(max_len, dtype=torch.float32)[:, None]  # (L, 1)
        freq = torch.exp(-math.log(10000.0) * torch.arange(0, dim, 2, dtype=torch.float32) / dim)  # (⌈D/2⌉,)
        pe = torch.zeros(max_len, dim)
        pe[:, 0::2] = torch.sin(pos * freq)  # (L, ⌈D/2⌉)
        pe[:, 1::2] = torch.cos(pos * freq)[:, : dim // 2]  # (L, ⌊D/2⌋)
        self.register_buffer("pe", pe, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.pe[: x.size(1)]  # (B, T, D) + (T, D) -> (B, T, D)


def positional_encoding(kind: str | None, max_len: int, dim: int) -> nn.Module:
    """ "learned", "sinusoidal" or None (no positions: identity)."""
    if kind == "learned":
        return LearnedPositionalEncoding(max_len, dim)
    if kind == "sinusoidal":
        return SinusoidalPositionalEncoding(max_len, dim)
    if kind is None or kind == "none":
        return nn.Identity()
    raise ValueError(f"positional encoding must be 'learned', 'sinusoidal' or None, got {kind!r}")


class FeedForward(nn.Module):
    """Position-wise FFN(x) = W_2 act(W_1 x + b_1) + b_2, with dropout after the activation."""

    def __init__(self, dim: int, hidden: int, dropout: float = 0.0, activation: str = "gelu") -> None:
        super().__init__()
        acts = {"relu": nn.ReLU, "gelu": nn.GELU}
        if activation not in acts:
            raise ValueError(f"activation must be one of {sorted(acts)}, got {activation!r}")
        self.fc1 = nn.Linear(dim, hidden)
        self.act = acts[activation]()
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(self.act(self.fc1(x))))  # (B, T, D) -> (B, T, F) -> (B, T, D)


class EncoderBlock(nn.Module):
    """Self-attention then feed-forward, each with a residual connection, dropout and LayerNorm."""

    def __init__(
        self,
        dim: int,
        n_heads: int,
        ffn_dim: int,
        dropout: float = 0.0,
        norm_first: bool = True,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        self.norm_first = norm_first  # pre-LN (True) or post-LN (False)
        self.ln1 = nn.LayerNorm(dim)
        self.attn = MultiHeadAttention(dim, n_heads, dropout)  # dropout on weights and output
        self.ln2 = nn.LayerNorm(dim)
        self.ffn = FeedForward(dim, ffn_dim, dropout, activation)
        self.drop = nn.Dropout(dropout)  # on the FFN output, before the residual

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, D), mask broadcastable to (B, H, T, T) -> (B, T, D)."""
        if self.norm_first:
            x = x + self.attn(self.ln1(x), mask)  # (B, T, D)
            return x + self.drop(self.ffn(self.ln2(x)))  # (B, T, D)
        x = self.ln1(x + self.attn(x, mask))
        return self.ln2(x + self.drop(self.ffn(x)))


class TransformerEncoder(nn.Module):
    """Positions + dropout + ``n_blocks`` encoder blocks (+ a final LayerNorm when pre-LN).

    ``forward(x, valid, causal)``: x (B, T, D) embedded tokens; valid (B, T) bool, True on real
    tokens (padded keys are never attended to); ``causal`` restricts position t to positions ≤ t.
    """

    def __init__(
        self,
        dim: int,
        n_heads: int,
        n_blocks: int,
        ffn_dim: int | None = None,
        dropout: float = 0.0,
        max_len: int = 512,
        positional: str | None = "learned",
        norm_first: bool = True,
        activation: str = "gelu",
    ) -> None:
        super().__init__()
        self.pos = positional_encoding(positional, max_len, dim)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            EncoderBlock(dim, n_heads, ffn_dim or 4 * dim, dropout, norm_first, activation)
            for _ in range(n_blocks)
        )
        self.ln_f = nn.LayerNorm(dim) if norm_first else nn.Identity()

    def forward(
        self, x: torch.Tensor, valid: torch.Tensor | None = None, causal: bool = False
    ) -> torch.Tensor:
        t = x.size(1)
        mask = combine_masks(
            causal_mask(t, x.device) if causal else None,  # (T, T)
            padding_mask(valid) if valid is not None else None,  # (B, 1, 1, T)
        )  # broadcasts to (B, 1, T, T)
        x = self.drop(self.pos(x))  # (B, T, D)
        for block in self.blocks:
            x = block(x, mask)  # (B, T, D)
        return self.ln_f(x)  # (B, T, D)


__all__ = [
    "EncoderBlock",
    "FeedForward",
    "LearnedPositionalEncoding",
    "SinusoidalPositionalEncoding",
    "TransformerEncoder",
    "positional_encoding",
]

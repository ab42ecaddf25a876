"""Scaled dot-product attention and multi-head attention, written out (Vaswani et al., NeurIPS 2017).

    Attention(Q, K, V) = softmax(Q Kᵀ / √d_k) V

    head_h = Attention(X W_h^Q, X W_h^K, X W_h^V)
    MultiHead(X) = concat(head_1, …, head_H) W^O

Masks are boolean with PyTorch's convention: ``True`` means "may attend". A causal mask lets
position t see positions ≤ t; a padding mask hides padded key positions. Masks broadcast against
the (B, H, T_q, T_k) score matrix, so a (T, T) causal mask and a (B, 1, 1, T) padding mask combine
with ``&``. A query row whose keys are all masked (e.g. a padded position under a causal mask)
gets an all-zero output, as :func:`torch.nn.functional.scaled_dot_product_attention` does.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def causal_mask(t: int, device: torch.device | str | None = None) -> torch.Tensor:
    """(T, T) bool, True on and below the diagonal: query t may attend to keys 0..t."""
    return torch.ones(t, t, dtype=torch.bool, device=device).tril()


def padding_mask(valid: torch.Tensor) -> torch.Tensor:
    """(B, T) bool "is a real token" -> (B, 1, 1, T) key mask that broadcasts over heads and queries."""
    return valid[:, None, None, :]


def combine_masks(*masks: torch.Tensor | None) -> torch.Tensor | None:
    """The logical AND of the given masks (None entries are skipped; None if all are None)."""
    out = None
    for m in masks:
        if m is not None:
            out = m if out is None else out & m
    return out


def scaled_dot_product_attention(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    mask: torch.Tensor | None = None,
    dropout_p: float = 0.0,
    training: bool = False,
    return_weights: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """softmax(Q Kᵀ / √d_k) V with an optional boolean ``mask`` (True = attend) and dropout on the weights.

    Shapes: q (…, T_q, d_k), k (…, T_k, d_k), v (…, T_k, d_v); mask broadcastable to (…, T_q, T_k).
    Returns (…, T_q, d_v), and the (…, T_q, T_k) attention weights when ``return_weights``.
    """
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))  # (…, T_q, d_k) @ (…, d_k, T_k) -> (…, T_q, T_k)
    if mask is not None:
        # a finite fill keeps fully masked rows NaN-free; they are zeroed after the softmax
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = scores.softmax(dim=-1)  # (…, T_q, T_k), rows sum to 1
    if mask is not None:
        weights = weights * mask  # exact zeros on masked keys; all-masked rows become 0
    if dropout_p > 0.0 and training:
        weights = F.dropout(weights, p=dropout_p)
    out = weights @ v  # (…, T_q, T_k) @ (…, T_k, d_v) -> (…, T_q, d_v)
    return (out, weights) if return_weights else out


class MultiHeadAttention(nn.Module):
    """H heads of scaled dot-product attention over learned projections, then an output projection.

    ``forward(x)`` is self-attention; pass ``context`` for cross-attention (keys and values from it).
    """

    def __init__(self, dim: int, n_heads: int, dropout: float = 0.0, bias: bool = True) -> None:
        super().__init__()
        if dim % n_heads:
            raise ValueError(f"dim ({dim}) must be divisible by n_heads ({n_heads})")
        self.dim, self.n_heads, self.head_dim = dim, n_heads, dim // n_heads
        self.q_proj = nn.Linear(dim, dim, bias=bias)  # W^Q for all heads at once
        self.k_proj = nn.Linear(dim, dim, bias=bias)  # W^K
        self.v_proj = nn.Linear(dim, dim, bias=bias)  # W^V
        self.out_proj = nn.Linear(dim, dim, bias=bias)  # W^O
        self.dropout = dropout  # on the attention weights
        self.resid_dropout = nn.Dropout(dropout)  # on the output

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.n_heads, self.head_dim).transpose(1, 2)  # (B, T, D) -> (B, H, T, D/H)

    def _merge(self, x: torch.Tensor) -> torch.Tensor:
        b, _, t, _ = x.shape
        return x.transpose(1, 2).reshape(b, t, self.dim)  # (B, H, T, D/H) -> (B, T, D)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None = None,
        context: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """x (B, T_q, D), context (B, T_k, D) or None, mask ~ (B, H, T_q, T_k) -> (B, T_q, D)."""
        kv = x if context is None else context
        q = self._split(self.q_proj(x))  # (B, H, T_q, D/H)
        k = self._split(self.k_proj(kv))  # (B, H, T_k, D/H)
        v = self._split(self.v_proj(kv))  # (B, H, T_k, D/H)
        out = scaled_dot_product_attention(q, k, v, mask, self.dropout, self.training)  # (B, H, T_q, D/H)
        return self.resid_dropout(self.out_proj(self._merge(out)))  # (B, T_q, D)


__all__ = [
    "MultiHeadAttention",
    "causal_mask",
    "combine_masks",
    "padding_mask",
    "scaled_dot_product_attention",
]

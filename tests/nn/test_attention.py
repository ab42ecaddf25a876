"""Attention written out, checked against PyTorch's fused kernel; multi-head shapes; causality."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from shopmind.nn.attention import (
    MultiHeadAttention,
    causal_mask,
    combine_masks,
    padding_mask,
    scaled_dot_product_attention,
)
from shopmind.nn.transformer import SinusoidalPositionalEncoding, TransformerEncoder

B, H, T, DK = 3, 4, 7, 8


def qkv(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(B, H, T, DK, generator=gen, dtype=torch.float64) for _ in range(3))


def lengths_mask() -> torch.Tensor:
    """(B, T) real-token mask: sequences of lengths 7, 4 and 1, padded on the right."""
    return torch.arange(T)[None, :] < torch.tensor([T, 4, 1])[:, None]


@pytest.mark.parametrize("kind", ["none", "causal", "padding", "causal+padding"])
def test_matches_torch_sdpa(kind: str) -> None:
    q, k, v = qkv()
    mask = combine_masks(
        causal_mask(T) if "causal" in kind else None,
        padding_mask(lengths_mask()) if "padding" in kind else None,
    )
    ours = scaled_dot_product_attention(q, k, v, mask)
    ref = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, ref, atol=1e-5, rtol=1e-5)


def test_fully_masked_rows_are_zero_like_torch() -> None:
    q, k, v = qkv(1)
    valid = torch.zeros(B, T, dtype=torch.bool)
    valid[:, 3:] = True  # left padding: under a causal mask queries 0..2 see no key at all
    mask = causal_mask(T) & padding_mask(valid)
    ours = scaled_dot_product_attention(q, k, v, mask)
    assert torch.isfinite(ours).all()
    assert ours[:, :, :3].abs().max() == 0
    torch.testing.assert_close(
        ours, F.scaled_dot_product_attention(q, k, v, attn_mask=mask), atol=1e-5, rtol=0
    )


def test_weights_are_a_distribution_over_allowed_keys() -> None:
    q, k, v = qkv(2)
    mask = causal_mask(T)
    _, w = scaled_dot_product_attention(q, k, v, mask, return_weights=True)
    assert w.shape == (B, H, T, T)
    torch.testing.assert_close(w.sum(-1), torch.ones(B, H, T, dtype=w.dtype))
    assert (w[..., ~mask] == 0).all()


def test_multi_head_shapes_and_cross_attention() -> None:
    torch.manual_seed(0)
    mha = MultiHeadAttention(dim=32, n_heads=4)
    x, ctx = torch.randn(2, 5, 32), torch.randn(2, 9, 32)
    assert mha(x).shape == (2, 5, 32)
    assert mha(x, context=ctx).shape == (2, 5, 32)
    assert mha._split(x).shape == (2, 4, 5, 8)
    torch.testing.assert_close(mha._merge(mha._split(x)), x)
    with pytest.raises(ValueError, match="divisible"):
        MultiHeadAttention(dim=30, n_heads=4)


def test_multi_head_equals_torch_module() -> None:
    """Our projections + split/merge give what nn.MultiheadAttention gives with the same weights."""
    torch.manual_seed(0)
    ours = MultiHeadAttention(dim=16, n_heads=4).eval()
    ref = torch.nn.MultiheadAttention(16, 4, batch_first=True).eval()
    with torch.no_grad():
        ref.in_proj_weight.copy_(torch.cat([ours.q_proj.weight, ours.k_proj.weight, ours.v_proj.weight]))
        ref.in_proj_bias.copy_(torch.cat([ours.q_proj.bias, ours.k_proj.bias, ours.v_proj.bias]))
        ref.out_proj.weight.copy_(ours.out_proj.weight)
        ref.out_proj.bias.copy_(ours.out_proj.bias)
    x = torch.randn(2, 6, 16)
    expected, _ = ref(x, x, x, attn_mask=~causal_mask(6), need_weights=False)  # torch: True = blocked
    torch.testing.assert_close(ours(x, causal_mask(6)), expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("norm_first", [True, False])
def test_causal_encoder_ignores_the_future(norm_first: bool) -> None:
    torch.manual_seed(0)
    enc = TransformerEncoder(dim=16, n_heads=2, n_blocks=2, max_len=T, norm_first=norm_first).eval()
    x = torch.randn(2, T, 16)
    changed = x.clone()
    changed[:, 4:] = torch.randn(2, T - 4, 16)  # new inputs from position 4 on
    a, b = enc(x, causal=True), enc(changed, causal=True)
    torch.testing.assert_close(a[:, :4], b[:, :4])
    assert not torch.allclose(a[:, 4:], b[:, 4:])
    full = enc(x, causal=False)  # bidirectional: earlier positions do see later ones
    assert not torch.allclose(full[:, :4], enc(changed, causal=False)[:, :4])


def test_encoder_padding_does_not_leak() -> None:
    torch.manual_seed(0)
    enc = TransformerEncoder(dim=16, n_heads=4, n_blocks=2, max_len=T, positional="sinusoidal").eval()
    valid = lengths_mask()
    x = torch.randn(B, T, 16)
    noisy = torch.where(valid[..., None], x, torch.randn(B, T, 16) * 100)  # garbage at padded positions
    torch.testing.assert_close(enc(x, valid)[valid], enc(noisy, valid)[valid])


def test_sinusoidal_table() -> None:
    pe = SinusoidalPositionalEncoding(10, 6).pe
    assert pe.shape == (10, 6)
    torch.testing.assert_close(pe[3, 0], torch.sin(torch.tensor(3.0)))
    torch.testing.assert_close(pe[3, 1], torch.cos(torch.tensor(3.0)))
    torch.testing.assert_close(pe[0, 1::2], torch.ones(3))

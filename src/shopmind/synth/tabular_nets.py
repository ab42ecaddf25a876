"""The CTGAN-style generator and critic (Xu et al., NeurIPS 2019) of :mod:`shopmind.synth.tabular`.

    G:  [z, c] → Residual → … → Linear → x̃ logits      Residual(x) = [ReLU(BN(W x)), x]
    D:  pac × [x, c] → (Linear → LeakyReLU(0.2) → Dropout(0.5)) × k → Linear → score

Their own module so that :mod:`shopmind.synth.tabular` (imported by the synthesis service) loads
torch only when a model is trained or loaded.
"""

from __future__ import annotations

import torch
from torch import nn


class Residual(nn.Module):
    """x -> [ReLU(BN(W x)), x]: the input is carried along (widths add up)."""

    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.fc, self.bn = nn.Linear(d_in, d_out), nn.BatchNorm1d(d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.bn(self.fc(x))), x], dim=1)  # (B, d_in) -> (B, d_out + d_in)


class TabularGenerator(nn.Module):
    """(z (B, noise_dim), c (B, cond_dim)) -> (B, data_dim) raw logits, through residual layers."""

    def __init__(self, noise_dim: int, cond_dim: int, data_dim: int, hidden: tuple[int, ...]) -> None:
        super().__init__()
        d, layers = noise_dim + cond_dim, []
        for h in hidden:
            layers.append(Residual(d, h))
            d += h
        self.body = nn.Sequential(*layers, nn.Linear(d, data_dim))

    def forward(self, z: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        return self.body(torch.cat([z, cond], dim=1))  # (B, noise + C) -> (B, dim) raw logits


class TabularCritic(nn.Module):
    """(B, in_dim) rows ([x, c]) -> (B/pac, 1) scores: PacGAN judges ``pac`` rows at once."""

    def __init__(self, in_dim: int, hidden: tuple[int, ...], pac: int) -> None:
        super().__init__()
        d, layers = in_dim * pac, []
        for h in hidden:
            layers += [nn.Linear(d, h), nn.LeakyReLU(0.2), nn.Dropout(0.5)]
            d = h
        self.body = nn.Sequential(*layers, nn.Linear(d, 1))
        self.pac = pac

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(-1, x.size(1) * self.pac))  # (B, D) -> (B/pac, pac·D) -> (B/pac, 1)


__all__ = ["Residual", "TabularCritic", "TabularGenerator"]

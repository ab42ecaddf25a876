"""LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for
Recommendation", SIGIR 2020) on the customer–product graph.

    Â = D^-1/2 [[0, R], [Rᵀ, 0]] D^-1/2          symmetric-normalised bipartite adjacency (N, N)
    E⁽ᵏ⁺¹⁾ = Â E⁽ᵏ⁾,   E = 1/(K+1) Σ_k E⁽ᵏ⁾      K rounds of message passing, mean of the layers
    ŷ_ui = e_uᵀ e_i                              score of item i for user u
    L = −mean log σ(ŷ_ui − ŷ_uj) + λ/2 ‖E⁽⁰⁾_batch‖² / B      BPR with uniform negatives j

The network and the propagation live in :mod:`shopmind.nn.gnn`; the training loop (sampling,
Adam, early stopping on validation NDCG@20, best state kept) is BPR-MF's
(:class:`~shopmind.recommend.bpr.BPRMF`) — LightGCN is BPR-MF scored on propagated embeddings.

Speed on a 2-core CPU: Â is a sparse CSR tensor, propagation runs once per batch (K sparse
products forward, K backward using Â's symmetry), so large batches with a larger Adam learning
rate train a 1M-edge graph in minutes per tens of epochs. ``init="svd"`` starts from the
truncated SVD of Â's user–item block, which shortens training a lot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.recommend.base import Interactions, register
from shopmind.recommend.bpr import BPRMF, BPRConfig

if TYPE_CHECKING:
    import torch


@dataclass
class LightGCNConfig(BPRConfig):
    dim: int = 64  # embedding size D
    n_layers: int = 3  # K, rounds of propagation (0 is BPR-MF)
    lr: float = 5e-3  # Adam learning rate (the paper: 1e-3 with batches of 2048)
    lr_decay: float = 1.0  # multiply the learning rate by this after every epoch (1: constant)
    reg: float = 1e-4  # λ: L2 on the ego embeddings E⁽⁰⁾ of each batch, divided by the batch size
    batch_size: int = 8192  # (user, positive) pairs per step; Â is propagated once per step
    n_neg: int = 1  # uniform negatives per positive (the loss averages over them)
    sampling: str = "pairs"  # "pairs": each observed pair once an epoch; "users": user-uniform (LightGCN)
    epochs: int = 200  # at most this many passes over the training pairs
    eval_every: int = 5  # validate every this many epochs (when fit gets validation data)
    patience: int = 4  # stop after this many validations without a better NDCG@20
    valid_max_users: int | None = None  # validate on a seeded sample of this many users (None: all)
    init: str = "normal"  # "normal" (N(0, init_std²)) or "svd": top-D singular vectors of Â's user–item block
    init_std: float = 0.1  # std of the initial ego embeddings (the SVD start is rescaled to it too)
    max_seconds: float | None = None  # stop training after this much wall time (None: no limit)
    n_threads: int | None = None  # torch threads while fitting (None: leave torch's setting)


@register("lightgcn")
class LightGCN(BPRMF):
    """LightGCN recommender: BPR-MF's training on embeddings propagated over the user–item graph."""

    Config = LightGCNConfig

    def _module(self, data: Interactions, init: torch.Tensor) -> torch.nn.Module:
        from shopmind.nn.gnn import LightGCNNet, build_adjacency

        adj = build_adjacency(self.seen_)  # (N, N) sparse Â of the training interactions
        return LightGCNNet(data.n_users, init, adj=adj, n_layers=self.config.n_layers)

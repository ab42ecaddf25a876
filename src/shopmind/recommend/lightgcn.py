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

from shopmind.recommend.base import Interactions
from shopmind.recommend.bpr import BPRMF, BPRConfig

if TYPE_CHECKING:
    import torch


@dataclass
class LightGCNConfig(BPRConfig):
    """BPR-MF's fields (:class:`~shopmind.recommend.bpr.BPRConfig`) plus the propagation depth. Here
    ``reg`` acts on the ego embeddings E⁽⁰⁾ and each batch propagates Â once; the paper trains with
    lr 1e-3 and batches of 2048."""

    n_layers: int = 3  # K, rounds of propagation (0 is BPR-MF)


class LightGCN(BPRMF):
    """LightGCN recommender: BPR-MF's training on embeddings propagated over the user–item graph."""

    name = "lightgcn"
    Config = LightGCNConfig

    def _module(self, data: Interactions, init: torch.Tensor) -> torch.nn.Module:
        from shopmind.nn.gnn import LightGCNNet, build_adjacency

        adj = build_adjacency(self.seen_)  # (N, N) sparse Â of the training interactions
        return LightGCNNet(data.n_users, init, adj=adj, n_layers=self.config.n_layers)

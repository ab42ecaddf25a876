"""Message passing on the user–item graph (LightGCN style), written with ``torch.sparse``.

The graph has one node per user and one per item; an edge joins a user to each item they
interacted with. With the (U, I) interaction matrix R the adjacency is

    A = [[0, R], [Rᵀ, 0]]                      (N, N), N = U + I

and LightGCN (He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for
Recommendation", SIGIR 2020) propagates embeddings with the symmetric-normalised adjacency

    Â = D^-1/2 A D^-1/2,   D = diag(row sums of A)
    E⁽ᵏ⁺¹⁾ = Â E⁽ᵏ⁾                             (each node: the degree-weighted sum of its neighbours)
    E = 1/(K+1) · Σ_{k=0..K} E⁽ᵏ⁾               (layer readout: the mean of all layers)

No feature transform and no non-linearity: the only weights are the layer-0 ("ego")
embeddings E⁽⁰⁾. Training uses the BPR loss (Rendle et al., UAI 2009)

    L = −mean log σ(ŷ_ui − ŷ_uj)                (i a positive item of u, j a sampled negative)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

if TYPE_CHECKING:
    import scipy.sparse as sp


def normalized_adjacency(R: sp.spmatrix) -> sp.csr_matrix:
    """Â = D^-1/2 A D^-1/2 of the bipartite graph of the (U, I) matrix ``R``, as scipy CSR (N, N).

    Users are nodes 0…U−1 and items U…U+I−1; isolated nodes (degree 0) get zero rows.
    """
    import scipy.sparse as sp

    R = sp.csr_matrix(R, dtype=np.float32)
    A = sp.bmat([[None, R], [R.T, None]], format="csr")  # (N, N)
    deg = np.asarray(A.sum(axis=1)).ravel()  # (N,)
    d_inv_sqrt = np.zeros_like(deg)
    d_inv_sqrt[deg > 0] = deg[deg > 0] ** -0.5
    D = sp.diags(d_inv_sqrt)
    adj = (D @ A @ D).tocsr().astype(np.float32)  # (N, N)
    adj.sort_indices()
    return adj


def to_torch_sparse(mat: sp.spmatrix) -> torch.Tensor:
    """A scipy sparse matrix as a torch sparse CSR tensor (float32)."""
    import warnings

    csr = mat.tocsr()
    with warnings.catch_warnings():  # "sparse CSR support is in beta": it is what we want here
        warnings.simplefilter("ignore", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(csr.indptr.astype(np.int64)),
            torch.from_numpy(csr.indices.astype(np.int64)),
            torch.from_numpy(csr.data.astype(np.float32)),
            size=csr.shape,
        )


def build_adjacency(R: sp.spmatrix) -> torch.Tensor:
    """Â of the user–item matrix ``R`` as a torch sparse CSR tensor (N, N), ready for :func:`propagate`."""
    return to_torch_sparse(normalized_adjacency(R))


class _SymmetricSpMM(torch.autograd.Function):
    """y = Â x for a symmetric sparse Â; the backward pass is ∂L/∂x = Âᵀ ∂L/∂y = Â ∂L/∂y.

    Using the symmetry avoids transposing Â on every backward pass (torch would do that).
    """

    @staticmethod
    def forward(ctx, adj: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.adj = adj
        return adj @ x  # (N, N) @ (N, D) -> (N, D)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, ctx.adj @ grad  # (N, N) @ (N, D) -> (N, D)


def spmm(adj: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Â x for a symmetric sparse ``adj`` (N, N) and dense ``x`` (N, D), differentiable in ``x``."""
    return _SymmetricSpMM.apply(adj, x)


def propagate(adj: torch.Tensor, emb: torch.Tensor, n_layers: int) -> torch.Tensor:
    """LightGCN propagation: the mean of E⁽⁰⁾ … E⁽ᴷ⁾ with E⁽ᵏ⁺¹⁾ = Â E⁽ᵏ⁾.

    ``adj`` is the symmetric normalised adjacency (N, N) from :func:`build_adjacency`, ``emb`` the
    ego embeddings (N, D); returns (N, D). ``n_layers`` = 0 returns ``emb`` itself (matrix
    factorisation).
    """
    out = emb  # (N, D) running sum of the layers
    layer = emb  # (N, D) E⁽ᵏ⁾
    for _ in range(n_layers):
        layer = spmm(adj, layer)  # (N, N) @ (N, D) -> (N, D)
        out = out + layer
    return out / (n_layers + 1)  # (N, D)


def bpr_loss(pos: torch.Tensor, neg: torch.Tensor) -> torch.Tensor:
    """BPR: −mean log σ(pos − neg). ``pos`` (B,) and ``neg`` (B,) or (B, n_neg), broadcast as (B, 1)."""
    if neg.dim() == pos.dim() + 1:
        pos = pos.unsqueeze(-1)  # (B,) -> (B, 1)
    return -F.logsigmoid(pos - neg).mean()  # logsigmoid is the numerically stable log σ


class LightGCNNet(nn.Module):
    """LightGCN's network: ego embeddings E⁽⁰⁾ of all N = U + I nodes (users first, then items),
    scored as ŷ_ui = e_uᵀ e_i on the propagated embeddings E = mean(E⁽⁰⁾ … E⁽ᴷ⁾).

    ``forward`` returns the training loss for a batch of (user, positive, negatives):

        L = −mean log σ(ŷ_ui − ŷ_uj) + λ/2 · (‖e⁽⁰⁾_u‖² + ‖e⁽⁰⁾_i‖² + ‖e⁽⁰⁾_j‖²) / B

    (the L2 term on the ego embeddings of the batch, as in the paper's code). With
    ``n_layers`` = 0 (and no ``adj``) this is BPR matrix factorisation.
    """

    def __init__(self, n_users: int, init: torch.Tensor, adj: torch.Tensor | None = None, n_layers: int = 0):
        super().__init__()
        if n_layers and adj is None:
            raise ValueError("propagation over n_layers > 0 needs the adjacency")
        self.n_users = n_users
        self.adj = adj  # (N, N) sparse Â, a constant (not a parameter)
        self.n_layers = n_layers
        self.emb = nn.Parameter(init)  # (N, D) E⁽⁰⁾, the only weights

    def embeddings(self) -> torch.Tensor:
        """(N, D) final embeddings E used for scoring."""
        return propagate(self.adj, self.emb, self.n_layers) if self.n_layers else self.emb

    def forward(self, users: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor, reg: float) -> torch.Tensor:
        """The loss for ``users`` (B,), positive items ``pos`` (B,) and negative items ``neg`` (B, n_neg)."""
        final = self.embeddings()  # (N, D), propagated once per batch
        u, p, n = users, pos + self.n_users, neg + self.n_users  # item i is node U + i
        (B, n_neg), D = n.shape, final.shape[1]
        e_u, e_p = final.index_select(0, u), final.index_select(0, p)  # (B, D), (B, D)
        e_n = final.index_select(0, n.reshape(-1)).view(B, n_neg, D)  # (B, n_neg, D)
        pos_scores = (e_u * e_p).sum(-1)  # (B,)
        neg_scores = torch.bmm(e_n, e_u.unsqueeze(-1)).squeeze(-1)  # (B, n_neg, D) @ (B, D, 1) -> (B, n_neg)
        # Σ over the batch of ‖e⁽⁰⁾‖², as a weighted sum over nodes (cheaper than gathering the rows again)
        counts = torch.bincount(torch.cat([u, p]), minlength=len(final)).float()  # (N,)
        counts += torch.bincount(n.reshape(-1), minlength=len(final)).float() / n_neg  # (N,)
        l2 = (counts * self.emb.square().sum(-1)).sum()
        return bpr_loss(pos_scores, neg_scores) + reg * 0.5 * l2 / B


__all__ = [
    "LightGCNNet",
    "normalized_adjacency",
    "to_torch_sparse",
    "build_adjacency",
    "spmm",
    "propagate",
    "bpr_loss",
]

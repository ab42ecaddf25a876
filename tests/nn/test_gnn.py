"""Message passing (nn/gnn.py) against the dense matrix formulas."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from shopmind.nn.gnn import LightGCNNet, bpr_loss, build_adjacency, normalized_adjacency, propagate


def random_graph(n_users: int = 30, n_items: int = 20, density: float = 0.15, seed: int = 0) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    R = (rng.random((n_users, n_items)) < density).astype(np.float32)
    R[0] = 0  # an isolated user
    R[:, 0] = 0  # an isolated item
    return sp.csr_matrix(R)


def dense_adjacency(R: sp.csr_matrix) -> np.ndarray:
    """Â = D^-1/2 A D^-1/2 with A = [[0, R], [Rᵀ, 0]], written densely (isolated nodes: zero rows)."""
    R = R.toarray().astype(np.float64)
    n_users, n_items = R.shape
    A = np.zeros((n_users + n_items, n_users + n_items))
    A[:n_users, n_users:] = R
    A[n_users:, :n_users] = R.T
    deg = A.sum(1)
    d = np.where(deg > 0, 1 / np.sqrt(np.where(deg > 0, deg, 1)), 0.0)
    return d[:, None] * A * d[None, :]


def test_normalized_adjacency_matches_formula() -> None:
    R = random_graph()
    adj = normalized_adjacency(R)
    expected = dense_adjacency(R)
    np.testing.assert_allclose(adj.toarray(), expected, atol=1e-6)
    np.testing.assert_allclose(adj.toarray(), adj.toarray().T, atol=0)  # symmetric
    assert not adj.toarray()[0].any() and not adj.toarray()[R.shape[0]].any()  # isolated nodes
    eig = np.linalg.eigvalsh(expected)
    assert eig.max() == pytest.approx(1.0, abs=1e-6) and eig.min() == pytest.approx(-1.0, abs=1e-6)
    # one edge: Â[u, U + i] = 1 / √(deg u · deg i)
    u, i = np.argwhere(R.toarray())[0]
    du, di = R[u].sum(), R[:, i].sum()
    assert adj[u, R.shape[0] + i] == pytest.approx(1 / math.sqrt(du * di), rel=1e-6)


@pytest.mark.parametrize("n_layers", [0, 1, 3])
def test_propagate_matches_dense_formula_and_gradient(n_layers: int) -> None:
    R = random_graph()
    adj = build_adjacency(R)
    assert adj.layout == torch.sparse_csr
    A = torch.from_numpy(dense_adjacency(R))
    emb = torch.randn(sum(R.shape), 8, dtype=torch.float32, generator=torch.Generator().manual_seed(0))
    emb.requires_grad_(True)
    out = propagate(adj, emb, n_layers)
    e64 = emb.detach().double().requires_grad_(True)
    layers = [e64]
    for _ in range(n_layers):
        layers.append(A @ layers[-1])
    expected = torch.stack(layers).mean(0)  # mean of E⁽⁰⁾ … E⁽ᴷ⁾
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    weights = torch.randn_like(expected)
    (out * weights.float()).sum().backward()
    (expected * weights).sum().backward()
    np.testing.assert_allclose(emb.grad.numpy(), e64.grad.numpy(), atol=1e-5)


def test_bpr_loss_value() -> None:
    pos, neg = torch.tensor([2.0, 0.0]), torch.tensor([1.0, 0.0])
    expected = -(math.log(1 / (1 + math.exp(-1.0))) + math.log(0.5)) / 2
    assert bpr_loss(pos, neg).item() == pytest.approx(expected, rel=1e-6)
    # several negatives per positive: the mean over all pairs
    many = torch.tensor([[1.0, 2.0], [0.0, 0.0]])
    pairs = [2 - 1, 2 - 2, 0, 0]
    expected = -np.mean([math.log(1 / (1 + math.exp(-d))) for d in pairs])
    assert bpr_loss(pos, many).item() == pytest.approx(expected, rel=1e-6)
    assert bpr_loss(torch.tensor([100.0]), torch.tensor([-100.0])).item() == pytest.approx(0.0, abs=1e-6)


def test_lightgcn_net_loss_and_mf() -> None:
    R = random_graph()
    n_users, n = R.shape[0], sum(R.shape)
    init = torch.randn(n, 4, generator=torch.Generator().manual_seed(1))
    net = LightGCNNet(n_users, init.clone(), adj=build_adjacency(R), n_layers=2)
    users, pos, neg = torch.tensor([1, 2]), torch.tensor([3, 4]), torch.tensor([[5], [6]])
    final = net.embeddings()
    scores_pos = (final[users] * final[n_users + pos]).sum(-1)
    scores_neg = (final[users] * final[n_users + neg[:, 0]]).sum(-1)
    l2 = init[users].square().sum() + init[n_users + pos].square().sum() + init[n_users + neg].square().sum()
    expected = bpr_loss(scores_pos, scores_neg) + 0.1 * 0.5 * l2 / 2
    assert net(users, pos, neg, 0.1).item() == pytest.approx(expected.item(), rel=1e-5)
    mf = LightGCNNet(n_users, init.clone())
    assert torch.equal(mf.embeddings(), init)
    with pytest.raises(ValueError, match="adjacency"):
        LightGCNNet(n_users, init, n_layers=1)

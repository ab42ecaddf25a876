"""BPR-MF: matrix factorisation trained with Bayesian Personalised Ranking (Rendle et al., UAI 2009).

    ŷ_ui = e_uᵀ e_i
    L = −mean log σ(ŷ_ui − ŷ_uj) + λ/2 · (‖e_u‖² + ‖e_i‖² + ‖e_j‖²) / B

over triples (u, i, j) of a user, an item they interacted with and a uniformly sampled item they
did not (:class:`~shopmind.recommend.sampling.BPRSampler`), optimised with Adam in mini-batches.
The regulariser acts on the embeddings in the batch, as in LightGCN's code.

The network is :class:`shopmind.nn.gnn.LightGCNNet` without layers, and this module holds the
epoch (sampling, Adam steps) shared with :mod:`shopmind.recommend.lightgcn` (LightGCN = these scores on
graph-propagated embeddings).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.recommend.base import Interactions, Recommender, RecommenderConfig
from shopmind.recommend.loop import train_epoch, train_epochs

if TYPE_CHECKING:
    import scipy.sparse as sp
    import torch

    from shopmind.recommend.sampling import BPRSampler

log = logging.getLogger(__name__)


@dataclass
class BPRConfig(RecommenderConfig):
    dim: int = 64  # embedding size D
    lr: float = 5e-3  # Adam learning rate
    lr_decay: float = 1.0  # multiply the learning rate by this after every epoch (1: constant)
    reg: float = 1e-4  # λ: L2 on the ego embeddings of each batch, divided by the batch size
    batch_size: int = 8192  # (user, positive) pairs per Adam step
    n_neg: int = 1  # uniform negatives per positive (the loss averages over them)
    sampling: str = "pairs"  # "pairs": each observed pair once an epoch; "users": user-uniform (LightGCN)
    epochs: int = 200  # at most this many passes over the training pairs
    eval_every: int = 5  # validate every this many epochs (when fit gets validation data)
    patience: int = 4  # stop after this many validations without a better NDCG@20
    valid_max_users: int | None = None  # validate on a seeded sample of this many users (None: all)
    init: str = "normal"  # "normal" (N(0, init_std²)) or "svd": top-D singular vectors of D_u^-½ R D_i^-½
    init_std: float = 0.1  # std of the initial embeddings (the SVD start is rescaled to it too)
    max_seconds: float | None = None  # stop training after this much wall time (None: no limit)
    n_threads: int | None = None  # torch threads while fitting (None: leave torch's setting)


class BPRMF(Recommender):
    """Matrix factorisation with the BPR loss; LightGCN subclasses it (see :meth:`_module`)."""

    name = "bpr"
    Config = BPRConfig

    def __init__(
        self, config: BPRConfig | None = None, progress: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        super().__init__(config)
        self.progress = progress  # called after every epoch with {"epoch", "loss", "seconds", …metrics}
        self.user_emb_: np.ndarray | None = None
        self.item_emb_: np.ndarray | None = None

    # -- hooks for subclasses
    def _module(self, data: Interactions, init: torch.Tensor) -> torch.nn.Module:
        """The network to train from ``init`` (N, D) ego embeddings: MF is LightGCN without layers."""
        from shopmind.nn.gnn import LightGCNNet

        return LightGCNNet(data.n_users, init)

    # -- training
    def _initial_embeddings(self, R: sp.csr_matrix, gen: torch.Generator) -> torch.Tensor:
        """(N, D) layer-0 embeddings: N(0, σ²) drawn from ``gen``, or the truncated SVD of
        D_u^-½ R D_i^-½ scaled to σ."""
        import torch

        cfg = self.config
        n_users, n_items = R.shape
        if cfg.init == "normal":
            return torch.randn(n_users + n_items, cfg.dim, generator=gen) * cfg.init_std  # (N, D)
        if cfg.init != "svd":
            raise ValueError(f"init must be 'normal' or 'svd', got {cfg.init!r}")
        from scipy.sparse.linalg import svds

        from shopmind.nn.gnn import normalized_adjacency

        block = normalized_adjacency(R)[:n_users, n_users:]  # (U, I) user–item block of Â
        k = min(cfg.dim, min(block.shape) - 1)
        v0 = np.random.default_rng(cfg.seed).standard_normal(min(block.shape))
        u, s, vt = svds(block.astype(np.float64), k=k, v0=v0)  # (U, k), (k,), (k, I)
        emb = np.zeros((n_users + n_items, cfg.dim))
        emb[:n_users, :k] = u * np.sqrt(s)
        emb[n_users:, :k] = vt.T * np.sqrt(s)
        emb *= cfg.init_std / emb.std()
        return torch.from_numpy(emb.astype(np.float32))

    def _fit(self, data: Interactions, valid: Interactions | None) -> None:
        from shopmind.nn.scope import torch_scope

        with torch_scope(self.config.seed, self.config.n_threads) as gen:
            self._train(data, valid, gen)

    def _train(self, data: Interactions, valid: Interactions | None, gen: torch.Generator) -> None:
        import torch

        from shopmind.recommend.sampling import BPRSampler
        from shopmind.train import distributed as D

        cfg = self.config
        D.init()  # under torchrun: join the group; otherwise world size 1 and all of D is a no-op
        module = self._module(data, self._initial_embeddings(self.seen_, gen))
        model = D.wrap(module)  # DDP: rank 0's initial weights everywhere, gradients averaged every step
        opt = torch.optim.Adam(module.parameters(), lr=cfg.lr)
        schedule = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.lr_decay)
        sampler = BPRSampler(self.seen_, n_neg=cfg.n_neg, seed=cfg.seed, mode=cfg.sampling)
        valid_users = self._valid_users(valid)

        def run_epoch() -> float:
            loss = self._epoch(model, opt, sampler)
            schedule.step()
            return loss

        self.meta_ |= train_epochs(
            run_epoch,
            None if valid_users is None else lambda: self._validate(module, valid, valid_users),
            snapshot=lambda: module.emb.detach().clone(),
            restore=module.emb.data.copy_,
            metric="ndcg@20",
            epochs=cfg.epochs,
            eval_every=cfg.eval_every,
            patience=cfg.patience,
            max_seconds=cfg.max_seconds,
            name=self.name,
            progress=self.progress,
        )
        self._cache(module)

    def _epoch(self, model: torch.nn.Module, opt: torch.optim.Optimizer, sampler: BPRSampler) -> float:
        """One pass over the training pairs (:func:`~shopmind.recommend.loop.train_epoch`); returns
        the mean loss per pair. ``model`` is the network, or it inside DDP under torchrun."""
        reg = self.config.reg

        def batch_loss(users: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor) -> tuple[torch.Tensor, int]:
            return model(users, pos, neg, reg), len(users)  # (B,), (B,), (B, n_neg) -> mean over B

        model.train()
        return train_epoch(sampler.batches(self.config.batch_size), batch_loss, opt)

    def _valid_users(self, valid: Interactions | None) -> np.ndarray | None:
        if valid is None or len(valid) == 0:
            return None
        users = np.unique(valid.user_idx)
        if self.config.valid_max_users and len(users) > self.config.valid_max_users:
            rng = np.random.default_rng(self.config.seed)
            users = np.sort(rng.choice(users, self.config.valid_max_users, replace=False))
        return users

    def _validate(self, module: torch.nn.Module, valid: Interactions, users: np.ndarray) -> dict[str, float]:
        from shopmind.recommend.evaluate import evaluate

        self._cache(module)
        metrics = evaluate(self, valid, ks=(20,), users=users, max_rank=20)
        return {"recall@20": metrics["recall@20"], "ndcg@20": metrics["ndcg@20"]}

    def _cache(self, module: torch.nn.Module) -> None:
        """Store the final (scoring) user and item embeddings as numpy arrays."""
        import torch

        module.eval()
        with torch.no_grad():
            final = module.embeddings().numpy()  # (N, D)
        n_users = self.seen_.shape[0]
        self.user_emb_ = np.ascontiguousarray(final[:n_users])  # (U, D)
        self.item_emb_ = np.ascontiguousarray(final[n_users:])  # (I, D)

    # -- serving
    def score(self, user_idx: np.ndarray) -> np.ndarray:
        return self.user_emb_[user_idx] @ self.item_emb_.T  # (B, D) @ (D, I) -> (B, I)

    def item_vectors(self) -> np.ndarray:
        return self.item_emb_

    def state(self) -> dict[str, np.ndarray]:
        return {"user_emb": self.user_emb_, "item_emb": self.item_emb_}

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        self.user_emb_ = np.asarray(arrays["user_emb"], dtype=np.float32)
        self.item_emb_ = np.asarray(arrays["item_emb"], dtype=np.float32)

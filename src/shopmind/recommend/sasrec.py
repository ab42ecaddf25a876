"""SASRec: self-attentive sequential recommendation (Kang & McAuley, "Self-Attentive Sequential
Recommendation", ICDM 2018).

A user's recent items s_1 … s_T (oldest first, at most ``max_len``) are embedded, given positions
and read by a causal Transformer encoder (:class:`shopmind.nn.transformer.TransformerEncoder`), so
the hidden state h_t sees only s_1 … s_t. The next item is scored against the same item embedding
table that embeds the inputs (weight tying):

    x_t = √D · E[s_t] + P[t]
    h_t = Encoder(x_1 … x_t)                          causal self-attention, n_blocks blocks
    r_{t,i} = h_tᵀ E[i]                                score of item i as item t+1

Training predicts every next item of every training sequence at once (all prefixes):

    "ce":  L = −Σ_t log softmax(r_t)[s_{t+1}]                    full softmax over all items
    "bce": L = −Σ_t [log σ(r_{t,s_{t+1}}) + log(1 − σ(r_{t,j}))]  one sampled negative j (the paper)

Recommendations for a user come from h_T of their last ``max_len`` items. The model keeps the
sequences it was fitted on (:meth:`SASRec.update_history` replaces them without retraining), and
:meth:`SASRec.score_sequences` / :meth:`SASRec.recommend_for_items` score any fresh sequence, so
serving reacts to a customer's new events in real time.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.recommend.base import Interactions, Recommender, RecommenderConfig, top_k
from shopmind.recommend.loop import Batch, train_epoch, train_epochs

if TYPE_CHECKING:
    import torch
    from torch import nn

    from shopmind.recommend.sasrec_net import SASRecNet

log = logging.getLogger(__name__)


@dataclass
class SASRecConfig(RecommenderConfig):
    max_len: int = 50  # T: the model reads a user's last T items
    dim: int = 64  # D: item embedding and hidden size
    n_heads: int = 1  # attention heads per block (the paper uses 1)
    n_blocks: int = 2  # self-attention blocks (the paper uses 2)
    ffn_dim: int | None = None  # feed-forward hidden size (None: D, as in the paper)
    dropout: float = 0.5  # on embeddings, attention weights and sublayer outputs (0.5 suits sparse data)
    positional: str = "learned"  # position encoding: "learned" (the paper) or "sinusoidal"
    norm_first: bool = True  # pre-LN blocks (the paper's code) or post-LN (False)
    loss: str = "ce"  # "ce": softmax over all items; "bce": 1 sampled negative per position (the paper)
    lr: float = 2e-3  # Adam learning rate (on Beauty 2e-3 beat 1e-3's validation NDCG in 2/3 the epochs)
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    batch_size: int = 128  # training sequences per step (bucketed by length, so little padding)
    epochs: int = 200  # at most this many passes over the training sequences
    eval_every: int = 2  # validate every this many epochs (when fit gets validation data)
    patience: int = 5  # stop after this many validations without a better NDCG@10
    valid_max_users: int | None = None  # validate on a seeded sample of this many users (None: all)
    max_seconds: float | None = None  # wall-time budget: no epoch starts that would overrun it (None: none)
    n_threads: int | None = None  # torch threads while fitting (None: leave torch's setting)


def pad_right(seqs: Sequence[np.ndarray], width: int | None = None) -> np.ndarray:
    """(B, width) int64 rows of ``seqs`` (already offset by 1) right-padded with 0."""
    width = width or max((len(s) for s in seqs), default=1) or 1
    out = np.zeros((len(seqs), width), dtype=np.int64)
    for r, s in enumerate(seqs):
        out[r, : len(s)] = s[:width]
    return out


class TrainingSequences:
    """Inputs s_1…s_{T−1} and targets s_2…s_T of every training sequence (last ``max_len`` + 1
    items), as item rows (index + 1) right-padded with 0; batches are bucketed by length."""

    def __init__(self, sequences: Sequence[np.ndarray], max_len: int, n_items: int, seed: int) -> None:
        kept = [s[-(max_len + 1) :] + 1 for s in sequences if len(s) >= 2]
        self.inputs = pad_right([s[:-1] for s in kept], max_len)  # (N, T)
        self.targets = pad_right([s[1:] for s in kept], max_len)  # (N, T)
        self.lengths = np.array([len(s) - 1 for s in kept], dtype=np.int64)  # (N,)
        rows = np.repeat(np.arange(len(kept)), [len(s) for s in kept])
        self.keys = np.unique(rows * (n_items + 1) + np.concatenate(kept or [np.zeros(0, np.int64)]))
        self.n_items = n_items
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.lengths)

    def batches(self, batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """One epoch of (rows (B,), inputs (B, T_b), targets (B, T_b)): sequences of similar length
        share a batch (T_b = the longest in it), and the batches come in a random order."""
        order = np.lexsort((self.rng.random(len(self)), self.lengths))
        chunks = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        for c in self.rng.permutation(len(chunks)):
            rows = chunks[c]
            width = int(self.lengths[rows].max())
            yield rows, self.inputs[rows, :width], self.targets[rows, :width]

    def negatives(self, rows: np.ndarray, shape: tuple[int, int], rounds: int = 10) -> np.ndarray:
        """(B, T_b) item rows drawn uniformly from those not in each sequence (a few redraws)."""
        neg = self.rng.integers(1, self.n_items + 1, size=shape)
        for _ in range(rounds):
            keys = rows[:, None] * (self.n_items + 1) + neg
            pos = np.searchsorted(self.keys, keys).clip(max=len(self.keys) - 1)
            hit = self.keys[pos] == keys
            if not hit.any():
                break
            neg[hit] = self.rng.integers(1, self.n_items + 1, size=int(hit.sum()))
        return neg


def _positions(batch: Batch) -> int:
    """Predicted positions of a batch (inputs, targets[, negatives]): its non-padding targets."""
    return int((batch[1] > 0).sum())


class SASRec(Recommender):
    """SASRec behind the recommender interface; see the module docstring for the model."""

    name = "sasrec"
    Config = SASRecConfig

    def __init__(
        self, config: SASRecConfig | None = None, progress: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        super().__init__(config)
        self.progress = progress  # called after every epoch with {"epoch", "loss", "seconds", …metrics}
        self.net_: SASRecNet | None = None
        self.sequences_: list[np.ndarray] = []
        self.best_epoch_: int | None = None

    # -- training
    def _fit(self, data: Interactions, valid: Interactions | None) -> None:
        from shopmind.nn.scope import torch_scope

        cfg = self.config
        if cfg.loss not in ("ce", "bce"):
            raise ValueError(f"loss must be 'ce' or 'bce', got {cfg.loss!r}")
        self.sequences_ = [s[-cfg.max_len :] for s in data.sequences()]
        with torch_scope(cfg.seed, cfg.n_threads):  # seeded initialisation and dropout
            self._train(data, valid)

    def _train(self, data: Interactions, valid: Interactions | None) -> None:
        import torch

        from shopmind.recommend.sasrec_net import SASRecNet
        from shopmind.train import distributed as D

        cfg = self.config
        D.init()  # under torchrun: join the group; otherwise world size 1 and all of D is a no-op
        self.net_ = SASRecNet(cfg, data.n_items)
        model = D.wrap(self.net_)  # DDP: rank 0's initial weights everywhere, gradients averaged every step
        opt = torch.optim.AdamW(self.net_.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        train = TrainingSequences(data.sequences(), cfg.max_len, data.n_items, cfg.seed)
        valid_users = self._valid_users(valid)
        self.meta_ |= train_epochs(
            lambda: self._epoch(train, opt, model),
            None if valid_users is None else lambda: self._validate(valid, valid_users),
            snapshot=lambda: copy.deepcopy(self.net_.state_dict()),
            restore=self.net_.load_state_dict,
            metric="ndcg@10",
            epochs=cfg.epochs,
            eval_every=cfg.eval_every,
            patience=cfg.patience,
            max_seconds=cfg.max_seconds,
            name=self.name,
            progress=self.progress,
        )
        self.net_.eval()
        self.best_epoch_ = self.meta_["best_epoch"]

    def _epoch(self, train: TrainingSequences, opt: torch.optim.Optimizer, model: nn.Module) -> float:
        """One pass over the training sequences (:func:`~shopmind.recommend.loop.train_epoch`); returns
        the mean loss per predicted position. ``model`` is the network, or it inside DDP under torchrun."""

        def batches() -> Iterator[Batch]:
            for rows, inp, tgt in train.batches(self.config.batch_size):
                if self.config.loss == "ce":
                    yield inp, tgt
                else:  # negatives for the whole batch, so that under torchrun the ranks stay in step
                    yield inp, tgt, train.negatives(rows, inp.shape)

        self.net_.train()
        return train_epoch(batches(), lambda *batch: self._loss(model, *batch), opt, units=_positions)

    def _loss(
        self, model: nn.Module, inp: torch.Tensor, tgt: torch.Tensor, neg: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, int]:
        """Mean next-item loss over the (N) real positions of a batch of (B, T_b) inputs and targets;
        ``neg`` (B, T_b) are the sampled negative item rows of the "bce" loss."""
        import torch.nn.functional as F

        net = self.net_
        valid = tgt > 0  # (B, T_b) positions with a next item
        h = model(inp)[valid]  # (B, T_b, D) -> (N, D); through DDP when distributed
        target = tgt[valid]  # (N,) item rows
        if self.config.loss == "ce":
            return F.cross_entropy(net.logits(h), target - 1), len(target)  # (N, I) vs (N,)
        neg = neg[valid]  # (N,) item rows
        emb = net.item_emb.weight  # (I + 1, D)
        pos_logit = (h * emb[target]).sum(-1)  # (N,)
        neg_logit = (h * emb[neg]).sum(-1)  # (N,)
        loss = F.softplus(-pos_logit).mean() + F.softplus(neg_logit).mean()  # −log σ(r⁺) − log(1 − σ(r⁻))
        return loss, len(target)

    def _valid_users(self, valid: Interactions | None) -> np.ndarray | None:
        if valid is None or len(valid) == 0:
            return None
        users = np.unique(valid.user_idx)
        if self.config.valid_max_users and len(users) > self.config.valid_max_users:
            rng = np.random.default_rng(self.config.seed)
            users = np.sort(rng.choice(users, self.config.valid_max_users, replace=False))
        return users

    def _validate(self, valid: Interactions, users: np.ndarray) -> dict[str, float]:
        from shopmind.recommend.evaluate import evaluate

        metrics = evaluate(self, valid, ks=(10,), users=users, max_rank=10)
        return {"hr@10": metrics["hr@10"], "ndcg@10": metrics["ndcg@10"]}

    # -- scoring
    def score_sequences(self, seqs: Sequence[np.ndarray], batch_size: int = 512) -> np.ndarray:
        """(B, n_items) scores of the next item after each item-index sequence (oldest first).

        Only the last ``max_len`` items of a sequence count. An empty sequence gets a row of zeros
        (no information: use popularity for customers without history).
        """
        import torch

        self._check_fitted()
        seqs = [np.asarray(s, dtype=np.int64)[-self.config.max_len :] for s in seqs]
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        order = np.argsort(lengths, kind="stable")  # similar lengths share a batch: little padding
        order = order[lengths[order] > 0]
        out = np.zeros((len(seqs), len(self.items_)), dtype=np.float32)
        net, was_training = self.net_, self.net_.training
        net.eval()
        try:
            with torch.no_grad():
                for start in range(0, len(order), batch_size):
                    rows = order[start : start + batch_size]
                    inp = torch.from_numpy(pad_right([seqs[r] + 1 for r in rows]))  # (b, T)
                    h = net(inp)  # (b, T, D)
                    last = h[torch.arange(len(rows)), torch.from_numpy(lengths[rows] - 1)]  # (b, D) at s_T
                    out[rows] = net.logits(last).numpy()  # (b, D) @ (D, I) -> (b, I)
        finally:
            net.train(was_training)
        return out

    def score(self, user_idx: np.ndarray) -> np.ndarray:
        """(B,) user indices -> (B, n_items) scores from each user's stored sequence."""
        return self.score_sequences([self.sequences_[int(u)] for u in user_idx])

    def score_history(self, item_idx: np.ndarray) -> np.ndarray:
        """(I,) scores for an unseen user from the items they touched (oldest first)."""
        return self.score_sequences([np.asarray(item_idx, dtype=np.int64)])[0]

    def recommend_for_items(
        self, item_ids: Sequence[str], k: int = 10, exclude: Iterable[str] = ()
    ) -> list[tuple[str, float]]:
        """Top-k (item_id, score) to follow a fresh sequence of item ids (oldest first), e.g. a customer's
        latest events; the sequence's own items and ``exclude`` are left out. Ids the model has never
        seen (new products) are skipped; with none known the answer is empty."""
        self._check_fitted()
        seq = self.items_.to_idx([i for i in item_ids if i in self.items_])
        if len(seq) == 0:
            return []
        scores = self.score_sequences([seq])  # (1, I)
        drop = np.concatenate([seq, self.items_.to_idx([e for e in exclude if e in self.items_])])
        scores[0, drop] = -np.inf
        idx, vals = top_k(scores, k)
        return [
            (self.items_.ids[int(i)], float(v))
            for i, v in zip(idx[0], vals[0], strict=True)
            if np.isfinite(v)
        ]

    def update_history(self, data: Interactions) -> SASRec:
        """Read users' sequences from ``data`` from now on (and exclude its items as seen) without
        retraining, e.g. train + validation before the test. Same id maps as fit."""
        super().update_history(data)
        self.sequences_ = [s[-self.config.max_len :] for s in data.sequences()]
        return self

    def item_vectors(self) -> np.ndarray:
        """(n_items, D) the item embedding table (input and output embeddings are tied)."""
        return self.net_.item_emb.weight[1:].detach().numpy().copy()

    # -- state
    def state(self) -> dict[str, np.ndarray]:
        arrays = {f"net.{k}": v.detach().numpy() for k, v in self.net_.state_dict().items()}
        lengths = np.array([len(s) for s in self.sequences_], dtype=np.int64)
        arrays["seq_indptr"] = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        arrays["seq_items"] = np.concatenate([*self.sequences_, np.zeros(0, np.int64)]).astype(np.int64)
        return arrays

    def load_state(self, arrays: dict[str, np.ndarray]) -> None:
        import torch

        from shopmind.nn.scope import torch_scope
        from shopmind.recommend.sasrec_net import SASRecNet

        with torch_scope(self.config.seed):  # the initial weights drawn here are overwritten
            self.net_ = SASRecNet(self.config, len(self.items_))
        self.net_.load_state_dict(
            {k[4:]: torch.from_numpy(np.array(v)) for k, v in arrays.items() if k.startswith("net.")}
        )
        self.net_.eval()
        indptr, items = arrays["seq_indptr"], arrays["seq_items"]
        self.sequences_ = [items[indptr[u] : indptr[u + 1]] for u in range(len(indptr) - 1)]

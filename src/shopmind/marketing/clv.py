"""Customer lifetime value: BG/NBD (purchase counts) + Gamma-Gamma (spend per purchase), fitted by ML.

BG/NBD — Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each purchase
they drop out with probability p ~ Beta(a, b). For one customer with ``x`` repeat purchases, the
last at ``t_x``, observed for ``T`` (all from the first purchase), the likelihood is (eq. 6)

    L(r, α, a, b | x, t_x, T) = A1 · A2 · (A3 + δ_{x>0} · A4)
    A1 = Γ(r + x) α^r / Γ(r)
    A2 = Γ(a + b) Γ(b + x) / (Γ(b) Γ(a + b + x))
    A3 = (α + T)^-(r + x)
    A4 = a / (b + x - 1) · (α + t_x)^-(r + x)

Gamma-Gamma — Fader, Hardie & Lee (2005), "RFM and CLV: Using Iso-Value Curves for Customer Base
Analysis", JMR 42(4); the spend model of Colombo & Jiang (1999). Each purchase's value is
Gamma(p, ν), ν ~ Gamma(q, γ); the mean ``z̄`` of a customer's ``x`` purchases has density

    f(z̄ | p, q, γ, x) = Γ(px + q) / (Γ(px) Γ(q)) · γ^q z̄^(px-1) x^(px) / (γ + x z̄)^(px + q)

(γ is called ``v`` below, as in the published fits.) Both are fitted by minimising the negative
log-likelihood over log-parameters with L-BFGS-B from several starting points (the best
converged fit wins); a fit that converges nowhere raises :class:`FitError` naming what to check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from shopmind.marketing.threads import capped

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

# progress(start number, number of starts)
FitProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class CLVConfig:
    """How the BG/NBD and Gamma-Gamma fits run."""

    starts: tuple[tuple[float, ...], ...] = (
        (1.0, 1.0, 1.0, 1.0),
        (0.5, 5.0, 0.5, 2.0),
        (0.1, 10.0, 2.0, 5.0),
    )
    # starting points (r, α, a, b) tried in turn; α is rescaled by the mean T of the data
    gg_starts: tuple[tuple[float, float, float], ...] = ((1.0, 1.0, 1.0), (5.0, 3.0, 10.0), (2.0, 2.0, 50.0))
    # starting points (p, q, v) for Gamma-Gamma; v is rescaled by the mean spend
    penalizer: float = 0.0  # L2 penalty on the parameters (0 = plain MLE, as in the papers)
    max_iter: int = 2000  # L-BFGS-B iterations per start
    tol: float = 1e-10  # L-BFGS-B gradient tolerance


class FitError(RuntimeError):
    """A likelihood fit that did not converge; the message says what was tried and what to check."""


# ---------------------------------------------------------------------------- data preparation
def summary_from_transactions(
    tx: pd.DataFrame,
    customer: str = "customer_id",
    date: str = "date",
    value: str | None = None,
    *,
    calibration_end: object | None = None,
    observation_end: object | None = None,
    freq_days: float = 7.0,
) -> pd.DataFrame:
    """Per-customer ``frequency, recency, T`` (and ``monetary_value``) in units of ``freq_days`` days.

    Purchases on the same day are one purchase (as in Fader, Hardie & Lee's CDNOW analysis);
    ``frequency`` counts repeat purchases, ``recency`` = last − first purchase, ``T`` = end − first.
    ``monetary_value`` is the mean value of the *repeat* purchases (0 when there are none).
    With ``observation_end`` after ``calibration_end`` the frame also has ``frequency_holdout``
    (purchases in (calibration_end, observation_end]) and ``duration_holdout``.
    Customers whose first purchase is after ``calibration_end`` are left out.
    """
    import pandas as pd

    df = tx[[customer, date] + ([value] if value else [])].copy()
    df[date] = pd.to_datetime(df[date]).dt.floor("D")
    cal_end = pd.Timestamp(calibration_end) if calibration_end is not None else df[date].max()
    if df[date].dt.tz is not None and cal_end.tz is None:
        cal_end = cal_end.tz_localize(df[date].dt.tz)
    agg = {value: "sum"} if value else {}
    daily = df.groupby([customer, date], as_index=False).agg(agg) if value else df.drop_duplicates()
    cal = daily[daily[date] <= cal_end]
    g = cal.groupby(customer)[date]
    first, last, n = g.min(), g.max(), g.size()
    unit = pd.Timedelta(days=freq_days)
    out = pd.DataFrame(
        {
            "frequency": (n - 1).astype("float64"),
            "recency": (last - first) / unit,
            "T": (cal_end - first) / unit,
        }
    )
    if value:
        firsts = cal.sort_values(date).groupby(customer)[value].first()
        repeat_sum = cal.groupby(customer)[value].sum() - firsts
        out["monetary_value"] = np.where(
            out["frequency"] > 0, repeat_sum / out["frequency"].clip(lower=1), 0.0
        )
    if observation_end is not None:
        obs_end = pd.Timestamp(observation_end)
        if cal_end.tz is not None and obs_end.tz is None:
            obs_end = obs_end.tz_localize(cal_end.tz)
        hold = daily[(daily[date] > cal_end) & (daily[date] <= obs_end)]
        out["frequency_holdout"] = (
            hold.groupby(customer).size().reindex(out.index).fillna(0).astype("float64")
        )
        out["duration_holdout"] = (obs_end - cal_end) / unit
    out.index.name = customer
    return out


# ---------------------------------------------------------------------------- likelihoods
def bgnbd_loglik(params: Sequence[float], x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (eq. 6 of Fader, Hardie & Lee 2005), (N,) arrays in, (N,) out."""
    from scipy.special import gammaln

    r, alpha, a, b = params
    ln_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    ln_a3 = -(r + x) * np.log(alpha + T)
    has = x > 0
    ln_a4 = np.full_like(ln_a3, -np.inf)
    ln_a4[has] = np.log(a) - np.log(b + x[has] - 1) - (r + x[has]) * np.log(alpha + t_x[has])
    return ln_a1 + ln_a2 + np.logaddexp(ln_a3, ln_a4)


def gamma_gamma_loglik(params: Sequence[float], x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the mean spend ``zbar`` over ``x`` purchases (x > 0)."""
    from scipy.special import gammaln

    p, q, v = params
    px = p * x
    return (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(zbar)
        + px * np.log(x)
        - (px + q) * np.log(v + x * zbar)
    )


def _fit_positive(
    nll: Callable[[np.ndarray], float],
    starts: list[np.ndarray],
    names: Sequence[str],
    cfg: CLVConfig,
    what: str,
    progress: FitProgress | None,
) -> tuple[np.ndarray, float, list[str]]:
    """Minimise ``nll(params)`` over positive params (optimised on the log scale) from each start."""
    from scipy.optimize import minimize

    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        value = nll(params) + cfg.penalizer * float(np.sum(params**2))
        return value if np.isfinite(value) else 1e300

    best: tuple[np.ndarray, float] | None = None
    notes: list[str] = []
    for i, start in enumerate(starts):
        res = minimize(
            objective,
            np.log(start),
            method="L-BFGS-B",
            options={"maxiter": cfg.max_iter, "gtol": cfg.tol, "ftol": 1e-15},
        )
        if progress:
            progress(i + 1, len(starts))
        params = np.exp(res.x)
        ok = np.isfinite(res.fun) and res.fun < 1e299 and np.all(np.isfinite(params))
        # L-BFGS-B may stop on its relative-reduction test with a tiny gradient left: accept that too.
        ok = ok and (res.success or float(np.max(np.abs(res.jac))) < 1e-3)
        notes.append(
            f"start {i + 1} {dict(zip(names, [round(float(s), 4) for s in start], strict=True))}: "
            f"{'converged' if ok else 'failed'} ({res.message}), -LL {res.fun:.4f}"
        )
        if ok and (best is None or res.fun < best[1]):
            best = (params, float(res.fun))
    if best is None:
        raise FitError(
            f"{what} fit did not converge from any of {len(starts)} starting points:\n  "
            + "\n  ".join(notes)
            + "\nCheck that the data has repeat customers, that recency <= T, that the time unit is "
            "sensible (weeks for yearly data), or pass other starting points / a small penalizer."
        )
    return best[0], best[1], notes


# ---------------------------------------------------------------------------- BG/NBD
@dataclass
class BetaGeoModel:
    """BG/NBD purchase model; ``fit(frequency, recency, T)`` returns self with ``params_``."""

    config: CLVConfig = field(default_factory=CLVConfig)
    params_: dict[str, float] | None = None
    loglik_: float | None = None  # total log-likelihood at the optimum
    n_: int = 0  # customers fitted
    fit_notes_: list[str] = field(default_factory=list)

    @capped
    def fit(
        self, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray, progress: FitProgress | None = None
    ) -> BetaGeoModel:
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
        _check_rfm(x, t_x, T)
        scale = float(np.mean(T)) or 1.0
        starts = [np.array([s[0], s[1] * scale / 10.0, s[2], s[3]]) for s in self.config.starts]
        nll = lambda p: -float(np.sum(bgnbd_loglik(p, x, t_x, T)))  # noqa: E731
        params, fun, notes = _fit_positive(
            nll, starts, ("r", "alpha", "a", "b"), self.config, "BG/NBD", progress
        )
        self.params_ = dict(zip(("r", "alpha", "a", "b"), map(float, params), strict=True))
        self.loglik_, self.n_, self.fit_notes_ = -fun, len(x), notes
        log.info("BG/NBD fitted on %d customers: %s (LL %.2f)", len(x), self.params_, -fun)
        return self

    def _p(self) -> tuple[float, float, float, float]:
        if self.params_ is None:
            raise RuntimeError("BetaGeoModel is not fitted: call fit(frequency, recency, T) first")
        p = self.params_
        return p["r"], p["alpha"], p["a"], p["b"]

    def p_alive(self, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray) -> np.ndarray:
        """P(still a customer | x, t_x, T) = 1 / (1 + δ_{x>0} a/(b+x-1) ((α+T)/(α+t_x))^(r+x))."""
        r, alpha, a, b = self._p()
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
        odds = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * np.exp((r + x) * np.log((alpha + T) / (alpha + t_x))),
            0.0,
        )
        return 1.0 / (1.0 + odds)

    def expected_purchases(self, t: float | np.ndarray) -> np.ndarray:
        """E[X(t)] for a customer just acquired (eq. 9): purchases in (0, t]."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._p()
        t = np.asarray(t, dtype="float64")
        z = t / (alpha + t)
        return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))

    def conditional_expected_purchases(
        self, t: float, frequency: np.ndarray, recency: np.ndarray, T: np.ndarray
    ) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: purchases in the next ``t`` time units (eq. 10)."""
        from scipy.special import hyp2f1

        r, alpha, a, b = self._p()
        x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
        z = t / (alpha + T + t)
        head = (a + b + x - 1) / (a - 1)
        body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        odds = np.where(
            x > 0,
            a / np.maximum(b + x - 1, 1e-12) * np.exp((r + x) * np.log((alpha + T) / (alpha + t_x))),
            0.0,
        )
        return head * body / (1 + odds)

    def to_dict(self) -> dict:
        return {
            "model": "bgnbd",
            "config": asdict(self.config),
            "params": self.params_,
            "loglik": self.loglik_,
        }


# ---------------------------------------------------------------------------- Gamma-Gamma
@dataclass
class GammaGammaModel:
    """Gamma-Gamma spend model, fitted on customers with at least one repeat purchase."""

    config: CLVConfig = field(default_factory=CLVConfig)
    params_: dict[str, float] | None = None
    loglik_: float | None = None
    n_: int = 0
    fit_notes_: list[str] = field(default_factory=list)

    @capped
    def fit(
        self, frequency: np.ndarray, monetary_value: np.ndarray, progress: FitProgress | None = None
    ) -> GammaGammaModel:
        x, m = np.asarray(frequency, dtype="float64"), np.asarray(monetary_value, dtype="float64")
        keep = (x > 0) & (m > 0)
        if keep.sum() < 3:
            raise FitError(f"Gamma-Gamma needs repeat customers with positive spend; only {int(keep.sum())}")
        x, m = x[keep], m[keep]
        scale = float(np.mean(m))
        starts = [np.array([s[0], s[1], s[2] * scale / 30.0]) for s in self.config.gg_starts]
        nll = lambda p: -float(np.sum(gamma_gamma_loglik(p, x, m)))  # noqa: E731
        params, fun, notes = _fit_positive(nll, starts, ("p", "q", "v"), self.config, "Gamma-Gamma", progress)
        self.params_ = dict(zip(("p", "q", "v"), map(float, params), strict=True))
        self.loglik_, self.n_, self.fit_notes_ = -fun, len(x), notes
        log.info("Gamma-Gamma fitted on %d repeat customers: %s", len(x), self.params_)
        return self

    def conditional_expected_value(self, frequency: np.ndarray, monetary_value: np.ndarray) -> np.ndarray:
        """E[Z | z̄, x] = (p(v + x z̄)) / (px + q − 1); customers without repeats get the population mean."""
        if self.params_ is None:
            raise RuntimeError("GammaGammaModel is not fitted: call fit(frequency, monetary_value) first")
        p, q, v = self.params_["p"], self.params_["q"], self.params_["v"]
        x = np.asarray(frequency, dtype="float64")
        m = np.asarray(monetary_value, dtype="float64")
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)

    def to_dict(self) -> dict:
        return {"model": "gamma_gamma", "config": asdict(self.config), "params": self.params_}


def customer_lifetime_value(
    bg: BetaGeoModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    horizon: float = 52.0,
    step: float = 4.0,
    discount: float = 0.0,
    margin: float = 1.0,
) -> np.ndarray:
    """Expected (discounted) value of each customer over ``horizon`` time units.

    Σ over steps of ΔE[Y] · E[Z] · margin / (1 + discount)^k, with ΔE[Y] the expected purchases in
    each ``step``-long interval (discount is per step).
    """
    f, r, T = (summary[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    spend = gg.conditional_expected_value(f, summary["monetary_value"].to_numpy("float64"))
    total = np.zeros(len(summary))
    prev = np.zeros(len(summary))
    k = 0
    for t in np.arange(step, horizon + 1e-9, step):
        k += 1
        cum = bg.conditional_expected_purchases(float(t), f, r, T)
        total += (cum - prev) * spend * margin / (1 + discount) ** k
        prev = cum
    return total


def _check_rfm(x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> None:
    if not (len(x) == len(t_x) == len(T)) or len(x) == 0:
        raise ValueError("frequency, recency and T must be non-empty arrays of the same length")
    bad = (x < 0) | (t_x < 0) | (T <= 0) | (t_x > T + 1e-9) | ((x == 0) & (t_x > 1e-9))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{int(bad.sum())} customers have impossible values (need 0 <= recency <= T, T > 0, "
            f"recency 0 when frequency 0); first: frequency {x[i]}, recency {t_x[i]}, T {T[i]}"
        )
    if not (x > 0).any():
        raise FitError("no customer has a repeat purchase: BG/NBD cannot be fitted")

"""The marketing models of one data version: fitted together once, saved as one versioned artifact.

A version of kind ``marketing`` (written through :meth:`shopmind.artifacts.ArtifactStore.save_version`)
holds

- the BG/NBD and Gamma-Gamma parameters behind CLV, P(alive) and expected purchases (JSON);
- one next-purchase propensity (churn) model per horizon of :attr:`FitConfig.churn_horizons`, each
  with the AUC of its temporal check (see :func:`~shopmind.marketing.churn.fit_for_store`);
- when recorded campaign outcomes allow it, the uplift model fitted on them (contacted vs held out)
  and the Qini curve of one fitted on half of them, drawn on the other half;
- the data version it was fitted on: ``data_fingerprint`` (orders, their lines, the analysis date
  and the labelled campaign rows, hashed) and ``fitted_on`` (counts and dates, for people).

Learned arrays (gradient-boosted trees, coefficients) go through :mod:`shopmind.marketing.frozen`
into ``model.safetensors``; nothing is pickled. Serving evaluates a loaded version on the current
data and never fits: :func:`fit_models` runs only in a refit (a job, ``shopmind marketing fit``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.artifacts import WEIGHTS, read_arrays, read_meta, write_model
from shopmind.marketing.churn import FEATURES, ChurnConfig, PropensityModel, fit_for_store, snapshot
from shopmind.marketing.clv import BetaGeoModel, CLVConfig, GammaGammaModel
from shopmind.marketing.frozen import freeze, thaw
from shopmind.marketing.learners import log1p_positive
from shopmind.marketing.uplift import UpliftConfig, UpliftModel

if TYPE_CHECKING:
    import pandas as pd

    from shopmind.marketing.data import Purchases

log = logging.getLogger(__name__)

KIND = "marketing"  # the artifact kind
NAME = "clv-churn-uplift"  # the model name in version folders
FORMAT = 1  # layout of meta.json / model.safetensors written by save()
Progress = Callable[[str], None]


@dataclass(frozen=True)
class FitConfig:
    """What one marketing model version fits (saved with the version)."""

    churn_horizons: tuple[int, ...] = (30, 60, 90)  # days; one propensity model per horizon
    churn: ChurnConfig = field(default_factory=ChurnConfig)  # learner settings (horizon set per model)
    clv: CLVConfig = field(default_factory=CLVConfig)  # BG/NBD and Gamma-Gamma fits
    uplift: UpliftConfig = field(default_factory=lambda: UpliftConfig(method="two_model", learner="logistic"))
    # the uplift model fitted on recorded campaign outcomes
    qini_seed: int = 0  # seed of the half/half split the Qini chart is drawn on


@dataclass
class ChurnFit:
    """One horizon's propensity model and the report of its temporal check."""

    model: PropensityModel
    report: dict[str, Any]  # train_cutoff, check_cutoff, auc (when both snapshots have two labels)


@dataclass
class MarketingModels:
    """The fitted marketing models of one data version (see the module docstring)."""

    data_fingerprint: str
    fitted_on: dict[str, Any]  # orders, customers, latest_order, as_of, campaign_rows
    bgnbd: BetaGeoModel | None = None
    gamma_gamma: GammaGammaModel | None = None
    churn: dict[int, ChurnFit] = field(default_factory=dict)
    uplift: UpliftModel | None = None
    uplift_rows: int = 0  # labelled campaign customers the uplift model learned from
    qini: dict[str, Any] | None = None  # chart data of the held-out Qini curve
    notes: list[str] = field(default_factory=list)  # what could not be fitted, and why
    version: str | None = None  # the artifact version it was loaded from

    # ------------------------------------------------------------------ serving
    def churn_risk(self, purchases: Purchases, horizon_days: int) -> pd.Series:
        """1 − P(buys within ``horizon_days``) for every customer with a purchase, as of the analysis date."""
        import pandas as pd

        fit = self.churn.get(horizon_days)
        if fit is None:
            raise KeyError(horizon_days)
        now = snapshot(purchases, purchases.as_of + pd.Timedelta(seconds=1), None)
        return pd.Series(1 - fit.model.predict(now), index=now.index, name="churn_risk")

    def uplift_of(self, features: pd.DataFrame) -> np.ndarray:
        """(N,) predicted uplift of a contact for customers described by the churn snapshot features."""
        if self.uplift is None:
            raise RuntimeError("this version has no uplift model (no campaign outcomes when it was fitted)")
        return self.uplift.predict(uplift_features(features))[:, 0]

    def metrics(self) -> dict[str, Any]:
        """The figures saved with the version: fit quality and sizes."""
        out: dict[str, Any] = {}
        if self.bgnbd is not None:
            out |= {"bgnbd_loglik": self.bgnbd.loglik_, "bgnbd_customers": self.bgnbd.n_}
        if self.gamma_gamma is not None:
            out["gamma_gamma_customers"] = self.gamma_gamma.n_
        for h, fit in sorted(self.churn.items()):
            if "auc" in fit.report:
                out[f"churn_auc_{h}d"] = fit.report["auc"]
        if self.uplift is not None:
            out["uplift_rows"] = self.uplift_rows
        if self.qini is not None:
            out["qini_coefficient"] = self.qini["qini_coefficient"]
        return out

    # ------------------------------------------------------------------ files
    def save(self, path: str | Path) -> Path:
        """meta.json (parameters, reports, learner layouts) + model.safetensors (learned arrays)."""
        arrays: dict[str, np.ndarray] = {}
        churn = {}
        for h, fit in self.churn.items():
            churn[str(h)] = {
                "config": asdict(fit.model.config),
                "report": fit.report,
                "learner": _put(arrays, f"churn.{h}", fit.model.model_),
            }
        meta = {
            "format": FORMAT,
            "data_fingerprint": self.data_fingerprint,
            "fitted_on": self.fitted_on,
            "clv": {
                "bgnbd": _clv_state(self.bgnbd),
                "gamma_gamma": _clv_state(self.gamma_gamma),
            },
            "churn": churn,
            "uplift": _uplift_state(self.uplift, self.uplift_rows, arrays),
            "qini": self.qini,
            "notes": self.notes,
        }
        return write_model(path, meta, arrays)

    @classmethod
    def load(cls, path: str | Path) -> MarketingModels:
        """A saved version (never fits)."""
        path = Path(path)
        meta = read_meta(path)
        if meta.get("format") != FORMAT:
            raise ValueError(f"{path}: marketing model format {meta.get('format')!r}, expected {FORMAT}")
        arrays = read_arrays(path) if (path / WEIGHTS).is_file() else {}
        churn = {}
        for h, saved in meta["churn"].items():
            model = PropensityModel(ChurnConfig(**saved["config"]))
            model.model_ = _get(arrays, f"churn.{h}", saved["learner"])
            churn[int(h)] = ChurnFit(model, saved["report"])
        up = meta.get("uplift")
        return cls(
            data_fingerprint=meta["data_fingerprint"],
            fitted_on=meta["fitted_on"],
            bgnbd=_clv_model(BetaGeoModel, meta["clv"]["bgnbd"]),
            gamma_gamma=_clv_model(GammaGammaModel, meta["clv"]["gamma_gamma"]),
            churn=churn,
            uplift=_uplift_model(up, arrays) if up else None,
            uplift_rows=int(up["rows"]) if up else 0,
            qini=meta.get("qini"),
            notes=list(meta.get("notes", [])),
            version=path.name,
        )


# ---------------------------------------------------------------------------- the data version
def data_fingerprint(purchases: Purchases, labelled: pd.DataFrame) -> tuple[str, dict[str, Any]]:
    """A fingerprint of everything the models learn from, and a summary of it for people.

    ``<orders>@<latest order>#<hash>``: the hash covers the purchases (order id, customer, time,
    value), their lines (product, quantity), the analysis date and the labelled campaign rows."""
    import pandas as pd

    digest = hashlib.sha256()

    def add(frame: pd.DataFrame, columns: list[str]) -> None:
        part = frame.reset_index()[columns].sort_values(columns, kind="stable")
        digest.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())

    o = purchases.orders
    add(o, ["order_id", "customer_id", "date", "value"])
    if len(purchases.lines):
        add(purchases.lines, ["order_id", "product_id", "quantity"])
    if len(labelled):
        add(labelled.rename_axis("customer_id"), ["campaign_id", "customer_id", "treatment", "label"])
    digest.update(purchases.as_of.isoformat().encode())
    latest = o["date"].max() if len(o) else None
    info = {
        "orders": len(o),
        "customers": int(o["customer_id"].nunique()),
        "latest_order": latest.isoformat() if latest is not None else None,
        "as_of": purchases.as_of.isoformat(),
        "campaign_rows": len(labelled),
    }
    stamp = latest.strftime("%Y%m%dT%H%M%S") if latest is not None else "none"
    return f"{len(o)}@{stamp}#{digest.hexdigest()[:16]}", info


def uplift_features(frame: pd.DataFrame) -> np.ndarray:
    """(N, F) the uplift models' inputs: log(1 + x) of the churn snapshot features (heavy-tailed counts)."""
    return log1p_positive(frame[list(FEATURES)].to_numpy("float64"))


# ---------------------------------------------------------------------------- fitting
def fit_models(
    purchases: Purchases,
    labelled: pd.DataFrame,
    config: FitConfig | None = None,
    progress: Progress | None = None,
) -> MarketingModels:
    """Fit every marketing model on one data version. A model the data cannot support is left out
    with a note (e.g. BG/NBD without repeat customers, a churn horizon longer than the history)."""
    from shopmind.marketing.profiles import fit_clv

    cfg = config or FitConfig()
    say = progress or (lambda message: None)
    fingerprint, fitted_on = data_fingerprint(purchases, labelled)
    notes: list[str] = []
    say("BG/NBD and Gamma-Gamma")
    bg, gg = fit_clv(purchases, cfg.clv, notes)
    churn: dict[int, ChurnFit] = {}
    for h in cfg.churn_horizons:
        say(f"churn model, {h}-day horizon")
        try:
            model, report = fit_for_store(purchases, replace(cfg.churn, horizon_days=h))
        except ValueError as exc:
            notes.append(f"churn model for {h} days not fitted: {exc}")
            continue
        model.model_ = freeze(model.model_)
        churn[h] = ChurnFit(model, report)
    say("uplift model")
    uplift, qini = _fit_uplift(labelled, cfg, notes)
    return MarketingModels(
        fingerprint, fitted_on, bg, gg, churn, uplift, len(labelled) if uplift else 0, qini, notes
    )


def _fit_uplift(
    labelled: pd.DataFrame, cfg: FitConfig, notes: list[str]
) -> tuple[UpliftModel | None, dict[str, Any] | None]:
    """The uplift model on every labelled row, and the Qini curve of one fitted on a random half."""
    from shopmind.marketing.charts import qini_data

    if not len(labelled) or labelled["treatment"].nunique() < 2 or labelled["label"].nunique() < 2:
        if len(labelled):
            notes.append("uplift model not fitted: the campaign outcomes need both arms and both labels")
        return None, None
    X = uplift_features(labelled)
    treated = labelled["treatment"].to_numpy()
    arm = np.where(treated == 1, "contacted", "control")
    y = labelled["label"].to_numpy()
    model = _frozen_uplift(UpliftModel(cfg.uplift).fit(X, arm, y))
    qini = None
    if len(labelled) >= 20:
        half = np.random.default_rng(cfg.qini_seed).random(len(labelled)) < 0.5
        try:
            part = UpliftModel(cfg.uplift).fit(X[half], arm[half], y[half])
            qini = qini_data(y[~half], part.predict(X[~half])[:, 0], treated[~half])
        except ValueError as exc:
            notes.append(f"Qini curve not drawn: {exc}")
    return model, qini


def _frozen_uplift(model: UpliftModel) -> UpliftModel:
    model.models_ = {k: v if isinstance(v, float) else freeze(v) for k, v in model.models_.items()}
    return model


# ---------------------------------------------------------------------------- (de)serialising parts
def _put(arrays: dict[str, np.ndarray], prefix: str, learner: Any) -> dict[str, Any]:
    meta, parts = freeze(learner).to_arrays()
    arrays.update({f"{prefix}.{k}": v for k, v in parts.items()})
    return meta


def _get(arrays: dict[str, np.ndarray], prefix: str, meta: dict[str, Any]) -> Any:
    head = f"{prefix}."
    return thaw(meta, {k[len(head) :]: v for k, v in arrays.items() if k.startswith(head)})


def _clv_state(model: BetaGeoModel | GammaGammaModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {"params": model.params_, "loglik": model.loglik_, "customers": model.n_}


def _clv_model(cls: type, state: dict[str, Any] | None) -> Any:
    if state is None:
        return None
    return cls(params_=dict(state["params"]), loglik_=state["loglik"], n_=int(state["customers"]))


def _uplift_state(model: UpliftModel | None, rows: int, arrays: dict[str, np.ndarray]) -> dict | None:
    if model is None:
        return None
    learners, scalars = {}, {}
    for name, part in model.models_.items():
        if isinstance(part, float):
            scalars[name] = part
        else:
            learners[name] = _put(arrays, f"uplift.{name}", part)
    return {"config": asdict(model.config), "arms": model.arms_, "rows": rows,
            "learners": learners, "scalars": scalars}  # fmt: skip


def _uplift_model(state: dict[str, Any], arrays: dict[str, np.ndarray]) -> UpliftModel:
    model = UpliftModel(UpliftConfig(**state["config"]))
    model.arms_ = list(state["arms"])
    model.models_ = {name: _get(arrays, f"uplift.{name}", meta) for name, meta in state["learners"].items()}
    model.models_.update({name: float(v) for name, v in state["scalars"].items()})
    return model

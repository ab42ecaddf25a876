"""Rules: declared constraints parse (or say what is wrong), hierarchies keep to seen pairs,
timestamps stay in order, derived columns are computed, and e-mails, names, addresses and codes
are generated in their format — never a training value."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from shopmind.synth.constraints import evaluate, parse
from shopmind.synth.report import FORMAT_CHECKS
from shopmind.synth.rules import TableRules
from shopmind.synth.tabular import TabularGAN, TabularGANConfig
from shopmind.synth.transform import TransformerConfig

TINY = dict(
    batch_size=100,
    noise_dim=32,
    gen_dims=(64,),
    dis_dims=(64,),
    pac=5,
    threads=1,
    lr_g=1e-3,
    lr_d=1e-3,
    val_share=0.0,
    transformer=TransformerConfig(gmm_max_rows=500, gmm_max_iter=30),
)
PLACES = [("Canada", "Toronto"), ("Canada", "Vancouver"), ("Australia", "Sydney"), ("Australia", "Melbourne")]
PLACES += [("China", "上海"), ("China", "北京")]


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    """600 customers: names (English and Chinese), e-mails from the names, country -> city,
    signup <= first order <= last order, a price, a quantity and their product as the total."""
    rng = np.random.default_rng(0)
    n = 600
    place = rng.integers(0, len(PLACES), n)
    zh = np.array([PLACES[p][0] == "China" for p in place])
    first = rng.choice(
        [f"{a}{b}" for a in ("Ann", "Ben", "Carl", "Dor", "Emil") for b in ("a", "o", "ie", "y")], n
    )
    last = rng.choice(
        [f"{a}{b}" for a in ("Stone", "Reed", "Hale", "Moss", "Lind") for b in ("", "s", "ley", "ton")], n
    )
    sur = rng.choice(["王", "李", "张", "刘", "陈"], n)
    giv = rng.choice(["伟", "芳", "静怡", "浩然", "敏", "磊"], n)
    names = np.where(
        zh,
        [s + g for s, g in zip(sur, giv, strict=True)],
        [f"{f} {la}" for f, la in zip(first, last, strict=True)],
    )
    local = [f"{f.lower()}.{la.lower()}{i}" for i, (f, la) in enumerate(zip(first, last, strict=True))]
    signup = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 300, n), "D")
    first_order = signup + pd.to_timedelta(rng.integers(0, 50, n), "D")
    price, qty = rng.gamma(2.0, 20.0, n).round(2), rng.integers(1, 5, n)
    return pd.DataFrame(
        {
            "name": names,
            "email": [
                f"{lo}@{d}"
                for lo, d in zip(local, rng.choice(["example.com", "example.net"], n), strict=True)
            ],
            "country": [PLACES[p][0] for p in place],
            "city": [PLACES[p][1] for p in place],
            "signup_at": signup,
            "first_order_at": first_order,
            "last_order_at": first_order + pd.to_timedelta(rng.integers(0, 90, n), "D"),
            "price": price,
            "quantity": qty,
            "total": price * qty,
            "tracking": [f"SF{rng.integers(10**11, 10**12)}" for _ in range(n)],
        }
    )


def test_declared_constraints_parse_or_name_the_problem() -> None:
    cols = ["a", "b", "unit price", "status", "country", "city"]
    assert parse("country -> city", cols).columns == ["country", "city"]
    c = parse("a <= b", cols)
    assert (c.kind, c.columns, c.op) == ("compare", ["a", "b"], "<=")
    assert parse("a >= 0", cols).value == 0.0 and parse("a > 2024-01-01", cols).value == "2024-01-01"
    assert parse("status in {placed, paid}", cols).value == ["placed", "paid"]
    d = parse("b = a * `unit price` + 1", cols)
    assert d.kind == "derived" and d.columns == ["b", "a", "unit price"]
    assert np.allclose(evaluate(d.expr, {"a": np.array([2.0]), "unit price": np.array([3.0])}), 7.0)
    assert np.allclose(evaluate("(1 + 2) * -a / 4", {"a": np.array([2.0])}), -1.5)
    with pytest.raises(ValueError, match=r"no column 'colour'.*columns: a, b"):
        parse("colour -> city", cols)
    with pytest.raises(ValueError, match="neither a column nor a number"):
        parse("a <= banana", cols)
    with pytest.raises(ValueError, match="expected"):
        parse("a ~ b", cols)
    with pytest.raises(ValueError, match="cannot use itself"):
        parse("a = a + 1", cols)


def test_rules_found_in_the_data(people: pd.DataFrame) -> None:
    rules = TableRules().fit(people)
    assert {r.column: r.kind for r in rules.roles_} == {"name": "name", "email": "email", "tracking": "code"}
    assert ["country", "city"] in rules.hierarchies_
    assert ("signup_at", "first_order_at") in rules.orders_ and (
        "first_order_at",
        "last_order_at",
    ) in rules.orders_
    enc = rules.encode(people)
    assert "email@domain" in enc and "country|city" in enc and "last_order_at@after" in enc
    assert (enc["last_order_at@after"] >= 0).all()
    assert set(rules.real_violations_.values()) == {0}  # the real rows obey what was found in them


def test_samples_obey_the_rules_and_invent_their_identifiers(people: pd.DataFrame) -> None:
    cfg = TabularGANConfig(epochs=5, constraints=("total = price * quantity", "price >= 1"), **TINY)
    model = TabularGAN(cfg).fit(people, seed=0)
    s = model.sample(400, seed=1)
    assert list(s.columns) == list(people.columns)
    assert model.rules_.violations(s) == {k: 0 for k in model.rules_.violations(people)}
    pairs = set(zip(people["country"], people["city"], strict=True))
    assert set(zip(s["country"], s["city"], strict=True)) <= pairs  # no Canada / Melbourne
    assert (s["signup_at"] <= s["first_order_at"]).all() and (s["first_order_at"] <= s["last_order_at"]).all()
    assert np.allclose(s["total"], s["price"] * s["quantity"]) and (s["price"] >= 1).all()
    for col, kind in (("email", "email"), ("name", "name"), ("tracking", "code")):
        assert s[col].map(lambda v, k=kind: bool(re.match(FORMAT_CHECKS[k], v))).all(), col
    assert not set(s["email"]) & set(people["email"]) and s["email"].is_unique
    assert not set(s["name"]) & set(people["name"]) and not set(s["tracking"]) & set(people["tracking"])
    assert "<other>" not in set(s["email"]) | set(s["name"])
    assert s["tracking"].str.startswith("SF").all() and s["tracking"].str.len().eq(14).all()
    latin = s[s["name"].str.match(r"^[A-Z]")]
    follows = [e.startswith(n.split()[0].lower()) for e, n in zip(latin["email"], latin["name"], strict=True)]
    assert np.mean(follows) > 0.9  # an e-mail follows the row's generated name

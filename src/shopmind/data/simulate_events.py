"""Demo shop, part 2: sessions of searches, views, clicks, carts and purchases drawn from latent tastes.

A session belongs to one customer and one leaf category (drawn from the customer's preference,
or by popularity when exploring). Each product slot in it is drawn by Gumbel-max from
``utility = style_c·style_p + brand_affinity[c, brand_p] - sensitivity_c·price_level_p
+ popularity_p + language match (+ query match in search sessions)``. The slot's standardised
utility ``z`` drives the funnel view → click → add_to_cart → purchase; in a buying session the
best slot is always bought, so every buying session becomes one order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.data.simulate_text import BRANDS, COLOURS, LEAVES, QUERY_TEMPLATES

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate import DemoConfig
    from shopmind.data.simulate_catalog import Catalog, People
    from shopmind.data.simulate_orders import OrderBook

DAY = 86_400
EVENT_TYPES = ("search", "view", "click", "add_to_cart", "purchase", "rating")
QUERY_KINDS = ("plain", "colour", "feature", "material", "brand", "price")
QUERY_KIND_WEIGHTS = (0.2, 0.25, 0.2, 0.1, 0.1, 0.15)
LANG_BONUS = 0.8  # utility bonus for a product written in the customer's language
NOUN_BONUS, ATTR_BONUS = 1.5, 2.0  # utility bonus for matching a search query's noun / attribute
EVENTS_PER_SLOT = 1.7  # rough events per product slot (view + click/cart/purchase), to size sessions
END_MARGIN = 3 * 3600  # sessions start at least this long before the end of the history


@dataclass
class Sessions:
    """One row per session (sorted by start time; session i has id ``ids[i]``)."""

    ids: np.ndarray  # "S0000001" …
    customer: np.ndarray  # customer index
    start: np.ndarray  # start time (unix seconds)
    leaf: np.ndarray  # leaf category index
    n_items: np.ndarray  # product slots
    buyer: np.ndarray  # whether the session ends in a purchase
    query_kind: np.ndarray  # index into QUERY_KINDS, -1 for sessions without a search
    query_value: np.ndarray  # attribute index (colour/feature/material/brand) or price cap
    query_noun: np.ndarray  # index into the leaf's nouns
    query_text: list[str | None]  # the query, in the customer's language


@dataclass
class Browse:
    """The behaviour events (ts in unix seconds, ``seq`` orders events within a session) and purchases."""

    events: pd.DataFrame  # customer_id, session_id, type, product_id, query, value, ts, seq
    purchases: pd.DataFrame  # session, customer, product (indices), quantity, ts, z
    sessions: Sessions


def _sigmoid(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return 1.0 / (1.0 + np.exp(-x))


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, k) probability matrix."""
    import numpy as np

    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cdf[:, -1]
    return np.minimum((u[:, None] > cdf).sum(1), probs.shape[1] - 1)


def hour_weights(cfg: DemoConfig) -> np.ndarray:
    """Relative traffic for every hour of the history: shopping festivals, weekends, evenings."""
    import numpy as np
    import pandas as pd

    days = pd.date_range(cfg.start, periods=cfg.days, freq="D")
    md = days.month.to_numpy() * 100 + days.day.to_numpy()
    w = 1.0 + 0.15 * (days.day_of_week.to_numpy() >= 5)
    w += 3.0 * (md == 1111) + 1.0 * ((md >= 1101) & (md < 1111))  # Singles' Day and its warm-up
    w += 1.5 * (
        (days.month == 11) & (days.day_of_week == 4) & (days.day >= 22) & (days.day <= 28)
    )  # Black Friday
    w += 1.0 * (md == 1212) + 0.5 * ((md >= 1215) & (md <= 1224))  # Double 12, Christmas shopping
    w += 2.0 * (md == 618) + 0.6 * ((md >= 601) & (md < 618))  # 618 festival
    hour_of_day = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0,
                            1.1, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.3, 1.5, 1.6, 1.3, 0.7])  # fmt: skip
    hw = (w[:, None] * hour_of_day[None, :]).ravel()
    hw[-(END_MARGIN // 3600) :] = 0.0
    return hw


def _session_starts(rng: np.random.Generator, weights: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Times drawn from the hourly traffic, each no earlier than ``lo`` (seconds from the start)."""
    import numpy as np

    cdf = np.cumsum(weights) / weights.sum()
    before = np.concatenate([[0.0], cdf])  # mass before hour h
    lo_h = np.minimum(np.ceil(lo / 3600).astype(int), len(weights) - 1)
    u = before[lo_h] + rng.random(len(lo)) * (1.0 - before[lo_h])
    hour = np.minimum(np.searchsorted(cdf, u, side="right"), len(weights) - 1)
    hour = np.maximum(hour, lo_h)
    return hour * 3600 + rng.integers(0, 3600, len(lo))


def make_sessions(
    cfg: DemoConfig, rng: np.random.Generator, start: int, cat: Catalog, people: People
) -> Sessions:
    """How many sessions each customer has, when, in which category, and what they search for."""
    import numpy as np

    horizon = cfg.days * DAY - END_MARGIN
    lo = np.clip(people.signup - start, 0, horizon - 3600)
    frac = (horizon - lo) / horizon
    target = cfg.events_per_customer * people.activity * frac / frac.mean()
    per_session = cfg.search_share + cfg.items_per_session * EVENTS_PER_SLOT
    n_sess = np.maximum(1, rng.poisson(target / per_session))
    customer = np.repeat(np.arange(len(n_sess)), n_sess)
    t = start + _session_starts(rng, hour_weights(cfg), lo[customer])
    order = np.argsort(t, kind="stable")
    customer, t = customer[order], t[order]
    n = len(customer)

    leaf_pop = np.bincount(cat.leaf, weights=np.exp(cat.popularity), minlength=len(LEAVES))
    explore = rng.random(n) < cfg.explore
    probs = np.where(explore[:, None], leaf_pop[None, :] / leaf_pop.sum(), people.pref[customer])
    leaf = _categorical(rng, probs)
    search = rng.random(n) < cfg.search_share
    sessions = Sessions(
        ids=np.array([f"S{i:07d}" for i in range(1, n + 1)], dtype=object),
        customer=customer,
        start=t,
        leaf=leaf,
        n_items=rng.geometric(1.0 / cfg.items_per_session, n),
        buyer=rng.random(n) < cfg.buy_share,
        query_kind=np.full(n, -1),
        query_value=np.full(n, -1),
        query_noun=np.full(n, -1),
        query_text=[None] * n,
    )
    _draw_queries(rng, sessions, np.flatnonzero(search), people)
    return sessions


def _draw_queries(rng: np.random.Generator, s: Sessions, rows: np.ndarray, people: People) -> None:
    """Fill in the query of the search sessions ``rows`` (kind, value, noun and text)."""
    import numpy as np

    from shopmind.data.simulate_catalog import TOPS

    leaves = [LEAVES[i] for i in s.leaf[rows]]
    weights = np.tile(np.array(QUERY_KIND_WEIGHTS), (len(rows), 1))
    weights[:, 1] *= np.array([len(leaf.colours) > 0 for leaf in leaves])
    kind = _categorical(rng, weights)
    u = rng.random((len(rows), 4))
    brand_offset = np.cumsum([0] + [len(BRANDS[t]) for t in TOPS])
    for j, (r, leaf) in enumerate(zip(rows, leaves, strict=True)):
        k, c = int(kind[j]), s.customer[r]
        noun = int(u[j, 0] * len(leaf.nouns))
        value = -1
        if k == 1:
            value = int(u[j, 1] * len(leaf.colours))
        elif k == 2:
            value = int(u[j, 1] * len(leaf.features))
        elif k == 3:
            value = int(u[j, 1] * len(leaf.materials))
        elif k == 4:  # the customer's favourite brand of this top category
            t = TOPS.index(leaf.top[0])
            value = int(
                brand_offset[t] + np.argmax(people.brand_affinity[c, brand_offset[t] : brand_offset[t + 1]])
            )
        elif k == 5:
            value = _nice_cap(leaf.price * (0.8 + 0.7 * u[j, 1]))
        s.query_kind[r], s.query_value[r], s.query_noun[r] = k, value, noun
        s.query_text[r] = _query_text(leaf, k, value, noun, "zh" if people.zh[c] else "en", u[j, 2])


def _nice_cap(price: float) -> int:
    step = 10 if price < 100 else 50 if price < 1000 else 500
    return int(max(step, round(price / step) * step))


def _query_text(leaf, kind: int, value: int, noun: int, lang: str, u: float) -> str:
    """A query in ``lang`` built from the session's noun and the attribute it asks for."""
    from shopmind.data.simulate_catalog import TOPS

    k = 0 if lang == "en" else 1
    words = {
        "noun": leaf.nouns[noun][k],
        "colour": "",
        "feature": "",
        "material": "",
        "brand": "",
        "price": "",
    }
    if kind == 1:
        name = leaf.colours[value]
        words["colour"] = name if k == 0 else COLOURS[name]
    elif kind == 2:
        words["feature"] = leaf.features[value][k]
    elif kind == 3:
        words["material"] = leaf.materials[value][k]
    elif kind == 4:
        brands = [b for t in TOPS for b in BRANDS[t]]
        words["brand"] = brands[value]
    elif kind == 5:
        words["price"] = str(value)
    templates = QUERY_TEMPLATES[lang][QUERY_KINDS[kind]]
    words |= {f"{key}_lower": v.lower() for key, v in words.items()}
    return templates[int(u * len(templates))].format(**words).strip()


def _query_match(cat: Catalog, prods: np.ndarray, s: Sessions, srows: np.ndarray) -> np.ndarray:
    """(sessions, products) utility bonus for matching the session's search query."""
    import numpy as np

    kind, value = s.query_kind[srows][:, None], s.query_value[srows][:, None]
    attr = np.select(
        [kind == 1, kind == 2, kind == 3, kind == 4],
        [cat.colour[prods][None, :], cat.feature[prods][None, :], cat.material[prods][None, :],
         cat.brand[prods][None, :]],
        default=-2,
    )  # fmt: skip
    hit = np.where(kind == 5, cat.price[prods][None, :] <= value, attr == value)
    noun = cat.noun[prods][None, :] == s.query_noun[srows][:, None]
    return (kind >= 0) * (NOUN_BONUS * noun + ATTR_BONUS * hit)


def _leaf_utility(
    cat: Catalog, people: People, prods: np.ndarray, s: Sessions, srows: np.ndarray
) -> np.ndarray:
    """(sessions, products) utility of the leaf's products for the sessions' customers."""
    import numpy as np

    c = s.customer[srows]
    util = people.style[c] @ cat.style[prods].T  # (S, d) @ (d, P) -> (S, P)
    util += people.brand_affinity[c][:, cat.brand[prods]]
    util -= people.price_sensitivity[c][:, None] * cat.price_level[prods][None, :]
    util += cat.popularity[prods][None, :]
    util += LANG_BONUS * (people.zh[c][:, None] == cat.zh[prods][None, :])
    util += _query_match(cat, prods, s, srows)
    launched = cat.created[prods][None, :] <= s.start[srows][:, None]
    return np.where(launched, util, -np.inf)


def choose_products(
    rng: np.random.Generator, s: Sessions, slot_sess: np.ndarray, cat: Catalog, people: People
) -> tuple[np.ndarray, np.ndarray]:
    """Product index and standardised utility ``z`` for every slot (slot i belongs to ``slot_sess[i]``)."""
    import numpy as np

    product, z = np.empty(len(slot_sess), dtype=int), np.empty(len(slot_sess))
    slot_leaf = s.leaf[slot_sess]
    local = np.full(len(s.leaf), -1)
    for leaf in range(len(LEAVES)):
        prods, srows = cat.in_leaf(leaf), np.flatnonzero(s.leaf == leaf)
        slots = np.flatnonzero(slot_leaf == leaf)
        if not len(slots):
            continue
        util = _leaf_utility(cat, people, prods, s, srows)
        ok = np.isfinite(util)
        mean = np.where(ok, util, 0).sum(1) / ok.sum(1)
        std = np.sqrt(np.where(ok, (util - mean[:, None]) ** 2, 0).sum(1) / ok.sum(1)) + 1e-6
        local[srows] = np.arange(len(srows))
        rows = local[slot_sess[slots]]
        pick = np.argmax(util[rows] + rng.gumbel(size=(len(slots), len(prods))), axis=1)
        product[slots] = prods[pick]
        z[slots] = (util[rows, pick] - mean[rows]) / std[rows]
    return product, z


def make_events(
    cfg: DemoConfig, rng: np.random.Generator, start: int, cat: Catalog, people: People
) -> Browse:
    """Sessions, the products seen in them, the funnel, and timestamps."""
    import numpy as np

    s = make_sessions(cfg, rng, start, cat, people)
    slot_sess = np.repeat(np.arange(len(s.leaf)), s.n_items)
    slot_pos = np.arange(len(slot_sess)) - np.repeat(np.cumsum(s.n_items) - s.n_items, s.n_items)
    product, z = choose_products(rng, s, slot_sess, cat, people)
    stages = _funnel(rng, s.buyer[slot_sess], slot_sess, z)  # view, click, add_to_cart, purchase
    qty = 1 + (rng.random(len(z)) < 0.12) + (rng.random(len(z)) < 0.04)

    search = np.flatnonzero(s.query_kind >= 0)
    none = np.full(len(search), np.nan)
    slot = np.concatenate([np.flatnonzero(m) for m in stages])
    stage = np.concatenate([np.full(m.sum(), c) for c, m in enumerate(stages, start=1)])
    sess = np.r_[search, slot_sess[slot]]
    seq = np.r_[
        np.zeros(len(search), dtype=int), 4 * slot_pos[slot] + stage
    ]  # search first, then slot by slot
    code = np.r_[np.zeros(len(search), dtype=int), stage]
    prod = np.r_[np.full(len(search), -1), product[slot]]
    value = np.r_[none, np.where(stage >= 3, qty[slot], np.nan)]
    zz = np.r_[none, z[slot]]
    o = np.lexsort((seq, sess))
    sess, seq, code, prod, value, zz = sess[o], seq[o], code[o], prod[o], value[o], zz[o]
    ts = _event_times(rng, s.start, sess)
    frame = _browse_frame(s, sess, seq, code, prod, value, ts, cat, people)
    is_buy = code == 4
    purchases = _purchases(s, sess[is_buy], prod[is_buy], value[is_buy], ts[is_buy], zz[is_buy])
    return Browse(events=frame, purchases=purchases, sessions=s)


def _funnel(
    rng: np.random.Generator, buyer: np.ndarray, slot_sess: np.ndarray, z: np.ndarray
) -> list[np.ndarray]:
    """Masks of the slots that were viewed, clicked, added to the cart and bought.

    Better-liked products (higher ``z``) are clicked and carted more; only buying sessions buy,
    and in each of them the best-liked slot is always bought.
    """
    import numpy as np

    click = rng.random(len(z)) < _sigmoid(-2.5 + z)
    cart = click & (rng.random(len(z)) < np.where(buyer, _sigmoid(-0.5 + z), 0.05))
    buy = cart & buyer & (rng.random(len(z)) < 0.7)
    order = np.lexsort((-z, slot_sess))
    best = order[np.r_[0, np.flatnonzero(np.diff(slot_sess[order])) + 1]]
    best = best[buyer[best]]
    click[best] = cart[best] = buy[best] = True
    return [np.ones(len(z), dtype=bool), click, cart, buy]


def _event_times(rng: np.random.Generator, start: np.ndarray, sess: np.ndarray) -> np.ndarray:
    """Session start plus increasing gaps (≥ 1 s) for events sorted by session."""
    import numpy as np

    gaps = 1 + rng.exponential(40.0, len(sess)).astype(np.int64)
    first = np.r_[True, sess[1:] != sess[:-1]]
    gaps[first] = 0
    cs = np.cumsum(gaps)
    first_idx = np.flatnonzero(first)
    base = cs[first_idx][np.cumsum(first) - 1]
    return start[sess] + cs - base


def _browse_frame(s, sess, seq, code, prod, value, ts, cat: Catalog, people: People) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    pids = np.append(cat.frame["product_id"].to_numpy(dtype=object), None)  # index -1 -> None
    queries = np.asarray(s.query_text, dtype=object)
    return pd.DataFrame(
        {
            "customer_id": people.frame["customer_id"].to_numpy(dtype=object)[s.customer[sess]],
            "session_id": s.ids[sess],
            "type": np.asarray(EVENT_TYPES, dtype=object)[code],
            "product_id": pids[prod],
            "query": np.where(code == 0, queries[sess], None),
            "value": value,
            "ts": ts,
            "seq": seq,
        }
    )


def _purchases(s: Sessions, sess, prod, qty, ts, z) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(
        {"session": sess, "customer": s.customer[sess], "product": prod, "quantity": qty.astype(int),
         "ts": ts, "z": z}
    )  # fmt: skip


def make_ratings(
    cfg: DemoConfig, rng: np.random.Generator, start: int, book: OrderBook, browse: Browse, cat: Catalog
) -> pd.DataFrame:
    """Ratings (1-5) of delivered order lines, a few days after delivery, moved by utility and quality."""
    import numpy as np
    import pandas as pd

    end = start + cfg.days * DAY
    items = book.lines
    delivered = book.delivered_at[items["order"].to_numpy()]
    ts = delivered + 3600 + rng.exponential(4 * DAY, len(items)).astype(np.int64)
    keep = (rng.random(len(items)) < cfg.rating_share) & np.isfinite(delivered) & (ts < end)
    items, ts = items[keep], ts[keep].astype(np.int64)
    refunded = book.refund_requested[items["order"].to_numpy()]
    raw = 2.9 + 0.6 * items["z"].to_numpy() + cat.quality[items["product"].to_numpy()]
    raw += rng.normal(0.0, 0.7, len(items)) - 1.5 * refunded
    sess = items["session"].to_numpy()
    s = browse.sessions
    return pd.DataFrame(
        {
            "customer_id": book.customer_ids[items["order"].to_numpy()],
            "session_id": s.ids[sess],
            "type": "rating",
            "product_id": cat.frame["product_id"].to_numpy(dtype=object)[items["product"].to_numpy()],
            "query": None,
            "value": np.clip(np.round(raw), 1, 5),
            "ts": ts,
            "seq": 1_000_000,
        }
    )

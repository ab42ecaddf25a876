"""Demo shop, part 1: the bilingual catalog and the customers with their latent tastes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopmind.data.simulate_text import (
    ATTRIBUTE_ZH,
    BRANDS,
    COLOURS,
    EMAIL_DOMAINS,
    EN_FIRST,
    EN_LAST,
    EN_PLACES,
    EN_STREETS,
    LEAVES,
    TOP_BLURB,
    ZH_DISTRICTS,
    ZH_GIVEN,
    ZH_PLACES,
    ZH_STREETS,
    ZH_SURNAMES,
    Leaf,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from shopmind.data.simulate import DemoConfig

DAY = 86_400
TOPS: tuple[str, ...] = tuple(dict.fromkeys(leaf.top[0] for leaf in LEAVES))


@dataclass
class Catalog:
    """Products as a frame plus the arrays behaviour is drawn from (row i = product i)."""

    frame: pd.DataFrame  # the products table
    brands: tuple[str, ...]  # all brand names; ``brand`` indexes into it
    leaf: np.ndarray  # leaf category index (into LEAVES)
    brand: np.ndarray  # brand index
    noun: np.ndarray  # index into the leaf's nouns
    colour: np.ndarray  # index into the leaf's colours, -1 when none
    material: np.ndarray  # index into the leaf's materials
    feature: np.ndarray  # index into the leaf's features
    price: np.ndarray  # price in CNY
    price_level: np.ndarray  # log price standardised within the leaf
    popularity: np.ndarray  # log popularity added to every customer's utility
    quality: np.ndarray  # how well the product satisfies (moves ratings and returns)
    style: np.ndarray  # (n_products, n_latent) style vectors
    zh: np.ndarray  # whether the product's text is Chinese
    created: np.ndarray  # launch time (unix seconds)

    def in_leaf(self, leaf: int) -> np.ndarray:
        import numpy as np

        return np.flatnonzero(self.leaf == leaf)


@dataclass
class People:
    """Customers as a frame plus their hidden tastes (row i = customer i)."""

    frame: pd.DataFrame  # the customers table
    zh: np.ndarray  # whether the customer's language is Chinese
    china: np.ndarray  # whether the customer lives in China (domestic carriers)
    address: list[str]  # shipping address
    signup: np.ndarray  # sign-up time (unix seconds)
    activity: np.ndarray  # relative activity (mean 1, heavy-tailed)
    pref: np.ndarray  # (n_customers, n_leaves) category preference
    price_sensitivity: np.ndarray  # weight on a product's price level
    brand_affinity: np.ndarray  # (n_customers, n_brands)
    style: np.ndarray  # (n_customers, n_latent)


def _pick(rng: np.random.Generator, sizes: np.ndarray) -> np.ndarray:
    """One uniform index below each size (-1 where the size is 0)."""
    import numpy as np

    idx = np.floor(rng.random(len(sizes)) * np.maximum(sizes, 1)).astype(int)
    return np.where(sizes > 0, idx, -1)


def make_catalog(cfg: DemoConfig, rng: np.random.Generator, start: int) -> Catalog:
    """Draw the products: category, brand, attributes, price, language, style and text."""
    import numpy as np
    import pandas as pd

    n, n_leaf = cfg.product_count, len(LEAVES)
    leaf_weights = rng.dirichlet(np.full(n_leaf, 6.0))
    leaf = np.concatenate([np.tile(np.arange(n_leaf), 2), rng.choice(n_leaf, n - 2 * n_leaf, p=leaf_weights)])
    brands, brand = _draw_brands(rng, leaf)
    zh_brand = np.array([not b.isascii() for b in brands])
    p_zh = np.where(zh_brand[brand], 1.5, 0.6) * cfg.zh_product_share
    zh = rng.random(n) < np.clip(p_zh, 0, 1)

    sizes = {k: np.array([len(getattr(LEAVES[i], k)) for i in leaf]) for k in ("nouns", "colours", "sizes")}
    noun, colour, size = _pick(rng, sizes["nouns"]), _pick(rng, sizes["colours"]), _pick(rng, sizes["sizes"])
    material = _pick(rng, np.array([len(LEAVES[i].materials) for i in leaf]))
    feature = _pick(rng, np.array([len(LEAVES[i].features) for i in leaf]))

    price, price_level = _draw_prices(rng, leaf, brand, len(brands))

    created = start - rng.integers(DAY, 540 * DAY, n)
    new = rng.random(n) < cfg.new_product_share
    new[: 2 * n_leaf] = False  # every leaf keeps old products, so early sessions have something to see
    created[new] = start + rng.integers(0, int(0.85 * cfg.days * DAY), new.sum())
    stock = np.where(rng.random(n) < cfg.zero_stock_share, 0, np.ceil(rng.lognormal(3.5, 1.0, n)).astype(int))

    cat = Catalog(
        frame=pd.DataFrame(),  # filled below, once the arrays exist
        brands=brands,
        leaf=leaf,
        brand=brand,
        noun=noun,
        colour=colour,
        material=material,
        feature=feature,
        price=price,
        price_level=price_level,
        popularity=rng.normal(0.0, 0.8, n),
        quality=rng.normal(0.0, 0.5, n),
        style=rng.normal(0.0, 1.0, (n, cfg.n_latent)) / np.sqrt(cfg.n_latent),
        zh=zh,
        created=created,
    )
    cat.frame = _products_frame(cat, size, stock)
    return cat


def _draw_brands(rng: np.random.Generator, leaf: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """All brand names, and each product's brand drawn from its top category's brands by popularity."""
    import numpy as np

    top = np.array([TOPS.index(LEAVES[i].top[0]) for i in leaf])
    brands = tuple(b for t in TOPS for b in BRANDS[t])
    brand_top = np.array([TOPS.index(t) for t in TOPS for _ in BRANDS[t]])
    brand_weight = rng.dirichlet(np.full(len(brands), 2.0))
    brand = np.empty(len(leaf), dtype=int)
    for t in range(len(TOPS)):
        rows, cands = np.flatnonzero(top == t), np.flatnonzero(brand_top == t)
        brand[rows] = rng.choice(cands, len(rows), p=brand_weight[cands] / brand_weight[cands].sum())
    return brands, brand


def _draw_prices(
    rng: np.random.Generator, leaf: np.ndarray, brand: np.ndarray, n_brands: int
) -> tuple[np.ndarray, np.ndarray]:
    """Log-normal prices around the leaf's median, shifted per brand; and log price standardised per leaf."""
    import numpy as np

    median = np.array([LEAVES[i].price for i in leaf])
    brand_level = rng.normal(0.0, 0.25, n_brands)
    price = _charm(np.exp(np.log(median) + brand_level[brand] + rng.normal(0.0, 0.35, len(leaf))))
    price_level = np.zeros(len(leaf))
    for i in np.unique(leaf):
        rows = leaf == i
        lp = np.log(price[rows])
        price_level[rows] = (lp - lp.mean()) / (lp.std() + 1e-9)
    return price, price_level


def _charm(price: np.ndarray) -> np.ndarray:
    """Shop-style prices: 39.0, 299.0, 2999.0 …"""
    import numpy as np

    step = np.where(price < 100, 10, np.where(price < 1000, 50, 100))
    return np.maximum(np.ceil(price / step) * step - 1, 9.0).astype(float)


def _products_frame(cat: Catalog, size: np.ndarray, stock: np.ndarray) -> pd.DataFrame:
    import pandas as pd

    from shopmind.data.simulate import to_utc

    rows = []
    for i in range(len(cat.leaf)):
        leaf = LEAVES[cat.leaf[i]]
        attrs = _attributes(leaf, cat.colour[i], cat.material[i], cat.feature[i], size[i])
        noun = leaf.nouns[cat.noun[i]]
        lang = "zh" if cat.zh[i] else "en"
        title, desc = _text(leaf, cat.brands[cat.brand[i]], noun, attrs, lang)
        rows.append(
            {
                "product_id": f"P{i + 1:05d}",
                "title": title,
                "description": desc,
                "category": leaf.path,
                "brand": cat.brands[cat.brand[i]],
                "price": float(cat.price[i]),
                "currency": "CNY",
                "attributes": {k: v for k, (v, _) in attrs.items()}
                | {ATTRIBUTE_ZH[k]: z for k, (_, z) in attrs.items()}
                | {"category_zh": leaf.path_zh},
                "stock": int(stock[i]),
                "image_url": "",  # the demo shop has no pictures (the image GAN may draw some later)
                "lang": lang,
                "created_at": int(cat.created[i]),
            }
        )
    frame = pd.DataFrame(rows)
    frame["created_at"] = to_utc(frame["created_at"].to_numpy())
    return frame


def _attributes(
    leaf: Leaf, colour: int, material: int, feature: int, size: int
) -> dict[str, tuple[str, str]]:
    """The product's attributes as key -> (en, zh), in title order."""
    attrs: dict[str, tuple[str, str]] = {}
    if colour >= 0:
        name = leaf.colours[colour]
        attrs["colour"] = (name, COLOURS[name])
    attrs["feature"] = leaf.features[feature]
    attrs[leaf.material_key] = leaf.materials[material]
    if size >= 0:
        attrs[leaf.size_key] = (leaf.sizes[size], leaf.sizes[size])
    return attrs


def _text(leaf: Leaf, brand: str, noun: tuple[str, str], attrs: dict, lang: str) -> tuple[str, str]:
    """Title and description in ``lang``; titles carry brand, colour, feature, material and noun."""
    k = 0 if lang == "en" else 1
    feat, mat = attrs["feature"][k], attrs[leaf.material_key][k]
    colour = attrs["colour"][k] if "colour" in attrs else ""
    extra = (
        attrs[leaf.size_key][0] if leaf.size_key in ("capacity", "storage") and leaf.size_key in attrs else ""
    )
    top, blurb = leaf.top[0], TOP_BLURB[leaf.top[0]][k]
    facts = [(key, v[k]) for key, v in attrs.items()]
    if lang == "en":
        if top == "Books":
            title = f"{feat} - {brand} {noun[0]}, {mat}"
        else:
            title = " ".join(p for p in (brand, colour, feat, mat, noun[0], extra) if p)
        lead = f"{feat} {noun[0].lower()} by {brand}, from our {leaf.name[0]} range."
        spec = "; ".join(f"{key.capitalize()}: {v}" for key, v in facts)
        desc = f"{lead} {spec}. {blurb} Returns accepted within 30 days of delivery."
    else:
        if top == "Books":
            title = f"{feat}（{noun[1]}·{mat}）{brand}"
        else:
            title = " ".join(p for p in (brand, colour, feat, noun[1], mat, extra) if p)
        lead = f"{brand}出品的{feat}{noun[1]}，属于{leaf.top[1]}·{leaf.name[1]}系列。"
        spec = "；".join(f"{ATTRIBUTE_ZH[key]}：{v}" for key, v in facts)
        desc = f"{lead}{spec}。{blurb}签收后30天内支持退货。"
    return title, desc


def make_customers(cfg: DemoConfig, rng: np.random.Generator, start: int, n_brands: int) -> People:
    """Draw the customers: language, name, place, sign-up and the hidden tastes."""
    import numpy as np

    n, n_leaf = cfg.customer_count, len(LEAVES)
    zh = rng.random(n) < cfg.zh_customer_share
    place_idx = np.where(
        zh,
        rng.choice(len(ZH_PLACES), n, p=_weights(ZH_PLACES)),
        rng.choice(len(EN_PLACES), n, p=_weights(EN_PLACES)),
    )
    places = [ZH_PLACES[j] if z else EN_PLACES[j] for z, j in zip(zh, place_idx, strict=True)]
    early = rng.random(n) < 0.65
    signup = np.where(
        early,
        start - rng.integers(DAY, 730 * DAY, n),
        start + rng.integers(0, int(0.85 * cfg.days * DAY), n),
    )
    name_draw = rng.integers(0, 1 << 30, (n, 4))
    rows, addresses = [], []
    for i in range(n):
        name, email = _name(bool(zh[i]), name_draw[i], i + 1)
        country, city, _ = places[i]
        addresses.append(_address(bool(zh[i]) and country == "China", city, country, name_draw[i]))
        rows.append(
            {
                "customer_id": f"C{i + 1:05d}",
                "name": name,
                "email": email,
                "country": country,
                "city": city,
                "lang": "zh" if zh[i] else "en",
                "signup_at": int(signup[i]),
            }
        )
    frame = _customers_frame(rows)
    activity = rng.lognormal(0.0, cfg.activity_sigma, n)
    return People(
        frame=frame,
        zh=zh,
        china=np.array([p[0] == "China" for p in places]),
        address=addresses,
        signup=signup,
        activity=activity / activity.mean(),
        pref=_category_pref(cfg, rng, n, n_leaf),
        price_sensitivity=rng.lognormal(0.0, 0.5, n),
        brand_affinity=rng.normal(0.0, 0.8, (n, n_brands)),
        style=rng.normal(0.0, 1.0, (n, cfg.n_latent)),
    )


def _category_pref(cfg: DemoConfig, rng: np.random.Generator, n: int, n_leaf: int) -> np.ndarray:
    """Dirichlet preferences concentrated on 2-4 favourite leaves plus a thin background."""
    import numpy as np

    k = rng.integers(2, 5, n)
    order = np.argsort(rng.random((n, n_leaf)), axis=1)
    favourite = np.zeros((n, n_leaf), dtype=bool)
    np.put_along_axis(favourite, order, np.arange(n_leaf)[None, :] < k[:, None], axis=1)
    focus = rng.gamma(1.5, 1.0, (n, n_leaf)) * favourite
    background = rng.dirichlet(np.full(n_leaf, 0.5), n)
    pref = cfg.focus * focus / focus.sum(1, keepdims=True) + (1 - cfg.focus) * background
    return pref / pref.sum(1, keepdims=True)


def _weights(places: tuple[tuple[str, str, float], ...]) -> np.ndarray:
    import numpy as np

    w = np.array([p[2] for p in places])
    return w / w.sum()


def _name(zh: bool, draw: np.ndarray, number: int) -> tuple[str, str]:
    domain = EMAIL_DOMAINS[draw[3] % len(EMAIL_DOMAINS)]
    if zh:
        (sur_py, sur), (given_py, given) = (
            ZH_SURNAMES[draw[0] % len(ZH_SURNAMES)],
            ZH_GIVEN[draw[1] % len(ZH_GIVEN)],
        )
        return sur + given, f"{given_py}.{sur_py}{number}@{domain}".lower()
    first, last = EN_FIRST[draw[0] % len(EN_FIRST)], EN_LAST[draw[1] % len(EN_LAST)]
    return f"{first} {last}", f"{first}.{last}{number}@{domain}".lower()


def _address(chinese: bool, city: str, country: str, draw: np.ndarray) -> str:
    number = 1 + draw[2] % 400
    if chinese:
        district, street = ZH_DISTRICTS[draw[0] % len(ZH_DISTRICTS)], ZH_STREETS[draw[1] % len(ZH_STREETS)]
        return f"中国{city}市{district}{street}{number}号{1 + draw[3] % 30}0{1 + draw[2] % 4}室"
    return f"{number} {EN_STREETS[draw[1] % len(EN_STREETS)]}, {city}, {country}"


def _customers_frame(rows: list[dict]) -> pd.DataFrame:
    import pandas as pd

    from shopmind.data.simulate import to_utc

    frame = pd.DataFrame(rows)
    frame["signup_at"] = to_utc(frame["signup_at"].to_numpy())
    return frame

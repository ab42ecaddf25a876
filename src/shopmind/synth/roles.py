"""Identifiers and free text generated in their format: e-mails, person names, street addresses, codes.

A column whose values are (nearly) all different cannot be learned as a category — its values
would be cut to the rare bucket, and reproducing them would copy people's data. Such a column is
replaced, for the GAN, by a few low-cardinality *format* columns learned jointly with the rest of
the row; after sampling, a value is composed in that format from the word pools of
:mod:`shopmind.synth.vocab` and random digits, and redrawn while it equals a training value.

- **email** — ≥ 90 % of values look like ``local@domain.tld``; GAN columns ``c@style`` (words,
  separator, digits, tie to the name) and ``c@domain`` (frequent domains); composed from the row's
  generated name (``first.last42``) or pool words, ``@`` the domain;
- **name** — the column name contains "name" and ≥ 80 % are "First Last" or 2–4 Chinese
  characters; ``c@style`` (en2, en3, zh2, zh3); pool first/last names, Chinese surname + given name;
- **address** — the column name contains "addr" and ≥ 80 % are "12 Some Street, City, Country" or
  Chinese ``…市…路…号``; ``c@style``, plus ``c@city`` and ``c@country`` unless the row (or its
  context) has city/country columns the address repeats; a pool street and district, random
  numbers, around the city and country;
- **code** — ≥ 50 % distinct, one token of letters and digits with a digit; ``c@shape`` (a frequent
  literal prefix + shape); the prefix and random digits/letters in the shape.

Empty strings and missing values stay empty and missing (a style of their own).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from shopmind.synth import vocab

if TYPE_CHECKING:
    import pandas as pd

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
EN_NAME = re.compile(r"^[A-Z][A-Za-z'’-]+( [A-Z][A-Za-z'’.-]*){1,2}$")
ZH_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
EN_ADDRESS = re.compile(r"^\d+[A-Za-z]?\s+[^,]+(,\s*[^,]+){1,2}$")
ZH_ADDRESS = re.compile(r"^[\u4e00-\u9fff]+.*[路街道].*\d+号")
CODE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_-]{3,39}$")
LOCAL = re.compile(r"^([a-z]+)([._-]?)([a-z]*?)(\d*)$")
ZH_CITY = re.compile(r"^(中国)?([\u4e00-\u9fff]{2,8}?)市")
RARE = "<rare>"


@dataclass
class Role:
    column: str
    kind: str  # "email" | "name" | "address" | "code"
    parts: list[str] = field(default_factory=list)  # the GAN columns that stand for it
    name: str | None = None  # email: the row's name column
    city: str | None = None  # address: the row's city / country columns it repeats
    country: str | None = None


def _text(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), None)


def _share(values: pd.Series, pattern: re.Pattern) -> float:
    filled = values[values.map(lambda v: isinstance(v, str) and v != "")]
    return float(filled.map(lambda v: bool(pattern.match(v))).mean()) if len(filled) else 0.0


def _distinct(values: pd.Series) -> float:
    filled = values[values.map(lambda v: isinstance(v, str) and v != "")]
    return filled.nunique() / len(filled) if len(filled) else 0.0


def detect(frame: pd.DataFrame, min_rows: int = 20, own: list[str] | None = None) -> list[Role]:
    """The role of each text column of ``own`` (default: all) that has one, in column order; the
    other columns of ``frame`` (a context) may supply an address's city and country."""
    import pandas as pd

    text = [
        c
        for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
        and not pd.api.types.is_datetime64_any_dtype(frame[c])
    ]
    lower = {c: str(c).lower() for c in text}
    roles = []
    for c in [c for c in text if own is None or c in own]:
        v = _text(frame[c])
        if v.map(lambda x: isinstance(x, str) and x != "").sum() < min_rows:
            continue
        if _share(v, EMAIL) >= 0.9:
            roles.append(Role(c, "email"))
        elif "name" in lower[c] and _distinct(v) >= 0.2 and _share(v, EN_NAME) + _share(v, ZH_NAME) >= 0.8:
            roles.append(Role(c, "name"))
        elif (
            "addr" in lower[c]
            and _distinct(v) >= 0.2
            and _share(v, EN_ADDRESS) + _share(v, ZH_ADDRESS) >= 0.8
        ):
            roles.append(Role(c, "address"))
        elif _distinct(v) >= 0.5 and _share(v, CODE) >= 0.9:
            roles.append(Role(c, "code"))
    names = [r.column for r in roles if r.kind == "name"]
    for r in roles:
        if r.kind == "email" and names:
            r.name = names[0]
        if r.kind == "address":
            r.city = next((c for c in text if lower[c] == "city"), None)
            r.country = next((c for c in text if lower[c] == "country"), None)
    return roles


# ---------------------------------------------------------------------------- formats of training values
def _empty(v: Any) -> str | None:
    return None if v is None else ""


def email_style(value: Any, name: Any) -> str | None:
    """ "<tie><sep><digits>": tie = fl (first, last of the name), lf, il (initial + last), f, 2w, 1w."""
    if not isinstance(value, str) or "@" not in value:
        return _empty(value)
    local = value.split("@", 1)[0].lower()
    m = LOCAL.match(local)
    if not m:
        return f"1w{min(len(re.sub(r'[^0-9]', '', local)), 6)}"
    a, sep, b, digits = m.groups()
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", name)] if isinstance(name, str) else []
    tie = "2w" if b else "1w"
    if isinstance(name, str) and name and not words:  # a name in another script: its romanisation
        tie = "fl" if b else "f"
    if len(words) >= 2:
        first, last = words[0], words[-1]
        ties = {(first, last): "fl", (last, first): "lf", (first[0], last): "il", (first, ""): "f"}
        ties |= {(first + last, ""): "fl", (first[0] + last, ""): "il"}  # no separator: jdoe, johndoe
        tie = ties.get((a, b), tie)
    return f"{tie}{sep}{min(len(digits), 6)}"


def name_style(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return _empty(value)
    if ZH_NAME.match(value):
        return "zh3" if len(value) >= 3 else "zh2"
    return "en3" if len(value.split()) >= 3 else "en2"


def address_parts(value: Any) -> tuple[str | None, str | None, str | None]:
    """(style, city, country) of an address: style "en3" / "en2" / "zh", or "other"."""
    if not isinstance(value, str) or not value:
        return _empty(value), None, None
    if ZH_ADDRESS.match(value):
        m = ZH_CITY.match(value)
        return "zh", (m.group(2) if m else None), ("China" if value.startswith("中国") else None)
    if EN_ADDRESS.match(value):
        parts = [p.strip() for p in value.split(",")]
        return (f"en{len(parts)}", parts[1], parts[2] if len(parts) > 2 else None)
    return "other", None, None


def code_shape(value: Any, prefixes: set[str]) -> str | None:
    """ "<literal prefix>|<shape>": digits -> 9, letters -> A / a, the frequent letter prefix kept."""
    if not isinstance(value, str) or not value:
        return _empty(value)
    head = re.match(r"^[A-Za-z]+", value)
    prefix = head.group(0) if head and head.group(0) in prefixes else ""
    rest = value[len(prefix) :]
    shape = re.sub(r"[a-z]", "a", re.sub(r"[A-Z]", "A", re.sub(r"\d", "9", rest)))
    return f"{prefix}|{shape}"


def frequent_prefixes(values: pd.Series, min_count: int) -> set[str]:
    heads = values.map(lambda v: (re.match(r"^[A-Za-z]+", v) or [""])[0] if isinstance(v, str) else "")
    counts = heads[heads != ""].value_counts()
    return set(counts[counts >= min_count].index)


def encode_role(role: Role, frame: pd.DataFrame, min_count: int) -> dict[str, list]:
    """The GAN columns of ``role`` for the rows of ``frame`` (rare values are left to the caller)."""
    v = _text(frame[role.column])
    c = role.column
    if role.kind == "email":
        names = _text(frame[role.name]) if role.name else [None] * len(v)
        styles = [email_style(x, n) for x, n in zip(v, names, strict=True)]
        domains = [x.split("@", 1)[1].lower() if isinstance(x, str) and "@" in x else None for x in v]
        return {f"{c}@style": styles, f"{c}@domain": domains}
    if role.kind == "name":
        return {f"{c}@style": [name_style(x) for x in v]}
    if role.kind == "address":
        parts = [address_parts(x) for x in v]
        out: dict[str, list] = {f"{c}@style": [p[0] for p in parts]}
        city_ok = role.city and _repeats(v, _text(frame[role.city]))
        country_ok = role.country and _repeats(v, _text(frame[role.country]), zh_china=True)
        role.city, role.country = (role.city if city_ok else None), (role.country if country_ok else None)
        if not role.city:
            out[f"{c}@city"] = [p[1] for p in parts]
        if not role.country:
            out[f"{c}@country"] = [p[2] for p in parts]
        return out
    prefixes = frequent_prefixes(v, min_count)
    return {f"{c}@shape": [code_shape(x, prefixes) for x in v]}


def _repeats(addresses: pd.Series, values: pd.Series, zh_china: bool = False) -> bool:
    """Whether the addresses contain the row's value (``China`` as 中国 too) in ≥ 80 % of rows."""
    hits = total = 0
    for a, x in zip(addresses, values, strict=True):
        if isinstance(a, str) and a and isinstance(x, str) and x:
            total += 1
            hits += x in a or (zh_china and x == "China" and a.startswith("中国"))
    return total > 0 and hits / total >= 0.8


# ---------------------------------------------------------------------------- composing values
class Composer:
    """Composes a role's values from its GAN columns; never returns a value in ``taken``."""

    def __init__(self, rng: np.random.Generator, taken: set[int]) -> None:
        self.rng, self.taken = rng, taken
        self.romanised: dict[int, tuple[str, str]] = {}  # row -> (first, last) of a composed name

    def _pick(self, pool: tuple) -> Any:
        return pool[int(self.rng.integers(len(pool)))]

    def _digits(self, k: int) -> str:
        return "".join(str(d) for d in self.rng.integers(0, 10, k))

    def fresh(self, make, unique: bool = False, tries: int = 20) -> Any:
        """``make(attempt)`` until its value is not a training value (``unique``: nor one made
        before); attempts after the first may add randomness (e.g. more digits)."""
        from shopmind.synth.privacy import value_hash

        for attempt in range(tries):
            value = make(attempt)
            key = value_hash(value)
            if key not in self.taken:
                break
        if unique:
            self.taken.add(key)
        return value

    def name(self, row: int, style: Any) -> Any:
        if not isinstance(style, str) or not style:
            return style

        def make(_: int) -> str:
            if style.startswith("zh"):
                (sur_py, sur), (giv_py, giv) = self._pick(vocab.ZH_SURNAMES), self._pick(vocab.ZH_GIVEN)
                while (style == "zh2") != (len(giv) == 1):
                    giv_py, giv = self._pick(vocab.ZH_GIVEN)
                self.romanised[row] = (giv_py.lower(), sur_py.lower())
                return sur + giv
            first, last = self._pick(vocab.EN_FIRST), self._pick(vocab.EN_LAST)
            self.romanised[row] = (first.lower(), last.lower())
            middle = f" {self._pick(vocab.EN_FIRST)[0]}." if style == "en3" else ""
            return f"{first}{middle} {last}"

        return self.fresh(make)

    def email(self, row: int, style: Any, domain: Any, domains: tuple[str, ...]) -> Any:
        """An e-mail in ``style`` at ``domain``, unique in the sample and never a training one."""
        if not isinstance(style, str) or not style:
            return style
        m = re.match(r"^(fl|lf|il|f|2w|1w)([._-]?)(\d)$", style)
        tie, sep, k = (m.group(1), m.group(2), int(m.group(3))) if m else ("1w", "", 2)
        if not isinstance(domain, str) or domain in ("", RARE):
            domain = self._pick(domains or vocab.FALLBACK_DOMAINS)
        first, last = self.romanised.get(row) or (
            self._pick(vocab.EN_FIRST).lower(),
            self._pick(vocab.EN_LAST).lower(),
        )
        other = self._pick(vocab.EN_LAST).lower()
        words = {"fl": (first, last), "lf": (last, first), "il": (first[0], last), "f": (first, "")}
        a, b = words.get(tie) or ((other, first) if tie == "2w" else (other, ""))
        a, b = _ascii(a), _ascii(b)
        return self.fresh(
            lambda extra: f"{a}{sep if b else ''}{b}{self._digits(k + extra)}@{domain}", unique=True
        )

    def address(self, style: Any, city: Any, country: Any) -> Any:
        if not isinstance(style, str) or not style:
            return style
        city = city if isinstance(city, str) else ""
        country = country if isinstance(country, str) else ""
        number = int(self.rng.integers(1, 400))
        if style == "zh":
            district, street = self._pick(vocab.ZH_DISTRICTS), self._pick(vocab.ZH_STREETS)
            head = "中国" if country in ("China", "中国", "") else country
            room = f"{int(self.rng.integers(1, 30))}0{int(self.rng.integers(1, 5))}室"
            return f"{head}{city}{'市' if city else ''}{district}{street}{number}号{room}"
        parts = [f"{number} {self._pick(vocab.EN_STREETS)}", city] + ([country] if style == "en3" else [])
        return ", ".join(p for p in parts if p)

    def code(self, shape: Any) -> Any:
        if not isinstance(shape, str) or not shape:
            return shape
        prefix, _, pattern = shape.partition("|")
        upper, lower = "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz"

        def make(_: int) -> str:
            out = []
            for ch in pattern:
                pool = "0123456789" if ch == "9" else upper if ch == "A" else lower if ch == "a" else None
                out.append(pool[int(self.rng.integers(len(pool)))] if pool else ch)
            return prefix + "".join(out)

        return self.fresh(make, unique=True)


def _ascii(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def role_to_dict(role: Role) -> dict[str, Any]:
    return asdict(role)

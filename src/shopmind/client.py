"""A small typed client for a shop's backend: ShopMind's HTTP API over httpx (synchronous).

    from shopmind.client import ShopMind

    with ShopMind("http://shopmind.internal:8000", api_key="sm_ad_…") as sm:
        hits = sm.search("red dress", page_size=5)
        for hit in hits.products:
            print(hit.product_id, hit.title, hit.price)
        sm.upsert_products([{"product_id": "P1", "title": "Red dress", "price": 39.0, "stock": 4}])
        sm.send_events([{"customer_id": "C1", "type": "view", "product_id": "P1"}])

Answers are frozen dataclasses (``SearchPage``, ``Product``, ``Recommendations`` …) with the fields a
backend uses, plus ``raw``: the whole JSON answer. A failure raises :class:`ShopMindError` with the
API's error shape (``status``, ``code``, ``message``, ``details``). A 429 or 503 is retried after its
``Retry-After`` (at most ``max_wait`` seconds each, ``retries`` times), then raised. docs/embed.md.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

RETRIED = (429, 503)


class ShopMindError(Exception):
    """An error answer of the API: ``{"error": {"code", "message", "details"}}`` and its HTTP status."""

    def __init__(self, status: int, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details


@dataclass(frozen=True)
class Product:
    """A product as search and recommendation lists give it (``score`` ranks it within its list)."""

    product_id: str
    title: str
    price: float
    category: str = ""
    score: float = 0.0
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Product:
        return cls(
            product_id=row["product_id"],
            title=row.get("title", ""),
            price=float(row.get("price", 0.0)),
            category=row.get("category", ""),
            score=float(row.get("score", 0.0)),
            raw=dict(row),
        )


@dataclass(frozen=True)
class SearchPage:
    query: str
    total: int
    page: int
    page_size: int
    products: list[Product]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Suggestion:
    text: str
    source: str
    count: int


@dataclass(frozen=True)
class Recommendations:
    """A recommendation, similar-products or trending list and what scored it (``source``)."""

    source: str
    items: list[Product]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Rejected:
    row: int
    field: str
    reason: str


@dataclass(frozen=True)
class BatchResult:
    written: int
    rejected: list[Rejected]


@dataclass(frozen=True)
class Order:
    order_id: str
    customer_id: str
    status: str
    total: float
    items: list[dict[str, Any]]
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


class ShopMind:
    """ShopMind's API for a backend. ``api_key``: an admin key (writes, any customer) or a storefront
    key (reads). Close it (or use ``with``) to release its connections."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        max_wait: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.retries = max(0, retries)
        self.max_wait = max_wait
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
            transport=transport,
        )

    def __enter__(self) -> ShopMind:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ reads
    def search(self, q: str, *, page: int = 1, page_size: int = 20, **filters: Any) -> SearchPage:
        """``filters``: customer_id, session_id, sort, mode, brand, category, min_price, max_price,
        in_stock, attr (as ``GET /search`` takes them)."""
        params = {"q": q, "page": page, "page_size": page_size} | _present(filters)
        data = self._call("GET", "/search", params=params)
        products = [Product.of(p) for p in data["products"]]
        return SearchPage(data["query"], data["total"], data["page"], data["page_size"], products, data)

    def suggest(self, prefix: str, k: int = 10) -> list[Suggestion]:
        data = self._call("GET", "/suggest", params={"q": prefix, "k": k})
        return [Suggestion(s["text"], s["source"], s["count"]) for s in data["suggestions"]]

    def recommend(self, customer_id: str, k: int = 10, **filters: Any) -> Recommendations:
        """A customer's top ``k`` (``filters``: category, min_price, max_price)."""
        path = f"/recommendations/{quote(customer_id, safe='')}"
        return _list(self._call("GET", path, params={"k": k} | _present(filters)))

    def similar(self, product_id: str, k: int = 10) -> Recommendations:
        return _list(self._call("GET", f"/products/{quote(product_id, safe='')}/similar", params={"k": k}))

    def trending(self, k: int = 10, category: str | None = None) -> Recommendations:
        return _list(self._call("GET", "/trending", params=_present({"k": k, "category": category})))

    def get_order(self, order_id: str) -> Order:
        data = self._call("GET", f"/orders/{quote(order_id, safe='')}")
        return Order(
            data["order_id"], data["customer_id"], data["status"], float(data["total"]), data["items"], data
        )

    # ------------------------------------------------------------------ writes (admin key)
    def upsert_products(self, products: Iterable[Mapping[str, Any]]) -> BatchResult:
        return _batch(self._call("POST", "/products", json=[dict(p) for p in products]))

    def send_events(self, events: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Behaviour events (view, click, add_to_cart, search …); ``ts`` defaults to now (UTC)."""
        now = datetime.now(UTC).isoformat()
        return _batch(self._call("POST", "/events", json=[{"ts": now} | dict(e) for e in events]))

    # ------------------------------------------------------------------ transport
    def _call(self, method: str, path: str, **kw: Any) -> Any:
        for attempt in range(self.retries + 1):
            answer = self._http.request(method, path, **kw)
            if answer.status_code not in RETRIED or attempt == self.retries:
                break
            time.sleep(self._wait(answer, attempt))
        if answer.is_success:
            return answer.json()
        raise _error(answer)

    def _wait(self, answer: httpx.Response, attempt: int) -> float:
        """``Retry-After`` in seconds (a date is not used), else a short doubling wait; at most max_wait."""
        try:
            wait = float(answer.headers.get("retry-after", ""))
        except ValueError:
            wait = 0.5 * 2**attempt
        return min(max(wait, 0.0), self.max_wait)


def _present(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _list(data: Mapping[str, Any]) -> Recommendations:
    return Recommendations(data["source"], [Product.of(p) for p in data["items"]], dict(data))


def _batch(data: Mapping[str, Any]) -> BatchResult:
    return BatchResult(
        data["written"], [Rejected(r["row"], r["field"], r["reason"]) for r in data["rejected"]]
    )


def _error(answer: httpx.Response) -> ShopMindError:
    try:
        error = answer.json()["error"]
        return ShopMindError(answer.status_code, error["code"], error["message"], error.get("details"))
    except (ValueError, KeyError, TypeError):
        return ShopMindError(answer.status_code, "http_error", answer.text[:500] or answer.reason_phrase)

"""The public data set registry: contract, verify/fetch (on a loopback server only), loaders, converter.

Tests that need the real files use the ``data`` fixture, which skips with the reason when
``SHOPMIND_DATASETS_DIR`` is unset or a set is missing. Nothing here reaches the internet.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from shopmind.data import datasets as D
from shopmind.data.schema import Customer, Event, Order, Product

# ---------------------------------------------------------------------------- helpers and fixtures


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _set_datasets_dir(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> None:
    if path is None:
        monkeypatch.delenv(D.ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(D.ENV_VAR, str(path))


def _toy(base_url: str, contents: dict[str, bytes], **overrides) -> D.Dataset:
    """A registry entry made in the test, pointing at the loopback server."""
    entries = tuple(
        D.DatasetFile(path, _sha(data), len(data), f"{base_url}/{path}") for path, data in contents.items()
    )
    fields = dict(
        name="toy",
        folder="toys/toy",
        title="toy",
        task="tests",
        license="CC0",
        homepage=base_url,
        files=entries,
    )
    return D.Dataset(**(fields | overrides))


class _Server:
    """http.server on 127.0.0.1 serving a folder, counting the requests it answers."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs) -> None:
                super().__init__(*args, directory=str(root), **kwargs)

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[_Server, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    with _Server(root) as server:
        yield server, root


@pytest.fixture
def data() -> Callable[[str], Path]:
    """``data(name)`` -> the set's local folder, or a skip naming what is missing."""

    def need(name: str) -> Path:
        root = os.environ.get(D.ENV_VAR, "").strip()
        if not root:
            pytest.skip(f"{D.ENV_VAR} not set: the public data sets are not available here")
        folder = Path(root) / D.get(name).folder
        for f in D.get(name).files:
            if not (folder / f.path).is_file():
                pytest.skip(f"{name} missing under {D.ENV_VAR}: {folder / f.path}")
        return folder

    return need


# ---------------------------------------------------------------------------- registry contract
INDEX_SETS = {
    "online-retail-uci", "cdnow", "hillstrom", "banking77", "clinc150", "bitext", "amazon-beauty",
    "amazon-beauty-titles", "gowalla-lightgcn", "movielens-100k", "homedepot", "amazon-products-1k",
    "taobao-titles-zh", "qbqtc-zh", "smp2019-zh", "atec-question-matching-zh", "online-shopping-reviews-zh",
    "abcd-guidelines", "fashion-mnist", "online-shoppers-intention",
}  # fmt: skip


def test_registry_covers_every_set_and_has_a_loader_for_each() -> None:
    assert set(D.REGISTRY) == INDEX_SETS
    assert set(D.LOADERS) == INDEX_SETS


@pytest.mark.parametrize("name", sorted(INDEX_SETS))
def test_every_entry_has_address_checksum_and_license(name: str) -> None:
    ds = D.REGISTRY[name]
    assert ds.name == name
    assert ds.title and ds.task and ds.license and ds.citation
    assert ds.homepage.startswith("https://")
    assert ds.files, f"{name} registers no files"
    assert len({f.path for f in ds.files}) == len(ds.files)
    for f in ds.files:
        assert re.fullmatch(r"[0-9a-f]{64}", f.sha256), f.path
        assert f.size > 0
        assert f.url.startswith("https://"), f.path
        assert not f.path.startswith("/") and ".." not in f.path.split("/")
        assert f.transform in ("", *D.TRANSFORMS), f.path
        if f.transform:
            assert f.derived, f"{f.path}: a transform must say how the file is derived"
        if "/raw/" in f.url:  # GitHub addresses are pinned to a full commit
            assert re.search(r"/raw/[0-9a-f]{40}/", f.url), f.url


def test_unknown_name_lists_the_valid_names() -> None:
    with pytest.raises(D.UnknownDatasetError) as info:
        D.get("no-such-set")
    message = str(info.value)
    assert isinstance(info.value, KeyError)
    assert message.startswith("unknown data set 'no-such-set'")  # not wrapped in KeyError's quotes
    assert "banking77" in message and "online-retail-uci" in message
    with pytest.raises(D.UnknownDatasetError):
        D.load("no-such-set")
    with pytest.raises(D.UnknownDatasetError):
        D.locate("no-such-set")


def test_datasets_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _set_datasets_dir(monkeypatch, tmp_path)
    assert D.datasets_dir() == tmp_path
    assert D.datasets_dir(tmp_path / "given") == tmp_path / "given"  # the caller's folder wins
    _set_datasets_dir(monkeypatch, None)
    assert D.datasets_dir() is None


def test_the_folder_is_passed_in_and_settings_are_never_read(
    served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the environment variable unset (or pointing elsewhere), ``root`` alone finds the files."""
    import shopmind.config

    def no_settings():
        raise AssertionError("library code read the settings")

    monkeypatch.setattr(shopmind.config, "get_settings", no_settings)
    server, _ = served  # serves nothing: a download would fail
    ds = _toy(server.url, {"a.txt": b"alpha"})
    root = tmp_path / "given"
    (root / ds.folder).mkdir(parents=True)
    (root / ds.folder / "a.txt").write_bytes(b"alpha")
    _set_datasets_dir(monkeypatch, tmp_path / "elsewhere")
    assert D.locate(ds, root) == root / ds.folder
    assert D.verify(ds, root) == []
    assert (D.fetch(ds, tmp_path / "copy", root=root) / "a.txt").read_bytes() == b"alpha"
    assert server.requests == []
    with pytest.raises(D.DatasetNotFoundError, match="missing file"):
        D.locate(ds)  # the environment's folder does not hold it


def test_locate_without_a_datasets_dir_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    _set_datasets_dir(monkeypatch, None)
    with pytest.raises(
        D.DatasetNotFoundError, match=r"SHOPMIND_DATASETS_DIR is not set.*datasets fetch banking77"
    ):
        D.locate("banking77")


def test_locate_names_the_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = _toy("https://example.invalid", {"a.txt": b"a", "sub/b.txt": b"b"})
    (tmp_path / ds.folder).mkdir(parents=True)
    (tmp_path / ds.folder / "a.txt").write_bytes(b"a")
    _set_datasets_dir(monkeypatch, tmp_path)
    with pytest.raises(D.DatasetNotFoundError) as info:
        D.locate(ds)
    assert str(tmp_path / ds.folder / "sub/b.txt") in str(info.value)
    assert "SHOPMIND_DATASETS_DIR" in str(info.value) and "shopmind datasets fetch toy" in str(info.value)


def test_verify_reports_missing_and_corrupt_files(tmp_path: Path) -> None:
    ds = _toy("https://example.invalid", {"a.txt": b"alpha", "b.txt": b"beta", "c.txt": b"gamma"})
    folder = tmp_path / ds.folder
    folder.mkdir(parents=True)
    (folder / "a.txt").write_bytes(b"alpha")
    (folder / "b.txt").write_bytes(b"BETA")  # same size, other bytes
    problems = D.verify(ds, root=tmp_path)
    assert len(problems) == 2
    assert any("b.txt" in p and ds.file("b.txt").sha256 in p for p in problems)
    assert any("c.txt" in p and "missing" in p for p in problems)


# ---------------------------------------------------------------------------- fetch (loopback only)
def test_fetch_downloads_and_checks_the_checksum(served, tmp_path: Path, monkeypatch) -> None:
    server, www = served
    payload = b"user,item\n1,2\n" * 1000
    (www / "inter.csv").write_bytes(payload)
    ds = _toy(server.url, {"inter.csv": payload})
    _set_datasets_dir(monkeypatch, None)
    seen: list[tuple[str, int, int | None]] = []
    folder = D.fetch(ds, tmp_path / "dl", progress=lambda *a: seen.append(a))
    assert folder == tmp_path / "dl" / "toys/toy"
    assert (folder / "inter.csv").read_bytes() == payload
    assert not list(folder.glob("*.part"))
    assert server.requests == ["/inter.csv"]
    assert seen[-1] == ("inter.csv", len(payload), len(payload))
    assert D.verify(ds, root=tmp_path / "dl") == []


def test_fetch_rejects_a_checksum_mismatch_and_keeps_nothing(served, tmp_path: Path, monkeypatch) -> None:
    server, www = served
    (www / "x.bin").write_bytes(b"tampered")
    ds = _toy(server.url, {"x.bin": b"original"})
    _set_datasets_dir(monkeypatch, None)
    with pytest.raises(D.DatasetChecksumError, match=r"x\.bin.*expected " + ds.files[0].sha256):
        D.fetch(ds, tmp_path / "dl")
    assert not any(p.is_file() for p in (tmp_path / "dl").rglob("*"))


def test_fetch_applies_the_registered_transform(served, tmp_path: Path, monkeypatch) -> None:
    server, www = served
    (www / "t.csv").write_bytes(b"a;b\n1;2\n")
    wanted = b"a,b\n1,2\n"
    entry = D.DatasetFile(
        "t.csv", _sha(wanted), len(wanted), f"{server.url}/t.csv", "semicolon-to-comma", "tr ; ,"
    )
    ds = _toy(server.url, {}, files=(entry,))
    _set_datasets_dir(monkeypatch, None)
    assert (D.fetch(ds, tmp_path) / "t.csv").read_bytes() == wanted


def test_fetch_uses_matching_local_files_without_network(served, tmp_path: Path, monkeypatch) -> None:
    server, _ = served  # serves nothing: any request would be a 404 and an error
    files = {"a.txt": b"alpha", "deep/b.txt": b"beta"}
    ds = _toy(server.url, files)
    local = tmp_path / "mirror"
    for path, content in files.items():
        (local / ds.folder / path).parent.mkdir(parents=True, exist_ok=True)
        (local / ds.folder / path).write_bytes(content)
    _set_datasets_dir(monkeypatch, local)
    assert D.fetch(ds) == local / ds.folder  # already there: nothing to do
    copied = D.fetch(ds, tmp_path / "elsewhere")  # copied from the local mirror
    assert (copied / "deep/b.txt").read_bytes() == b"beta"
    assert server.requests == []


def test_fetch_reports_http_errors_with_the_address(served, tmp_path: Path, monkeypatch) -> None:
    server, _ = served
    ds = _toy(server.url, {"absent.txt": b"x"})
    _set_datasets_dir(monkeypatch, None)
    with pytest.raises(D.DatasetFetchError, match=re.escape(f"{server.url}/absent.txt")):
        D.fetch(ds, tmp_path)
    assert isinstance(D.DatasetFetchError("x"), OSError)  # the CLI reports OSError as a user error


def test_fetch_names_files_it_cannot_rebuild(tmp_path: Path, monkeypatch) -> None:
    entry = D.DatasetFile(
        "sub.csv", _sha(b"x"), 1, "https://example.invalid/full.zip", derived="unzip + subset"
    )
    ds = _toy("https://example.invalid", {}, files=(entry,))
    _set_datasets_dir(monkeypatch, None)
    with pytest.raises(
        D.DatasetFetchError, match=r"sub\.csv <- https://example\.invalid/full\.zip \(unzip \+ subset\)"
    ):
        D.fetch(ds, tmp_path)
    with pytest.raises(D.DatasetFetchError, match="pass dest or set SHOPMIND_DATASETS_DIR"):
        D.fetch(ds)


def test_transforms_rebuild_the_staged_bytes(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_bytes(b"a,b\r\n1,2")
    D.TRANSFORMS["append-crlf"](path)
    D.TRANSFORMS["append-crlf"](path)  # idempotent
    assert path.read_bytes() == b"a,b\r\n1,2\r\n"


# ---------------------------------------------------------------------------- the real files
@pytest.mark.datasets
@pytest.mark.parametrize("name", sorted(INDEX_SETS))
def test_local_copy_matches_the_registry(name: str, data) -> None:
    folder = data(name)
    assert D.locate(name) == folder
    assert D.verify(name) == []


@pytest.mark.datasets
def test_online_retail_counts(data) -> None:
    data("online-retail-uci")
    df = D.load("online-retail-uci")
    assert len(df) == 541_909
    assert df["InvoiceNo"].nunique() == 25_900
    assert df["CustomerID"].nunique() == 4_372
    assert df["CustomerID"].isna().sum() == 135_080
    assert (
        str(df["InvoiceDate"].min().date()) == "2010-12-01"
        and str(df["InvoiceDate"].max().date()) == "2011-12-09"
    )
    # cancellations are "C" invoices with negative quantities; other negative lines lack a customer
    assert (df.loc[df["InvoiceNo"].str.startswith("C"), "Quantity"] < 0).all()
    assert df.loc[(df["Quantity"] < 0) & ~df["InvoiceNo"].str.startswith("C"), "CustomerID"].isna().all()


@pytest.mark.datasets
def test_online_retail_by_day_archive_equals_monthly_files(data) -> None:
    data("online-retail-uci")
    months = ["2010-12", "2011-06"]
    pd.testing.assert_frame_equal(
        D.load_online_retail(months, source="by-day"), D.load_online_retail(months, source="monthly")
    )
    with pytest.raises(ValueError, match="months='2009-01'"):
        D.load_online_retail(["2009-01"])


@pytest.mark.datasets
def test_cdnow_and_hillstrom_counts(data) -> None:
    data("cdnow"), data("hillstrom")
    master = D.load_cdnow()
    assert len(master) == 69_659 and master["customer_id"].nunique() == 23_570
    assert master["date"].min() == pd.Timestamp("1997-01-01") and master["date"].max() == pd.Timestamp(
        "1998-06-30"
    )
    sample = D.load_cdnow("sample")
    assert len(sample) == 6_919 and sample["customer_id"].nunique() == 2_357
    assert len(D.load_cdnow("summary")) == 2_357
    hill = D.load_hillstrom()
    assert len(hill) == 64_000
    assert hill["segment"].value_counts().to_dict() == {
        "Womens E-Mail": 21_387, "Mens E-Mail": 21_307, "No E-Mail": 21_306
    }  # fmt: skip


@pytest.mark.datasets
def test_intent_sets(data) -> None:
    for name in ("banking77", "clinc150", "bitext", "smp2019-zh"):
        data(name)
    bank = D.load_banking77()
    assert len(bank) == 10_003
    categories = json.loads((data("banking77") / "categories.json").read_text())
    assert set(bank["intent"]) == set(categories) and len(categories) == 77
    if (data("banking77") / "test.csv").exists():  # not registered locally, read when present
        assert len(D.load_banking77("test")) == 3_080
    else:
        with pytest.raises(D.DatasetNotFoundError, match="banking_data/test.csv"):
            D.load_banking77("test")
    clinc = D.load_clinc150()
    counts = clinc.groupby("split").size().to_dict()
    assert counts["train"] == 15_100 and counts["val"] == 3_100
    assert clinc["intent"].nunique() == 151 and (clinc["intent"] == "oos").sum() == 100 * len(counts)
    bitext = D.load_bitext()
    assert len(bitext) == 21_534 and bitext["intent"].nunique() == 27
    assert len(D.load_bitext("tagged")) == 4_514
    smp = D.load_smp2019()
    assert len(smp) == 2_464
    assert (smp["chars"].str.len() == smp["tags"].str.len()).all()
    assert smp["intent"].nunique() == 24 and smp["domain"].nunique() == 30  # 29 + open-domain chat


@pytest.mark.datasets
def test_amazon_beauty_sequences_and_titles(data) -> None:
    data("amazon-beauty"), data("amazon-beauty-titles")
    seq = D.load("amazon-beauty")
    assert len(seq) == 198_502
    assert seq["user_id"].nunique() == 22_363 and seq["item_id"].nunique() == 12_101
    lengths = seq.groupby("user_id").size()
    assert lengths.min() == 5
    assert (seq.groupby("user_id")["pos"].max() == lengths - 1).all()
    attrs = D.load_amazon_beauty_attributes()
    assert attrs["attribute_id"].nunique() == 637
    titles = D.load_amazon_beauty_titles()
    assert len(titles) == 12_101 and (titles["title"] != "").sum() == 12_094
    assert set(titles["item_id"]) == set(seq["item_id"])


@pytest.mark.datasets
def test_gowalla_and_movielens_counts(data) -> None:
    data("gowalla-lightgcn"), data("movielens-100k")
    train, test = D.load_gowalla("train"), D.load_gowalla("test")
    assert (len(train), len(test)) == (810_128, 217_242)
    both = pd.concat([train, test])
    assert both["user_idx"].nunique() == 29_858 and both["item_idx"].nunique() == 40_981
    assert both["user_idx"].max() + 1 == 29_858 and both["item_idx"].max() + 1 == 40_981
    inter = D.load_movielens_100k()
    assert len(inter) == 100_000 and inter["user_id"].nunique() == 943 and inter["item_id"].nunique() == 1_682
    assert inter["rating"].between(1, 5).all() and (inter.groupby("user_id").size() >= 20).all()
    assert len(D.load_movielens_100k("item")) == 1_682 and len(D.load_movielens_100k("user")) == 943


@pytest.mark.datasets
def test_search_sets(data) -> None:
    for name in ("homedepot", "amazon-products-1k", "qbqtc-zh"):
        data(name)
    hd = D.load_homedepot()
    assert len(hd) == 51_963 and hd["query"].nunique() == 8_234
    assert hd["relevance"].between(1, 3).all()
    products = D.load_amazon_products_1k()
    assert len(products) == 1_000 and products["product_id"].is_unique
    assert products["price"].notna().sum() == 996 and (products["category"] != "").sum() == 914
    assert products["category"].str.startswith("Toys & Games").sum() == 713
    qb = D.load_qbqtc()
    assert len(qb) == 20_000
    assert qb["label"].value_counts().to_dict() == {1: 12_592, 0: 4_894, 2: 2_514}


@pytest.mark.datasets
def test_taobao_titles_match_the_derived_table(data) -> None:
    folder = data("taobao-titles-zh")
    titles = D.load_taobao_titles()
    assert titles.groupby("split").size().to_dict() == {"train": 6_000, "dev": 998, "test": 1_000}
    derived = pd.read_csv(
        folder / "derived_titles.tsv", sep="\t", dtype="str", keep_default_na=False, quoting=3
    )
    assert titles["title"].tolist() == derived["title"].tolist()
    for (_, row), spans in zip(titles.iterrows(), derived["entities_json"], strict=True):
        assert [[t, k] for t, k, _, _ in row["entities"]] == json.loads(spans)
        assert all(row["title"][s:e] == t for t, _, s, e in row["entities"])


@pytest.mark.datasets
def test_chinese_service_sets(data) -> None:
    data("atec-question-matching-zh"), data("online-shopping-reviews-zh")
    atec = D.load_atec()
    assert len(atec) == 39_346 and atec["label"].sum() == 8_549
    reviews = D.load_online_shopping_reviews()
    assert len(reviews) == 62_774
    assert reviews["label"].value_counts().to_dict() == {1: 31_728, 0: 31_046}
    assert reviews["cat"].nunique() == 10 and not reviews["review"].str.contains("\ufeff").any()


@pytest.mark.datasets
def test_abcd_guidelines(data) -> None:
    data("abcd-guidelines")
    guide = D.load("abcd-guidelines")
    assert guide["flow"].nunique() == 10 and guide["subflow"].nunique() == 55 and len(guide) == 255
    assert guide.groupby("subflow")["step"].min().eq(1).all()
    assert len(D.load_abcd_json("kb")) == 55 and len(D.load_abcd_json("sample")) == 3


@pytest.mark.datasets
def test_fashion_mnist_arrays(data) -> None:
    data("fashion-mnist")
    for part, n in (("train_subset", 6_000), ("test_subset", 2_000), ("train", 60_000)):
        images, labels = D.load_fashion_mnist(part)
        assert images.shape == (n, 28, 28) and images.dtype == "uint8" and labels.dtype == "uint8"
        assert (pd.Series(labels).value_counts() == n // 10).all()
        assert images.max() == 255 and images.min() == 0


@pytest.mark.datasets
def test_online_shoppers_intention(data) -> None:
    data("online-shoppers-intention")
    df = D.load("online-shoppers-intention")
    assert df.shape == (12_330, 18)
    assert df["Revenue"].dtype == bool and int(df["Revenue"].sum()) == 1_908
    assert df["VisitorType"].value_counts().to_dict() == {
        "Returning_Visitor": 10_551, "New_Visitor": 1_694, "Other": 85
    }  # fmt: skip


# ---------------------------------------------------------------------------- online retail -> ShopMind
COLUMNS = {
    "products": ["product_id", "title", "description", "category", "brand", "price", "currency", "attributes",
                 "stock", "image_url", "lang", "created_at"],
    "customers": ["customer_id", "name", "email", "country", "city", "lang", "signup_at"],
    "orders": ["order_id", "customer_id", "status", "placed_at", "currency", "total", "shipping_address",
               "tracking_number", "carrier"],
    "order_items": ["order_id", "line_no", "product_id", "quantity", "unit_price"],
    "events": ["event_id", "customer_id", "session_id", "type", "product_id", "query", "value", "ts"],
}  # fmt: skip


@pytest.fixture
def december(data) -> pd.DataFrame:
    data("online-retail-uci")
    return D.load_online_retail(["2010-12"])


@pytest.mark.datasets
def test_converter_gives_valid_shop_frames(december: pd.DataFrame) -> None:
    shop = D.online_retail_to_shop(december)
    assert {k: list(v.columns) for k, v in shop.items()} == COLUMNS
    products, customers, orders, items, events = (shop[k] for k in COLUMNS)
    for frame, key in ((products, "product_id"), (customers, "customer_id"), (orders, "order_id"),
                       (events, "event_id")):  # fmt: skip
        assert frame[key].is_unique, key
    assert not items.duplicated(["order_id", "line_no"]).any()
    # lines without a customer are dropped from orders; every other line is an order item
    assert len(items) == december["CustomerID"].notna().sum()
    assert set(items["order_id"]) == set(orders["order_id"])
    assert set(items["product_id"]) <= set(products["product_id"])
    assert set(orders["customer_id"]) == set(customers["customer_id"])
    # totals are the sum of their items
    sums = (items["quantity"] * items["unit_price"]).groupby(items["order_id"]).sum()
    merged = orders.set_index("order_id")["total"].to_frame().join(sums.rename("items"))
    assert all(
        math.isclose(t, s, abs_tol=0.006) for t, s in zip(merged["total"], merged["items"], strict=True)
    )
    assert ((orders["status"] == "cancelled") == orders["order_id"].str.startswith("C")).all()
    assert (
        (items["quantity"] >= 1).all() and (items["unit_price"] >= 0).all() and (products["price"] >= 0).all()
    )
    # one purchase event per line of a non-cancelled order, deterministic ids
    kept = items[~items["order_id"].str.startswith("C")]
    assert len(events) == len(kept) and (events["type"] == "purchase").all()
    assert events["event_id"].iloc[0] == f"or-{kept['order_id'].iloc[0]}-1"
    for frame, col in (
        (products, "created_at"),
        (customers, "signup_at"),
        (orders, "placed_at"),
        (events, "ts"),
    ):
        assert str(frame[col].dt.tz) == "UTC", col
    assert customers.loc[customers["customer_id"] == "17850", "signup_at"].iloc[0] == pd.Timestamp(
        "2010-12-01 08:26:00", tz="UTC"
    )


@pytest.mark.datasets
def test_converter_rows_pass_the_data_model(december: pd.DataFrame) -> None:
    shop = D.online_retail_to_shop(december)
    for row in shop["products"].to_dict("records"):
        Product.model_validate(row)
    for row in shop["customers"].to_dict("records"):
        Customer.model_validate(row)
    items = shop["order_items"].groupby("order_id")
    for row in shop["orders"].head(500).to_dict("records"):
        lines = items.get_group(row["order_id"]).drop(columns="order_id").to_dict("records")
        Order.model_validate(row | {"items": lines})
    for row in shop["events"].head(2_000).to_dict("records"):
        Event.model_validate(row)


@pytest.mark.datasets
def test_converter_frames_load_into_the_store(december: pd.DataFrame, sqlite_store) -> None:
    first_days = december[december["InvoiceDate"] < "2010-12-03"]
    shop = D.online_retail_to_shop(first_days)
    written = sqlite_store.write_frames(shop)
    assert written == {name: len(frame) for name, frame in shop.items()}
    counts = sqlite_store.counts()
    assert all(counts[name] == len(frame) for name, frame in shop.items())


@pytest.mark.datasets
def test_converter_on_the_whole_shop(data) -> None:
    data("online-retail-uci")
    shop = D.online_retail_to_shop(D.load_online_retail())
    assert len(shop["customers"]) == 4_372
    assert len(shop["order_items"]) == 541_909 - 135_080
    assert shop["products"]["product_id"].str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}").all()


@pytest.mark.datasets
def test_the_cli_passes_the_configured_folder(data, monkeypatch: pytest.MonkeyPatch) -> None:
    """`shopmind datasets verify/list` find the files through the settings, the environment variable unset."""
    from typer.testing import CliRunner

    import shopmind.config
    from shopmind.cli import app

    root = data("hillstrom").parents[1]
    monkeypatch.setattr(shopmind.config, "get_settings", lambda: shopmind.config.Settings(datasets_dir=root))
    _set_datasets_dir(monkeypatch, None)
    runner = CliRunner()
    result = runner.invoke(app, ["datasets", "verify", "hillstrom"])
    assert result.exit_code == 0 and "all files match" in result.output, result.output
    listing = runner.invoke(app, ["datasets", "list"], terminal_width=300)
    assert listing.exit_code == 0
    assert "yes" in next(line for line in listing.output.splitlines() if "hillstrom" in line)

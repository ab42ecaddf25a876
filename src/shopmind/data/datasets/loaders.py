"""Loaders of the registered data sets: plain functions ``load_<name>(...)`` returning pandas frames
(Fashion-MNIST: numpy arrays); :func:`load` dispatches by registry name."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

from shopmind.data.datasets.files import DatasetNotFoundError, get, locate
from shopmind.data.datasets.records import _BANK, _RETAIL_MONTHS, _gh

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------- loaders
def _folder(name: str, folder: Path | None) -> Path:
    return Path(folder) if folder is not None else locate(name)


def _choice(field: str, value: str, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(f"{field}={value!r} is not one of {', '.join(map(repr, allowed))}")
    return value


_RETAIL_COLUMNS = [
    "InvoiceNo",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "UnitPrice",
    "CustomerID",
    "Country",
]
_RETAIL_DTYPES = {
    "InvoiceNo": "str",
    "StockCode": "str",
    "Description": "str",
    "Country": "str",
    "Quantity": "int64",
    "UnitPrice": "float64",
    "CustomerID": "float64",
}


def _retail_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_RETAIL_COLUMNS)
    df = df.astype(_RETAIL_DTYPES)
    df["InvoiceDate"] = pd.to_datetime(df["InvoiceDate"], format="%Y-%m-%d %H:%M:%S").astype("datetime64[s]")
    df["CustomerID"] = df["CustomerID"].astype("Int64")
    df["Country"] = df["Country"].astype("category")
    return df[_RETAIL_COLUMNS]


def load_online_retail(
    months: Iterable[str] | None = None, *, source: str = "monthly", folder: Path | None = None
) -> pd.DataFrame:
    """UCI Online Retail invoice lines, in the file order of the by-day archive.

    ``months`` ("2010-12" … "2011-12") selects a slice; ``source`` is "monthly" (13 csv.gz, fast)
    or "by-day" (the 305 original files inside by-day.tar.gz; same rows). Columns: InvoiceNo,
    StockCode, Description (str), Quantity (int64), InvoiceDate (datetime64[s], naive, as in the
    source), UnitPrice (float64), CustomerID (Int64, <NA> when blank), Country (category).
    """
    import pandas as pd

    root = _folder("online-retail-uci", folder)
    _choice("source", source, ("monthly", "by-day"))
    wanted = list(_RETAIL_MONTHS) if months is None else list(months)
    for m in wanted:
        _choice("months", m, _RETAIL_MONTHS)
    read = {"dtype": {"InvoiceNo": "str", "StockCode": "str", "Description": "str", "Country": "str"}}
    if source == "monthly":
        parts = [
            pd.read_csv(root / f"monthly/online_retail_{m}.csv.gz", engine="pyarrow", **read)
            for m in sorted(wanted)
        ]
        return _retail_frame(parts)
    return _retail_frame(
        [pd.read_csv(io.BytesIO(_by_day_csv(root / "by-day.tar.gz", wanted)), engine="pyarrow", **read)]
    )


def _by_day_csv(archive: Path, months: list[str]) -> bytes:
    """The by-day CSVs of ``months`` from the tar, in name order, joined under one header."""
    import tarfile

    files: dict[str, bytes] = {}
    with tarfile.open(archive, "r|gz") as tar:  # one sequential pass: seeking in gzip re-decompresses
        for member in tar:
            name = Path(member.name).name
            if member.isfile() and name.endswith(".csv") and name[:7] in months:
                files[name] = tar.extractfile(member).read()
    header: bytes | None = None
    chunks: list[bytes] = []
    for name in sorted(files):
        first, _, body = files.pop(name).partition(b"\n")
        if header is None:
            header = first
            chunks.append(first + b"\n")
        elif first != header:
            raise ValueError(f"{archive}:{name}: header {first!r} differs from {header!r}")
        chunks.append(body if body.endswith(b"\n") or not body else body + b"\n")
    return b"".join(chunks) if chunks else (",".join(_RETAIL_COLUMNS) + "\n").encode()


def load_cdnow(kind: str = "master", *, folder: Path | None = None) -> pd.DataFrame:
    """CDNOW transactions or the lifetimes summaries.

    kind "master" (69,659 rows) or "sample" (6,919 rows): customer_id (int), [sample_id for the
    sample], date (datetime), number_of_cds (int), dollar_value (float). kind "summary" /
    "summary_with_transactions": the 2,357-row calibration summaries as shipped.
    """
    import pandas as pd

    files = {
        "master": "CDNOW_master.txt",
        "sample": "CDNOW_sample.txt",
        "summary": "cdnow_customers_summary.csv",
        "summary_with_transactions": "cdnow_customers_summary_with_transactions.csv",
    }
    path = _folder("cdnow", folder) / "lifetimes/datasets" / files[_choice("kind", kind, files)]
    if kind.startswith("summary"):
        return pd.read_csv(path)
    names = ["customer_id", "date", "number_of_cds", "dollar_value"]
    if kind == "sample":
        names.insert(1, "sample_id")
    df = pd.read_csv(
        path, sep=r"\s+", header=0 if kind == "master" else None, names=names, dtype={"date": "str"}
    )
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d")
    return df


def load_hillstrom(*, folder: Path | None = None) -> pd.DataFrame:
    """Hillstrom e-mail campaign: 64,000 rows; ``segment`` is the arm (Mens / Womens / No E-Mail)."""
    import pandas as pd

    df = pd.read_csv(_folder("hillstrom", folder) / "hillstrom.csv")
    for col in ("history_segment", "zip_code", "channel", "segment"):
        df[col] = df[col].astype("category")
    return df


def load_banking77(split: str = "train", *, folder: Path | None = None) -> pd.DataFrame:
    """BANKING77 utterances: columns text, intent. ``split="test"`` needs test.csv beside train.csv."""
    import pandas as pd

    root = _folder("banking77", folder)
    path = root / f"{_choice('split', split, ('train', 'test'))}.csv"
    if not path.is_file():
        url = _gh(*_BANK, f"banking_data/{split}.csv")
        raise DatasetNotFoundError(f"banking77: {path} is missing; download it from {url}")
    return pd.read_csv(path, dtype="str").rename(columns={"category": "intent"})[["text", "intent"]]


def load_clinc150(*, folder: Path | None = None) -> pd.DataFrame:
    """CLINC150 as one frame: split (train/val[/test]), text, intent ("oos" = out of scope).

    Reads the upstream data_full.json when present (with test), else the local train/val file.
    """
    import pandas as pd

    root = _folder("clinc150", folder)
    path = (
        root / "data_full.json" if (root / "data_full.json").is_file() else root / "data_full_train_val.json"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = [(key.removeprefix("oos_"), text, intent) for key, pairs in data.items() for text, intent in pairs]
    return pd.DataFrame(rows, columns=["split", "text", "intent"]).astype("str")


def load_bitext(kind: str = "utterances", *, folder: Path | None = None) -> pd.DataFrame:
    """Bitext customer support.

    kind "utterances" (21,534 rows): text, intent, category, flags. kind "tagged" (4,514 rows):
    the file's columns (instruction, intent, entity_type, entity_value, start_offset, end_offset,
    category, tags, response, …).
    """
    import pandas as pd

    root = _folder("bitext", folder)
    if _choice("kind", kind, ("utterances", "tagged")) == "tagged":
        return pd.read_csv(root / "bitext_cs_tagged_4514_with_responses.csv")
    df = pd.read_csv(root / "bitext_cs_20k_utterances.csv", encoding="utf-8-sig", dtype="str")
    return df.rename(columns={"utterance": "text"})[["text", "intent", "category", "flags"]]


def _sequences(path: Path) -> tuple[list[str], list[int], list[str]]:
    """Lines "user item item …" -> (user per item, position per item, items)."""
    users: list[str] = []
    positions: list[int] = []
    items: list[str] = []
    for line in path.read_text(encoding="ascii").splitlines():
        user, *seq = line.split()
        users.extend([user] * len(seq))
        positions.extend(range(len(seq)))
        items.extend(seq)
    return users, positions, items


def load_amazon_beauty(*, folder: Path | None = None) -> pd.DataFrame:
    """S3-Rec Amazon Beauty as a long frame: user_id, item_id (str), pos (0-based, time order).

    198,502 rows, 22,363 users, 12,101 items; the last pos of a user is the leave-one-out test item.
    """
    import numpy as np
    import pandas as pd

    users, positions, items = _sequences(_folder("amazon-beauty", folder) / "Beauty.txt")
    return pd.DataFrame(
        {
            "user_id": pd.array(users, dtype="str"),
            "item_id": pd.array(items, dtype="str"),
            "pos": np.asarray(positions, dtype=np.int32),
        }
    )


def load_amazon_beauty_attributes(*, folder: Path | None = None) -> pd.DataFrame:
    """S3-Rec Beauty item → anonymous attribute ids (category/brand) as a long frame item_id, attribute_id."""
    import pandas as pd

    data = json.loads((_folder("amazon-beauty", folder) / "Beauty_item2attributes.json").read_text())
    rows = [(item, int(a)) for item, attrs in data.items() for a in attrs]
    df = pd.DataFrame(rows, columns=["item_id", "attribute_id"])
    df["item_id"] = df["item_id"].astype("str")
    return df


def load_amazon_beauty_titles(*, folder: Path | None = None) -> pd.DataFrame:
    """Titles of the S3-Rec Beauty items: item_id (str, joins load_amazon_beauty), asin, title ("" if
    unknown), attribute_ids (list of int). 12,101 rows, 12,094 titled."""
    import pandas as pd

    path = _folder("amazon-beauty-titles", folder) / "derived_s3rec_Beauty_items.tsv"
    df = pd.read_csv(path, sep="\t", dtype="str", keep_default_na=False, quoting=3)
    df["attribute_ids"] = [[int(a) for a in s.split()] for s in df["s3rec_attribute_ids"]]
    return df[["item_id", "asin", "title", "attribute_ids"]]


def load_gowalla(split: str = "train", *, folder: Path | None = None) -> pd.DataFrame:
    """Gowalla (LightGCN split) as a long frame user_idx, item_idx (int32; the files' remapped ids).

    train 810,128 rows, test 217,242 rows; 29,858 users and 40,981 items over both.
    """
    import numpy as np
    import pandas as pd

    path = _folder("gowalla-lightgcn", folder) / f"{_choice('split', split, ('train', 'test'))}.txt"
    users, _, items = _sequences(path)
    return pd.DataFrame(
        {"user_idx": np.asarray(users, dtype=np.int32), "item_idx": np.asarray(items, dtype=np.int32)}
    )


def load_movielens_100k(kind: str = "inter", *, folder: Path | None = None) -> pd.DataFrame:
    """MovieLens 100K RecBole atomic files with the ``:type`` suffixes removed from the header.

    kind "inter": user_id, item_id (str), rating (float), timestamp (int unix seconds);
    "item": item_id, movie_title, release_year, class; "user": user_id, age, gender, occupation, zip_code.
    """
    import pandas as pd

    path = _folder("movielens-100k", folder) / f"ml-100k.{_choice('kind', kind, ('inter', 'item', 'user'))}"
    df = pd.read_csv(path, sep="\t", dtype="str", keep_default_na=False)
    df.columns = [c.split(":")[0] for c in df.columns]
    if kind == "inter":
        df["rating"] = df["rating"].astype("float64")
        df["timestamp"] = df["timestamp"].astype("float64").astype("int64")
    return df


def load_homedepot(*, folder: Path | None = None) -> pd.DataFrame:
    """Home Depot pairs: id, query, product_uid (str), title, relevance (float 1–3). 51,963 rows."""
    import pandas as pd

    df = pd.read_csv(
        _folder("homedepot", folder) / "train_dev.csv",
        encoding="latin-1",
        dtype={"product_uid": "str", "product_title": "str", "search_term": "str"},
    )
    df = df.rename(columns={"product_title": "title", "search_term": "query"})
    return df[["id", "query", "product_uid", "title", "relevance"]]


_PRICE = re.compile(r"\$\s*(\d[\d,]*)[.\s](\d{2})(?!\d)")


def _first_price(text: object) -> float:
    match = _PRICE.search(text) if isinstance(text, str) else None
    return float(f"{match.group(1).replace(',', '')}.{match.group(2)}") if match else float("nan")


def load_amazon_products_1k(*, folder: Path | None = None) -> pd.DataFrame:
    """1,000 Amazon products: product_id, title, category (levels joined by " > ", "" if none),
    price (float, first price in "Selling Price", NaN if none), description (About Product),
    specification, technical_details, image_url (first image), product_url."""
    import pandas as pd

    raw = pd.read_csv(_folder("amazon-products-1k", folder) / "test_sample_1000.csv", dtype="str")
    text = raw.fillna("")
    return pd.DataFrame(
        {
            "product_id": text["Uniq Id"],
            "title": text["Product Name"],
            "category": text["Category"].str.replace(r"\s*\|\s*", " > ", regex=True),
            "price": raw["Selling Price"].map(_first_price).astype("float64"),
            "description": text["About Product"],
            "specification": text["Product Specification"],
            "technical_details": text["Technical Details"],
            "image_url": text["Image"].str.replace(r"\|.*", "", regex=True),
            "product_url": text["Product Url"],
        }
    )


def _bio_spans(chars: list[str], tags: list[str]) -> list[tuple[str, str, int, int]]:
    """BIO tags -> (text, type, start, end) spans; a stray I- starts a new span."""
    spans: list[tuple[str, str, int, int]] = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        inside = tag.startswith("I-") and tag[2:] == kind and start >= 0
        if start >= 0 and not inside:
            spans.append(("".join(chars[start:i]), kind, start, i))
            start, kind = -1, ""
        if tag.startswith(("B-", "I-")) and not inside:
            start, kind = i, tag[2:]
    return spans


def load_taobao_titles(split: str | None = None, *, folder: Path | None = None) -> pd.DataFrame:
    """Taobao titles parsed from the CoNLL files: split, title, entities (list of (text, type,
    start, end) with character offsets). train 6,000 / dev 998 / test 1,000; ``split`` selects one."""
    import pandas as pd

    root = _folder("taobao-titles-zh", folder)
    splits = (
        ("train", "dev", "test") if split is None else (_choice("split", split, ("train", "dev", "test")),)
    )
    rows = []
    for name in splits:
        text = (root / f"{name}.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
        for block in text.split("\n\n"):
            pairs = [line.rsplit(" ", 1) for line in block.split("\n") if line]
            if pairs:
                chars, tags = zip(*pairs, strict=True)
                rows.append((name, "".join(chars), _bio_spans(list(chars), list(tags))))
    return pd.DataFrame(rows, columns=["split", "title", "entities"])


def load_qbqtc(*, folder: Path | None = None) -> pd.DataFrame:
    """QBQTC dev: id, query, title, label (int 0/1/2). 20,000 rows."""
    import pandas as pd

    df = pd.read_json(
        _folder("qbqtc-zh", folder) / "dev.json", lines=True, dtype={"query": "str", "title": "str"}
    )
    df["label"] = df["label"].astype("int64")
    return df[["id", "query", "title", "label"]]


def load_smp2019(*, folder: Path | None = None) -> pd.DataFrame:
    """SMP2019 NLU train: domain, intent, text (characters joined), chars (list), tags (BIO slot tags)."""
    import pandas as pd

    rows = []
    for line in (_folder("smp2019-zh", folder) / "train.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            domain, intent, chars, tags = line.split("\t")
            rows.append((domain, intent, chars.replace(" ", ""), chars.split(" "), tags.split(" ")))
    return pd.DataFrame(rows, columns=["domain", "intent", "text", "chars", "tags"])


def load_atec(*, folder: Path | None = None) -> pd.DataFrame:
    """ATEC question pairs: id, sentence1, sentence2, label (1 = same question). 39,346 rows."""
    import pandas as pd

    return pd.read_csv(
        _folder("atec-question-matching-zh", folder) / "data/atec_nlp_sim_train.csv",
        sep="\t",
        header=None,
        names=["id", "sentence1", "sentence2", "label"],
        quoting=3,
        dtype={"sentence1": "str", "sentence2": "str"},
        keep_default_na=False,
    )


def load_online_shopping_reviews(*, folder: Path | None = None) -> pd.DataFrame:
    """Chinese shopping reviews: cat, label (1 positive, 0 negative), review ("" when empty, stray
    byte-order marks removed). 62,774 rows."""
    import pandas as pd

    path = _folder("online-shopping-reviews-zh", folder) / "online_shopping_10_cats.zip"
    df = pd.read_csv(path, compression="zip", encoding="utf-8", dtype={"cat": "str", "review": "str"})
    df["review"] = (
        df["review"].fillna("").str.replace("\ufeff", "", regex=False)
    )  # 20 reviews carry a stray BOM
    return df[["cat", "label", "review"]]


def load_abcd_guidelines(*, folder: Path | None = None) -> pd.DataFrame:
    """ABCD agent guidelines, one row per action: flow, flow_description, subflow, step (from 1),
    type, button, text, subtext (list of str), instructions (the subflow's instruction lines)."""
    import pandas as pd

    data = load_abcd_json("guidelines", folder=folder)
    rows = []
    for flow, spec in data.items():
        for subflow, sub in spec["subflows"].items():
            for step, action in enumerate(sub.get("actions", []), start=1):
                rows.append(
                    (
                        flow,
                        spec.get("description", ""),
                        subflow,
                        step,
                        action["type"],
                        action["button"],
                        action["text"],
                        list(action.get("subtext", [])),
                        list(sub.get("instructions", [])),
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "flow",
            "flow_description",
            "subflow",
            "step",
            "type",
            "button",
            "text",
            "subtext",
            "instructions",
        ],
    )


def load_abcd_json(part: str, *, folder: Path | None = None) -> Any:
    """One ABCD JSON file as parsed: part "guidelines", "kb", "ontology" or "sample" (3 dialogues)."""
    name = {"guidelines": "guidelines", "kb": "kb", "ontology": "ontology", "sample": "abcd_sample"}
    path = _folder("abcd-guidelines", folder) / f"data/{name[_choice('part', part, name)]}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _read_idx(path: Path) -> np.ndarray:
    """A gzipped IDX file (MNIST format) as a uint8 array of its stated shape."""
    import gzip

    import numpy as np

    raw = gzip.decompress(path.read_bytes())
    if raw[:2] != b"\x00\x00" or raw[2] != 0x08:
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {data.size} values, header says {shape}")
    return data.reshape(shape)


def load_fashion_mnist(
    part: str = "train_subset", *, folder: Path | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST images (uint8, (N, 28, 28)) and labels (uint8, (N,)).

    part "train" (full 60,000), "train_subset" (first 600 per class, 6,000) or "test_subset"
    (first 200 test images per class, 2,000).
    """
    stems = {
        "train": "full/train",
        "train_subset": "subsets/train_first600perclass",
        "test_subset": "subsets/t10k_first200perclass",
    }
    root = _folder("fashion-mnist", folder)
    stem = stems[_choice("part", part, stems)]
    images = _read_idx(root / f"{stem}-images-idx3-ubyte.gz")
    labels = _read_idx(root / f"{stem}-labels-idx1-ubyte.gz")
    if len(images) != len(labels):
        raise ValueError(f"fashion-mnist {part}: {len(images)} images but {len(labels)} labels")
    return images, labels


def load_online_shoppers_intention(*, folder: Path | None = None) -> pd.DataFrame:
    """Online shoppers sessions: 12,330 rows x 18 columns; Weekend and Revenue are bool, Month and
    VisitorType categorical."""
    import pandas as pd

    df = pd.read_csv(_folder("online-shoppers-intention", folder) / "online_shoppers_intention.csv")
    for col in ("Month", "VisitorType"):
        df[col] = df[col].astype("category")
    return df


LOADERS: dict[str, Callable[..., Any]] = {
    "online-retail-uci": load_online_retail,
    "cdnow": load_cdnow,
    "hillstrom": load_hillstrom,
    "banking77": load_banking77,
    "clinc150": load_clinc150,
    "bitext": load_bitext,
    "amazon-beauty": load_amazon_beauty,
    "amazon-beauty-titles": load_amazon_beauty_titles,
    "gowalla-lightgcn": load_gowalla,
    "movielens-100k": load_movielens_100k,
    "homedepot": load_homedepot,
    "amazon-products-1k": load_amazon_products_1k,
    "taobao-titles-zh": load_taobao_titles,
    "qbqtc-zh": load_qbqtc,
    "smp2019-zh": load_smp2019,
    "atec-question-matching-zh": load_atec,
    "online-shopping-reviews-zh": load_online_shopping_reviews,
    "abcd-guidelines": load_abcd_guidelines,
    "fashion-mnist": load_fashion_mnist,
    "online-shoppers-intention": load_online_shoppers_intention,
}


def load(name: str, **kwargs: Any) -> Any:
    """Load a registered data set by name with its default loader; ``kwargs`` go to that loader."""
    get(name)
    return LOADERS[name](**kwargs)

"""Public data sets: a registry (address, SHA-256, license), fetch/verify, loaders and a converter.

Every set lives in a folder under the datasets directory (``SHOPMIND_DATASETS_DIR`` or
``Settings.datasets_dir``), laid out as ``<datasets dir>/<Dataset.folder>/<DatasetFile.path>``.
The registry records, per file, the canonical public download address (a GitHub
``/raw/<commit>/`` URL, i.e. pinned to one commit), its SHA-256 and size. Files that were
*derived* from an upstream artifact (an unzip, a subset, a re-pack) say how in
``DatasetFile.derived``; ``fetch`` rebuilds the simple ones (``transform``) and names the rest.

Loaders are plain functions ``load_<name>(...)`` returning pandas frames (Fashion-MNIST:
numpy arrays); :func:`load` dispatches by registry name. :func:`online_retail_to_shop` turns
UCI Online Retail into the ShopMind data model (products, customers, orders, order items,
events). Nothing here touches the disk, the network or pandas on import.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

ENV_VAR = "SHOPMIND_DATASETS_DIR"
# progress(file path inside the set, bytes done, total bytes or None when unknown)
Progress = Callable[[str, int, int | None], None]


# ---------------------------------------------------------------------------- errors
class UnknownDatasetError(KeyError):
    """A data set name that is not in the registry; the message lists the valid names."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly
        return str(self.args[0])


class DatasetNotFoundError(FileNotFoundError):
    """A data set (or one of its files) is not available locally."""


class DatasetChecksumError(ValueError):
    """A file's SHA-256 differs from the one in the registry."""


class DatasetFetchError(OSError):
    """A download failed, or a file cannot be rebuilt automatically from its upstream artifact."""


# ---------------------------------------------------------------------------- registry types
@dataclass(frozen=True)
class DatasetFile:
    # Path inside the set's folder, "/"-separated.
    path: str
    # SHA-256 (hex) of the file as it must lie on disk; what `verify` checks.
    sha256: str
    # Size in bytes.
    size: int
    # Canonical download address of the file, or of the upstream artifact it was derived from.
    url: str
    # Name of a transform in TRANSFORMS that turns the download into this file ("" = byte copy).
    transform: str = ""
    # How the file was produced when it is not a byte copy of `url` ("" = byte copy).
    derived: str = ""

    @property
    def fetchable(self) -> bool:
        """Whether `fetch` can produce this exact file from `url` (a byte copy or a known transform)."""
        return not self.derived or bool(self.transform)


@dataclass(frozen=True)
class Dataset:
    # Registry name, e.g. "online-retail-uci".
    name: str
    # Folder under the datasets directory, e.g. "marketing/online-retail-uci".
    folder: str
    # One line: what it is.
    title: str
    # What ShopMind uses it for.
    task: str
    # License as stated by the source (and the underlying data's terms where they differ).
    license: str
    # Canonical public address: the upstream repository at the pinned commit, or the publisher's page.
    homepage: str
    # The registered files (data and license files; not every README).
    files: tuple[DatasetFile, ...]
    # How to cite it.
    citation: str = ""
    # Provenance notes: what was left out, what was derived, caveats.
    notes: str = ""

    def file(self, path: str) -> DatasetFile:
        """The registered file at ``path`` (KeyError naming the known paths otherwise)."""
        for f in self.files:
            if f.path == path:
                return f
        raise KeyError(f"{self.name} has no file {path!r}; files: {', '.join(f.path for f in self.files)}")


def _gh(repo: str, commit: str, path: str) -> str:
    return f"https://github.com/{repo}/raw/{commit}/{path}"


def _tree(repo: str, commit: str, path: str = "") -> str:
    return f"https://github.com/{repo}/tree/{commit}" + (f"/{path}" if path else "")


def _append_crlf(path: Path) -> None:
    data = path.read_bytes()
    if not data.endswith(b"\r\n"):
        path.write_bytes(data + b"\r\n")


def _semicolon_to_comma(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b";", b","))


# Transforms `fetch` applies to a download before checking its SHA-256 (name -> in-place function).
TRANSFORMS: dict[str, Callable[[Path], None]] = {
    "append-crlf": _append_crlf,
    "semicolon-to-comma": _semicolon_to_comma,
}

# ---------------------------------------------------------------------------- the registry
_RETAIL = ("databricks/Spark-The-Definitive-Guide", "4ba5601eb9b9aed1d01ab79775e3af228216ff6f")
_RETAIL_MONTHS = {  # month -> (sha256, size) of monthly/online_retail_<month>.csv.gz
    "2010-12": ("3272f84b623508cfe0540854a8adccf961f3b77af98704e20727e059ab6ead8a", 599802),
    "2011-01": ("704a75aea39bebe9db3c5d1cd21a93e305d828111f4c3d532501536782036d7c", 499947),
    "2011-02": ("d164eca0e382214ae110f6f5e3d41e9448cd3d46da2184ce1e613c380ea6bb1a", 386234),
    "2011-03": ("ccbf7b9c1ed6a43e5a72c7f7d7bbcb59ce9080b5ebe1d427638ca4439fd7dded", 513322),
    "2011-04": ("4d9ddd656e1bf55363029acc3534637a2df2972ab9f0e55278efef65948f4856", 417578),
    "2011-05": ("8680b0ef9f9d74deecc412e413317b8c16a845a87577a0e85cc3c1a23e9c206c", 506552),
    "2011-06": ("d917e6a0bdbecb62f1cd2d7db30a47a4f4fcb146722e0f6a990c76844c5b461a", 516830),
    "2011-07": ("b00e63d2cf1f62e3d6d390bb4c6f6ee97cdf9c970d22e9fed306e1a05637d0c5", 556867),
    "2011-08": ("3de78de682dcaaaddb567a3c9f757830cc55394b50d08e70f9850d019058698a", 493773),
    "2011-09": ("ab5c2787001b69a5aa45c7d6e4a3ad33c07a015b3608702aed2ba3a0c4c03901", 705850),
    "2011-10": ("2f7de1c5a9de8e67050c54744d8b1911a6257c2dcdeb304e9a12798714f6d7a3", 860456),
    "2011-11": ("13f259739e815f19298a949219c1a5a8e9865be6f8dd957bb4df7246fc983cf0", 1206798),
    "2011-12": ("39cb122968feee8d7948b3c60667803ee3f423cc2bb01cbb57eb2748e32af0c2", 368035),
}
_BY_DAY = _tree(*_RETAIL, "data/retail-data/by-day")
_ONLINE_RETAIL = Dataset(
    name="online-retail-uci",
    folder="marketing/online-retail-uci",
    title="UCI Online Retail: 541,909 invoice lines of a UK gift shop, 2010-12 to 2011-12",
    task="real shop data: catalog, customers, orders; RFM, churn, CLV, recommendations",
    license="CC BY 4.0 (UCI); the mirror repository is Apache-2.0",
    homepage=_BY_DAY,
    files=(
        DatasetFile(
            "by-day.tar.gz",
            "e7ef34f13aeb935e4db1da327424115f9858689b4bb1a191fa7b9c026f5355f3",
            7879213,
            _BY_DAY,
            derived="tar.gz of the 305 by-day/*.csv files of the mirror, byte-for-byte",
        ),
        *(
            DatasetFile(
                f"monthly/online_retail_{m}.csv.gz",
                sha,
                size,
                _BY_DAY,
                derived=f"the by-day/{m}-*.csv files concatenated in name order (one header), gzipped",
            )
            for m, (sha, size) in _RETAIL_MONTHS.items()
        ),
    ),
    citation="Chen, Sain & Guo (2012); UCI Machine Learning Repository: Online Retail "
    "(https://archive.ics.uci.edu/dataset/352/online+retail)",
    notes="Rows from the Spark: The Definitive Guide mirror of the UCI file (InvoiceDate reformatted to ISO "
    "by the book authors, CustomerID stored as float text). 25,900 invoices, 4,372 customer ids, plus "
    "135,080 lines without a CustomerID. Cancellations have invoice numbers starting with 'C'. "
    "Both packings are derived here from the by-day folder; fetch cannot rebuild them byte-for-byte.",
)

_CDNOW = ("CamDavidsonPilon/lifetimes", "4f2833f4518621343bb6983eb3e540c11f66ec6a")
_CDNOW_SET = Dataset(
    name="cdnow",
    folder="marketing/cdnow",
    title="CDNOW: 69,659 CD purchases of 23,570 customers, 1997-01 to 1998-06",
    task="RFM, CLV (BG/NBD + Gamma-Gamma)",
    license="MIT (lifetimes package); CDNOW data published by Fader & Hardie for research/teaching",
    homepage=_tree(*_CDNOW, "lifetimes/datasets"),
    files=(
        DatasetFile(
            "lifetimes/datasets/CDNOW_master.txt",
            "eff6889ed364c5199d6eacbbeb7a6d559971df4406ac876f322c373f00a072ef",
            1950500,
            _gh(*_CDNOW, "lifetimes/datasets/CDNOW_master.txt"),
        ),
        DatasetFile(
            "lifetimes/datasets/CDNOW_sample.txt",
            "6fae10155c0b0ba363c2c386e30f77990d22328220efd862a5edd1443420d94a",
            228327,
            _gh(*_CDNOW, "lifetimes/datasets/CDNOW_sample.txt"),
        ),
        DatasetFile(
            "lifetimes/datasets/cdnow_customers_summary.csv",
            "09d92ca80daaabe8be0f997d4c539f9c9606106baa5b199081fe01cbce5fa9f6",
            40079,
            _gh(*_CDNOW, "lifetimes/datasets/cdnow_customers_summary.csv"),
        ),
        DatasetFile(
            "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv",
            "7ddd11b55be3227edfc1d58675154e96971b0de3ad37ddd9280d1dba154b8b2f",
            57085,
            _gh(*_CDNOW, "lifetimes/datasets/cdnow_customers_summary_with_transactions.csv"),
        ),
        DatasetFile(
            "LICENSE.txt",
            "eabba5d927630ba270781bd2704815fd9ec942bceb418ffc05b43fec4d4ac2cc",
            1094,
            _gh(*_CDNOW, "LICENSE.txt"),
        ),
    ),
    citation="Fader, Hardie & Lee (2005), BG/NBD; data as shipped in lifetimes 0.11.3",
    notes="Also inside the PyPI wheel Lifetimes-0.11.3 (byte-identical). Published BG/NBD fit on the 2,357 "
    "sample: r 0.243, alpha 4.414, a 0.793, b 2.426.",
)

_HILL = ("carlosquintanillaa/Datasets", "bd475633095c8a007be32c47ea695abe318197b6")
_HILLSTROM = Dataset(
    name="hillstrom",
    folder="marketing/hillstrom",
    title="Hillstrom MineThatData e-mail campaign: 64,000 customers, 3 arms",
    task="uplift modelling",
    license="none stated; released publicly by Kevin Hillstrom (MineThatData, 2008) for analysis",
    homepage=_tree(*_HILL),
    files=(
        DatasetFile(
            "hillstrom.csv",
            "0e5893329d8b93cefecc571777672028290ab69865718020c78c7284f291aece",
            3964977,
            _gh(*_HILL, "hillstrom.csv"),
            transform="append-crlf",
            derived="the mirror's file lacks the final CRLF; appending it gives the publisher's original",
        ),
    ),
    citation="Kevin Hillstrom, MineThatData E-Mail Analytics and Data Mining Challenge (2008-03-20)",
    notes="Published uplift@30% 0.0661 (women's e-mail vs none, target visit, 50/50 split; scikit-uplift).",
)

_BANK = ("PolyAI-LDN/task-specific-datasets", "57ec275d8078af65b7731c2a98be812d844a6d6b")
_BANKING77 = Dataset(
    name="banking77",
    folder="service/banking77",
    title="BANKING77: 10,003 banking customer-service utterances, 77 intents (train split)",
    task="intent classification",
    license="CC BY 4.0",
    homepage=_tree(*_BANK, "banking_data"),
    files=(
        DatasetFile(
            "train.csv",
            "b06e26ac675513959a63135f11b94ea7786ed02da65db93a5650d8838cbc664b",
            839073,
            _gh(*_BANK, "banking_data/train.csv"),
        ),
        DatasetFile(
            "categories.json",
            "53261da888122daf2d120d925458631d9619e15d82e56052e7a42e535ce32b63",
            2036,
            _gh(*_BANK, "banking_data/categories.json"),
        ),
        DatasetFile(
            "LICENSE",
            "7e7170e3cebf88a9f60c7b8421418323c09304da1af4d5e90f4da1dc1c8a2661",
            18650,
            _gh(*_BANK, "LICENSE"),
        ),
    ),
    citation="Casanueva et al., Efficient Intent Detection with Dual Sentence Encoders, NLP4ConvAI 2020 "
    "(arXiv 2003.04807)",
    notes="The official test split (banking_data/test.csv, 3,080 rows) is not in the local copy; "
    "load_banking77(split='test') reads it when you put it beside train.csv. Published: BERT-Large 93.66%.",
)

_CLINC = ("clinc/oos-eval", "828f8093932c8fe6ca7936c3d2e52903b1c523de")
_CLINC150 = Dataset(
    name="clinc150",
    folder="service/clinc150",
    title="CLINC150: 150 intents in 10 domains + out-of-scope queries (train/val)",
    task="intent classification and out-of-scope detection",
    license="CC BY 3.0",
    homepage=_tree(*_CLINC, "data"),
    files=(
        DatasetFile(
            "data_full_train_val.json",
            "89c77f8722787c36e52954fd90bb3f9f537f716801db4d604efeef32a8cdd09f",
            1120359,
            _gh(*_CLINC, "data/data_full.json"),
            derived="data/data_full.json without its 'test' and 'oos_test' lists (held out locally)",
        ),
        DatasetFile(
            "LICENSE",
            "e6bc9e9c474700b708f568bac9e5a8a9bcb2b1dad53442f5ba449fcb848b8e76",
            19467,
            _gh(*_CLINC, "LICENSE"),
        ),
    ),
    citation="Larson et al., An Evaluation Dataset for Intent Classification and Out-of-Scope Prediction, "
    "EMNLP-IJCNLP 2019",
    notes="train 15,000 + oos_train 100, val 3,000 + oos_val 100. load_clinc150 also reads the upstream "
    "data_full.json (with test) when it lies in the folder. Published: BERT in-scope acc 96.9, "
    "OOS recall 40.3.",
)

_BITEXT_LLM = (
    "bitext/customer-support-llm-chatbot-training-dataset",
    "337b96868e02b40a05f9c0df3290c65a15ea573e",
)
_BITEXT_20K = ("shxunxk/Chatbot", "1e2b735488fbaa376f055533797ea003bb34a4e3")
_BITEXT = Dataset(
    name="bitext",
    folder="service/bitext",
    title="Bitext customer support: 21,534 utterances, 27 e-commerce intents; 4,514 tagged rows + responses",
    task="intent classification, entity extraction, response grounding (generated text, not real logs)",
    license="CDLA-Sharing-1.0",
    homepage=_tree(*_BITEXT_LLM),
    files=(
        DatasetFile(
            "bitext_cs_20k_utterances.csv",
            "40181754755eba808aa949e8d67b65d2923a37b3cb56786705592ef66f45c4ff",
            1798228,
            _tree(
                *_BITEXT_20K,
                "Data/archive/20000-Utterances-Training-dataset-for-chatbots-virtual-assistant-Bitext-sample",
            ),
            derived="TrainingdatasetBitextsample.csv from this folder of the mirror (sub-path not recorded), "
            "byte-for-byte; renamed",
        ),
        DatasetFile(
            "bitext_cs_tagged_4514_with_responses.csv",
            "079b0cec48d34c319c9877b6d178390bf7187a7f7a604958e0ed5a096bba5af6",
            3562316,
            _gh(*_BITEXT_LLM, "data/train/Bitext_Sample_Customer_Support_Training_Dataset.csv"),
        ),
        DatasetFile(
            "LICENSE.txt",
            "f6054388eae4947a769ca2020c54e6d394eb01c41d58db55bb6cfd24ce71cdd8",
            11238,
            _gh(
                "bitext/customer-support-llm-chatbot-training-dataset",
                "bc499b9efef745d1f6de2ce0c99ce281f5cb261e",
                "LICENSE.txt",
            ),
        ),
    ),
    citation="Bitext Innovations, customer-support sample data sets",
    notes="Bitext text is generated (NLG from seed texts). The 20k file says 'check_invoices', the tagged "
    "file "
    "'check_invoice'. No official split: make a seeded one.",
)

_S3REC = ("RUCAIBox/CIKM2020-S3Rec", "2a81540ae18615d88ef88227b0c066e5b74781e5")
_AMAZON_BEAUTY = Dataset(
    name="amazon-beauty",
    folder="recsys/amazon-s3rec",
    title="Amazon Beauty 5-core (S3-Rec): 22,363 users, 12,101 items, 198,502 interactions in time order",
    task="sequential recommendation (leave-one-out, full ranking, HR@10/NDCG@10)",
    license="no LICENSE in the repository; Amazon review data (McAuley et al., UCSD), research use",
    homepage=_tree(*_S3REC, "data"),
    files=(
        DatasetFile(
            "Beauty.txt",
            "226cce9c3105299ca0db9615d7d3fb32b3175e90da43100ae352599f0f0107b8",
            1090094,
            _gh(*_S3REC, "data/Beauty.txt"),
        ),
        DatasetFile(
            "Beauty_item2attributes.json",
            "129e40f67486f6877eff0f5318cfa8530ee8ac23d8b0d1de04e1bb7a2ba0b2d4",
            305674,
            _gh(*_S3REC, "data/Beauty_item2attributes.json"),
        ),
    ),
    citation="Zhou et al., S3-Rec, CIKM 2020; McAuley et al., Amazon review data (2014)",
    notes="One line per user 'user item item ...'. Sports_and_Outdoors and Toys_and_Games of the same repo "
    "are "
    "not registered (not in the local copy).",
)

_TITLES = ("dh-r/LLM-Sequential-Recommendation", "6464b39064f369b251580c63edbf635de0934101")
_BEAUTY_TITLES = Dataset(
    name="amazon-beauty-titles",
    folder="recsys/amazon-beauty-titles",
    title="Product titles for 12,094 of the 12,101 S3-Rec Amazon Beauty items",
    task="content features, cold start, English search over a real catalog",
    license="BSD-3-Clause (Delivery Hero SE); titles from Amazon meta_Beauty (McAuley et al.)",
    homepage=_tree(*_TITLES, "beauty"),
    files=(
        DatasetFile(
            "derived_s3rec_Beauty_items.tsv",
            "1b87ff8a483096748f4d3df6dcca9a9e6466c12fa3ea36345794247e7c932740",
            1171801,
            _gh(*_TITLES, "beauty/products_lookup.csv"),
            derived="join of beauty/products_lookup.csv and beauty/item_id_to_int.json with the S3-Rec "
            "item ids "
            "(via an item-id -> ASIN table) and Beauty_item2attributes.json",
        ),
        DatasetFile(
            "beauty/products_lookup.csv",
            "65133eca0615999df67fc5b26a93a7da762e53e613a083fd6b9e37174896d128",
            961053,
            _gh(*_TITLES, "beauty/products_lookup.csv"),
        ),
        DatasetFile(
            "beauty/item_id_to_int.json",
            "3d1a1d362c7daeddf616057fae8fa24af9d70902fdaf4631852231a9953afa50",
            243011,
            _gh(*_TITLES, "beauty/item_id_to_int.json"),
        ),
        DatasetFile(
            "LICENSE",
            "c0aaf63a6db6ba5e827a2976bcfcf670691729f53431d2dcd5d5381049d65919",
            1529,
            _gh(*_TITLES, "LICENSE"),
        ),
    ),
    citation="McAuley et al., Amazon product data (2014); dh-r/LLM-Sequential-Recommendation",
    notes="Titles only (no prices, descriptions or category names). Join to amazon-beauty by item_id.",
)

_LIGHTGCN = ("gusye1234/LightGCN-PyTorch", "947ca2b3b1d2d3545b114145710cb06c4e57b3d2")
_GOWALLA = Dataset(
    name="gowalla-lightgcn",
    folder="recsys/gowalla-lightgcn",
    title="Gowalla as split for LightGCN: 29,858 users, 40,981 items, 810,128 train / 217,242 test",
    task="graph recommendation (full ranking, Recall@20/NDCG@20)",
    license="grecx_datasets MIT; LightGCN-PyTorch has no LICENSE; Gowalla check-ins from SNAP, research use",
    homepage=_tree(*_LIGHTGCN, "data/gowalla"),
    files=tuple(
        DatasetFile(path, sha, size, _gh(*_LIGHTGCN, f"data/gowalla/{path}"))
        for path, sha, size in (
            ("train.txt", "7244696fdeb23911319cf7b689f2e15a3c4c92549c873a5677b44e3f13cc3e62", 4633414),
            ("test.txt", "099a2a73924e4b754dc6efd730d764f492321b53c38eb93298850c83acf57be3", 1372559),
            ("user_list.txt", "5344c4d0deef610e1f148f23ad216a0db03b36f88834cd39a06786a672c5f5a1", 351203),
            ("item_list.txt", "6b186f92890cc3f0c15a6dae5d6285f125a302bb8c5ea0cd9a16cf9c16347139", 506926),
        )
    ),
    citation="Cho et al. 2011 (SNAP Gowalla); Wang et al., NGCF, SIGIR 2019; He et al., LightGCN, SIGIR 2020",
    notes="Local copy unzipped from maenzhier/grecx_datasets@408a608 gowalla/light_gcn_gowalla.zip; all four "
    "files are byte-identical to LightGCN-PyTorch data/gowalla/ at the pinned commit (train.txt by "
    "git blob).",
)

_RECBOLE = ("RUCAIBox/RecBole", "7b02be5ec80a88310f2d04a27a82adfcbb5dc211")
_MOVIELENS = Dataset(
    name="movielens-100k",
    folder="recsys/movielens-100k",
    title="MovieLens 100K (RecBole atomic files): 943 users, 1,682 movies, 100,000 ratings",
    task="quick recommendation smoke benchmarks",
    license="GroupLens usage licence: research use, no redistribution or commercial use without permission",
    homepage=_tree(*_RECBOLE, "dataset/ml-100k"),
    files=tuple(
        DatasetFile(path, sha, size, _gh(*_RECBOLE, f"dataset/ml-100k/{path}"))
        for path, sha, size in (
            ("ml-100k.inter", "4edb74e2a81178c2ba9ff381495f754f996c4aea351b1272ca36b43da0935eff", 1979230),
            ("ml-100k.item", "51d7cdf777ce5c0f5b32c1d947a4a81fe07d75e78abbe761e0cd4d0756064532", 66632),
            ("ml-100k.user", "4f670007d9cfbeb9807e757209af1555b9bcc186bde25e767f67cb67c6dd5972", 22697),
        )
    ),
    citation="Harper & Konstan, The MovieLens Datasets, ACM TiiS 2015 (https://grouplens.org/datasets/movielens/)",
    notes="Do not ship it inside a product.",
)

_HD = ("andmck1/home-depot", "41fa8373fa0386b99ff159c696da4b7053531723")
_HOMEDEPOT = Dataset(
    name="homedepot",
    folder="search/homedepot",
    title="Home Depot search relevance: 51,963 query-product pairs (70% of the queries), graded 1-3",
    task="search relevance (NDCG@10 per query, split by query)",
    license="Kaggle competition data: competition / non-commercial research only; do not redistribute",
    homepage=_tree(*_HD, "data"),
    files=(
        DatasetFile(
            "train_dev.csv",
            "1ac8f13dd92806e2a4593032431710efac49fa7ac05f9a4ea1fbcebd06348ee5",
            5640628,
            _gh(*_HD, "data/train.csv.zip"),
            derived="train.csv unzipped from data/train.csv.zip (74,067 pairs, 11,795 queries), then the "
            "rows of "
            "70% of the search terms (8,234) kept; the other 30% are held out locally",
        ),
    ),
    citation="Kaggle, Home Depot Product Search Relevance (2016)",
    notes="latin-1 CSV: id, product_uid, product_title, search_term, relevance (mean of >= 3 raters). "
    "The rater "
    "guideline relevance_instructions.docx lies beside it (not registered).",
)

_AP1K = ("ycnliu/ecommerce-rag-pipeline", "0a5b2d0ce31591d270cf7d9681d9f15691f2a26b")
_AMAZON_1K = Dataset(
    name="amazon-products-1k",
    folder="search/amazon-products-1k",
    title="1,000 Amazon.com products (PromptCloud 2020 scrape): name, category path, price, bullet text",
    task="catalog ingestion, English search demo",
    license="repository MIT; scraped rows without a stated data licence: internal demo use only",
    homepage=_tree(*_AP1K, "data"),
    files=(
        DatasetFile(
            "test_sample_1000.csv",
            "5939612d0d077abcbe1389dbaf14a0bd7abfd2916297aadf6fbab53ac37d3a06",
            1984882,
            _gh(*_AP1K, "data/test_sample_1000.csv"),
        ),
        DatasetFile(
            "LICENSE.repo",
            "2757ebe9fe4c9ebf5075d6ca2ef5924cd1cad37bb59fd865bc63e6eda29bedfa",
            1066,
            _gh(*_AP1K, "LICENSE"),
        ),
    ),
    citation="PromptCloud, Amazon.com e-commerce products (Jan 2020) sample",
    notes="Category for 914 rows, a parseable price for 996.",
)

_TAOBAO = ("allanj/ner_incomplete_annotation", "a885c29bba4178885dcf4b674019650775d9512c")
_TAOBAO_SET = Dataset(
    name="taobao-titles-zh",
    folder="search/taobao-titles-zh",
    title="7,998 Taobao product titles with brand / product-type / model spans (Chinese)",
    task="Chinese title and query understanding (NER), Chinese catalog text",
    license="none stated (the authors' 'collected industry dataset'); research use",
    homepage=_tree(*_TAOBAO, "data/ecommerce"),
    files=(
        *(
            DatasetFile(f"{split}.txt", sha, size, _gh(*_TAOBAO, f"data/ecommerce/{split}.txt"))
            for split, sha, size in (
                ("train", "44725556d6ed55dcb143a237f40fa84ffba486dc5776d8ec2ba0af71db02760c", 1573757),
                ("dev", "e49082c36bde626faf567eff1afebb8bae038a41098ab12f6b0e51f260f078c5", 263929),
                ("test", "4efc8f97c4686dd199512cb68f0d438d8d683e261cf66f260e027f0122233c85", 261276),
            )
        ),
        DatasetFile(
            "derived_titles.tsv",
            "5c41ec929b2d44d211a0fa82ade7ddb913f55c48b4a0a919a1fd5841e81d2cc9",
            1483859,
            _gh(*_TAOBAO, "data/ecommerce/train.txt"),
            derived="one row per title (split, title, entities as JSON [text, type]) from the 3 splits",
        ),
    ),
    citation="Jie et al., Better Modeling of Incomplete Annotations for Named Entity Recognition, NAACL 2019",
    notes="CoNLL style, one character and BIO tag per line, CRLF. Tags HCCX product type, HPPX brand, "
    "XH model, "
    "MISC. train 6,000 / dev 998 / test 1,000 titles.",
)

_QBQTC = ("CLUEbenchmark/QBQTC", "37a90b8923ae3b23e55e16ed1e2a6389574d8837")
_QBQTC_SET = Dataset(
    name="qbqtc-zh",
    folder="search/qbqtc-zh",
    title="QBQTC: 20,000 Chinese web-search query-title pairs graded 0/1/2 (dev split)",
    task="Chinese relevance sanity checks (web search, not shopping)",
    license="none stated",
    homepage=_tree(*_QBQTC),
    files=(
        DatasetFile(
            "dev.json",
            "8f1bbc0d0aa1cefd9cfd5424d8e3060af81d8adfa15d2b0c6931417831f4e51b",
            2861827,
            _gh(*_QBQTC, "dataset/dev.json"),
        ),
    ),
    citation="CLUEbenchmark, QBQTC (QQ Browser Query Title Corpus)",
    notes="JSON lines {id, query, title, label}. train.json and test_public.json are not in the local copy.",
)

_SMP = ("silverriver/NLP_Course", "842b4757577c10dbf802d84a33703da5cc9bcca0")
_SMP_DIR = "greedy_project/Dialog/data/NLU"
_SMP2019 = Dataset(
    name="smp2019-zh",
    folder="service/smp2019-zh",
    title="SMP2019-ECDT Chinese NLU train: 2,464 utterances with domain, intent and BIO slots",
    task="Chinese intent classification and slot filling (not e-commerce)",
    license="none stated; SMP2019-ECDT evaluation data, research use",
    homepage=_tree(*_SMP, _SMP_DIR),
    files=tuple(
        DatasetFile(path, sha, size, _gh(*_SMP, f"{_SMP_DIR}/{path}"))
        for path, sha, size in (
            ("train.txt", "c7f45a592487670d2cb38e4af46f64a0adb723b49bd086e2a2b0dc5e05d3c4f6", 246614),
            ("intent_vocab.txt", "102032c9ebbf6aeae1355165e9911175be280416a342dddfd6d7a47e9053a475", 212),
            ("slot_vocab.txt", "fa3e0a97cf6fda750f1d66e77b509d698fa7715b600caf390dfc312ba274ca64", 1400),
            ("open_domain.txt", "95cb2ee7021b75c267e52ca1347b49ee85d8d32e0254322d9aa3ba337a7af9be", 58558),
        )
    ),
    citation="SMP2019 ECDT Task 1 (CIPS-SMP / iFLYTEK)",
    notes="train.txt mixes in ~400 open-domain chit-chat lines (domain 'chat_domain'). dev.txt and "
    "raw_train.json "
    "are not in the local copy.",
)

_ATEC = ("liuaiting/ATEC", "16b0f9a895120cd17e94f45bc96890bf42212f97")
_ATEC_SET = Dataset(
    name="atec-question-matching-zh",
    folder="service/atec-question-matching-zh",
    title="ATEC 2018: 39,346 Chinese customer-service question pairs labelled same/different",
    task="Chinese FAQ matching",
    license="repository Apache-2.0; Ant Financial competition data without a separate licence: research use",
    homepage=_tree(*_ATEC, "data"),
    files=(
        DatasetFile(
            "data/atec_nlp_sim_train.csv",
            "3829a42ae79f5dcdbae176a4e371a4fdadba8e8afe7ebb5d5f83eb2ea89fb47c",
            3485312,
            _gh(*_ATEC, "data/atec_nlp_sim_train.csv"),
        ),
        DatasetFile(
            "LICENSE",
            "c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4",
            11357,
            _gh(*_ATEC, "LICENSE"),
        ),
    ),
    citation="Ant Financial, ATEC 2018 NLP question matching",
    notes="Raw source of CLUE AFQMC, not its split. atec_nlp_sim_test.csv (unlabelled copies of the "
    "first 3,000 "
    "train pairs) is not registered.",
)

_REVIEWS = ("SophonPlus/ChineseNlpCorpus", "a0b781d72158bde242c0626c9e354d2b328865ff")
_REVIEWS_SET = Dataset(
    name="online-shopping-reviews-zh",
    folder="service/online-shopping-reviews-zh",
    title="62,774 Chinese online-shopping reviews in 10 categories, positive/negative",
    task="Chinese sentiment (frustration -> human handoff)",
    license="none stated",
    homepage=_tree(*_REVIEWS, "datasets/online_shopping_10_cats"),
    files=(
        DatasetFile(
            "online_shopping_10_cats.zip",
            "6816ded66fde9d0927ecbd370b5e12d0174d1abac35192ec014ac2a0a8d25858",
            4084428,
            _gh(*_REVIEWS, "datasets/online_shopping_10_cats/online_shopping_10_cats.zip"),
        ),
    ),
    citation="SophonPlus ChineseNlpCorpus, online_shopping_10_cats",
    notes="The zip holds online_shopping_10_cats.csv (UTF-8 BOM; cat, label, review). No official split.",
)

_ABCD = ("asappresearch/abcd", "6b8700ce67c6b37b062dd7a60abc76d7ef832a97")
_ABCD_SET = Dataset(
    name="abcd-guidelines",
    folder="service/abcd-guidelines",
    title="ABCD customer-service ontology (55 subflows), agent guidelines, knowledge base, 3 dialogues",
    task="policy / FAQ knowledge, multi-turn flows",
    license="MIT",
    homepage=_tree(*_ABCD, "data"),
    files=(
        *(
            DatasetFile(f"data/{name}", sha, size, _gh(*_ABCD, f"data/{name}"))
            for name, sha, size in (
                (
                    "guidelines.json",
                    "9264557941df24fe075138a632a2345172971573124a354ccb2ceee2a12e4c2a",
                    95293,
                ),
                ("kb.json", "7b1cdb1002e3353451f9a3c3f389f1eabd8ae5d46c1d76f567c71819711f3857", 5186),
                ("ontology.json", "2e1c1d763518ba084ada7f7bc8b54f0b489c81da3b170875cf9340891e06524c", 5770),
                (
                    "abcd_sample.json",
                    "151e0c487493ab376bb5115538f3bfd6d2f460c94f9daa5cdf04e55bccdf4808",
                    38934,
                ),
            )
        ),
        DatasetFile(
            "LICENSE",
            "3ab7e179a7f13027b7bc64293541f0e9beacca3701cade67fb8fce78c2d9317b",
            1071,
            _gh(*_ABCD, "LICENSE"),
        ),
    ),
    citation="Chen et al., Action-Based Conversations Dataset, NAACL 2021",
    notes="The full corpus (data/abcd_v1.1.json.gz, 10,042 dialogues) is not in the local copy.",
)

_FMNIST = ("zalandoresearch/fashion-mnist", "b2617bb6d3ffa2e429640350f613e3291e10b141")
_FMNIST_DEB = "Debian package dataset-fashion-mnist 0.0~git20200523.55506a9-1"


def _fm(path: str, sha: str, size: int, upstream: str, derived: str) -> DatasetFile:
    return DatasetFile(path, sha, size, _gh(*_FMNIST, f"data/fashion/{upstream}"), derived=derived)


_FASHION_MNIST = Dataset(
    name="fashion-mnist",
    folder="synth/fashion-mnist",
    title="Fashion-MNIST product images (28x28 grey, 10 classes): 60k train; 6,000 / 2,000 subsets",
    task="image GAN, class-conditional generation",
    license="MIT",
    homepage=_tree(*_FMNIST),
    files=(
        _fm(
            "full/train-images-idx3-ubyte.gz",
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            26421856,
            "train-images-idx3-ubyte.gz",
            f"from the {_FMNIST_DEB}: same decompressed bytes as Zalando's file, re-compressed",
        ),
        _fm(
            "full/train-labels-idx1-ubyte.gz",
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            29491,
            "train-labels-idx1-ubyte.gz",
            f"from the {_FMNIST_DEB}: same decompressed bytes as Zalando's file, re-compressed",
        ),
        _fm(
            "subsets/train_first600perclass-images-idx3-ubyte.gz",
            "f22830c9aef10539f43736bea148cd77be3de27904ef00d9470ca47fe178e2c5",
            2615886,
            "train-images-idx3-ubyte.gz",
            "the first 600 train images of each class (IDX, gzip mtime 0)",
        ),
        _fm(
            "subsets/train_first600perclass-labels-idx1-ubyte.gz",
            "ad45c74c4d8c47dfe9155e19bb2fe8671cd2ad47bf6d7a03491eba2be16dd070",
            3119,
            "train-labels-idx1-ubyte.gz",
            "labels of the first 600 train images of each class",
        ),
        _fm(
            "subsets/t10k_first200perclass-images-idx3-ubyte.gz",
            "9008f129e54e8cae2bd677346341cc34fad262ddc7525d2e1bea950e26e8e9ce",
            872950,
            "t10k-images-idx3-ubyte.gz",
            "the first 200 test images of each class (IDX, gzip mtime 0)",
        ),
        _fm(
            "subsets/t10k_first200perclass-labels-idx1-ubyte.gz",
            "bd494bbe302afe79b059834b1cc834f3bf324cb9e69f4391b989bc9015daa823",
            1073,
            "t10k-labels-idx1-ubyte.gz",
            "labels of the first 200 test images of each class",
        ),
        DatasetFile(
            "LICENSE",
            "13ef4788476d292858fa60eb9a5f74aeca5c65770bc885ccaa05823a17ef7be1",
            1109,
            _gh(*_FMNIST, "LICENSE"),
        ),
    ),
    citation="Xiao, Rasul & Vollgraf, Fashion-MNIST (arXiv 1708.07747, 2017)",
    notes="The full 10k test set is not in the local copy. Subset source indices: subsets/*_indices.txt.",
)

_OSI = ("remijul/dataset", "2932bc420070530ea009719fad7dd688d3a3bb61")
_SHOPPERS = Dataset(
    name="online-shoppers-intention",
    folder="synth/online-shoppers-intention",
    title="Online Shoppers Purchasing Intention: 12,330 sessions x 18 mixed columns (label Revenue)",
    task="tabular GAN fidelity / utility",
    license="CC BY 4.0 (UCI)",
    homepage=_tree(*_OSI),
    files=(
        DatasetFile(
            "online_shoppers_intention.csv",
            "b3055ee355f59134d851d32641183cb4a8b45def7124d2f50442a042f358e0d9",
            1072063,
            _gh(*_OSI, "online_shoppers_intention.csv"),
            transform="semicolon-to-comma",
            derived="the mirror's copy is ';'-separated; every ';' replaced by ',' (UCI layout, same size)",
        ),
    ),
    citation="Sakar et al., Neural Computing & Applications 2019; UCI Machine Learning Repository "
    "(https://archive.ics.uci.edu/dataset/468/online+shoppers+purchasing+intention+dataset)",
    notes="Revenue TRUE for 1,908 sessions (15.5%).",
)

REGISTRY: dict[str, Dataset] = {
    ds.name: ds
    for ds in (
        _ONLINE_RETAIL,
        _CDNOW_SET,
        _HILLSTROM,
        _BANKING77,
        _CLINC150,
        _BITEXT,
        _AMAZON_BEAUTY,
        _BEAUTY_TITLES,
        _GOWALLA,
        _MOVIELENS,
        _HOMEDEPOT,
        _AMAZON_1K,
        _TAOBAO_SET,
        _QBQTC_SET,
        _SMP2019,
        _ATEC_SET,
        _REVIEWS_SET,
        _ABCD_SET,
        _FASHION_MNIST,
        _SHOPPERS,
    )
}


# ---------------------------------------------------------------------------- lookup, verify, fetch
def get(name: str) -> Dataset:
    """The registered data set ``name``; :class:`UnknownDatasetError` lists the valid names."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownDatasetError(
            f"unknown data set {name!r}; valid names: {', '.join(sorted(REGISTRY))}"
        ) from None


def _resolve(dataset: str | Dataset) -> Dataset:
    return dataset if isinstance(dataset, Dataset) else get(dataset)


def datasets_dir() -> Path | None:
    """The local datasets folder: ``Settings.datasets_dir``, else ``$SHOPMIND_DATASETS_DIR``, else None."""
    try:
        from shopmind.config import get_settings
    except ImportError:
        get_settings = None
    if get_settings is not None:
        configured = getattr(get_settings(), "datasets_dir", None)
        if configured:
            return Path(configured).expanduser()
    value = os.environ.get(ENV_VAR, "").strip()
    return Path(value).expanduser() if value else None


def _fetch_hint(name: str) -> str:
    return f"set {ENV_VAR} to the folder holding it, or run `shopmind datasets fetch {name}`"


def locate(dataset: str | Dataset, root: Path | None = None) -> Path:
    """The local folder of a data set, after checking that every registered file is there.

    ``root`` overrides the datasets folder. Raises :class:`DatasetNotFoundError` naming the
    first missing file, the environment variable and the fetch command.
    """
    ds = _resolve(dataset)
    root = root if root is not None else datasets_dir()
    if root is None:
        raise DatasetNotFoundError(f"data set {ds.name!r}: {ENV_VAR} is not set; {_fetch_hint(ds.name)}")
    folder = Path(root) / ds.folder
    for f in ds.files:
        if not (folder / f.path).is_file():
            raise DatasetNotFoundError(
                f"data set {ds.name!r}: missing file {folder / f.path} ({ENV_VAR}={root}); "
                f"{_fetch_hint(ds.name)}"
            )
    return folder


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _problem(folder: Path, f: DatasetFile) -> str | None:
    path = folder / f.path
    if not path.is_file():
        return f"{path}: missing"
    size = path.stat().st_size
    if size != f.size:
        return f"{path}: size {size:,} bytes, expected {f.size:,}"
    actual = sha256_file(path)
    if actual != f.sha256:
        return f"{path}: sha256 {actual}, expected {f.sha256}"
    return None


def verify(dataset: str | Dataset, root: Path | None = None) -> list[str]:
    """Compare every local file of a data set with the registry; returns the problems (empty = all good)."""
    ds = _resolve(dataset)
    root = root if root is not None else datasets_dir()
    if root is None:
        raise DatasetNotFoundError(f"data set {ds.name!r}: {ENV_VAR} is not set; {_fetch_hint(ds.name)}")
    folder = Path(root) / ds.folder
    return [p for f in ds.files if (p := _problem(folder, f)) is not None]


def _download(f: DatasetFile, target: Path, progress: Progress | None, timeout: float) -> None:
    """Stream ``f.url`` into ``target`` via a ``.part`` file: transform, SHA-256 check, atomic rename."""
    import httpx

    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with httpx.stream("GET", f.url, follow_redirects=True, timeout=timeout) as response:
            response.raise_for_status()
            length = response.headers.get("content-length")
            total = int(length) if length and length.isdigit() else None
            done = 0
            with part.open("wb") as out:
                for block in response.iter_bytes(1 << 20):
                    out.write(block)
                    digest.update(block)
                    done += len(block)
                    if progress is not None:
                        progress(f.path, done, total)
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        part.unlink(missing_ok=True)
        raise DatasetFetchError(f"downloading {f.url} for {f.path} failed: {exc}") from exc
    actual = digest.hexdigest()
    if f.transform:
        TRANSFORMS[f.transform](part)
        actual = sha256_file(part)
    if actual != f.sha256:
        part.unlink(missing_ok=True)
        raise DatasetChecksumError(
            f"{f.path} from {f.url}: sha256 {actual}, expected {f.sha256}; the file was not kept"
        )
    os.replace(part, target)


def fetch(
    dataset: str | Dataset,
    dest: Path | None = None,
    progress: Progress | None = None,
    *,
    timeout: float = 60.0,
) -> Path:
    """Make a data set available under ``dest/<folder>`` and return that folder.

    ``dest`` defaults to the datasets folder. Per file: already in ``dest`` with the right
    SHA-256 → kept; present with the right SHA-256 in the local datasets folder → copied (no
    network); otherwise downloaded from its ``url`` with ``httpx`` (streamed, transformed when
    the registry says so, SHA-256 checked, renamed into place atomically). Files that cannot be
    rebuilt from upstream automatically (``derived`` without ``transform``) are named in a
    :class:`DatasetFetchError` with their upstream address and how they were made.
    """
    ds = _resolve(dataset)
    local = datasets_dir()
    root = Path(dest) if dest is not None else local
    if root is None:
        raise DatasetFetchError(f"no target folder for {ds.name!r}: pass dest or set {ENV_VAR}")
    folder = root / ds.folder
    mirror = local / ds.folder if local is not None else None
    manual: list[str] = []
    for f in ds.files:
        target = folder / f.path
        if _problem(folder, f) is None:
            continue
        if mirror is not None and mirror.resolve() != folder.resolve() and _problem(mirror, f) is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            shutil.copyfile(mirror / f.path, part)
            os.replace(part, target)
            log.info("%s: copied %s from %s", ds.name, f.path, mirror)
        elif f.fetchable:
            log.info("%s: downloading %s from %s", ds.name, f.path, f.url)
            _download(f, target, progress, timeout)
        else:
            manual.append(f"{f.path} <- {f.url} ({f.derived})")
    if manual:
        raise DatasetFetchError(
            f"data set {ds.name!r}: {len(manual)} file(s) cannot be rebuilt automatically; make them "
            f"as described and put them under {folder}: " + "; ".join(manual)
        )
    return folder


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


# ---------------------------------------------------------------------------- online retail -> ShopMind model
_NOT_ID = re.compile(r"[^A-Za-z0-9_.:@/-]+")


def _as_id(values: pd.Series) -> pd.Series:
    """External ids: characters outside the id alphabet become "_" (e.g. "BANK CHARGES" -> "BANK_CHARGES")."""
    return values.astype("str").str.strip().str.replace(_NOT_ID, "_", regex=True)


def _mode(df: pd.DataFrame, key: str, col: str) -> pd.Series:
    """The most common ``col`` per ``key`` (ties: the smallest value)."""
    counts = df.groupby([key, col], observed=True).size().reset_index(name="_n")
    counts = counts.sort_values([key, "_n", col], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates(key).set_index(key)[col]


def _utc(values: pd.Series) -> pd.Series:
    return values.dt.tz_localize("UTC") if values.dt.tz is None else values.dt.tz_convert("UTC")


def _retail_products(df: pd.DataFrame, stock: int) -> pd.DataFrame:
    import pandas as pd

    first_sale = df.groupby("product_id")["InvoiceDate"].min()
    titles = _mode(df.dropna(subset=["Description"]), "product_id", "Description").str.strip()
    prices = _mode(df[df["UnitPrice"] > 0], "product_id", "UnitPrice")
    codes = df.drop_duplicates("product_id").set_index("product_id")["StockCode"]
    ids = first_sale.index
    title = titles.reindex(ids)
    title = title.where(title.notna() & (title.str.len() > 0), pd.Series(ids, index=ids))
    n = len(ids)
    return pd.DataFrame(
        {
            "product_id": pd.array(ids, dtype="str"),
            "title": pd.array(title.to_numpy(), dtype="str"),
            "description": [""] * n,
            "category": [""] * n,
            "brand": [""] * n,
            "price": prices.reindex(ids).fillna(0.0).to_numpy(dtype="float64"),
            "currency": ["GBP"] * n,
            "attributes": [{"stock_code": str(c), "source": "online-retail-uci"} for c in codes.reindex(ids)],
            "stock": [int(stock)] * n,
            "image_url": [""] * n,
            "lang": ["en"] * n,
            "created_at": first_sale.array,
        }
    )


def online_retail_to_shop(frame: pd.DataFrame, *, stock: int = 100) -> dict[str, pd.DataFrame]:
    """UCI Online Retail lines (from :func:`load_online_retail`) → ShopMind frames.

    Returns ``products``, ``customers``, ``orders``, ``order_items`` and ``events`` with the
    data model's columns. Choices, all deterministic:

    - Timestamps have no zone in the source; they are read as UTC.
    - ``products`` come from every line (guest sales too): id = StockCode with characters outside
      the id alphabet replaced by "_", title = most common Description (the id when none), price =
      most common positive UnitPrice (0.0 when none), created_at = first sale. The source has no
      stock levels, so every product gets ``stock`` units (0 would make the catalog look sold out).
    - Lines without a CustomerID (135,080 of 541,909; guest checkouts and manual adjustments such
      as "A…" bad-debt invoices) are **dropped** from customers, orders, order items and events:
      an order needs a customer. The counts are logged.
    - ``orders``: one per invoice; "C…" invoices are ``cancelled`` (their negative quantities
      become positive item quantities), all others ``delivered``; placed_at = earliest line;
      total = Σ quantity × unit_price of its items (rounded to cents); shipping_address = country.
    - ``events``: one ``purchase`` per line of a non-cancelled invoice, event_id "or-<invoice>-<line>",
      session_id = invoice, value = quantity.
    """
    import numpy as np
    import pandas as pd

    df = frame.copy()
    df["product_id"] = _as_id(df["StockCode"])
    df["InvoiceDate"] = _utc(pd.to_datetime(df["InvoiceDate"]))
    products = _retail_products(df, stock)

    known = df[df["CustomerID"].notna()].copy()
    log.info(
        "online retail: %d of %d lines have no CustomerID; left out of customers, orders and events",
        len(df) - len(known),
        len(df),
    )
    known["customer_id"] = known["CustomerID"].astype("int64").astype("str")
    known["order_id"] = _as_id(known["InvoiceNo"])
    known["Country"] = known["Country"].astype("str")
    known["quantity"] = known["Quantity"].abs().astype("int64")
    known["line_no"] = known.groupby("order_id", sort=False).cumcount().astype("int64") + 1

    signup = known.groupby("customer_id")["InvoiceDate"].min()
    customers = pd.DataFrame(
        {
            "customer_id": signup.index.astype("str"),
            "name": "",
            "email": "",
            "country": _mode(known, "customer_id", "Country").reindex(signup.index).to_numpy(),
            "city": "",
            "lang": "en",
            "signup_at": signup.array,
        }
    )

    order_items = known[["order_id", "line_no", "product_id", "quantity"]].copy()
    order_items["unit_price"] = known["UnitPrice"].astype("float64")
    order_items = order_items.reset_index(drop=True)

    amount = known["quantity"] * known["UnitPrice"]
    grouped = known.assign(_amount=amount).groupby("order_id", sort=False)
    heads = grouped.agg(
        customer_id=("customer_id", "first"),
        placed_at=("InvoiceDate", "min"),
        total=("_amount", "sum"),
        shipping_address=("Country", "first"),
    )
    cancelled = heads.index.str.startswith("C")
    orders = pd.DataFrame(
        {
            "order_id": heads.index.astype("str"),
            "customer_id": heads["customer_id"].to_numpy(),
            "status": np.where(cancelled, "cancelled", "delivered"),
            "placed_at": heads["placed_at"].array,
            "currency": "GBP",
            "total": heads["total"].round(2).to_numpy(dtype="float64"),
            "shipping_address": heads["shipping_address"].to_numpy(),
            "tracking_number": "",
            "carrier": "",
        }
    )

    bought = known[~known["order_id"].str.startswith("C")]
    events = pd.DataFrame(
        {
            "event_id": "or-" + bought["order_id"] + "-" + bought["line_no"].astype("str"),
            "customer_id": bought["customer_id"],
            "session_id": bought["order_id"],
            "type": "purchase",
            "product_id": bought["product_id"],
            "query": None,
            "value": bought["quantity"].astype("float64"),
            "ts": bought["InvoiceDate"],
        }
    ).reset_index(drop=True)
    log.info(
        "online retail -> %d products, %d customers, %d orders (%d cancelled), %d items, %d events",
        len(products),
        len(customers),
        len(orders),
        int(cancelled.sum()),
        len(order_items),
        len(events),
    )
    return {
        "products": products,
        "customers": customers,
        "orders": orders,
        "order_items": order_items,
        "events": events,
    }

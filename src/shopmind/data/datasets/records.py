"""The registered public data sets: one record per set and file, data only.

A :class:`Dataset` names its folder under the datasets directory, what it is, its license and
citation; each :class:`DatasetFile` its canonical public download address (a GitHub
``/raw/<commit>/`` URL, i.e. pinned to one commit), SHA-256 and size. Files that were *derived*
from an upstream artifact (an unzip, a subset, a re-pack) say how in ``DatasetFile.derived``;
``transform`` names the step :func:`shopmind.data.datasets.files.fetch` replays for the simple ones.
Looking sets up, finding, verifying and fetching them is :mod:`.files`.
"""

from __future__ import annotations

from dataclasses import dataclass


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

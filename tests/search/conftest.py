"""Shared search fixtures: a small bilingual catalog indexed lexical-only (fast) or hybrid."""

from __future__ import annotations

import pytest

from shopmind.search.index import IndexConfig, ProductIndex
from shopmind.search.service import SearchConfig, SearchService


def item(pid: str, title: str, **kw) -> dict:
    base = {
        "product_id": pid,
        "title": title,
        "price": 100.0,
        "currency": "CNY",
        "stock": 5,
        "category": "",
        "brand": "",
        "description": "",
        "attributes": {},
        "lang": "en",
    }
    return base | kw


CATALOG = [
    item(
        "P1",
        "Apple iPhone 15 128GB Black",
        brand="Apple",
        category="Electronics > Smartphones",
        price=5999,
        attributes={"colour": "Black", "颜色": "黑色", "storage": "128GB", "category_zh": "数码电子 > 手机"},
    ),
    item(
        "P2",
        "Soundwave Wireless Earbuds White",
        brand="Soundwave",
        category="Electronics > Earbuds",
        price=299,
        attributes={
            "colour": "White",
            "颜色": "白色",
            "feature": "Wireless",
            "特点": "无线",
            "category_zh": "数码电子 > 耳机",
        },
    ),
    item(
        "P3",
        "花漾 红色 真丝 连衣裙",
        brand="花漾",
        category="Clothing > Dresses",
        price=399,
        lang="zh",
        attributes={
            "colour": "Red",
            "颜色": "红色",
            "material": "Silk",
            "材质": "真丝",
            "size": "M",
            "尺码": "M",
            "category_zh": "服装 > 连衣裙",
        },
    ),
    item(
        "P4",
        "花漾 蓝色 纯棉 连衣裙",
        brand="花漾",
        category="Clothing > Dresses",
        price=159,
        lang="zh",
        attributes={
            "colour": "Blue",
            "颜色": "蓝色",
            "material": "Cotton",
            "材质": "纯棉",
            "size": "L",
            "尺码": "L",
            "category_zh": "服装 > 连衣裙",
        },
    ),
    item(
        "P5",
        "Northline Black Leather Jacket",
        brand="Northline",
        category="Clothing > Jackets",
        price=899,
        attributes={
            "colour": "Black",
            "颜色": "黑色",
            "material": "Leather",
            "材质": "皮革",
            "category_zh": "服装 > 外套",
        },
    ),
    item(
        "P6",
        "Northline Navy Wool Coat",
        brand="Northline",
        category="Clothing > Jackets",
        price=699,
        stock=0,
        attributes={
            "colour": "Navy",
            "颜色": "藏青色",
            "material": "Wool",
            "材质": "羊毛",
            "category_zh": "服装 > 外套",
        },
    ),
    item(
        "P7",
        "Basic Cotton T-shirt Grey",
        brand="Bloom",
        category="Clothing > T-shirts",
        price=49,
        attributes={
            "colour": "Grey",
            "颜色": "灰色",
            "material": "Cotton",
            "材质": "纯棉",
            "size": "XL",
            "尺码": "XL",
            "category_zh": "服装 > T恤",
        },
    ),
]


@pytest.fixture
def lexical_service(tmp_path) -> SearchService:
    index = ProductIndex(IndexConfig(dense=False))
    index.upsert(CATALOG)
    cfg = SearchConfig(mode="lexical", log_events=False, pins_path=str(tmp_path / "pins.json"))
    return SearchService(None, cfg, index=index)

"""Traditional ↔ Simplified Chinese characters (shopmind.text.script, OpenCC's tables)."""

from __future__ import annotations

import threading

import pytest

from shopmind.text.script import script_of, to_simplified, to_traditional


def test_traditional_characters_become_simplified_and_the_rest_is_kept():
    assert to_simplified("我的訂單O614208到哪了？") == "我的订单O614208到哪了？"
    assert to_simplified("退貨label幫我開一個 😩") == "退货label帮我开一个 😩"
    for same in ("我的订单到哪了", "where is my order", "", "O000123", "好的"):
        assert to_simplified(same) == same


def test_conversion_is_idempotent_and_keeps_cantonese_that():
    text = "我想退返嗰條牛仔褲，係咪要寄返去？"
    once = to_simplified(text)
    assert once == "我想退返嗰条牛仔裤，系咪要寄返去？"  # 嗰 stays (OpenCC would write 𠮶)
    assert to_simplified(once) == once


def test_simplified_to_traditional_standard_taiwan_and_hong_kong():
    assert to_traditional("我的订单到哪了") == "我的訂單到哪了"
    assert to_traditional("为您转接", "tw") == "為您轉接" and to_traditional("为您转接") == "爲您轉接"
    assert to_traditional("这个软件怎么用", "tw", words=True) == "這個軟體怎麼用"  # Taiwan's word
    assert to_simplified(to_traditional("退款什么时候到账", "hk")) == "退款什么时候到账"
    with pytest.raises(ValueError, match="region"):
        to_traditional("订单", "mo")


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("我的訂單到哪了", "traditional"),
        ("謝謝", "traditional"),
        ("我的订单到哪了", "simplified"),
        ("订单O614208显示已发货，但物流三日冇更新，係咪卡住咗？", "simplified"),  # one 係 among many
        ("好的", ""),
        ("where is my order", ""),
        ("", ""),
    ],
)
def test_script_of_a_message(text, script):
    assert script_of(text) == script


def test_converters_work_from_several_threads():
    got: list[str] = []

    def work():
        got.extend(to_simplified("訂單已發貨") for _ in range(200))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == ["订单已发货"] * 800

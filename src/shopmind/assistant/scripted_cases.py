"""The scripted multi-turn conversations (English and Chinese) the assistant is evaluated on.

Each case names the kind of customer/order it needs (``needs``, chosen from the shop's data by
:mod:`shopmind.assistant.scripted`), the customer's messages (``{order}``, ``{other}``,
``{foreign}``, ``{wrong}``, ``{address}`` are filled in) and machine-checked success conditions.
The phrasings are written for this suite, not taken from the NLU's training examples.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str  # unique id
    category: str  # what is being tested (the benchmark groups by it)
    lang: str  # language of the customer's messages
    needs: str  # picker: shipped cancellable delivered_in delivered_out two_orders foreign switch any
    turns: tuple[str, ...]  # the customer's messages
    checks: tuple[tuple, ...]  # (check name, *args), see scripted.check
    heldout: bool = False  # written after the dialogue rules were settled; scored once


ADDRESS_EN = "12 Harbour Road, Flat 3, Brighton BN1 2AB, United Kingdom"
ADDRESS_ZH = "上海市徐汇区漕溪北路88号3号楼502室"

CASES: tuple[Case, ...] = (
    # --- tracking
    Case(
        "track-en-1",
        "tracking",
        "en",
        "shipped",
        ("Hi, where is my order {order}?",),
        (("reply_has", "{tracking}"), ("lang",), ("no_handoff",)),
    ),
    Case(
        "track-en-2",
        "tracking",
        "en",
        "shipped",
        ("Could you give me the tracking number for {order} please",),
        (("reply_has", "{tracking}"), ("lang",)),
    ),
    Case(
        "track-zh-1",
        "tracking",
        "zh",
        "shipped",
        ("我的订单{order}现在到哪里了？",),
        (("reply_has", "{tracking}"), ("lang",), ("no_handoff",)),
    ),
    Case(
        "track-zh-2",
        "tracking",
        "zh",
        "shipped",
        ("帮我查一下{order}的快递单号",),
        (("reply_has", "{tracking}"), ("lang",)),
    ),
    # --- missing order number: the assistant lists recent orders, then remembers the choice
    Case(
        "missing-en-1",
        "missing_order",
        "en",
        "shipped",
        ("Where's my parcel? It still hasn't arrived", "{order}"),
        (("asked_order",), ("reply_has", "{tracking}"), ("lang",)),
    ),
    Case(
        "missing-en-2",
        "missing_order",
        "en",
        "cancellable",
        ("I want to cancel my order", "{order}", "yes please"),
        (("asked_order",), ("status", "cancelled"), ("timeline_note", "by assistant"), ("lang",)),
    ),
    Case(
        "missing-zh-1",
        "missing_order",
        "zh",
        "shipped",
        ("我的包裹怎么还没到", "{order}"),
        (("asked_order",), ("reply_has", "{tracking}"), ("lang",)),
    ),
    Case(
        "missing-zh-2",
        "missing_order",
        "zh",
        "cancellable",
        ("我要取消订单", "{order}", "确认取消"),
        (("asked_order",), ("status", "cancelled"), ("lang",)),
    ),
    # --- cancel before shipping, with an explicit confirmation turn
    Case(
        "cancel-en-1",
        "cancel",
        "en",
        "cancellable",
        ("Please cancel order {order}, I ordered it by mistake", "yes"),
        (
            ("confirm_asked",),
            ("status", "cancelled"),
            ("timeline_note", "by assistant"),
            ("message_meta_action", "cancel_order"),
        ),
    ),
    Case(
        "cancel-en-2",
        "cancel",
        "en",
        "cancellable",
        ("Can I cancel {order}?", "no, actually keep it"),
        (("confirm_asked",), ("status_unchanged",), ("no_change",)),
    ),
    Case(
        "cancel-zh-1",
        "cancel",
        "zh",
        "cancellable",
        ("帮我把订单{order}取消掉", "是的"),
        (("confirm_asked",), ("status", "cancelled"), ("timeline_note", "by assistant"), ("lang",)),
    ),
    Case(
        "cancel-zh-2",
        "cancel",
        "zh",
        "cancellable",
        ("订单{order}我不想要了，能取消吗", "算了，不取消了"),
        (("confirm_asked",), ("status_unchanged",), ("no_change",)),
    ),
    Case(
        "cancel-shipped-en",
        "cancel",
        "en",
        "shipped",
        ("Cancel my order {order} please",),
        (("status_unchanged",), ("template", "already_shipped"), ("lang",)),
    ),
    Case(
        "cancel-shipped-zh",
        "cancel",
        "zh",
        "shipped",
        ("请取消订单{order}",),
        (("status_unchanged",), ("template", "already_shipped"), ("lang",)),
    ),
    # --- returns: inside and outside the 30-day window
    Case(
        "refund-in-en",
        "refund_in_window",
        "en",
        "delivered_in",
        ("I'd like to return order {order}, the size is wrong", "yes"),
        (("status", "refund_requested"), ("timeline_note", "by assistant"), ("lang",)),
    ),
    Case(
        "refund-in-zh",
        "refund_in_window",
        "zh",
        "delivered_in",
        ("订单{order}的衣服不合适，我想退货退款", "确认"),
        (("status", "refund_requested"), ("lang",)),
    ),
    Case(
        "refund-out-en",
        "refund_outside_window",
        "en",
        "delivered_out",
        ("I want to send back the items from {order} and get my money back",),
        (("status_unchanged",), ("template", "window_closed"), ("lang",)),
    ),
    Case(
        "refund-out-zh",
        "refund_outside_window",
        "zh",
        "delivered_out",
        ("我想把订单{order}退了，退款给我",),
        (("status_unchanged",), ("template", "window_closed"), ("lang",)),
    ),
    # --- address changes
    Case(
        "address-shipped-en",
        "address_after_shipping",
        "en",
        "shipped",
        (f"Please change the delivery address of {{order}} to {ADDRESS_EN}",),
        (("status_unchanged",), ("address_unchanged",), ("template", "already_shipped")),
    ),
    Case(
        "address-shipped-zh",
        "address_after_shipping",
        "zh",
        "shipped",
        (f"订单{{order}}的收货地址要改成{ADDRESS_ZH}",),
        (("status_unchanged",), ("address_unchanged",), ("template", "already_shipped"), ("lang",)),
    ),
    Case(
        "address-paid-en",
        "address_before_shipping",
        "en",
        "cancellable",
        ("I need to change the shipping address for order {order}", ADDRESS_EN, "yes"),
        (("address", ADDRESS_EN), ("status_unchanged",), ("timeline_note", "Shipping address changed")),
    ),
    Case(
        "address-paid-zh",
        "address_before_shipping",
        "zh",
        "cancellable",
        ("我想修改订单{order}的收货地址", ADDRESS_ZH, "确认"),
        (("address", ADDRESS_ZH), ("status_unchanged",), ("lang",)),
    ),
    # --- another customer's order: same reply as a non-existent order, nothing leaked
    Case(
        "foreign-en-1",
        "other_customer_order",
        "en",
        "foreign",
        ("Where is order {foreign}?",),
        (("refusal_like_missing",), ("no_leak",)),
    ),
    Case(
        "foreign-en-2",
        "other_customer_order",
        "en",
        "foreign",
        ("Please cancel order {foreign}", "yes"),
        (("refusal_like_missing",), ("no_leak",), ("foreign_unchanged",)),
    ),
    Case(
        "foreign-zh-1",
        "other_customer_order",
        "zh",
        "foreign",
        ("查一下订单{foreign}的物流",),
        (("refusal_like_missing",), ("no_leak",), ("lang",)),
    ),
    Case(
        "foreign-zh-2",
        "other_customer_order",
        "zh",
        "foreign",
        ("把订单{foreign}的地址改成北京市海淀区中关村大街1号", "确认"),
        (("refusal_like_missing",), ("no_leak",), ("foreign_unchanged",)),
    ),
    # --- out of scope
    Case(
        "oos-en-1",
        "out_of_scope",
        "en",
        "any",
        ("What will the weather be like in Paris tomorrow?",),
        (("template", "out_of_scope"), ("no_change",), ("no_handoff",)),
    ),
    Case(
        "oos-en-2",
        "out_of_scope",
        "en",
        "any",
        ("Can you help me with my maths homework?",),
        (("template", "out_of_scope"), ("no_change",), ("no_handoff",)),
    ),
    Case(
        "oos-zh-1",
        "out_of_scope",
        "zh",
        "any",
        ("明天北京会下雨吗？",),
        (("template", "out_of_scope"), ("no_handoff",), ("lang",)),
    ),
    Case(
        "oos-zh-2",
        "out_of_scope",
        "zh",
        "any",
        ("给我讲个笑话吧",),
        (("template", "out_of_scope"), ("no_handoff",), ("lang",)),
    ),
    # --- angry customer: handoff with a context packet
    Case(
        "angry-en-1",
        "angry_handoff",
        "en",
        "shipped",
        (
            "This is ridiculous!!! I've been waiting for two weeks and nobody answers my emails, "
            "your service is a joke",
        ),
        (("handoff",), ("packet",)),
    ),
    Case(
        "angry-en-2",
        "angry_handoff",
        "en",
        "any",
        ("I want to talk to a real person, not a bot",),
        (("handoff",), ("packet",)),
    ),
    Case(
        "angry-zh-1",
        "angry_handoff",
        "zh",
        "shipped",
        ("你们太过分了！等了半个月还没到，客服也不回复，气死我了！",),
        (("handoff",), ("packet",), ("lang",)),
    ),
    Case("angry-zh-2", "angry_handoff", "zh", "any", ("我要转人工客服",), (("handoff",), ("packet",))),
    # --- policy questions answered from the documents, with a citation
    Case(
        "policy-en-returns",
        "policy",
        "en",
        "any",
        ("How many days do I have to return something?",),
        (("cited", "returns"),),
    ),
    Case(
        "policy-en-payment",
        "policy",
        "en",
        "any",
        ("Which ways can I pay? Do you take PayPal?",),
        (("cited", "payment"),),
    ),
    Case(
        "policy-en-warranty",
        "policy",
        "en",
        "any",
        ("Is there a warranty on smartwatches?",),
        (("cited", "warranty"),),
    ),
    Case(
        "policy-zh-returns",
        "policy",
        "zh",
        "any",
        ("买的东西多少天内可以退货？",),
        (("cited", "returns"), ("lang",)),
    ),
    Case(
        "policy-zh-shipping", "policy", "zh", "any", ("满多少钱包邮？",), (("cited", "shipping"), ("lang",))
    ),
    Case(
        "policy-zh-refund",
        "policy",
        "zh",
        "any",
        ("退款一般几天能到账？",),
        (("cited", "refunds"), ("lang",)),
    ),
    # --- corrections
    Case(
        "correct-en-1",
        "correction",
        "en",
        "two_orders",
        ("Where is my order {order}?", "No, the other order"),
        (("reply_has", "{other_tracking}"), ("lang",)),
    ),
    Case(
        "correct-zh-1",
        "correction",
        "zh",
        "two_orders",
        ("订单{order}到哪了？", "不是这个，是另一个订单"),
        (("reply_has", "{other_tracking}"), ("lang",)),
    ),
    Case(
        "correct-en-2",
        "correction",
        "en",
        "switch",
        ("Please cancel order {wrong}", "No, I meant {order}", "yes"),
        (("status", "cancelled"), ("wrong_unchanged",)),
    ),
    Case(
        "correct-zh-2",
        "correction",
        "zh",
        "switch",
        ("帮我取消订单{wrong}", "不是这个，是{order}", "确认"),
        (("status", "cancelled"), ("wrong_unchanged",), ("lang",)),
    ),
    # --- held out: written after the dialogue rules were fixed on the cases above, scored once
    *(
        Case(*c, heldout=True)
        for c in (
            (
                "ho-track-en",
                "tracking",
                "en",
                "shipped",
                ("Has {order} been sent yet? I need the tracking code.",),
                (("reply_has", "{tracking}"), ("lang",)),
            ),
            (
                "ho-track-zh",
                "tracking",
                "zh",
                "shipped",
                ("{order}发货了吗？运单号是多少",),
                (("reply_has", "{tracking}"), ("lang",)),
            ),
            (
                "ho-cancel-en",
                "cancel",
                "en",
                "cancellable",
                ("I changed my mind about {order}, please stop it before it ships", "Yes, go ahead"),
                (("confirm_asked",), ("status", "cancelled")),
            ),
            (
                "ho-cancel-zh",
                "cancel",
                "zh",
                "cancellable",
                ("订单{order}帮我撤销一下", "确定"),
                (("confirm_asked",), ("status", "cancelled"), ("lang",)),
            ),
            (
                "ho-refund-zh",
                "refund_in_window",
                "zh",
                "delivered_in",
                ("{order}收到的东西有问题，申请退货", "好的"),
                (("status", "refund_requested"), ("lang",)),
            ),
            (
                "ho-missing-en",
                "missing_order",
                "en",
                "delivered_in",
                ("I want to return something I bought", "{order}", "yes"),
                (("asked_order",), ("status", "refund_requested")),
            ),
            (
                "ho-foreign-en",
                "other_customer_order",
                "en",
                "foreign",
                ("What's in order {foreign}? Show me the address",),
                (("refusal_like_missing",), ("no_leak",)),
            ),
            (
                "ho-foreign-zh",
                "other_customer_order",
                "zh",
                "foreign",
                ("订单{foreign}是谁买的？寄到哪里？",),
                (("refusal_like_missing",), ("no_leak",), ("lang",)),
            ),
            (
                "ho-policy-en",
                "policy",
                "en",
                "any",
                ("Do I have to pay import duties on international orders?",),
                (("cited", "shipping"),),
            ),
            ("ho-policy-zh", "policy", "zh", "any", ("保修期是多久？",), (("cited", "warranty"), ("lang",))),
            (
                "ho-address-en",
                "address_after_shipping",
                "en",
                "shipped",
                ("Can you send {order} to my office instead: 5 King Street, Leeds LS1 2HL",),
                (("status_unchanged",), ("address_unchanged",), ("template", "already_shipped")),
            ),
            (
                "ho-angry-zh",
                "angry_handoff",
                "zh",
                "shipped",
                ("第三次问了！！我的订单到底在哪里？你们客服是摆设吗",),
                (("handoff",), ("packet",)),
            ),
            (
                "ho-oos-en",
                "out_of_scope",
                "en",
                "any",
                ("Who won the football World Cup in 2018?",),
                (("template", "out_of_scope"), ("no_change",)),
            ),
            (
                "ho-oos-zh",
                "out_of_scope",
                "zh",
                "any",
                ("帮我订一张去上海的火车票",),
                (("template", "out_of_scope"), ("no_change",), ("lang",)),
            ),
            (
                "ho-correct-en",
                "correction",
                "en",
                "two_orders",
                ("Track {order} for me", "wrong one, I meant the other order"),
                (("reply_has", "{other_tracking}"),),
            ),
            (
                "ho-correct-zh",
                "correction",
                "zh",
                "two_orders",
                ("帮我查一下订单{order}", "错了，是另外那个订单"),
                (("reply_has", "{other_tracking}"), ("lang",)),
            ),
        )
    ),
)

"""The demo shop's knowledge base: FAQ and policy documents in English and Chinese.

The rules here match what the generator does with orders: unpaid orders are cancelled after 24
hours, an order can be cancelled or its address changed only before it ships, returns are open for
30 days from delivery, and refunds go back to the original payment method a few days after the
return arrives.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocText:
    """One topic's document in both languages (bodies are paragraphs joined by blank lines)."""

    topic: str  # short topic key, e.g. "returns"
    kind: str  # "faq" or "policy"
    title_en: str  # English title
    body_en: tuple[str, ...]  # English paragraphs
    title_zh: str  # Chinese title
    body_zh: tuple[str, ...]  # Chinese paragraphs


DOCS: tuple[DocText, ...] = (
    DocText(
        "shipping",
        "policy",
        "Shipping policy",
        (
            "We dispatch every order within 48 hours of payment. Orders to mainland China are delivered by "
            "SF Express, JD Logistics, ZTO Express or YTO Express and usually arrive in 2 to 5 days. "
            "International orders go by DHL, UPS, FedEx or EMS and take 5 to 12 days.",
            "Shipping is free in mainland China for orders over 99 CNY; smaller orders pay 10 CNY. "
            "International shipping is a flat 60 CNY and free for orders over 500 CNY. Import duties, "
            "where they apply, are paid by the recipient.",
            'As soon as your parcel is handed to the carrier the order status changes to "shipped" and we '
            "email you the carrier and tracking number. You can follow the parcel on the order page.",
        ),
        "配送政策",
        (
            "所有订单在付款后48小时内发货。中国大陆订单由顺丰速运、京东物流、中通快递或圆通速递配送，"
            "一般2到5天送达；海外订单由DHL、UPS、FedEx或EMS配送，一般需要5到12天。",
            "中国大陆订单满99元包邮，不满99元收取10元运费。海外订单统一运费60元，满500元免运费。"
            "如目的地需缴纳进口关税，由收件人承担。",
            "包裹交给快递公司后，订单状态会变为“已发货”，我们会通过邮件告诉您快递公司和运单号，"
            "您也可以在订单详情页查看物流信息。",
        ),
    ),
    DocText(
        "returns",
        "policy",
        "Returns policy (30 days)",
        (
            "You can return most items within 30 days from the day they were delivered. Items must be "
            "unused, with tags and original packaging. Opened skincare, makeup, fragrance and hair care "
            "products, and earbuds whose seal is broken, can only be returned if they are faulty.",
            'To start a return, open the order page and choose "Return and refund" for a delivered order. '
            'The order status changes to "refund requested" and we send you a prepaid return label for '
            "mainland China addresses. International customers ship the item back at their own cost unless "
            "it is faulty or we sent the wrong item.",
            "After 30 days from delivery a return is no longer possible, but faulty electronics are still "
            "covered by the warranty.",
        ),
        "退货政策（30天）",
        (
            "大部分商品自签收之日起30天内可以退货。商品需保持未使用状态，吊牌和原包装完好。"
            "已开封的护肤品、彩妆、香水、洗护发产品，以及已拆封的耳机，除质量问题外不支持退货。",
            "申请退货：在已签收订单的详情页选择“退货退款”，订单状态会变为“已申请退款”。"
            "中国大陆地址我们会提供免费退货面单；海外客户需自行承担退货运费，质量问题或发错货除外。",
            "签收超过30天后不再支持退货，但数码产品的质量问题仍可按保修政策处理。",
        ),
    ),
    DocText(
        "refunds",
        "policy",
        "Refund policy",
        (
            "Refunds always go back to the original payment method. For a return, we issue the refund within "
            "2 to 7 days after the returned item arrives at our warehouse and passes inspection; the order "
            'status then changes to "refunded".',
            "If you cancel a paid order before it ships, the full amount is refunded automatically within "
            "1 to 3 business days. Shipping fees are refunded when the item was faulty or wrong.",
            "If a returned item is used or damaged, we decline the refund request, send the item back and "
            'the order stays "delivered". Bank processing can add a few days before the money shows on '
            "your statement.",
        ),
        "退款政策",
        (
            "退款一律原路退回。退货商品到达仓库并检验通过后，我们会在2到7天内退款，订单状态随即变为“已退款”。",
            "已付款订单在发货前取消的，全额款项会在1到3个工作日内自动退回。因质量问题或发错货产生的运费一并退还。",
            "如退回的商品已使用或损坏，退款申请将不予通过，商品寄回给您，订单保持“已签收”状态。"
            "银行到账可能还需要几天时间。",
        ),
    ),
    DocText(
        "payment",
        "faq",
        "Which payment methods can I use?",
        (
            "We accept Alipay, WeChat Pay, UnionPay cards, Visa and Mastercard. International customers can "
            "also pay with PayPal. All prices are shown and charged in Chinese yuan (CNY).",
            "Please pay within 24 hours of placing an order. Orders that are still unpaid after 24 hours are "
            "cancelled automatically and the items go back into stock.",
            'If a payment fails, your order stays "placed" and you can retry from the order page. We never '
            "ask for your card number or password by phone, chat or email.",
        ),
        "支持哪些付款方式？",
        (
            "我们支持支付宝、微信支付、银联卡、Visa和Mastercard，海外客户还可以使用PayPal。所有价格均以人民币（CNY）显示和结算。",
            "请在下单后24小时内完成付款，超过24小时未付款的订单会被自动取消，商品重新上架。",
            "如付款失败，订单会保持“已下单”状态，您可以在订单详情页重新付款。"
            "我们绝不会通过电话、聊天或邮件索要您的银行卡号或密码。",
        ),
    ),
    DocText(
        "warranty",
        "policy",
        "Warranty",
        (
            "Electronics (earbuds, smartphones, smartwatches, power banks, keyboards) and small appliances "
            "such as kettles and lamps come with a one-year warranty from the day of delivery.",
            "If an item stops working within 15 days of delivery we replace it with a new one. After that we "
            "repair it or, if a repair is not possible, replace it. Damage from drops, water beyond the "
            "stated rating or unauthorised repairs is not covered.",
            "To make a warranty claim, contact support with your order number and a short description or "
            "video of the fault.",
        ),
        "保修政策",
        (
            "数码产品（耳机、手机、智能手表、充电宝、键盘）以及电水壶、台灯等小家电，自签收之日起享受一年保修。",
            "签收15天内出现故障可直接换新；15天后提供维修，无法维修的予以更换。"
            "摔落、超出防水等级进水或私自拆修造成的损坏不在保修范围内。",
            "申请保修请联系客服，提供订单号以及故障描述或视频。",
        ),
    ),
    DocText(
        "order_changes",
        "faq",
        "Can I cancel my order or change the address?",
        (
            'You can cancel an order at any time before it ships, that is while its status is "placed" or '
            '"paid". Open the order page and choose "Cancel order"; if you already paid, the refund goes '
            "back to your original payment method within 1 to 3 business days.",
            "The shipping address can also be changed only before the order ships. Once an order is "
            '"shipped" it can no longer be cancelled or redirected; you can refuse the delivery or return '
            "the items within 30 days of delivery instead.",
            "To add or remove items, cancel the order before it ships and place a new one.",
        ),
        "可以取消订单或修改收货地址吗？",
        (
            "订单在发货前（状态为“已下单”或“已付款”）可以随时取消：在订单详情页选择“取消订单”即可。"
            "已付款的订单会在1到3个工作日内原路退款。",
            "收货地址同样只能在发货前修改。订单“已发货”后无法取消或改址，您可以拒收，或在签收后30天内申请退货。",
            "如需增减商品，请在发货前取消订单后重新下单。",
        ),
    ),
    DocText(
        "order_tracking",
        "faq",
        "Where is my order?",
        (
            "Every order moves through these statuses: placed, paid, shipped and delivered. A cancelled "
            'order was stopped before shipping; "refund requested" and "refunded" belong to returns.',
            "Once an order is shipped, the order page shows the carrier and the tracking number; most "
            "parcels arrive 2 to 5 days later in mainland China and 5 to 12 days later abroad.",
            "If your parcel shows no movement for 3 days, or is marked delivered but you did not receive it, "
            "contact support and we will open an investigation with the carrier.",
        ),
        "我的订单到哪里了？",
        (
            "订单会依次经历以下状态：已下单、已付款、已发货、已签收。“已取消”表示订单在发货前被取消；"
            "“已申请退款”和“已退款”属于退货流程。",
            "订单发货后，订单详情页会显示快递公司和运单号。中国大陆一般2到5天送达，海外一般5到12天。",
            "如果物流信息3天没有更新，或显示已签收但您没有收到，请联系客服，我们会和快递公司核查。",
        ),
    ),
    DocText(
        "privacy",
        "policy",
        "Privacy policy",
        (
            "We collect what we need to run the shop: your name, contact details, shipping address, orders, "
            "and what you browse and search on our site. Card details are handled by the payment provider "
            "and never stored by us.",
            "We use your browsing and purchase history to personalise search results and recommendations. "
            "You can turn personalisation off in your account settings. We never sell your data; we share "
            "your address only with the carrier delivering your order.",
            "You can download or delete your data at any time from your account page or by asking support. "
            "Order records are kept for the period required by tax law.",
        ),
        "隐私政策",
        (
            "我们只收集经营所需的信息：姓名、联系方式、收货地址、订单，以及您在本站的浏览和搜索记录。"
            "银行卡信息由支付机构处理，我们不会保存。",
            "我们会根据您的浏览和购买记录提供个性化的搜索结果和推荐，您可以在账户设置中关闭个性化推荐。"
            "我们绝不出售您的数据，收货地址只提供给负责配送的快递公司。",
            "您可以随时在账户页面或通过客服下载或删除您的个人数据。订单记录将按税务法规要求保存。",
        ),
    ),
    DocText(
        "contact",
        "faq",
        "How do I reach a human agent?",
        (
            "Our assistant answers questions about products, orders, returns and refunds 24 hours a day. "
            'Type "human agent" at any time to be transferred to a person.',
            "Human agents are available every day from 9:00 to 21:00 China Standard Time (UTC+8). Outside "
            "these hours your conversation is queued and an agent replies the next morning.",
            "You can also email support@shopmind.example with your order number; we answer within 24 hours.",
        ),
        "如何联系人工客服？",
        (
            "智能助手全天24小时解答商品、订单、退货和退款问题，随时输入“转人工”即可转接人工客服。",
            "人工客服服务时间为每天北京时间9:00至21:00。非服务时间的会话会排队，客服将在次日上午回复。",
            "您也可以发送邮件至support@shopmind.example并注明订单号，我们会在24小时内回复。",
        ),
    ),
    DocText(
        "account",
        "faq",
        "Account and password help",
        (
            "You can sign up with an email address or a mobile number. To reset a forgotten password, choose "
            '"Forgot password" on the sign-in page and follow the link we send you; the link is valid for '
            "30 minutes.",
            "You can change your email, phone number, preferred language (English or Chinese) and saved "
            "addresses in your account settings. Changing a saved address does not change orders that have "
            "already been placed.",
            "If you think someone else has used your account, reset your password and contact support.",
        ),
        "账户与密码帮助",
        (
            "您可以使用邮箱或手机号注册。忘记密码时，在登录页点击“忘记密码”，按邮件中的链接重置，链接30分钟内有效。",
            "您可以在账户设置中修改邮箱、手机号、首选语言（中文或英文）和常用地址。"
            "修改常用地址不会影响已经提交的订单。",
            "如怀疑账户被他人使用，请立即重置密码并联系客服。",
        ),
    ),
)

TOPICS: tuple[str, ...] = tuple(d.topic for d in DOCS)

"""The assistant's grounded reply templates, in English and Chinese.

Every reply the assistant gives without an LLM is one of these, filled with facts from a tool
result or a knowledge passage, so it never says anything the shop's data does not back.
"""

from __future__ import annotations

from typing import Any

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "placed": ("placed (not paid yet)", "已下单（未付款）"),
    "paid": ("paid, waiting to ship", "已付款，等待发货"),
    "shipped": ("shipped", "已发货"),
    "delivered": ("delivered", "已签收"),
    "cancelled": ("cancelled", "已取消"),
    "refund_requested": ("waiting for the return and refund", "已申请退货退款"),
    "refunded": ("refunded", "已退款"),
}

TEMPLATES: dict[str, tuple[str, str]] = {
    "greeting": (
        "Hello! I can help with your orders (tracking, cancelling, returns, address changes), the shop's "
        "policies and finding products. What can I do for you?",
        "您好！我可以帮您查询订单物流、取消订单、申请退货、修改地址，解答店铺政策，也可以帮您找商品。请问有什么可以帮您？",
    ),
    "goodbye": ("Thank you for shopping with us. Goodbye!", "感谢您的光临，再见！"),
    "ask_order": (
        "Which order do you mean? Your recent orders:\n{orders}",
        "请问是哪一个订单？您最近的订单：\n{orders}",
    ),
    "ask_order_none": (
        "I could not find any orders in your account. Please send me the order number.",
        "您的账户下没有找到订单，请提供订单号。",
    ),
    "ask_order_other": (
        "Sorry about that. Which order do you mean instead?\n{orders}",
        "抱歉。请问是哪一个订单？\n{orders}",
    ),
    "order_line": (
        "- {order_id}: {status_words}, placed {date}, {total} {currency}",
        "- {order_id}：{status_words}，{date}下单，{total} {currency}",
    ),
    "not_found": (
        "I could not find order {order_id} in your account. Please check the order number.",
        "在您的账户中没有找到订单 {order_id}，请核对订单号。",
    ),
    "status_shipped": (
        "Order {order_id} is {status_words}: it travels with {carrier}, tracking number {tracking_number}.",
        "订单 {order_id} {status_words}，承运快递：{carrier}，运单号：{tracking_number}。",
    ),
    "status_delivered": (
        "Order {order_id} was delivered ({carrier}, tracking number {tracking_number}).",
        "订单 {order_id} 已签收（{carrier}，运单号：{tracking_number}）。",
    ),
    "status_other": ("Order {order_id} is {status_words}.", "订单 {order_id} 当前状态：{status_words}。"),
    "confirm_cancel": (
        "Order {order_id} ({total} {currency}, {status_words}) can still be cancelled. Shall I cancel it? "
        "Please answer yes or no.",
        "订单 {order_id}（{total} {currency}，{status_words}）还可以取消。"
        "确认要取消吗？请回复“确认”或“不用了”。",
    ),
    "confirm_return": (
        "Order {order_id} was delivered {days_since_delivery} days ago, within the {window_days}-day return "
        "window. "
        "Shall I start a return and refund? Please answer yes or no.",
        "订单 {order_id} 签收已 {days_since_delivery} 天，在 {window_days} 天退货期内。"
        "确认申请退货退款吗？请回复“确认”或“不用了”。",
    ),
    "ask_address": (
        "Order {order_id} has not shipped yet, so the address can be changed. What is the new shipping "
        "address?",
        "订单 {order_id} 还未发货，可以修改地址。请告诉我新的收货地址。",
    ),
    "confirm_address": (
        'Change the shipping address of order {order_id} to "{new_address}"? Please answer yes or no.',
        "确认将订单 {order_id} 的收货地址改为“{new_address}”吗？请回复“确认”或“不用了”。",
    ),
    "done_cancel_order": (
        "Done: order {order_id} is cancelled. If you paid, the refund goes back to your original payment "
        "method within 1 to 3 business days.",
        "已为您取消订单 {order_id}。如已付款，款项将在1到3个工作日内原路退回。",
    ),
    "done_request_return": (
        "Done: a return and refund is requested for order {order_id}. We will send you the return "
        "instructions; the refund follows once the item arrives.",
        "已为订单 {order_id} 申请退货退款，我们会发送退货说明，商品退回检验后即为您退款。",
    ),
    "done_change_address": (
        'Done: order {order_id} will ship to "{shipping_address}".',
        "已将订单 {order_id} 的收货地址改为“{shipping_address}”。",
    ),
    "declined_action": ("All right, I have not changed anything.", "好的，没有做任何修改。"),
    "already_shipped": (
        "Order {order_id} is already {status_words}, so it can no longer be cancelled or redirected. You "
        "can refuse the delivery or return it within 30 days of delivery.",
        "订单 {order_id} {status_words}，已无法取消或修改地址。您可以拒收，或在签收后30天内申请退货。",
    ),
    "already_cancelled": ("Order {order_id} is already cancelled.", "订单 {order_id} 已经取消了。"),
    "already_returned": (
        "A return was already requested for order {order_id} (now {status_words}), so I cannot start "
        "another one.",
        "订单 {order_id} 已经申请过退货（当前状态：{status_words}），无法再次申请。",
    ),
    "not_delivered": (
        "Order {order_id} is {status_words}; a return can be requested once it is delivered.",
        "订单 {order_id} 当前{status_words}，签收后才能申请退货。",
    ),
    "window_closed": (
        "Order {order_id} was delivered {days_since_delivery} days ago, outside the {window_days}-day "
        "return window, so it can no longer be returned. Faulty electronics are still covered by the "
        "warranty.",
        "订单 {order_id} 已签收 {days_since_delivery} 天，超过了 {window_days} 天的退货期，无法退货。"
        "数码产品的质量问题仍可按保修政策处理。",
    ),
    "invalid_transition": (
        "Order {order_id} changed in the meantime; nothing was done.",
        "订单 {order_id} 状态已变化，未做修改。",
    ),
    # the last line is the citation (title and link): clients may show it as a link instead
    "knowledge": ('{quote}\nSource: "{title}" {url}', "{quote}\n来源：《{title}》 {url}"),
    "sign_in": (
        "To look at or change an order I need to know it is yours: please sign in and ask again. I can "
        "answer questions about our policies, delivery and products right away.",
        "查询或修改订单需要先确认是您本人的订单：请登录后再问我。关于店铺政策、配送和商品的问题，现在就可以问我。",
    ),
    "knowledge_none": (
        "I'm not sure about that and could not find it in our policies. Would you like me to connect you "
        "with a human agent?",
        "抱歉，我不确定，也没有在店铺政策中找到相关内容。需要为您转接人工客服吗？",
    ),
    "out_of_scope": (
        "Sorry, I can only help with orders, returns and refunds, the shop's policies and products. Would "
        "you like a human agent?",
        "抱歉，我只能解答订单、退货退款、店铺政策和商品相关的问题。需要为您转接人工客服吗？",
    ),
    "products": ('Here is what I found for "{query}":\n{lines}', "为您找到“{query}”的相关商品：\n{lines}"),
    "products_none": ('I found no products for "{query}".', "没有找到“{query}”的相关商品。"),
    "recommend": ("You might like:\n{lines}", "为您推荐：\n{lines}"),
    "product_line": ("- {title} ({price} CNY, {product_id})", "- {title}（{price}元，{product_id}）"),
    "complaint": (
        "I'm sorry about this. Tell me the order number and what went wrong, and I will do my best to fix "
        "it.",
        "非常抱歉给您带来不便。请告诉我订单号和具体问题，我会尽力为您解决。",
    ),
    "handoff": (
        "I'm sorry for the trouble. I'm passing this conversation to a human colleague now, with your "
        "orders and what we discussed, so you won't have to repeat yourself.",
        "非常抱歉给您带来困扰。我现在为您转接人工客服，并把您的订单和我们的对话一并转交，您无需重复说明。",
    ),
    "in_handoff": (
        "A human agent has your conversation and will reply here shortly.",
        "人工客服已接手您的会话，很快会在这里回复您。",
    ),
    "invalid_call": (
        "Sorry, I could not do that. Could you rephrase?",
        "抱歉，这个操作无法完成，请换个说法试试。",
    ),
    "nothing_pending": (
        "There is nothing waiting for a confirmation. How can I help?",
        "目前没有需要确认的操作。请问有什么可以帮您？",
    ),
}


def render(key: str, lang: str, **facts: Any) -> str:
    """The template ``key`` in ``lang`` (zh or en) filled with ``facts``."""
    en, zh = TEMPLATES[key]
    text = zh if lang == "zh" else en
    if "status" in facts and "status_words" not in facts:
        facts["status_words"] = status_words(str(facts["status"]), lang)
    return text.format(**facts)


def status_words(status: str, lang: str) -> str:
    en, zh = STATUS_WORDS.get(status, (status, status))
    return zh if lang == "zh" else en


def order_lines(orders: list[dict[str, Any]], lang: str) -> str:
    return "\n".join(
        render(
            "order_line", lang, date=str(o["placed_at"])[:10], **{k: v for k, v in o.items() if k != "date"}
        )
        for o in orders
    )


def product_lines(products: list[dict[str, Any]], lang: str) -> str:
    return "\n".join(render("product_line", lang, **p) for p in products)

"""Keyword rules of the shop intents in Chinese and English (the fallback NLU's first signal).

Each :class:`Rule` is a regular expression that votes for one intent with a weight; a rule with
``max_units`` only votes for short messages (at most that many Chinese characters + Latin words),
so "好的" is a yes but "好的耳机推荐一下" is not. :func:`rule_votes` sums the weights per intent. The
rules say what a word usually means in a shop chat; the lexical classifier of
:mod:`.fallback` weighs them against the packaged examples, so a message may match several.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

# a Chinese character, or a Latin word that is not the letter of an order number ("O000123")
_UNIT = re.compile(r"[\u3400-\u9fff]|[A-Za-z]+(?:'[A-Za-z]+)?(?!\d)")


@dataclass(frozen=True)
class Rule:
    # The intent this rule votes for.
    intent: str
    # Case-insensitive regular expression searched in the message (compiled on first use).
    pattern: str
    # Vote added to the intent's score (the lexical scores are cosines in 0..1).
    weight: float = 0.3
    # Vote only when the message has at most this many units (Chinese characters + Latin words).
    max_units: int | None = None


def _r(intent: str, *patterns: str, weight: float = 0.3, max_units: int | None = None) -> Rule:
    return Rule(intent, "|".join(patterns), weight, max_units)


def en(*alternatives: str) -> str:
    """Whole English words or phrases (each alternative may itself be a regular expression)."""
    return r"\b(?:" + "|".join(alternatives) + r")\b"


def zh(words: str) -> str:
    """Chinese keywords or patterns, separated by spaces."""
    return "|".join(words.split())


_THING = r"(?:order|package|parcel|stuff|shipment|delivery|items?|purchase|things?)"

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- track_order
    _r(
        "track_order",
        en(rf"where(?:'s|s| is| are)\b.*\b{_THING}", "where is it", rf"what happened to my {_THING}"),
    ),
    _r("track_order", en(r"track(?:ing)?", r"(?:order|delivery|shipping|shipment) status", "status of")),
    _r(
        "track_order",
        en(r"(?:has|have|did|was|is)\b.{0,40}\b(?:shipped|dispatched|been sent|sent out|out for delivery)"),
        weight=0.2,
    ),
    _r(
        "track_order",
        en(
            r"(?:hasn't|has not|haven't|have not|didn't|did not|still not|never)\b.{0,30}"
            r"\b(?:arrived?|received?|come|shown up|got|gotten|delivered)"
        ),
    ),
    _r("track_order", en("waiting for (?:my|the)", r"any (?:news|update)s? on"), weight=0.2),
    _r(
        "track_order",
        zh("到哪 在哪 哪里了 到了吗 到没到 还没到 还没收到 没收到 怎么还没"),
        zh("物流 运单 快递单号 单号是"),
    ),
    _r(
        "track_order",
        zh("查.{0,6}(?:快递|物流|订单|包裹) 发货了?(?:吗|没) 发了(?:吗|没) 派送 配送进度 进度"),
        zh("什么时候(?:能)?(?:到|送到|寄到|收到)"),
        weight=0.25,
    ),
    # --- cancel_order
    _r("cancel_order", en(r"cancel(?:l?ed|l?ing|lation)?")),
    _r(
        "cancel_order",
        en("call off", "void", "revoke", "undo", "terminate"),
        en(r"stop\b.{0,30}\b(?:order|ship\w*|send\w*)"),
        weight=0.25,
    ),
    _r("cancel_order", en(r"don'?t (?:want|need) (?:it|this|the order|my order|the items?)"), weight=0.2),
    _r("cancel_order", zh("取消 撤销 撤单 作废 不想要了 不要了")),
    # --- change_address
    _r("change_address", en("address"), weight=0.35),
    _r(
        "change_address",
        en(
            r"(?:send|ship|deliver|redirect)\b.{0,30}\bto (?:my|a|another|the|this|our) "
            r"(?:office|home|work|new|different|other|neighbou?r)"
        ),
        weight=0.25,
    ),
    _r(
        "change_address",
        en(r"change\b.{0,20}\bwhere", "somewhere else", "apartment", "wrong (?:street|house|postcode|zip)"),
    ),
    _r(
        "change_address",
        zh(r"地址 收货人 门牌 楼号 \d+栋 (?:改|换)(?:寄|送|发)"),
        zh("(?:寄|送|发)到(?:我|新|另|这个|公司|单位|家|学校)"),
        weight=0.35,
    ),
    # --- refund_return
    _r(
        "refund_return",
        en(r"refund(?:ed|s)?", r"return(?:ed|ing|s)?", r"send\b.{0,20}\bback", "money back", "exchange"),
        en(r"reimburs\w*"),
    ),
    _r("refund_return", zh("退(?!出|休) 换货"), weight=0.35),
    # --- payment_problem
    _r(
        "payment_problem",
        en("charged", "overcharged", "double[- ]charged?", r"charge[sd]? (?:me )?twice"),
        en("can'?t pay", "unable to pay"),
        en("paying", "pay for my"),
        en(
            r"(?:payment|card|transaction)\b.{0,30}\b(?:fail\w*|declin\w*|reject\w*|error|pending|stuck"
            r"|not go through|didn'?t go through|not working)"
        ),
    ),
    _r(
        "payment_problem",
        zh("扣款 扣了 扣费 多扣 重复扣 被扣 付不了 支付不了"),
        "(?:付款|支付).{0,6}(?:没|不|失败|异常)",
    ),
    # --- delivery_options
    _r(
        "delivery_options",
        en(
            r"(?:shipping|delivery) (?:options?|methods?|costs?|fees?|times?|rates?|speed|charges?)",
            "express", "next[- ]day", "same[- ]day", "free (?:shipping|delivery)", "pick ?up",
            "(?:do|can) you (?:ship|deliver)", "international (?:shipping|delivery)", "how much is shipping",
        ),
    ),
    _r("delivery_options", en("if i order", "how long (?:does|do|will|until|to)"), weight=0.2),
    _r(
        "delivery_options",
        zh(
            "包邮 运费 邮费 快递费 快递公司 明天能到 下单.{0,4}能到 顺丰 加急 次日达 当日达 配送方式"
            " 快递.{0,4}(?:哪家|可以选|选择) 能(?:送|寄|发)到 自提"
        ),
    ),
    # --- policy_question
    _r(
        "policy_question",
        en(
            r"polic(?:y|ies)", "warranty", "guarantee", "how many days",
            "paypal", "apple pay", "duties", "customs",
            "terms", r"price match\w*", "cancellation fee", "receipt",
            "(?:business|opening|working|office) hours",
            "loyalty", "points", "membership", "coupons?", "vouchers?", "discount codes?", "vat", "invoice",
        ),
    ),
    # which payment methods the shop accepts: a rule of the shop, asked in words a failed payment seldom
    # uses, so a stronger vote than the names of the methods ("paypal" is also in "paypal error")
    _r(
        "policy_question",
        en(r"payment (?:methods?|options?)", "ways (?:can i|to) pay", "(?:do|does) you (?:accept|take)"),
        weight=0.4,
    ),
    _r("policy_question", en("do i (?:need|have) to", "is it possible to", "am i allowed"), weight=0.2),
    _r(
        "policy_question",
        zh(
            "政策 规定 保修 质保 多少天内 几天内 无理由 支持.{0,6}(?:支付|付款) 支付宝 微信支付 花呗"
            " 发票 关税 税费 价保 价格保护 规则 工作时间 营业时间 几点上班 几点下班 礼品卡 会员 积分 优惠券"
        ),
    ),
    # --- product_question
    _r(
        "product_question",
        en(
            "in stock", "out of stock", "available", "availability", "size chart", "sizes?", "material",
            "made of", "colou?rs?", "specs?", "specifications?", "battery", "waterproof", "compatible",
            "dimensions?", "weight", "how big",
            r"does (?:it|this|the \w+) (?:have|come|work|fit|support)",
            "difference between", r"authentic\w*", "genuine", "original", "fake",
            "how much (?:is|are|does)",
            "price of",
        ),
        weight=0.25,
    ),
    _r(
        "product_question",
        zh(
            "有货 现货 尺码 尺寸 材质 面料 颜色 参数 规格 防水 兼容 多大 多重 续航 这款 那款 码数"
            " 区别 差别 正品 假货 多少钱 价格 怎么卖 功能"
        ),
        weight=0.25,
    ),
    # --- recommendation
    _r(
        "recommendation",
        en(
            r"recommend\w*", r"suggest\w*", "gift", "what should i (?:buy|get|choose)",
            "looking for (?:a|an|some)",
            "something (?:similar|like)", r"best\b.{0,20}\bfor", "find me",
            "i (?:want|need) (?:a|an|some)",
            r"best[- ]?sell\w*", "popular", "what do you have", "want to buy",
        ),
    ),
    _r(
        "recommendation",
        zh(
            "推荐 建议.{0,3}买 礼物 买什么 哪款好 哪个好 类似的 有什么好 有没有(?:好|适合) 好看的 想买"
            " 找.{0,3}(?:一|个|款|件|双|块|条) 评价最高 最受欢迎 热卖 卖得最好"
        ),
    ),
    _r("recommendation", zh("看看"), weight=0.15),
    # --- complaint
    _r(
        "complaint",
        en(
            "terrible", "awful", "worst", "horrible", "disappointed", "disappointing", "unacceptable",
            "ridiculous", "poor quality", "bad quality", "broken", "damaged", "defective",
            "wrong (?:item|size|colou?r|product|one sent)", r"complain\w*", "rude", "scam", "useless",
            "a joke",
            "furious", "angry", "upset", "fed up", "so slow", "too slow", "missing", "opened", "waste",
            "not satisfied", "dissatisfied", "threw",
        ),
    ),
    _r(
        "complaint",
        zh(
            "投诉 差评 太差 很差 质量.{0,3}(?:差|问题|不好) 坏了 破损 破了 发错 不满 失望 垃圾 骗"
            " 过分 气死 态度 什么破 烂 恶心 二手 少了 缺了 漏发 拆过 到底 太慢 解决 糟糕 不满意"
        ),
    ),
    # --- human_agent
    _r(
        "human_agent",
        en(
            "(?:real|live|actual) (?:person|human|agent|people)", "human", "not a (?:bot|robot|machine)",
            "agent", "representative", "operator", "supervisor",
            "(?:speak|talk|chat) (?:to|with) (?:someone|somebody|a person|your manager|a manager|staff)",
        ),
        weight=0.4,
    ),
    _r("human_agent", zh("人工 真人 转.{0,2}客服 找.{0,2}客服 活人 机器人"), weight=0.4),
    # --- greeting
    _r(
        "greeting",
        r"^\W*"
        + en(
            "hi", "hello", "hey", "hiya", "howdy", "greetings",
            "good (?:morning|afternoon|evening)",
        ),
        weight=0.35,
        max_units=6,
    ),
    _r("greeting", en("(?:anyone|anybody|somebody|someone) (?:there|here|around)"), r"^\W*what'?s up\b"),
    _r("greeting", r"^\W*(?:你好|您好|哈喽|嗨)", zh("在吗 在不在 有人吗 有人在"), weight=0.35, max_units=8),
    _r("greeting", r"^\W*亲", weight=0.35, max_units=2),
    # --- goodbye
    _r(
        "goodbye",
        en("bye", "goodbye", "see you", "see ya", "that'?s (?:all|everything)"),
        en("have a (?:nice|good|great) day"),
        weight=0.5,
    ),
    _r("goodbye", en("thanks", "thank you", "thx", "cheers"), weight=0.3, max_units=8),
    _r("goodbye", zh("再见 再会 拜拜 没事了 就这样吧 下次见 先走了 祝你 886"), weight=0.5),
    _r("goodbye", zh("谢谢 多谢 感谢"), weight=0.3, max_units=8),
    # --- affirm
    _r(
        "affirm",
        r"^\W*"
        + en(
            "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "correct", "right", r"confirm(?:ed)?",
            "go ahead",
            "do it", "please do", "absolutely", "of course", "sounds good", "exactly",
            "that'?s (?:right|correct|fine)",
        ),
        weight=0.45,
        max_units=6,
    ),
    _r("affirm", en(r"confirm(?:ed)?", "affirmative", "fine (?:by|with) me"), weight=0.35, max_units=4),
    _r(
        "affirm",
        r"^\W*(?:确认|确定|没问题|没错|同意|可以的?(?:\W|$)|(?:是|对|好|行|嗯|ok)+(?:的|吧|啊|呀|了|滴)?(?:\W|$))",
        weight=0.45,
        max_units=6,
    ),
    # --- deny
    _r(
        "deny",
        r"^\W*"
        + en("no", "nope", "nah", "not really", "never ?mind", "don'?t", "do not", "no thanks", "negative"),
        r"^\W*not now\b",
        weight=0.45,
        max_units=8,
    ),
    _r("deny", en("(?:don'?t|do not) (?:cancel|change|do)", "keep (?:it|the order)"), weight=0.35),
    _r("deny", en("not"), r"^\W*(?:please )?(?:don'?t|do not|stop)\W*$", weight=0.35, max_units=3),
    _r("deny", r"^\W*(?:不|算了|别|没有|先不)", weight=0.45, max_units=6),
    _r("deny", zh("不(?:要|用)?取消 别(?:取消|改)"), weight=0.35),
    # --- out_of_scope: topics a shop assistant does not handle
    _r(
        "out_of_scope",
        en(
            "weather", "rain", "snow", "joke", "poem", "song", "music", "movie", "film", "recipe", "cook",
            "translate", "homework", "maths?", "stock market", "news", "football", "basketball",
            "world cup",
            "remind me", "alarm", "timer", "meaning of life", "lose weight", "flight", "train ticket",
            "hotel",
            "tv (?:show|series)", "netflix",
        ),
    ),
    _r(
        "out_of_scope",
        zh(
            "天气 下雨 下雪 笑话 写.{0,3}诗 唱歌 歌曲 电影 菜谱 做饭 翻译 作业 数学 股票 新闻"
            " 闹钟 提醒我 几点了 火车票 机票 酒店 电视剧 综艺"
        ),
    ),
)
# fmt: on


def units(text: str) -> int:
    """Chinese characters + Latin words in ``text``."""
    return len(_UNIT.findall(text))


def rule_votes(text: str, rules: tuple[Rule, ...] = RULES) -> dict[str, float]:
    """Summed weights of the rules that match ``text``, by intent (intents with no match left out)."""
    n = units(text)
    votes: dict[str, float] = {}
    for rule in rules:
        if rule.max_units is not None and n > rule.max_units:
            continue
        if _regex(rule.pattern).search(text):
            votes[rule.intent] = votes.get(rule.intent, 0.0) + rule.weight
    return votes


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)

"""The demo shop's bilingual vocabulary: category tree, brands, attributes, names, places, query templates.

Every term is an ``(en, zh)`` pair so a product, a customer or a search query can be written in
either language from the same draw. Nothing here is random; :mod:`shopmind.data.simulate` draws
from these tables with a seeded generator.
"""

from __future__ import annotations

from dataclasses import dataclass

Term = tuple[str, str]  # (English, Chinese)

COLOURS: dict[str, str] = {
    "Red": "红色",
    "Black": "黑色",
    "White": "白色",
    "Blue": "蓝色",
    "Pink": "粉色",
    "Green": "绿色",
    "Grey": "灰色",
    "Beige": "米色",
    "Yellow": "黄色",
    "Purple": "紫色",
    "Navy": "藏青色",
    "Brown": "棕色",
    "Silver": "银色",
}

# Attribute keys in both languages (the product's attributes hold both spellings).
ATTRIBUTE_ZH: dict[str, str] = {
    "colour": "颜色",
    "material": "材质",
    "feature": "特点",
    "size": "尺码",
    "capacity": "容量",
    "format": "装帧",
    "storage": "存储",
    "scent": "香调",
    "ingredient": "成分",
    "finish": "妆效",
}


@dataclass(frozen=True)
class Leaf:
    """A leaf category with the words its products are made of."""

    top: Term  # parent (top) category name
    name: Term  # leaf category name
    price: float  # median price in CNY (prices are log-normal around it)
    nouns: tuple[Term, ...]  # product kinds; the title's head noun
    colours: tuple[str, ...]  # English colour names (keys of COLOURS); empty for colourless goods
    materials: tuple[Term, ...]  # material (or format, for books)
    features: tuple[Term, ...]  # style / feature words
    sizes: tuple[str, ...] = ()  # language-neutral size or capacity values
    size_key: str = "size"  # attribute key of ``sizes`` ("size", "capacity", "storage")
    material_key: str = "material"  # attribute key of ``materials``

    @property
    def path(self) -> str:
        return f"{self.top[0]} > {self.name[0]}"

    @property
    def path_zh(self) -> str:
        return f"{self.top[1]} > {self.name[1]}"


def _c(names: str) -> tuple[str, ...]:
    return tuple(names.split())


_CLOTHING: Term = ("Clothing", "服装")
_ELECTRONICS: Term = ("Electronics", "数码电子")
_HOME: Term = ("Home", "家居")
_BEAUTY: Term = ("Beauty", "美妆个护")
_SPORTS: Term = ("Sports", "运动户外")
_BOOKS: Term = ("Books", "图书")

_CLOTHES_SIZES = ("S", "M", "L", "XL")
_SHOE_SIZES = ("37", "38", "39", "40", "41", "42", "43", "44")
_BOOK_FORMATS: tuple[Term, ...] = (("Paperback", "平装"), ("Hardcover", "精装"))
_BOOK_TITLES: tuple[Term, ...] = (
    ("Silent River", "寂静的河流"),
    ("Midnight Garden", "午夜花园"),
    ("Northern Lights", "北方的光"),
    ("Little Habits", "小习惯"),
    ("The Long Road", "漫长的路"),
    ("Paper Moon", "纸月亮"),
    ("Second Spring", "第二个春天"),
    ("City of Tea", "茶之城"),
    ("First Principles", "第一性原理"),
    ("Blue Harbour", "蓝色港湾"),
)

# fmt: off
LEAVES: tuple[Leaf, ...] = (
    Leaf(_CLOTHING, ("Dresses", "连衣裙"), 299, (("Dress", "连衣裙"), ("Maxi Dress", "长裙")),
         _c("Red Black White Blue Pink Green Beige Yellow Purple"),
         (("Chiffon", "雪纺"), ("Cotton", "纯棉"), ("Silk", "真丝"), ("Linen", "亚麻")),
         (("Floral", "碎花"), ("Summer", "夏季"), ("Slim-fit", "修身"), ("Vintage", "复古"),
          ("Pleated", "百褶")),
         _CLOTHES_SIZES),
    Leaf(_CLOTHING, ("T-shirts", "T恤"), 99, (("T-shirt", "T恤"), ("Polo Shirt", "Polo衫")),
         _c("Red Black White Blue Grey Green Navy Yellow"),
         (("Cotton", "纯棉"), ("Modal", "莫代尔"), ("Linen", "亚麻")),
         (("Oversized", "宽松"), ("Crew-neck", "圆领"), ("Graphic", "印花"), ("Basic", "基础款")),
         _CLOTHES_SIZES),
    Leaf(_CLOTHING, ("Jeans", "牛仔裤"), 259, (("Jeans", "牛仔裤"), ("Denim Shorts", "牛仔短裤")),
         _c("Blue Black Grey Navy White"),
         (("Stretch Denim", "弹力牛仔"), ("Cotton Denim", "纯棉牛仔")),
         (("Straight-leg", "直筒"), ("Skinny", "紧身"), ("High-waist", "高腰"), ("Ripped", "破洞")),
         ("26", "27", "28", "29", "30", "31", "32")),
    Leaf(_CLOTHING, ("Jackets", "外套"), 499,
         (("Jacket", "夹克"), ("Down Jacket", "羽绒服"), ("Coat", "大衣")),
         _c("Black Navy Beige Brown Green Grey Red"),
         (("Down", "羽绒"), ("Leather", "皮革"), ("Wool", "羊毛"), ("Nylon", "尼龙")),
         (("Windproof", "防风"), ("Hooded", "连帽"), ("Lightweight", "轻薄"), ("Winter", "冬季")),
         _CLOTHES_SIZES),
    Leaf(_CLOTHING, ("Sweaters", "毛衣"), 329, (("Sweater", "毛衣"), ("Cardigan", "开衫")),
         _c("Beige Grey Navy Red Brown White Green"),
         (("Cashmere", "羊绒"), ("Wool", "羊毛"), ("Cotton", "纯棉")),
         (("Cable-knit", "麻花"), ("Turtleneck", "高领"), ("Oversized", "宽松"), ("Cosy", "温暖")),
         _CLOTHES_SIZES),
    Leaf(_ELECTRONICS, ("Earbuds", "耳机"), 399, (("Earbuds", "耳机"), ("Headphones", "头戴式耳机")),
         _c("Black White Blue Pink Silver"),
         (("Plastic", "塑料"), ("Aluminium", "铝合金")),
         (("Wireless", "无线"), ("Noise-cancelling", "降噪"), ("Bluetooth", "蓝牙"), ("Sports", "运动"),
          ("Waterproof", "防水")),
         ()),
    Leaf(_ELECTRONICS, ("Smartphones", "手机"), 2999, (("Smartphone", "手机"),),
         _c("Black White Blue Green Purple Silver"),
         (("Glass", "玻璃"), ("Aluminium", "铝合金"), ("Titanium", "钛金属")),
         (("5G", "5G"), ("Dual-SIM", "双卡"), ("Fast-charging", "快充"), ("Camera", "影像")),
         ("128GB", "256GB", "512GB"), "storage"),
    Leaf(_ELECTRONICS, ("Smartwatches", "智能手表"), 1299,
         (("Smartwatch", "智能手表"), ("Fitness Band", "运动手环")),
         _c("Black Silver Pink Blue Green"),
         (("Silicone", "硅胶"), ("Stainless Steel", "不锈钢"), ("Leather", "皮革")),
         (("GPS", "GPS"), ("Heart-rate", "心率"), ("Waterproof", "防水"), ("Long-battery", "长续航")),
         ()),
    Leaf(_ELECTRONICS, ("Power banks", "充电宝"), 149, (("Power Bank", "充电宝"), ("Charger", "充电器")),
         _c("Black White Blue Pink"),
         (("Plastic", "塑料"), ("Aluminium", "铝合金")),
         (("Fast-charging", "快充"), ("Slim", "轻薄"), ("Magnetic", "磁吸"), ("Wireless", "无线")),
         ("5000mAh", "10000mAh", "20000mAh"), "capacity"),
    Leaf(_ELECTRONICS, ("Keyboards", "键盘"), 399, (("Keyboard", "键盘"), ("Mouse", "鼠标")),
         _c("Black White Grey Pink"),
         (("Plastic", "塑料"), ("Aluminium", "铝合金")),
         (("Mechanical", "机械"), ("Wireless", "无线"), ("Backlit", "背光"), ("Ergonomic", "人体工学")),
         ()),
    Leaf(_HOME, ("Kitchen", "厨房用品"), 199,
         (("Frying Pan", "不粘锅"), ("Kettle", "电水壶"), ("Chef Knife", "厨师刀")),
         _c("Black Red White Silver Grey"),
         (("Stainless Steel", "不锈钢"), ("Cast Iron", "铸铁"), ("Ceramic", "陶瓷")),
         (("Non-stick", "不粘"), ("Induction", "电磁炉适用"), ("Dishwasher-safe", "可机洗"),
          ("Compact", "小巧")),
         ("1.5L", "1.7L", "24cm", "28cm"), "capacity"),
    Leaf(_HOME, ("Bedding", "床上用品"), 359,
         (("Duvet Cover", "被套"), ("Pillow", "枕头"), ("Sheet Set", "床单四件套")),
         _c("White Grey Beige Blue Pink Green"),
         (("Cotton", "纯棉"), ("Silk", "真丝"), ("Linen", "亚麻"), ("Bamboo", "竹纤维")),
         (("Breathable", "透气"), ("Soft", "柔软"), ("Hypoallergenic", "防螨"), ("Warm", "保暖")),
         ("1.5m", "1.8m", "2.0m")),
    Leaf(_HOME, ("Lighting", "灯具"), 229,
         (("Desk Lamp", "台灯"), ("Ceiling Light", "吸顶灯"), ("Night Light", "小夜灯")),
         _c("White Black Silver Beige"),
         (("Metal", "金属"), ("Wood", "实木"), ("Glass", "玻璃")),
         (("LED", "LED"), ("Dimmable", "可调光"), ("Smart", "智能"), ("Eye-care", "护眼")),
         ()),
    Leaf(_HOME, ("Storage", "收纳"), 79,
         (("Storage Box", "收纳箱"), ("Shelf", "置物架"), ("Drawer Organiser", "抽屉收纳盒")),
         _c("White Grey Beige Blue"),
         (("Plastic", "塑料"), ("Bamboo", "竹"), ("Fabric", "布艺")),
         (("Stackable", "可叠加"), ("Foldable", "可折叠"), ("Large", "大号"), ("Dust-proof", "防尘")),
         ()),
    Leaf(_BEAUTY, ("Skincare", "护肤"), 229,
         (("Moisturiser", "面霜"), ("Serum", "精华"), ("Cleanser", "洁面乳")),
         (), (("Hyaluronic Acid", "玻尿酸"), ("Vitamin C", "维C"), ("Green Tea", "绿茶"),
          ("Retinol", "视黄醇")),
         (("Hydrating", "保湿"), ("Brightening", "美白"), ("Sensitive-skin", "敏感肌"),
          ("Anti-ageing", "抗老")),
         ("30ml", "50ml", "100ml"), "capacity", "ingredient"),
    Leaf(_BEAUTY, ("Makeup", "彩妆"), 159,
         (("Lipstick", "口红"), ("Foundation", "粉底液"), ("Eyeshadow Palette", "眼影盘")),
         _c("Red Pink Beige Brown Purple"),
         (("Matte", "哑光"), ("Satin", "缎光"), ("Shimmer", "珠光")),
         (("Long-lasting", "持久"), ("Waterproof", "防水"), ("Lightweight", "轻薄"), ("Vegan", "纯素")),
         (), "size", "finish"),
    Leaf(_BEAUTY, ("Fragrance", "香水"), 499, (("Eau de Parfum", "香水"), ("Body Mist", "香氛喷雾")),
         (), (("Floral", "花香"), ("Woody", "木质"), ("Citrus", "柑橘"), ("Musk", "麝香")),
         (("Fresh", "清新"), ("Elegant", "优雅"), ("Summer", "夏日"), ("Evening", "夜晚")),
         ("30ml", "50ml", "100ml"), "capacity", "scent"),
    Leaf(_BEAUTY, ("Hair care", "洗护发"), 89,
         (("Shampoo", "洗发水"), ("Conditioner", "护发素"), ("Hair Oil", "护发精油")),
         (), (("Argan Oil", "摩洛哥坚果油"), ("Ginger", "生姜"), ("Silicone-free", "无硅油")),
         (("Anti-dandruff", "去屑"), ("Repairing", "修护"), ("Volumising", "蓬松"), ("Smoothing", "柔顺")),
         ("300ml", "500ml", "750ml"), "capacity", "ingredient"),
    Leaf(_SPORTS, ("Running shoes", "跑鞋"), 599, (("Running Shoes", "跑鞋"), ("Trail Shoes", "越野跑鞋")),
         _c("Black White Blue Red Grey Green Pink"),
         (("Mesh", "网面"), ("Knit", "针织"), ("Foam", "泡棉")),
         (("Cushioned", "缓震"), ("Lightweight", "轻量"), ("Breathable", "透气"), ("Racing", "竞速")),
         _SHOE_SIZES),
    Leaf(_SPORTS, ("Yoga", "瑜伽"), 149,
         (("Yoga Mat", "瑜伽垫"), ("Yoga Pants", "瑜伽裤"), ("Yoga Block", "瑜伽砖")),
         _c("Purple Pink Black Blue Green Grey"),
         (("TPE", "TPE"), ("Natural Rubber", "天然橡胶"), ("Cork", "软木")),
         (("Non-slip", "防滑"), ("Thick", "加厚"), ("Eco-friendly", "环保"), ("Portable", "便携")),
         ()),
    Leaf(_SPORTS, ("Camping", "露营"), 399,
         (("Tent", "帐篷"), ("Sleeping Bag", "睡袋"), ("Camping Chair", "折叠椅")),
         _c("Green Beige Grey Blue Brown"),
         (("Nylon", "尼龙"), ("Polyester", "涤纶"), ("Aluminium", "铝合金")),
         (("Waterproof", "防水"), ("Ultralight", "超轻"), ("Family", "家庭"), ("Windproof", "防风")),
         ()),
    Leaf(_SPORTS, ("Cycling", "骑行"), 299,
         (("Cycling Helmet", "骑行头盔"), ("Bike Light", "车灯"), ("Cycling Jersey", "骑行服")),
         _c("Black White Red Blue Yellow"),
         (("Polycarbonate", "聚碳酸酯"), ("Polyester", "涤纶"), ("Aluminium", "铝合金")),
         (("Aero", "气动"), ("Rechargeable", "可充电"), ("Reflective", "反光"), ("Breathable", "透气")),
         ()),
    Leaf(_BOOKS, ("Fiction", "小说"), 49, (("Novel", "小说"),), (), _BOOK_FORMATS, _BOOK_TITLES, (), "size",
         "format"),
    Leaf(_BOOKS, ("Cooking", "烹饪"), 69, (("Cookbook", "菜谱"),), (), _BOOK_FORMATS,
         (("Home Kitchen", "家常菜"), ("Quick Dinners", "快手晚餐"), ("Sichuan Flavours", "川味"),
          ("Baking Basics", "烘焙入门"),
          ("Healthy Bowls", "健康轻食")), (), "size", "format"),
    Leaf(_BOOKS, ("Business", "商业"), 59, (("Business Book", "商业书"),), (), _BOOK_FORMATS,
         (("First Principles", "第一性原理"), ("Little Habits", "小习惯"), ("The Lean Shop", "精益小店"),
          ("Data Driven", "数据驱动"), ("Brand Stories", "品牌故事")), (), "size", "format"),
    Leaf(_BOOKS, ("Children's books", "童书"), 39, (("Picture Book", "绘本"),), (), _BOOK_FORMATS,
         (("Little Fox", "小狐狸"), ("Paper Moon", "纸月亮"), ("Big Blue Whale", "大蓝鲸"),
          ("Rainy Day", "下雨天")),
         (), "size", "format"),
    Leaf(_BOOKS, ("Science", "科普"), 59, (("Science Book", "科普读物"),), (), _BOOK_FORMATS,
         (("The Universe", "宇宙"), ("Tiny Cells", "微小的细胞"), ("Deep Oceans", "深海"),
          ("Clever Machines", "聪明的机器")),
         (), "size", "format"),
)

# fmt: on

# Brands per top category (invented): Latin and Chinese names side by side.
BRANDS: dict[str, tuple[str, ...]] = {
    "Clothing": ("Bloom", "花漾", "Northline", "素锦", "Urban Fox", "棉语", "Maple & Moss"),
    "Electronics": ("Voltix", "声悦", "Kinetic", "极光", "Nimbus", "星途", "Pulsewave"),
    "Home": ("Hearth & Co", "木屿", "Casa Lumo", "简居", "Nestwell", "暖宅"),
    "Beauty": ("Lumière Lab", "花间", "Pure Dew", "雪肌", "Verdant", "玉容"),
    "Sports": ("Stridex", "驰跑", "Peakform", "野径", "Trailfox", "飞羽"),
    "Books": ("Lantern Press", "青灯出版社", "Harbor Books", "知行书局", "Pinecone Kids"),
}

# Short blurbs per top category, used in product descriptions.
TOP_BLURB: dict[str, Term] = {
    "Clothing": (
        "Easy to wash and true to size; see the size chart before ordering.",
        "面料亲肤，尺码标准，下单前请参考尺码表。",
    ),
    "Electronics": ("Comes with a one-year warranty and a USB-C cable.", "享受一年质保，附赠USB-C数据线。"),
    "Home": ("Designed for small apartments and everyday use.", "为小户型和日常生活设计。"),
    "Beauty": (
        "Dermatologist tested; patch-test before first use.",
        "经皮肤科测试，首次使用前请先局部试用。",
    ),
    "Sports": ("Built for training in every season.", "适合四季训练使用。"),
    "Books": ("Printed on acid-free paper.", "采用无酸纸印刷。"),
}

# People and places.
# fmt: off
ZH_SURNAMES: tuple[Term, ...] = (
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"),
    ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林"),
)
ZH_GIVEN: tuple[Term, ...] = (
    ("Wei", "伟"), ("Fang", "芳"), ("Na", "娜"), ("Min", "敏"), ("Jing", "静"), ("Li", "丽"),
    ("Qiang", "强"), ("Lei", "磊"), ("Yang", "洋"), ("Yan", "艳"), ("Jie", "杰"), ("Juan", "娟"),
    ("Tao", "涛"), ("Ming", "明"), ("Chao", "超"), ("Xiuying", "秀英"), ("Hua", "华"), ("Yuting", "雨婷"),
    ("Zihan", "子涵"), ("Haoran", "浩然"), ("Xinyi", "欣怡"), ("Yuxuan", "宇轩"), ("Shuang", "爽"), ("Bo",
     "波"),
)
EN_FIRST: tuple[str, ...] = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Emma",
    "Olivia", "Liam", "Noah", "Ava", "Sophia", "Lucas", "Mia", "Ethan", "Chloe", "Daniel",
    "Grace", "Samuel", "Hannah", "Oliver", "Isla", "Jack", "Amelia", "Leo", "Zoe", "Ryan",
)
EN_LAST: tuple[str, ...] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Taylor", "Clark",
    "Lewis", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Evans", "Turner", "Parker", "Collins",
)
# (country, city, weight) for each language's customers.
ZH_PLACES: tuple[tuple[str, str, float], ...] = (
    ("China", "上海", 0.18), ("China", "北京", 0.16), ("China", "广州", 0.1), ("China", "深圳", 0.12),
    ("China", "杭州", 0.1), ("China", "成都", 0.09), ("China", "武汉", 0.07), ("China", "南京", 0.07),
    ("China", "西安", 0.05), ("Singapore", "Singapore", 0.06),
)
EN_PLACES: tuple[tuple[str, str, float], ...] = (
    ("United States", "New York", 0.14), ("United States", "San Francisco", 0.1),
    ("United States", "Chicago", 0.07), ("United Kingdom", "London", 0.14), ("United Kingdom", "Manchester",
     0.05),
    ("Canada", "Toronto", 0.1), ("Canada", "Vancouver", 0.06), ("Australia", "Sydney", 0.1),
    ("Australia", "Melbourne", 0.06), ("Singapore", "Singapore", 0.08), ("China", "Shanghai", 0.1),
)
ZH_STREETS: tuple[str, ...] = ("人民路", "中山路", "解放路", "建设路", "和平路", "长江路", "世纪大道",
                               "南京路", "新华路")
ZH_DISTRICTS: tuple[str, ...] = ("朝阳区", "浦东新区", "天河区", "南山区", "西湖区", "武侯区", "鼓楼区",
                                 "高新区")
EN_STREETS: tuple[str, ...] = (
    "Main Street", "Oak Avenue", "Maple Road", "King Street", "High Street", "Park Lane", "Queen Street",
    "Cedar Drive", "Elm Street", "Harbour Road",
)
EMAIL_DOMAINS: tuple[str, ...] = ("example.com", "example.cn", "mail.example.org", "example.net")

# fmt: on

# Carriers by destination country; tracking numbers start with the prefix.
CARRIERS: dict[str, tuple[tuple[str, str], ...]] = {
    "China": (("SF Express", "SF"), ("JD Logistics", "JDX"), ("ZTO Express", "ZTO"), ("YTO Express", "YT")),
    "other": (("DHL", "DH"), ("UPS", "1Z"), ("FedEx", "FX"), ("EMS", "EE")),
}

# Search query templates per language; {noun} {colour} {feature} {material} {brand} {price} are filled in.
QUERY_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "plain": ("{noun}", "{noun_lower}", "best {noun_lower}"),
        "colour": ("{colour} {noun}", "{colour_lower} {noun_lower}"),
        "feature": ("{feature} {noun}", "{feature_lower} {noun_lower}"),
        "material": ("{material} {noun}", "{material_lower} {noun_lower}"),
        "brand": ("{brand} {noun}", "{brand} {noun_lower}"),
        "price": ("{noun_lower} under {price}", "cheap {noun_lower} under {price}"),
    },
    "zh": {
        "plain": ("{noun}", "好用的{noun}"),
        "colour": ("{colour}{noun}", "{colour} {noun}"),
        "feature": ("{feature}{noun}", "{feature} {noun}"),
        "material": ("{material}{noun}", "{material} {noun}"),
        "brand": ("{brand}{noun}", "{brand} {noun}"),
        "price": ("{price}元以内的{noun}", "{noun} {price}以内"),
    },
}

# Order status notes per language (the timeline's ``note``).
STATUS_NOTES: dict[str, Term] = {
    "placed": ("Order placed", "订单已提交"),
    "paid": ("Payment received", "已付款"),
    "shipped": ("Handed to the carrier", "已发货"),
    "delivered": ("Delivered", "已签收"),
    "cancelled": ("Cancelled before shipping", "订单已取消（发货前）"),
    "refund_requested": ("Return and refund requested", "已申请退货退款"),
    "refunded": ("Refund issued to the original payment method", "退款已原路退回"),
    "denied": ("Refund request declined; order stays delivered", "退款申请未通过，订单保持已签收"),
}

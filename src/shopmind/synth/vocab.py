"""Word pools the synthesizer fills names, e-mail addresses and street addresses from.

They are written here, not learned from the training rows, so a generated name or street never
comes from a real record (the rows only decide which *format* is used: English or Chinese, which
e-mail style, which domain). Chinese names carry their pinyin, so an e-mail can be derived from
a generated Chinese name as it is from an English one.
"""

from __future__ import annotations

# fmt: off
EN_FIRST: tuple[str, ...] = (
    "Aaron", "Abigail", "Adam", "Adrian", "Aiden", "Alan", "Albert", "Alexa", "Alice", "Alicia", "Amber",
    "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Arthur", "Ashley", "Audrey", "Austin", "Barbara",
    "Benjamin", "Bethany", "Blake", "Brandon", "Brenda", "Brian", "Brooke", "Bruce", "Caleb", "Cameron",
    "Carla", "Carlos", "Caroline", "Catherine", "Charles", "Charlotte", "Christian", "Claire", "Colin",
    "Connor", "Daisy", "Dana", "Derek", "Diana", "Dominic", "Dylan", "Eleanor", "Elena", "Eli", "Elijah",
    "Elise", "Ellie", "Emily", "Eric", "Erin", "Eva", "Evan", "Felix", "Fiona", "Frances", "Gabriel",
    "Gavin", "George", "Gloria", "Harper", "Harry", "Hazel", "Heather", "Henry", "Holly", "Hugo", "Ian",
    "Isaac", "Isabel", "Ivy", "Jacob", "Jade", "Jason", "Jasmine", "Jeremy", "Jessica", "Joanna", "Joel",
    "Jordan", "Joseph", "Joshua", "Julia", "Julian", "Justin", "Karen", "Katie", "Kevin", "Kyle", "Laura",
    "Lauren", "Leah", "Lily", "Logan", "Louis", "Lucy", "Luke", "Madison", "Maria", "Mark", "Martin",
    "Matthew", "Megan", "Melissa", "Nathan", "Natalie", "Nicholas", "Nora", "Owen", "Paige", "Paul",
    "Peter", "Rachel", "Rebecca", "Riley", "Rose", "Ruby", "Sarah", "Scarlett", "Sean", "Simon", "Sophie",
    "Stella", "Stephen", "Susan", "Thomas", "Tyler", "Victoria", "Vincent", "Violet", "William", "Wyatt",
)
EN_LAST: tuple[str, ...] = (
    "Abbott", "Allen", "Anderson", "Armstrong", "Bailey", "Barnes", "Bell", "Bennett", "Bishop", "Blake",
    "Bradley", "Brooks", "Bryant", "Burke", "Burns", "Butler", "Caldwell", "Chapman", "Cole", "Cook",
    "Cooper", "Cox", "Crawford", "Cunningham", "Dalton", "Dawson", "Dixon", "Doyle", "Duncan", "Edwards",
    "Ellis", "Elliott", "Farmer", "Ferguson", "Fisher", "Fleming", "Fletcher", "Ford", "Foster", "Fowler",
    "Fox", "Francis", "Freeman", "Gardner", "Gibson", "Gilbert", "Gordon", "Graham", "Grant", "Gray",
    "Griffin", "Hamilton", "Hansen", "Harper", "Harris", "Harvey", "Hayes", "Henderson", "Holmes",
    "Howard", "Hudson", "Hughes", "Hunt", "Hunter", "Jackson", "Jenkins", "Jensen", "Kelly", "Kennedy",
    "Knight", "Lambert", "Lane", "Lawrence", "Lawson", "Lee", "Long", "Lucas", "Marshall", "Martin",
    "Mason", "Matthews", "McCarthy", "Meyer", "Mills", "Moore", "Morgan", "Morris", "Murphy", "Murray",
    "Newman", "Nichols", "Norris", "Owens", "Palmer", "Patel", "Pearson", "Perry", "Peters", "Phillips",
    "Porter", "Powell", "Price", "Quinn", "Reed", "Reid", "Reynolds", "Richards", "Riley", "Robinson",
    "Rogers", "Ross", "Russell", "Ryan", "Sanders", "Shaw", "Simmons", "Spencer", "Stevens", "Stewart",
    "Stone", "Sullivan", "Thompson", "Thornton", "Tucker", "Wallace", "Ward", "Warren", "Watson", "Webb",
    "Wells", "West", "Wheeler", "White", "Williamson", "Wood", "Woods", "Yates",
)
# (pinyin, characters)
ZH_SURNAMES: tuple[tuple[str, str], ...] = (
    ("Wang", "王"), ("Li", "李"), ("Zhang", "张"), ("Liu", "刘"), ("Chen", "陈"), ("Yang", "杨"),
    ("Zhao", "赵"), ("Huang", "黄"), ("Zhou", "周"), ("Wu", "吴"), ("Xu", "徐"), ("Sun", "孙"),
    ("Ma", "马"), ("Zhu", "朱"), ("Hu", "胡"), ("Guo", "郭"), ("He", "何"), ("Lin", "林"), ("Gao", "高"),
    ("Luo", "罗"), ("Zheng", "郑"), ("Liang", "梁"), ("Xie", "谢"), ("Song", "宋"), ("Tang", "唐"),
    ("Han", "韩"), ("Feng", "冯"), ("Deng", "邓"), ("Cao", "曹"), ("Peng", "彭"), ("Zeng", "曾"),
    ("Xiao", "肖"), ("Tian", "田"), ("Dong", "董"), ("Pan", "潘"), ("Yuan", "袁"), ("Cai", "蔡"),
    ("Jiang", "蒋"), ("Yu", "余"), ("Du", "杜"), ("Ye", "叶"), ("Cheng", "程"), ("Wei", "魏"),
    ("Su", "苏"), ("Lu", "吕"), ("Ding", "丁"), ("Ren", "任"), ("Shen", "沈"), ("Yao", "姚"),
    ("Lu", "卢"), ("Fu", "傅"), ("Zhong", "钟"), ("Jiang", "姜"), ("Cui", "崔"), ("Tan", "谭"),
    ("Lu", "陆"), ("Fan", "范"), ("Wang", "汪"), ("Liao", "廖"), ("Shi", "石"), ("Jin", "金"),
)
ZH_GIVEN: tuple[tuple[str, str], ...] = (
    ("Anqi", "安琪"), ("Bin", "斌"), ("Bingbing", "冰冰"), ("Chang", "畅"), ("Chen", "晨"),
    ("Chunyan", "春燕"), ("Dan", "丹"), ("Daoming", "道明"), ("Dongmei", "冬梅"), ("Fei", "飞"),
    ("Feng", "峰"), ("Gang", "刚"), ("Guiying", "桂英"), ("Hai", "海"), ("Haitao", "海涛"),
    ("Hao", "浩"), ("Hong", "红"), ("Hongmei", "红梅"), ("Hui", "慧"), ("Jia", "佳"),
    ("Jiahao", "嘉豪"), ("Jian", "建"), ("Jianguo", "建国"), ("Jiayi", "佳怡"), ("Jin", "瑾"),
    ("Jingyi", "静怡"), ("Jun", "军"), ("Junjie", "俊杰"), ("Kai", "凯"), ("Lan", "兰"),
    ("Lili", "莉莉"), ("Lin", "琳"), ("Ling", "玲"), ("Long", "龙"), ("Mei", "梅"),
    ("Meng", "萌"), ("Mengyao", "梦瑶"), ("Minghui", "明辉"), ("Mingxuan", "明轩"), ("Nan", "楠"),
    ("Ning", "宁"), ("Peng", "鹏"), ("Ping", "萍"), ("Qian", "倩"), ("Qing", "青"),
    ("Rui", "睿"), ("Ruoxi", "若曦"), ("Shan", "珊"), ("Shuai", "帅"), ("Shuyi", "书怡"),
    ("Si", "思"), ("Siyu", "思雨"), ("Tian", "甜"), ("Ting", "婷"), ("Wen", "文"),
    ("Wenjie", "文杰"), ("Xia", "霞"), ("Xiang", "翔"), ("Xiaoming", "小明"), ("Xiaoyu", "晓雨"),
    ("Xin", "鑫"), ("Xinran", "欣然"), ("Xue", "雪"), ("Ya", "雅"), ("Yan", "燕"),
    ("Yi", "毅"), ("Yifan", "一帆"), ("Yihan", "一涵"), ("Ying", "莹"), ("Yong", "勇"),
    ("Yu", "宇"), ("Yue", "悦"), ("Yun", "云"), ("Zhen", "震"), ("Zhiqiang", "志强"),
    ("Zhiyuan", "致远"), ("Zixuan", "子轩"), ("Ziyi", "梓怡"), ("Zhe", "哲"), ("Wenwen", "雯雯"),
    ("Yuqi", "雨琦"), ("Haoyu", "浩宇"), ("Tianyi", "天一"),
)
EN_STREETS: tuple[str, ...] = (
    "Acacia Avenue", "Albert Road", "Ash Grove", "Beach Road", "Birch Lane", "Bridge Street", "Broadway",
    "Castle Street", "Chapel Road", "Church Lane", "Cliff Road", "College Avenue", "Court Street",
    "Dock Road", "Forest Drive", "Garden Street", "Glen Road", "Grove Street", "Highland Avenue",
    "Hill Road", "Lake Street", "Laurel Avenue", "Lincoln Road", "Market Street", "Meadow Lane",
    "Mill Road", "North Street", "Orchard Way", "Pine Street", "Pleasant Street", "Ridge Road",
    "River Road", "Rose Street", "School Lane", "Spring Street", "Station Road", "Sunset Boulevard",
    "Union Street", "Valley Road", "Victoria Road", "Walnut Street", "Water Street", "Willow Way",
)
ZH_STREETS: tuple[str, ...] = (
    "北京路", "延安路", "淮海路", "光明路", "文化路", "朝阳路", "幸福路", "青年路", "胜利路", "滨江路",
    "黄河路", "复兴路", "东风路", "团结路", "学院路", "湖滨路", "科技路", "花园路", "银河路", "振兴路",
    "兴业大道", "东方大道", "迎宾大道", "金融街", "步行街",
)
ZH_DISTRICTS: tuple[str, ...] = (
    "东城区", "西城区", "海淀区", "徐汇区", "静安区", "黄浦区", "越秀区", "福田区", "罗湖区", "拱墅区",
    "锦江区", "青羊区", "江汉区", "洪山区", "玄武区", "秦淮区", "雁塔区", "碑林区", "滨江区", "江北区",
)
# e-mail domains for a generated address whose domain was rare in the training rows
FALLBACK_DOMAINS: tuple[str, ...] = ("example.com", "example.net", "example.org")
# fmt: on

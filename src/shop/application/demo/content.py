"""The words the demo shop is made of: its category tree, brands, attributes and product names."""

from __future__ import annotations

# (slug, 中文, English, variant axes, product attributes,
#  [(sub slug, 中文, English, [(leaf slug, 中文, English, noun 中文, noun English), …]), …])
TREE = [
    ("clothing", "服装", "Clothing", ("color", "size"), ("fit", "material"), [
        ("men", "男装", "Men", [
            ("men-tshirts", "男士T恤", "Men's T-shirts", "T恤", "T-shirt"),
            ("men-shirts", "男士衬衫", "Men's shirts", "衬衫", "shirt"),
            ("men-jeans", "男士牛仔裤", "Men's jeans", "牛仔裤", "jeans"),
            ("men-jackets", "男士夹克", "Men's jackets", "夹克", "jacket"),
            ("men-hoodies", "男士卫衣", "Men's hoodies", "卫衣", "hoodie"),
        ]),
        ("women", "女装", "Women", [
            ("women-dresses", "连衣裙", "Dresses", "连衣裙", "dress"),
            ("women-skirts", "半身裙", "Skirts", "半身裙", "skirt"),
            ("women-sweaters", "女士毛衣", "Women's sweaters", "毛衣", "sweater"),
            ("women-coats", "女士外套", "Women's coats", "外套", "coat"),
            ("women-trousers", "女士裤装", "Women's trousers", "休闲裤", "trousers"),
        ]),
        ("kids", "童装", "Kids", [
            ("kids-tees", "儿童T恤", "Kids' T-shirts", "儿童T恤", "kids' T-shirt"),
            ("kids-coats", "儿童外套", "Kids' coats", "儿童外套", "kids' coat"),
        ]),
    ]),
    ("electronics", "数码", "Electronics", ("color", "storage"), (), [
        ("phones", "手机通讯", "Phones", [
            ("smartphones", "智能手机", "Smartphones", "智能手机", "smartphone"),
            ("phone-accessories", "手机配件", "Phone accessories", "手机壳", "phone case"),
        ]),
        ("computers", "电脑办公", "Computers", [
            ("laptops", "笔记本电脑", "Laptops", "笔记本电脑", "laptop"),
            ("tablets", "平板电脑", "Tablets", "平板电脑", "tablet"),
            ("monitors", "显示器", "Monitors", "显示器", "monitor"),
        ]),
        ("audio", "影音娱乐", "Audio", [
            ("headphones", "耳机", "Headphones", "降噪耳机", "noise-cancelling headphones"),
            ("speakers", "音箱", "Speakers", "蓝牙音箱", "Bluetooth speaker"),
        ]),
    ]),
    ("home", "家居", "Home", ("color",), ("material",), [
        ("kitchen", "厨具", "Kitchen", [
            ("cookware", "锅具", "Cookware", "不粘锅", "non-stick pan"),
            ("knives", "刀具", "Knives", "厨师刀", "chef's knife"),
            ("tableware", "餐具", "Tableware", "餐具套装", "dinner set"),
        ]),
        ("textiles", "家纺", "Textiles", [
            ("bedding", "床品", "Bedding", "四件套", "bedding set"),
            ("towels", "毛巾浴巾", "Towels", "浴巾", "bath towel"),
        ]),
        ("storage", "收纳整理", "Storage", [
            ("storage-boxes", "收纳箱", "Storage boxes", "收纳箱", "storage box"),
        ]),
    ]),
    ("books", "图书", "Books", ("format",), ("language",), [
        ("literature", "文学", "Literature", [
            ("fiction", "小说", "Fiction", "长篇小说", "novel"),
            ("poetry", "诗歌", "Poetry", "诗集", "poetry collection"),
        ]),
        ("science-tech", "科技", "Science & tech", [
            ("programming", "编程", "Programming", "编程指南", "programming guide"),
            ("popular-science", "科普", "Popular science", "科普读物", "science book"),
        ]),
        ("children-books", "少儿", "Children", [
            ("picture-books", "绘本", "Picture books", "绘本", "picture book"),
        ]),
    ]),
]

#: Each leaf's price range in yuan: a phone case is not priced like a laptop.
LEAF_PRICES = {
    "men-tshirts": (39, 199), "men-shirts": (99, 399), "men-jeans": (129, 499),
    "men-jackets": (199, 899), "men-hoodies": (99, 399), "women-dresses": (129, 699),
    "women-skirts": (79, 399), "women-sweaters": (99, 599), "women-coats": (299, 1299),
    "women-trousers": (99, 399), "kids-tees": (29, 129), "kids-coats": (99, 399),
    "smartphones": (999, 7999), "phone-accessories": (19, 129), "laptops": (2999, 12999),
    "tablets": (1299, 6999), "monitors": (699, 3999), "headphones": (199, 2999),
    "speakers": (99, 1499), "cookware": (69, 499), "knives": (39, 399), "tableware": (49, 399),
    "bedding": (129, 999), "towels": (19, 129), "storage-boxes": (19, 199),
    "fiction": (19, 89), "poetry": (15, 69), "programming": (49, 159),
    "popular-science": (29, 99), "picture-books": (19, 89),
}
#: Variant axes of the leaves that have fewer than their top category: storage is chosen for a
#: phone or a laptop, not for its case or a pair of headphones.
LEAF_AXES = {
    "phone-accessories": ("color",), "monitors": ("color",), "headphones": ("color",),
    "speakers": ("color",),
}

#: The materials a product may be made of, per leaf or else per top category: a coat is not made
#: of ceramic, nor a knife of wool.
MATERIALS = {
    "clothing": ("cotton", "linen", "wool", "polyester"),
    "cookware": ("steel", "ceramic"), "knives": ("steel",), "tableware": ("ceramic", "wood"),
    "bedding": ("cotton", "linen"), "towels": ("cotton",), "storage-boxes": ("wood",),
}

# (code, 中文, English, is variant axis, [(value code, 中文, English), …])
ATTRIBUTES = [
    ("color", "颜色", "Colour", True, [
        ("black", "黑色", "Black"), ("white", "白色", "White"), ("red", "红色", "Red"),
        ("blue", "蓝色", "Blue"), ("green", "绿色", "Green"), ("grey", "灰色", "Grey"),
        ("navy", "藏青", "Navy"), ("beige", "米色", "Beige"), ("pink", "粉色", "Pink"),
    ]),
    ("size", "尺码", "Size", True, [
        ("xs", "XS", "XS"), ("s", "S", "S"), ("m", "M", "M"), ("l", "L", "L"),
        ("xl", "XL", "XL"), ("xxl", "XXL", "XXL"),
    ]),
    ("storage", "存储容量", "Storage", True, [
        ("64gb", "64GB", "64 GB"), ("128gb", "128GB", "128 GB"), ("256gb", "256GB", "256 GB"),
        ("512gb", "512GB", "512 GB"), ("1tb", "1TB", "1 TB"),
    ]),
    ("format", "装帧", "Format", True, [
        ("paperback", "平装", "Paperback"), ("hardcover", "精装", "Hardcover"),
    ]),
    ("fit", "版型", "Fit", False, [
        ("slim", "修身", "Slim"), ("regular", "标准", "Regular"), ("loose", "宽松", "Loose"),
        ("oversized", "廓形", "Oversized"),
    ]),
    ("material", "材质", "Material", False, [
        ("cotton", "棉", "Cotton"), ("linen", "亚麻", "Linen"), ("wool", "羊毛", "Wool"),
        ("polyester", "涤纶", "Polyester"), ("steel", "不锈钢", "Stainless steel"),
        ("ceramic", "陶瓷", "Ceramic"), ("wood", "实木", "Wood"),
    ]),
    ("language", "语言", "Language", False, [
        ("zh", "中文", "Chinese"), ("en", "英文", "English"),
    ]),
]

# (slug, 中文, English, top category slug)
BRANDS = [
    ("qingmu", "青木", "Qingmu", "clothing"), ("yunshang", "云裳", "Yunshang", "clothing"),
    ("beifeng", "北风", "Beifeng", "clothing"), ("linxi", "林溪", "Linxi", "clothing"),
    ("mumian", "木棉", "Mumian", "clothing"), ("haitang", "海棠", "Haitang", "clothing"),
    ("xingye", "星野", "Xingye", "clothing"), ("chengzi", "橙子", "Chengzi", "clothing"),
    ("leiting", "雷霆", "Leiting", "electronics"), ("jiguang", "极光", "Aurora", "electronics"),
    ("xinghe", "星河", "Galaxy Peak", "electronics"), ("moyin", "墨音", "Moyin", "electronics"),
    ("feiyu", "飞宇", "Feiyu", "electronics"), ("lanxin", "蓝芯", "Bluecore", "electronics"),
    ("zhixing", "智行", "Zhixing", "electronics"), ("tianlai", "天籁", "Tianlai", "electronics"),
    ("jiayi", "家逸", "Jiayi", "home"), ("muxiang", "木香", "Muxiang", "home"),
    ("yuzhu", "玉竹", "Yuzhu", "home"), ("anju", "安居", "Anju", "home"),
    ("chufang", "厨坊", "Chufang", "home"), ("mianmian", "绵绵", "Mianmian", "home"),
    ("shuxiang", "书香", "Shuxiang", "books"), ("wenyuan", "文渊", "Wenyuan", "books"),
    ("qingdeng", "青灯", "Qingdeng", "books"), ("mobi", "墨笔", "Mobi", "books"),
    ("tongqu", "童趣", "Tongqu", "books"), ("zhiyuan", "知远", "Zhiyuan", "books"),
    ("dongfang", "东方", "Dongfang", "clothing"), ("huaxia", "华夏", "Huaxia", "home"),
]

ADJECTIVES = [
    ("经典", "Classic"), ("轻薄", "Light"), ("加厚", "Heavyweight"), ("简约", "Minimal"),
    ("复古", "Vintage"), ("都市", "Urban"), ("户外", "Outdoor"), ("商务", "Business"),
    ("高级", "Premium"), ("基础款", "Essential"), ("新款", "New"), ("舒适", "Comfort"),
]

DESCRIPTIONS = [
    ("<p>{zh}，精选做工，细节考究，适合日常使用。</p><ul><li>品质保障</li><li>七天无理由退换</li></ul>",
     "<p>{en}: carefully made, with attention to detail, for every day.</p>"
     "<ul><li>Quality guaranteed</li><li>7-day no-questions returns</li></ul>"),
    ("<p>{zh}，口碑热销，好评如潮。</p><p><strong>温馨提示：</strong>颜色以实物为准。</p>",
     "<p>{en}: a best seller our customers love.</p>"
     "<p><strong>Note:</strong> colours may vary slightly from the photos.</p>"),
]

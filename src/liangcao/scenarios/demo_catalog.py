"""The demo city's catalog: supply tiers from the model plans plus daily necessities.

Each row: code, Chinese name, English name, category, issue unit, pack sizes, lot tracked,
expiry tracked, shelf life in days.
"""

from __future__ import annotations

ItemRow = tuple[str, str, str, str, str, list[int], bool, bool, int | None]

ITEMS: list[ItemRow] = [
    # Tier 1: kept for 14–20 days.
    ("MASK-SURG", "医用外科口罩", "Surgical mask", "tier1", "piece", [50, 2000], True, True, 1095),
    ("MASK-N95", "医用防护口罩(N95)", "N95 respirator", "tier1", "piece", [20, 400], True, True, 1095),
    ("MASK-KN95", "KN95口罩", "KN95 mask", "tier1", "piece", [25, 500], True, True, 1095),
    ("GOWN-PROT", "医用防护服", "Protective coverall", "tier1", "piece", [1, 50], True, True, 1095),
    ("GLOVE-NIT", "丁腈手套", "Nitrile gloves", "tier1", "pair", [50, 1000], True, True, 1825),
    ("GLOVE-LAT", "乳胶检查手套", "Latex examination gloves", "tier1", "pair", [50, 1000], True, True, 1095),
    ("SANI-HAND", "免洗手消毒液", "Hand sanitiser 500 ml", "tier1", "bottle", [24], True, True, 730),
    ("THERMO-IR", "红外额温枪", "Infrared thermometer", "tier1", "piece", [10], False, False, None),
    ("THERMO-MER", "水银体温计", "Mercury thermometer", "tier1", "piece", [100], False, False, None),
    ("WIPE-DIS", "消毒湿巾", "Disinfectant wipes", "tier1", "bag", [40], True, True, 730),
    ("MASK-CHILD", "儿童口罩", "Children's mask", "tier1", "piece", [50, 1000], True, True, 1095),
    ("GLOVE-PE", "一次性PE手套", "Disposable PE gloves", "tier1", "pair", [100, 2000], False, False, None),
    # Tier 2: kept for 7–10 days.
    ("GOWN-ISO", "隔离衣", "Isolation gown", "tier2", "piece", [10, 100], True, True, 1095),
    ("CAP-SURG", "一次性医用帽", "Disposable surgical cap", "tier2", "piece", [100, 2000], False, False, None),
    ("SHOE-COV", "鞋套", "Shoe covers", "tier2", "pair", [100, 1000], False, False, None),
    ("SHIELD-F", "防护面屏", "Face shield", "tier2", "piece", [10, 200], False, False, None),
    ("GOGGLE", "护目镜", "Goggles", "tier2", "piece", [10, 100], False, False, None),
    ("CL-TAB", "含氯消毒片", "Chlorine tablets", "tier2", "bottle", [20], True, True, 730),
    ("DIS-84", "84消毒液", "Hypochlorite disinfectant", "tier2", "litre", [12], True, True, 365),
    ("BOOT-COV", "防护靴套", "Protective boot covers", "tier2", "pair", [50], False, False, None),
    ("APRON", "防水围裙", "Waterproof apron", "tier2", "piece", [50], False, False, None),
    ("BAG-MED", "医疗废物袋", "Medical waste bag", "tier2", "piece", [100], False, False, None),
    # Tier 3: bought on demand.
    ("ALC-75", "75%酒精", "75% alcohol", "tier3", "litre", [12], True, True, 730),
    ("TEST-AG", "抗原检测试剂盒", "Antigen test kit", "tier3", "piece", [20, 400], True, True, 540),
    ("TEST-PCR", "核酸检测试剂", "PCR test reagent", "tier3", "dose", [48, 96], True, True, 365),
    ("SWAB", "采样拭子", "Sampling swab", "tier3", "piece", [100, 2000], True, True, 1095),
    ("VTM", "病毒采样管", "Viral transport medium tube", "tier3", "piece", [50, 500], True, True, 365),
    ("FILM-IMG", "影像胶片", "Imaging film", "tier3", "piece", [100], True, True, 730),
    ("O2-CYL", "医用氧气瓶", "Medical oxygen cylinder", "tier3", "piece", [1], False, False, None),
    ("STRETCHER", "负压担架", "Negative-pressure stretcher", "tier3", "piece", [1], False, False, None),
    # Daily necessities (bulk goods in kg).
    ("RICE", "大米", "Rice", "daily", "kg", [5, 25], True, True, 365),
    ("FLOUR", "面粉", "Wheat flour", "daily", "kg", [5, 25], True, True, 270),
    ("OIL", "食用油", "Cooking oil", "daily", "litre", [5], True, True, 540),
    ("PORK", "猪肉", "Pork", "daily", "kg", [1, 20], True, True, 180),
    ("EGG", "鸡蛋", "Eggs", "daily", "kg", [1, 15], True, True, 30),
    ("VEG-LEAF", "叶类蔬菜", "Leafy vegetables", "daily", "kg", [1, 10], True, True, 5),
    ("VEG-ROOT", "根茎类蔬菜", "Root vegetables", "daily", "kg", [1, 20], True, True, 30),
    ("NOODLE", "挂面", "Dried noodles", "daily", "kg", [1, 10], True, True, 365),
    ("INST-NOOD", "方便面", "Instant noodles", "daily", "bag", [5, 24], True, True, 180),
    ("MILK", "纯牛奶", "Milk", "daily", "box", [12], True, True, 180),
    ("WATER", "饮用水", "Bottled water", "daily", "bottle", [24], True, True, 365),
    ("SALT", "食盐", "Salt", "daily", "bag", [20], False, False, None),
    ("SUGAR", "白糖", "Sugar", "daily", "kg", [10], False, False, None),
    ("SOY", "酱油", "Soy sauce", "daily", "bottle", [12], True, True, 540),
    ("FORMULA", "婴幼儿配方奶粉", "Infant formula", "daily", "box", [6], True, True, 540),
    ("DIAPER", "纸尿裤", "Diapers", "daily", "bag", [4], False, False, None),
    ("PAD", "卫生巾", "Sanitary pads", "daily", "bag", [24], False, False, None),
    ("TISSUE", "卫生纸", "Toilet paper", "daily", "roll", [10, 40], False, False, None),
    ("FRUIT", "时令水果", "Seasonal fruit", "daily", "kg", [5], True, True, 14),
    ("TOFU", "豆制品", "Tofu and soy products", "daily", "kg", [5], True, True, 5),
    # Medicine.
    ("MED-IBU", "布洛芬缓释胶囊", "Ibuprofen capsules", "medicine", "box", [50], True, True, 1095),
    ("MED-APAP", "对乙酰氨基酚片", "Paracetamol tablets", "medicine", "box", [50], True, True, 1095),
    ("MED-LHQW", "连花清瘟胶囊", "Lianhua Qingwen capsules", "medicine", "box", [40], True, True, 730),
    ("MED-INSUL", "胰岛素注射液", "Insulin injection", "medicine", "piece", [10], True, True, 730),
    ("MED-BP", "降压药", "Antihypertensive tablets", "medicine", "box", [50], True, True, 1095),
    ("MED-COUGH", "止咳糖浆", "Cough syrup", "medicine", "bottle", [30], True, True, 730),
    ("MED-ORS", "口服补液盐", "Oral rehydration salts", "medicine", "bag", [100], True, True, 1095),
    # Equipment.
    ("EQ-O2CON", "制氧机", "Oxygen concentrator", "equipment", "set", [1], False, False, None),
    ("EQ-SPRAY", "消毒喷雾器", "Disinfection sprayer", "equipment", "set", [1], False, False, None),
    ("EQ-GEN", "发电机", "Generator", "equipment", "set", [1], False, False, None),
    ("EQ-TENT", "帐篷", "Tent", "equipment", "set", [1], False, False, None),
    ("EQ-BED", "折叠床", "Folding bed", "equipment", "piece", [1, 10], False, False, None),
    ("EQ-QUILT", "棉被", "Quilt", "equipment", "piece", [10], False, False, None),
    ("EQ-COLD", "冷藏集装箱", "Refrigerated container", "equipment", "set", [1], False, False, None),
    ("EQ-WALKIE", "对讲机", "Walkie-talkie", "equipment", "set", [10], False, False, None),
]

# Kits: code, Chinese name, English name, kind, [(item code, quantity)].
KITS: list[tuple[str, str, str, str, list[tuple[str, int]]]] = [
    ("BOX-FAMILY", "家庭生活物资标准箱", "Household standard box", "standard_box",
     [("RICE", 5), ("NOODLE", 1), ("OIL", 1), ("EGG", 1), ("VEG-ROOT", 3), ("VEG-LEAF", 2),
      ("MILK", 1), ("SALT", 1)]),
    ("BOX-FESTIVAL", "春节慰问礼包", "Spring Festival gift pack", "standard_box",
     [("RICE", 5), ("OIL", 1), ("PORK", 1), ("FRUIT", 2)]),
    ("KIT-PPE-3", "三级防护套装", "Level-3 PPE kit", "kit",
     [("GOWN-PROT", 1), ("MASK-N95", 1), ("GLOVE-NIT", 2), ("CAP-SURG", 1), ("SHOE-COV", 1),
      ("SHIELD-F", 1), ("GOGGLE", 1)]),
    ("KIT-SAMPLE", "采样工作包", "Sampling kit", "kit",
     [("SWAB", 100), ("VTM", 10), ("GLOVE-NIT", 10), ("GOWN-ISO", 2), ("MASK-N95", 2)]),
]

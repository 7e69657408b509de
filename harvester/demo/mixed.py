"""The suite's synthetic records: mixed scripts, messy dates, DOIs, ISBNs, handles.

About 1.9 KB of oai_dc each: two or three titles, one to three creators, subjects and two
descriptions in a main script (Latin with diacritics, Chinese, Cyrillic, Arabic/Persian, Thai)
plus Latin, dates as ISO, "c1998", "[1987?]", "พ.ศ. 2563", "۱۳۹۹", "民國109年", languages and
types in several spellings, DOIs, ISBN-13s with valid check digits, handles, URLs, rights;
2 % are deleted; four sets. A record shape for synthetic.SyntheticCatalogue (see its
RecordShape): deterministic for a given random state, so a cached list rebuilds byte for byte.
"""

from __future__ import annotations

import random
from typing import Any

VERSION = 4  # bump when the output changes: it invalidates cached catalogues
SETS: tuple[str, ...] = ("books", "manuscripts", "theses", "images")
DELETED_SHARE = 0.02


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# --- word pools --------------------------------------------------------------------------
LATIN_WORDS = _words(
    "Samarqand Buxoro tarixi Xorazm histoire économie mémoire Türkistan şehir çarşı "
    "lịch sử Việt Nam Kraków Łódź São Paulo Ōsaka Marāgha Khwārazm Silk Road "
    "caravanserai trade manuscripts Sogdian merchants Dunhuang Central Asia Persian "
    "poetry astronomy ceramics Tang dynasty nomads oasis Kashgar Bukhara Merv Herat "
    "Balkh Tabrīz Hamadān Ürümqi Almaty Bishkek Dushanbe Ashgabat Tashkent caravans "
    "textiles Buddhism Islam Nestorian cartography itinéraires voyageurs Épigraphie "
    "géographie Ibn Baṭṭūṭa Rashīd al-Dīn Ulugh Beg observatory madrasa Timurid "
    "architecture müzesi kültür Anadolu Kapadokya ipek yolu antiquités fouilles "
    "archéologiques"
)
CHINESE_WORDS = _words(
    "丝绸之路 敦煌 历史 研究 文献 考古 中国 唐代 西域 贸易 佛教 艺术 丝路 "
    "文化交流 经济 地理 石窟 写本 长安 新疆 吐鲁番 龟兹 于阗 楼兰 粟特 "
    "商人 宋代 元代 明清 海上丝绸之路 瓷器 丝织品 壁画 佛经 碑刻 出土 文书 "
    "汉简 民族 边疆 交通 宗教 天文 医学 地图"
)
CYRILLIC_WORDS = _words(
    "история государства Средней Азии торговля Великий шёлковый путь археология "
    "рукописи Самарканд культура Қазақстан тарихы экономика Бухара Хорезм кочевники "
    "караваны Тюркский каганат памятники исследования материалы Золотая Орда города "
    "ремесло письменность летописи Туркестан Семиречье Отрар Тараз монеты керамика"
)
PERSIAN_WORDS = _words(
    "تاریخ ایران جاده ابریشم فرهنگ سمرقند نسخه‌های خطی ادبیات فارسی تجارت "
    "باستان‌شناسی شعر الحضارة الإسلامية العلوم خراسان بخارا نیشابور مرو هرات تبریز "
    "اصفهان کاروانسرا معماری نجوم پزشکی جغرافیا سفرنامه شاهنامه فردوسی حافظ سعدی "
    "مولوی تیموریان صفویان"
)
THAI_WORDS = _words(
    "ประวัติศาสตร์ อยุธยา พระพุทธศาสนา วัฒนธรรม การค้า เส้นทางสายไหม สุโขทัย ศิลปะ "
    "เศรษฐกิจ ภาษาไทย วรรณคดี กรุงเทพมหานคร ล้านนา เชียงใหม่ จารึก โบราณคดี "
    "พระราชพงศาวดาร สมุดไทย ใบลาน วัด สถาปัตยกรรม ดนตรีไทย การเมือง สังคม ชาติพันธุ์ "
    "ลุ่มน้ำเจ้าพระยา"
)
SCRIPTS: dict[str, dict[str, Any]] = {
    "latin": {
        "words": LATIN_WORDS,
        "names": (
            "Dupont, Jean-Étienne",
            "Nguyễn, Văn An",
            "Öztürk, Ayşe",
            "Karimov, Jasur",
            "Smith, John A.",
            "Müller, Jürgen",
            "Wiśniewska, Małgorzata",
            "Rashidov, Dilshod",
            "Lefèvre, Hélène",
            "Yılmaz, Mehmet",
        ),
        "languages": ("eng", "en", "fre", "fr", "uzb", "tur", "vie", "English", "français"),
        "types": ("Text", "Book", "Article", "Thesis", "Image", "text"),
        "publishers": ("Éditions du Centre", "Fan nashriyoti", "Brill", "Harrassowitz"),
        "weight": 0.34,
    },
    "chinese": {
        "words": CHINESE_WORDS,
        "names": ("王建国", "李明", "张晓红", "陈志强", "刘海燕", "杨光", "赵丽", "黄伟"),
        "languages": ("chi", "zh", "zho", "Chinese", "中文"),
        "types": ("图书", "Text", "期刊论文", "Image"),
        "publishers": ("中华书局", "上海古籍出版社", "文物出版社", "科学出版社"),
        "weight": 0.2,
    },
    "cyrillic": {
        "words": CYRILLIC_WORDS,
        "names": (
            "Иванов, Сергей Петрович",
            "Нуржанов, Ерлан",
            "Смирнова, Анна",
            "Абдуллаев, Рустам",
            "Кузнецов, Дмитрий",
        ),
        "languages": ("rus", "ru", "Русский", "kaz", "Russian"),
        "types": ("Text", "Книга", "Book", "Статья"),
        "publishers": ("Наука", "Ғылым", "Издательство МГУ"),
        "weight": 0.16,
    },
    "persian": {
        "words": PERSIAN_WORDS,
        "names": ("محمدی، علی", "حسینی، مریم", "رضایی، حسن", "کریمی، زهرا", "عبدالله، أحمد"),
        "languages": ("per", "fa", "fas", "Persian", "ara", "فارسی"),
        "types": ("Text", "کتاب", "Manuscript", "Book"),
        "publishers": ("انتشارات امیرکبیر", "نشر نی", "دار الكتب العلمية"),
        "weight": 0.15,
    },
    "thai": {
        "words": THAI_WORDS,
        "names": ("สมชาย ใจดี", "ประเสริฐ ศรีสุข", "วิไลวรรณ ทองดี", "สุภาพร แก้วมณี"),
        "languages": ("tha", "th", "Thai", "ไทย"),
        "types": ("หนังสือ", "Text", "Book", "ต้นฉบับตัวเขียน"),
        "publishers": ("กรมศิลปากร", "สำนักพิมพ์มติชน", "สำนักพิมพ์จุฬาลงกรณ์มหาวิทยาลัย"),
        "weight": 0.15,
    },
}
SCRIPT_NAMES = tuple(SCRIPTS)
SCRIPT_WEIGHTS = tuple(s["weight"] for s in SCRIPTS.values())
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
RIGHTS = (
    "CC BY 4.0",
    "http://creativecommons.org/licenses/by-nc/4.0/",
    "All rights reserved",
    "สงวนลิขสิทธิ์",
    "Public domain",
)
FORMATS = ("application/pdf", "text/html", "245 p. ; 24 cm", "image/jpeg", "1 v. (xii, 310 p.)")
DC_OPEN = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)


def isbn13(rng: random.Random) -> str:
    """A hyphenated ISBN-13 with a valid check digit."""
    digits = [9, 7, 8, *(rng.randrange(10) for _ in range(9))]
    total = sum(d * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    digits.append((10 - total % 10) % 10)
    s = "".join(map(str, digits))
    return f"{s[:3]}-{s[3]}-{s[4:8]}-{s[8:12]}-{s[12]}"


def _phrase(rng: random.Random, words: tuple[str, ...] | list[str], lo: int, hi: int) -> str:
    return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))


def _date(rng: random.Random, script: str, year: int) -> str:
    roll = rng.random()
    if script == "thai" and roll < 0.6:
        return f"พ.ศ. {year + 543}"
    if script == "persian" and roll < 0.6:
        return str(year - 621).translate(PERSIAN_DIGITS)
    if script == "chinese" and roll < 0.2:
        return f"民國{year - 1911}年"
    if roll < 0.3:
        return f"c{year}"
    if roll < 0.6:
        return f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if roll < 0.7:
        return f"[{year}?]"
    return str(year)


def render_metadata(rng: random.Random, name: str, i: int) -> str:
    """One oai_dc payload of about 1.5-2 KB in the record's main script (plus some Latin)."""
    script = rng.choices(SCRIPT_NAMES, SCRIPT_WEIGHTS)[0]
    pool = SCRIPTS[script]
    words = pool["words"]
    year = rng.randint(1950, 2024)
    out = [DC_OPEN]
    add = out.append
    add(f"<dc:title>{_phrase(rng, words, 3, 7)}</dc:title>")
    add(f"<dc:title>{_phrase(rng, LATIN_WORDS, 3, 6)} /</dc:title>")
    if rng.random() < 0.5:
        add(f"<dc:title>{_phrase(rng, words, 2, 4)} : {_phrase(rng, words, 2, 4)}</dc:title>")
    for _ in range(rng.randint(1, 3)):
        add(f"<dc:creator>{rng.choice(pool['names'])}</dc:creator>")
    if rng.random() < 0.4:
        add(f"<dc:contributor>{rng.choice(SCRIPTS['latin']['names'])}</dc:contributor>")
    for _ in range(rng.randint(2, 4)):
        add(f"<dc:subject>{_phrase(rng, words, 1, 3)}</dc:subject>")
    add(f"<dc:subject>{_phrase(rng, LATIN_WORDS, 1, 3)}</dc:subject>")
    add(f"<dc:description>{_phrase(rng, words, 18, 34)}.</dc:description>")
    text = _phrase(rng, LATIN_WORDS, 14, 30)
    if rng.random() < 0.3:
        text = f"&lt;p&gt;{text}&lt;/p&gt;"
    add(f"<dc:description>{text}.</dc:description>")
    add(f"<dc:publisher>{rng.choice(pool['publishers'])}</dc:publisher>")
    add(f"<dc:date>{_date(rng, script, year)}</dc:date>")
    add(f"<dc:type>{rng.choice(pool['types'])}</dc:type>")
    add(f"<dc:format>{rng.choice(FORMATS)}</dc:format>")
    if rng.random() < 0.4:
        add(f"<dc:identifier>https://doi.org/10.{5000 + i % 97}/bench.{name}.{i}</dc:identifier>")
    if rng.random() < 0.35:
        add(f"<dc:identifier>ISBN {isbn13(rng)}</dc:identifier>")
    if rng.random() < 0.3:
        add(f"<dc:identifier>http://hdl.handle.net/20.500.12345/{name}.{i}</dc:identifier>")
    add(f"<dc:identifier>https://library.example.org/{name}/record/{i}</dc:identifier>")
    add(f"<dc:language>{rng.choice(pool['languages'])}</dc:language>")
    if rng.random() < 0.3:
        series = _phrase(rng, LATIN_WORDS, 2, 5)
        add(f"<dc:relation>{series} ; v. {rng.randint(1, 12)}</dc:relation>")
    if rng.random() < 0.3:
        add(f"<dc:coverage>{rng.choice(words)}</dc:coverage>")
    add(f"<dc:rights>{rng.choice(RIGHTS)}</dc:rights>")
    add("</oai_dc:dc>")
    return "".join(out)


def render_record(rng: random.Random, name: str, i: int, stamp: str) -> tuple[bytes, bool, int]:
    """(the <record> element as UTF-8, deleted, set number) of record `i` of member `name`."""
    identifier = f"oai:{name}.bench:{i:07d}"
    gone = rng.random() < DELETED_SHARE
    set_no = rng.randrange(len(SETS))
    head = f"<identifier>{identifier}</identifier><datestamp>{stamp}</datestamp>"
    head += f"<setSpec>{SETS[set_no]}</setSpec>"
    if gone:
        return f'<record><header status="deleted">{head}</header></record>'.encode(), True, set_no
    metadata = render_metadata(rng, name, i)
    xml = f"<record><header>{head}</header><metadata>{metadata}</metadata></record>"
    return xml.encode(), False, set_no

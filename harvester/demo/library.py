"""Records shaped like a national library's oai_dc, for benchmarks and the test server.

About 1.7 KB of XML each: 1-3 titles with ``xml:lang`` (Latin with diacritics, Chinese,
Cyrillic, Arabic, Thai), 1-4 creators, 2-4 subjects, 1-2 long descriptions, publisher, date,
two types, format, a handle URL and a DOI; sometimes source, contributor, relation, language
and rights; text that needs escaping. 2 % of records are deleted; seven sets. The generator is
deterministic for a given random state, so a cached list can be rebuilt byte for byte.
"""

from __future__ import annotations

import random
from xml.sax.saxutils import escape

from harvester.demo.server import ServedRecord

VERSION = 1  # bump when the output changes: it invalidates cached catalogues
SETS: tuple[str, ...] = (
    "books",
    "serials",
    "manuscripts",
    "maps",
    "theses",
    "images",
    "rare",
)
DELETED_SHARE = 0.02
PAGE_SIZE = 100


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS: dict[str, tuple[str, ...]] = {
    "la": _words(
        "Samarqand Buxoro tarixi Xorazm histoire économie mémoire Türkistan şehir çarşı "
        "lịch sử Kraków Łódź Ōsaka Marāgha Khwārazm caravanserai trade manuscripts Sogdian "
        "merchants Dunhuang Persian poetry astronomy ceramics nomads Kashgar Merv Herat "
        "Tabrīz Hamadān Ürümqi Almaty Bishkek itinéraires voyageurs Épigraphie géographie "
        "Baṭṭūṭa Rashīd Timurid müzesi kültür Anadolu ipek yolu antiquités fouilles"
    ),
    "zh": _words(
        "丝绸之路 敦煌 历史 研究 文献 考古 中国 唐代 西域 贸易 佛教 艺术 文化交流 经济 "
        "地理 石窟 写本 长安 新疆 吐鲁番 龟兹 于阗 楼兰 粟特 商人 宋代 瓷器 壁画 佛经 碑刻"
    ),
    "ru": _words(
        "история государства Средней Азии торговля Великий шёлковый путь археология "
        "рукописи Самарканд культура экономика Бухара Хорезм кочевники караваны памятники "
        "исследования материалы Золотая Орда города ремесло письменность летописи"
    ),
    "ar": _words(
        "تاريخ الحضارة الإسلامية العلوم طريق الحرير المخطوطات العربية الأدب التجارة "
        "الجغرافيا الرحلة بغداد دمشق القاهرة سمرقند بخارى الفلك الطب الفلسفة الشعر"
    ),
    "th": _words(
        "ประวัติศาสตร์ อยุธยา พระพุทธศาสนา วัฒนธรรม การค้า เส้นทางสายไหม สุโขทัย ศิลปะ "
        "เศรษฐกิจ ภาษาไทย วรรณคดี ล้านนา เชียงใหม่ จารึก โบราณคดี ใบลาน วัด สถาปัตยกรรม"
    ),
}
_NAMES: dict[str, tuple[str, ...]] = {
    "la": ("Dupont, Jean-Étienne", "Nguyễn, Văn An", "Öztürk, Ayşe", "Wiśniewska, Małgorzata"),
    "zh": ("王建国", "李明", "张晓红", "陈志强", "刘海燕"),
    "ru": ("Иванов, Сергей Петрович", "Нуржанов, Ерлан", "Смирнова, Анна"),
    "ar": ("محمد بن أحمد", "عبد الله، حسن", "الخوارزمي، محمد بن موسى"),
    "th": ("สมชาย ใจดี", "ประเสริฐ ศรีสุข", "วิไลวรรณ ทองดี"),
}
_LANGS = tuple(_WORDS)
_LANG_WEIGHTS = (0.36, 0.2, 0.16, 0.14, 0.14)
_ISO639 = {"la": "fre", "zh": "chi", "ru": "rus", "ar": "ara", "th": "tha"}
_PUBLISHERS = ("Éditions du Centre & Fils", "中华书局", "Наука", "دار الكتب العلمية", "กรมศิลปากร")
_TYPES = (("Text", "Book"), ("Text", "Article"), ("Image", "Map"), ("Text", "Thesis"))
_FORMATS = ("application/pdf", "245 p. ; 24 cm", "image/jpeg", "1 v. (xii, 310 p.) <ill.>")
_RIGHTS = ("CC BY 4.0", "All rights reserved", "สงวนลิขสิทธิ์", "Public domain")
_DC_OPEN = (
    '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/oai_dc/ '
    'http://www.openarchives.org/OAI/2.0/oai_dc.xsd">'
)


def _phrase(rng: random.Random, lang: str, lo: int, hi: int) -> str:
    words = _WORDS[lang]
    return " ".join(rng.choice(words) for _ in range(rng.randint(lo, hi)))


def _lang(rng: random.Random) -> str:
    return rng.choices(_LANGS, _LANG_WEIGHTS)[0]


def render_metadata(rng: random.Random, name: str, i: int) -> str:
    """One library-shaped oai_dc payload (about 1.5 KB) as a string."""
    main = _lang(rng)
    year = rng.randint(1900, 2024)
    out = [_DC_OPEN]
    add = out.append
    for n in range(rng.randint(1, 3)):
        lang = main if n == 0 else _lang(rng)
        title = escape(_phrase(rng, lang, 3, 8) + (" & " + _phrase(rng, lang, 1, 2)) * (n == 1))
        add(f'<dc:title xml:lang="{lang}">{title}</dc:title>')
    for _ in range(rng.randint(1, 4)):
        add(f"<dc:creator>{rng.choice(_NAMES[main])}</dc:creator>")
    for _ in range(rng.randint(2, 4)):
        add(f'<dc:subject xml:lang="{main}">{_phrase(rng, main, 1, 3)}</dc:subject>')
    for n in range(rng.randint(1, 2)):
        lang = main if n == 0 else "la"
        text = escape(f'<p>{_phrase(rng, lang, 14, 26)} "{year}" & more.</p>')
        add(f'<dc:description xml:lang="{lang}">{text}</dc:description>')
    add(f"<dc:publisher>{escape(rng.choice(_PUBLISHERS))}</dc:publisher>")
    add(f"<dc:date>{year}-{rng.randint(1, 12):02d}</dc:date>")
    for kind in rng.choice(_TYPES):
        add(f"<dc:type>{kind}</dc:type>")
    add(f"<dc:format>{escape(rng.choice(_FORMATS))}</dc:format>")
    add(f"<dc:identifier>http://hdl.handle.net/20.500.12345/{name}.{i}</dc:identifier>")
    add(f"<dc:identifier>https://doi.org/10.{5000 + i % 97}/{name}.{i}</dc:identifier>")
    if rng.random() < 0.3:
        add(f"<dc:source>{escape(_phrase(rng, 'la', 2, 5))}, vol. {rng.randint(1, 40)}</dc:source>")
    if rng.random() < 0.4:
        add(f"<dc:contributor>{rng.choice(_NAMES[_lang(rng)])}</dc:contributor>")
    if rng.random() < 0.3:
        series = escape(_phrase(rng, "la", 2, 5))
        add(f"<dc:relation>{series} ; v. {rng.randint(1, 9)}</dc:relation>")
    if rng.random() < 0.7:
        add(f"<dc:language>{_ISO639[main]}</dc:language>")
    if rng.random() < 0.5:
        add(f"<dc:rights>{rng.choice(_RIGHTS)}</dc:rights>")
    add("</oai_dc:dc>")
    return "".join(out)


def render_record(rng: random.Random, name: str, i: int, stamp: str) -> tuple[bytes, bool, int]:
    """(the <record> element as UTF-8, deleted, set number) of record `i` of member `name`."""
    identifier = f"oai:{name}.library:{i:08d}"
    set_no = rng.randrange(len(SETS))
    if rng.random() < DELETED_SHARE:
        xml = (
            f'<record><header status="deleted"><identifier>{identifier}</identifier>'
            f"<datestamp>{stamp}</datestamp><setSpec>{SETS[set_no]}</setSpec></header></record>"
        )
        return xml.encode(), True, set_no
    metadata = render_metadata(rng, name, i)
    xml = (
        f"<record><header><identifier>{identifier}</identifier><datestamp>{stamp}</datestamp>"
        f"<setSpec>{SETS[set_no]}</setSpec></header><metadata>{metadata}</metadata></record>"
    )
    return xml.encode(), False, set_no


def served_records(name: str, count: int, seed: int = 1) -> list[ServedRecord]:
    """`count` library-shaped records for the test server (deterministic for `seed`)."""
    rng = random.Random(f"{seed}:{name}")
    records = []
    for i in range(count):
        gone = rng.random() < DELETED_SHARE
        records.append(
            ServedRecord(
                identifier=f"oai:{name}.library:{i:08d}",
                datestamp=f"2024-01-{1 + i % 28:02d}T00:00:00Z",
                metadata="" if gone else render_metadata(rng, name, i),
                set_specs=(SETS[rng.randrange(len(SETS))],),
                deleted=gone,
            )
        )
    return records

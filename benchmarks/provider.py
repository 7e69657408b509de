"""A fast synthetic OAI-PMH 2.0 provider on 127.0.0.1 for the benchmarks.

Records are generated deterministically (seeded), written once to
``benchmarks/.cache/provider/`` as one byte blob per repository plus an index (offsets,
datestamps, deleted flags, set numbers), and served from an ``mmap``: a page is the join of
its records' byte slices, so the server is never the bottleneck.

Records are kept sorted by datestamp, so a ``from``/``until`` window is a bisect on the
datestamp array. ``change`` gives a share of the records a new datestamp (now) and a revised
title; they move to the end of the datestamp order, so an incremental run picks up exactly
them.

    python benchmarks/provider.py serve --records 100000 --page-size 500
    python benchmarks/provider.py serve --sources 8 --records 5000 --page-size 250 --latency 0.05
    python benchmarks/provider.py measure --records 100000      # the server's own ceiling

``serve`` prints ``READY <base url>`` on stdout, then serves ``/<name>/oai`` for every
repository (``bench`` for one source, ``bench1``..``benchN`` for several) and these control
URLs: ``/_admin/stats`` (requests per repository and verb, JSON), ``/_admin/reset`` and
``/_admin/change?repo=NAME&percent=1``.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import json
import mmap
import os
import random
import re
import threading
import time
from array import array
from collections import Counter, OrderedDict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing import Pool
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

GEN_VERSION = 4  # bump when the record generator changes: invalidates the disk cache
CACHE = Path(__file__).resolve().parent / ".cache" / "provider"
CHUNK = 20_000  # records per generator chunk (the RNG is seeded per chunk: deterministic)
START = int(datetime(2010, 1, 1, tzinfo=UTC).timestamp())
SPAN = int(datetime(2024, 12, 31, tzinfo=UTC).timestamp()) - START
SETS = ("books", "manuscripts", "theses", "images")
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


def stamp_of(epoch: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


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


def render_record(identifier: str, stamp: str, set_spec: str, metadata: str | None) -> bytes:
    if metadata is None:
        return (
            f'<record><header status="deleted"><identifier>{identifier}</identifier>'
            f"<datestamp>{stamp}</datestamp><setSpec>{set_spec}</setSpec></header></record>"
        ).encode()
    return (
        f"<record><header><identifier>{identifier}</identifier><datestamp>{stamp}</datestamp>"
        f"<setSpec>{set_spec}</setSpec></header><metadata>{metadata}</metadata></record>"
    ).encode()


def _chunk(args: tuple[str, int, int, int]) -> tuple[list[bytes], list[int], bytes, bytes]:
    """Records [start, start+CHUNK) of a repository: XML, datestamps, deleted flags, sets."""
    name, seed, n, start = args
    rng = random.Random(f"{seed}:{name}:{start}")
    step = max(1, SPAN // n)
    blobs, stamps, deleted, sets = [], [], bytearray(), bytearray()
    for i in range(start, min(n, start + CHUNK)):
        epoch = START + i * step + (i * 2654435761) % step  # sorted: i*step <= t < (i+1)*step
        gone = rng.random() < DELETED_SHARE
        set_no = rng.randrange(len(SETS))
        metadata = None if gone else render_metadata(rng, name, i)
        blobs.append(
            render_record(f"oai:{name}.bench:{i:07d}", stamp_of(epoch), SETS[set_no], metadata)
        )
        stamps.append(epoch)
        deleted.append(gone)
        sets.append(set_no)
    return blobs, stamps, bytes(deleted), bytes(sets)


def build(name: str, seed: int, n: int, workers: int = 2) -> Path:
    """Generate (or find in the cache) a repository's records; returns the blob path."""
    CACHE.mkdir(parents=True, exist_ok=True)
    blob = CACHE / f"{name}-s{seed}-n{n}-v{GEN_VERSION}.bin"
    index = blob.with_suffix(".idx")
    if blob.exists() and index.exists():
        return blob
    offsets, stamps = array("q", [0]), array("q")
    deleted, sets = bytearray(), bytearray()
    tmp = blob.with_suffix(".tmp")
    jobs = [(name, seed, n, start) for start in range(0, n, CHUNK)]
    with tmp.open("wb") as out, Pool(workers) as pool:
        for blobs, chunk_stamps, chunk_deleted, chunk_sets in pool.imap(_chunk, jobs):
            for data in blobs:
                out.write(data)
                offsets.append(offsets[-1] + len(data))
            stamps.extend(chunk_stamps)
            deleted += chunk_deleted
            sets += chunk_sets
    with index.with_suffix(".idxtmp").open("wb") as out:
        out.write(n.to_bytes(8, "little"))
        offsets.tofile(out)
        stamps.tofile(out)
        out.write(deleted)
        out.write(sets)
    os.replace(tmp, blob)
    os.replace(index.with_suffix(".idxtmp"), index)
    return blob


class _OAIError(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code


_TITLE = re.compile(rb"<dc:title>(.*?)</dc:title>")
_STAMP = re.compile(rb"<datestamp>[^<]*</datestamp>")


class Repository:
    """One endpoint's records, sorted by datestamp, served from an mmap."""

    def __init__(self, name: str, seed: int, n: int, page_size: int, latency: float) -> None:
        self.name, self.n, self.page_size, self.latency = name, n, page_size, latency
        blob = build(name, seed, n)
        with blob.with_suffix(".idx").open("rb") as f:
            assert int.from_bytes(f.read(8), "little") == n
            self.offsets = array("q")
            self.offsets.fromfile(f, n + 1)
            self.base_stamps = array("q")
            self.base_stamps.fromfile(f, n)
            self.deleted = f.read(n)
            self.sets = f.read(n)
        self._file = blob.open("rb")
        self.mm = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        self.overlay: dict[int, bytes] = {}  # changed records: index -> new XML
        self.order: array[int] | None = None  # None: identity order (nothing changed)
        self.keys = self.base_stamps  # datestamp of each position in `order`
        self.generation = 0
        self.lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self._windows: OrderedDict[tuple[Any, ...], tuple[int, int, array[int] | None]] = (
            OrderedDict()
        )
        self.seed = seed

    def record(self, i: int) -> bytes:
        data = self.overlay.get(i)
        return data if data is not None else self.mm[self.offsets[i] : self.offsets[i + 1]]

    def change(self, percent: float) -> int:
        """Give `percent` % of the live records a new datestamp (now) and a revised title."""
        with self.lock:
            self.generation += 1
            rng = random.Random(f"{self.seed}:{self.name}:change:{self.generation}")
            count = max(1, round(self.n * percent / 100))
            chosen = sorted(i for i in rng.sample(range(self.n), count) if not self.deleted[i])
            now = int(time.time())
            stamp = f"<datestamp>{stamp_of(now)}</datestamp>".encode()
            title = f" (revised {self.generation})</dc:title>".encode()
            for i in chosen:
                data = _STAMP.sub(stamp, self.record(i), count=1)
                data = _TITLE.sub(lambda m: m.group(0)[:-11] + title, data, count=1)
                self.overlay[i] = data
            moved = set(chosen)
            old = self.order if self.order is not None else range(self.n)
            keys = self.keys
            kept = [(p, i) for p, i in enumerate(old) if i not in moved]
            self.order = array("q", [i for _, i in kept] + chosen)
            self.keys = array("q", [keys[p] for p, _ in kept] + [now] * len(chosen))
            self._windows.clear()
            return len(chosen)

    def window(self, lo: int, hi: int, set_spec: str) -> tuple[int, int, array[int] | None]:
        """Positions [lo, hi) of the datestamp order in the window, filtered by set if given."""
        if not set_spec:
            return lo, hi, None
        key = (self.generation, lo, hi, set_spec)
        with self.lock:
            if key in self._windows:
                self._windows.move_to_end(key)
                return self._windows[key]
        want = SETS.index(set_spec)
        order = self.order
        picked = array(
            "q",
            (p for p in range(lo, hi) if self.sets[order[p] if order is not None else p] == want),
        )
        result = (0, len(picked), picked)
        with self.lock:
            self._windows[key] = result
            while len(self._windows) > 16:
                self._windows.popitem(last=False)
        return result

    def page_records(self, positions: tuple[int, int, array[int] | None], cursor: int) -> bytes:
        lo, hi, picked = positions
        start, stop = lo + cursor, min(hi, lo + cursor + self.page_size)
        order = self.order
        if picked is not None:
            idx: Any = (picked[p] for p in range(start, stop))
            if order is not None:
                idx = (order[p] for p in idx)
        elif order is not None:
            idx = order[start:stop]
        else:  # untouched records: one contiguous slice of the blob
            return self.mm[self.offsets[start] : self.offsets[stop]] if stop > start else b""
        return b"".join(self.record(i) for i in idx)


def _parse_stamp(value: str, end: bool) -> int:
    try:
        if len(value) == 10:
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
            return int(day.timestamp()) + (86399 if end else 0)
        moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        return int(moment.timestamp())
    except ValueError:
        raise _OAIError("badArgument", f"Illegal date {value!r}") from None


def _token(values: dict[str, Any]) -> str:
    return base64.b64encode(json.dumps(values, separators=(",", ":")).encode()).decode()


def _untoken(token: str) -> dict[str, Any]:
    try:
        values: dict[str, Any] = json.loads(base64.b64decode(token, validate=True))
        return values
    except ValueError:
        raise _OAIError("badResumptionToken", "The resumptionToken is invalid") from None


class Provider:
    """Answers OAI-PMH requests for a set of repositories."""

    def __init__(self, repositories: dict[str, Repository]) -> None:
        self.repositories = repositories

    def answer(self, repo: Repository, params: dict[str, str], base_url: str) -> bytes:
        verb = params.get("verb", "")
        with repo.lock:
            repo.requests[verb] += 1
            repo.requests["*"] += 1
        now = stamp_of(int(time.time()))
        request = f'<request verb="{verb}">{base_url}</request>' if verb else "<request/>"
        head = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:schemaLocation="http://www.openarchives.org/OAI/2.0/ '
            'http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd">'
            f"<responseDate>{now}</responseDate>{request}"
        ).encode()
        try:
            if verb == "Identify":
                body = self._identify(repo, base_url)
            elif verb == "ListMetadataFormats":
                body = (
                    b"<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
                    b"<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
                    b"<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/"
                    b"</metadataNamespace></metadataFormat></ListMetadataFormats>"
                )
            elif verb == "ListSets":
                body = (
                    "<ListSets>"
                    + "".join(
                        f"<set><setSpec>{s}</setSpec><setName>{s}</setName></set>" for s in SETS
                    )
                    + "</ListSets>"
                ).encode()
            elif verb == "ListRecords":
                body = self._list_records(repo, params)
            else:
                raise _OAIError("badVerb", f"Illegal or unsupported verb {verb!r}")
        except _OAIError as exc:
            body = f'<error code="{exc.code}">{exc}</error>'.encode()
        return head + body + b"</OAI-PMH>"

    def _identify(self, repo: Repository, base_url: str) -> bytes:
        return (
            f"<Identify><repositoryName>Benchmark provider {repo.name}</repositoryName>"
            f"<baseURL>{base_url}</baseURL><protocolVersion>2.0</protocolVersion>"
            "<adminEmail>bench@example.org</adminEmail>"
            f"<earliestDatestamp>{stamp_of(START)}</earliestDatestamp>"
            "<deletedRecord>persistent</deletedRecord>"
            "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>"
        ).encode()

    def _list_records(self, repo: Repository, params: dict[str, str]) -> bytes:
        if "resumptionToken" in params:
            if set(params) != {"verb", "resumptionToken"}:
                raise _OAIError("badArgument", "resumptionToken is an exclusive argument")
            state = _untoken(params["resumptionToken"])
        else:
            if params.get("metadataPrefix") != "oai_dc":
                raise _OAIError("cannotDisseminateFormat", "Only oai_dc is offered")
            state = {
                "f": params.get("from", ""),
                "u": params.get("until", ""),
                "s": params.get("set", ""),
                "c": 0,
            }
            if state["s"] and state["s"] not in SETS:
                raise _OAIError("noRecordsMatch", "No such set")
        lo_t = _parse_stamp(state["f"], False) if state["f"] else None
        hi_t = _parse_stamp(state["u"], True) if state["u"] else None
        if lo_t is not None and hi_t is not None and lo_t > hi_t:
            raise _OAIError("badArgument", "from is later than until")
        keys = repo.keys
        lo = bisect.bisect_left(keys, lo_t) if lo_t is not None else 0
        hi = bisect.bisect_right(keys, hi_t) if hi_t is not None else len(keys)
        positions = repo.window(lo, hi, state["s"])
        size = positions[1] - positions[0]
        cursor = int(state["c"])
        if size == 0:
            raise _OAIError("noRecordsMatch", "No records match the request")
        if cursor >= size:
            raise _OAIError("badResumptionToken", "The resumptionToken is past the end")
        records = repo.page_records(positions, cursor)
        after = cursor + repo.page_size
        if after < size:
            value = _token({**state, "c": after})
            token = f'<resumptionToken cursor="{cursor}" completeListSize="{size}">{value}'
            token += "</resumptionToken>"
        elif cursor:
            token = f'<resumptionToken cursor="{cursor}" completeListSize="{size}"/>'
        else:
            token = ""
        return b"<ListRecords>" + records + token.encode() + b"</ListRecords>"


def make_server(provider: Provider, port: int = 0) -> ThreadingHTTPServer:
    """A threading HTTP/1.1 server on 127.0.0.1 answering /<repo>/oai and /_admin/*."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            name = parts.path.strip("/").split("/")[0]
            host, port_ = cast(tuple[str, int], self.server.server_address)[:2]
            if name == "_admin":
                self._send(self._admin(parts.path, params), "application/json")
                return
            repo = provider.repositories.get(name)
            if repo is None:
                self._send(b"not found", "text/plain", 404)
                return
            if repo.latency:
                time.sleep(repo.latency)
            base_url = f"http://{host!s}:{port_}/{name}/oai"
            self._send(provider.answer(repo, params, base_url), "text/xml; charset=utf-8")

        def _admin(self, path: str, params: dict[str, str]) -> bytes:
            repos = provider.repositories
            if path.endswith("/change"):
                changed = repos[params["repo"]].change(float(params.get("percent", "1")))
                return json.dumps({"changed": changed}).encode()
            if path.endswith("/reset"):
                for repo in repos.values():
                    with repo.lock:
                        repo.requests.clear()
            return json.dumps({n: dict(r.requests) for n, r in repos.items()}).encode()

        def _send(self, body: bytes, kind: str, status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    ThreadingHTTPServer.request_queue_size = 64
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server


def repositories(args: argparse.Namespace) -> dict[str, Repository]:
    names = ["bench"] if args.sources == 1 else [f"bench{k}" for k in range(1, args.sources + 1)]
    return {
        name: Repository(name, args.seed + k, args.records, args.page_size, args.latency)
        for k, name in enumerate(names)
    }


def measure(args: argparse.Namespace, passes: int = 2) -> dict[str, float]:
    """The server's ceiling: a plain requests.Session pages through the whole list."""
    import requests

    repos = repositories(args)
    server = make_server(Provider(repos))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench/oai"
    token_re = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
    results: dict[str, float] = {}
    try:
        with requests.Session() as session:
            for attempt in range(passes):
                pages = nbytes = 0
                params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
                started = time.perf_counter()
                for _ in range(args.records // args.page_size + 2):  # bounded
                    body = session.get(url, params=params, timeout=30).content
                    pages += 1
                    nbytes += len(body)
                    found = token_re.search(body[-4096:])
                    if not found:
                        break
                    params = {"verb": "ListRecords", "resumptionToken": found.group(1).decode()}
                seconds = time.perf_counter() - started
                results = {
                    "pages_per_s": pages / seconds,
                    "records_per_s": args.records / seconds,
                    "mb_per_s": nbytes / seconds / 1e6,
                    "avg_record_bytes": nbytes / args.records,
                    "seconds": seconds,
                }
                print(
                    f"pass {attempt + 1}: " + ", ".join(f"{k} {v:,.1f}" for k, v in results.items())
                )
    finally:
        server.shutdown()
        server.server_close()
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("command", choices=("serve", "measure", "build"))
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--sources", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--max-seconds", type=float, default=4 * 3600, help="serve: stop after this"
    )
    args = parser.parse_args(argv)
    if args.command == "build":
        started = time.perf_counter()
        repositories(args)
        print(f"built in {time.perf_counter() - started:.1f} s")
        return
    if args.command == "measure":
        measure(args)
        return
    server = make_server(Provider(repositories(args)), args.port)
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    timer = threading.Timer(args.max_seconds, server.shutdown)  # never outlives its budget
    timer.daemon = True
    timer.start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()

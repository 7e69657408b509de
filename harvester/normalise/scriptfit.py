"""Whether a language can be written in a title's script, so a default language is not misapplied.

A source's `default_language` says what its unlabelled records are written in, but a Latin-
script catalogue still holds a few Chinese or Ukrainian titles: calling those `eng` is wrong.
The table lists the scripts each language of the alliance's members (and the common languages
of their collections) is written in; several are written in more than one (Uzbek, Kazakh,
Azerbaijani, Mongolian, Serbian, Uyghur...). A language missing from the table is trusted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from harvester.normalise.scripts import script_of

_LATIN = ("Latn",)


def _each(codes: str, scripts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    return dict.fromkeys(codes.split(), scripts)


_SCRIPTS: dict[str, tuple[str, ...]] = {
    **_each(
        "eng fra deu spa por ita nld pol ces slk slv hrv bos hun ron fin est lav lit swe nor "
        "nob nno dan isl gle cym tur ind msa zsm vie tgl fil swa hau som sqi mlt lat epo cat "
        "eus glg afr",
        _LATIN,
    ),
    **_each("rus ukr bel bul mkd", ("Cyrl",)),
    **_each("uzb kaz tuk aze kir tat bak srp", ("Latn", "Cyrl", "Arab")),
    "mon": ("Cyrl", "Mong"),
    "tgk": ("Cyrl", "Arab", "Latn"),
    "uig": ("Arab", "Cyrl", "Latn"),
    **_each("ara fas pes prs urd pus kur ckb snd bal", ("Arab",)),
    "heb": ("Hebr",),
    "yid": ("Hebr",),
    "ell": ("Grek",),
    "grc": ("Grek",),
    "hye": ("Armn",),
    "kat": ("Geor",),
    "zho": ("Hani", "Bopo"),
    "cmn": ("Hani", "Bopo"),
    "yue": ("Hani",),
    "lzh": ("Hani",),
    "jpn": ("Hani", "Hira", "Kana"),
    "kor": ("Hang", "Hani"),
    "tha": ("Thai",),
    "lao": ("Laoo",),
    "khm": ("Khmr",),
    "mya": ("Mymr",),
    "bod": ("Tibt",),
    "dzo": ("Tibt",),
    **_each("hin mar nep san", ("Deva",)),
    "ben": ("Beng",),
    "asm": ("Beng",),
    "pan": ("Guru", "Arab"),
    "guj": ("Gujr",),
    "ori": ("Orya",),
    "tam": ("Taml",),
    "tel": ("Telu",),
    "kan": ("Knda",),
    "mal": ("Mlym",),
    "sin": ("Sinh",),
    "div": ("Thaa",),
    "amh": ("Ethi",),
}


def main_script(texts: Sequence[str]) -> str | None:
    """The script most of the texts' letters are in, or None when they have no letters."""
    counts = Counter(code for text in texts for code in map(script_of, text) if code)
    return counts.most_common(1)[0][0] if counts else None


def fits(language: str, scripts: Sequence[str], texts: Sequence[str]) -> bool:
    """Whether `language` (ISO 639-3) can be what texts in these scripts are written in.

    `scripts` are the texts' scripts (detect_scripts); with several, the main one decides.
    """
    allowed = _SCRIPTS.get(language)
    if allowed is None or not scripts:
        return True
    if len(scripts) == 1:
        return scripts[0] in allowed
    return main_script(texts) in allowed

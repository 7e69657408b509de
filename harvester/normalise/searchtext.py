"""What the search index holds for a record, and what a query is compared with.

Both sides go through the same functions, so they agree by construction:

- ``index_form``: the folded text (see ``fold``), with every run of Chinese characters written as
  its overlapping pairs plus its last character ("国际贸易" -> "国际 际贸 贸易 易"). The word
  tokenizer then finds a Chinese word of any length inside an unsegmented title: two characters
  are one token, longer words a phrase of pairs, one character a prefix.
- ``stems``: Snowball stems (PyStemmer, the C implementation) of the words of a title or
  subject, for the languages where inflection hides matches. Which stemmer: the record's
  language when Snowball has one (Belarusian takes the Russian stemmer; Ukrainian a light
  suffix stripper, which served it better; Malay the Indonesian one), else English for Latin
  script and Russian for Cyrillic. Mongolian, Uzbek, Kazakh, Kyrgyz, Chinese, Thai, Urdu: none
  (Snowball has no stemmer for them, and the Russian or Turkish one would cut words that are
  not theirs).
- ``romanised``: a Latin spelling of text in other scripts, for readers with a Latin keyboard:
  pinyin syllables for Chinese (paired like the characters: "dunhuang huang"), the official
  1995 Uzbek Latin alphabet for Uzbek Cyrillic, and anyascii (a maintained transliteration of
  every script, BGN-like for Cyrillic) for the rest.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass

import Stemmer
from anyascii import anyascii

from harvester.normalise.fold import fold
from harvester.normalise.unspaced import substring_text

_HAN_RUN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+")
_WORD = re.compile(r"[^\W_]+(?:[\u0300-\u036f]+[^\W_]*)*")


def _pairs(run: str, final: bool = True) -> str:
    if len(run) == 1:
        return f" {run} "
    pairs = " ".join(map(operator.add, run, run[1:]))
    return f" {pairs} {run[-1]} " if final else f" {pairs} "


def index_form(text: str) -> str:
    """Folded text with Chinese written as overlapping pairs of characters."""
    return _paired(fold(text))


def _paired(folded: str) -> str:
    if _HAN_RUN.search(folded) is None:
        return folded
    return " ".join(_HAN_RUN.sub(lambda m: _pairs(m.group()), folded).split())


def query_form(term: str) -> str:
    """A query term in the index's form: like ``index_form``, but a Chinese run that ends the
    term keeps only its pairs, so that "国际贸" is found inside "国际贸易"."""
    folded = fold(term)
    if _HAN_RUN.search(folded) is None:
        return folded
    end = len(folded.rstrip())
    parts = _HAN_RUN.sub(lambda m: _pairs(m.group(), final=m.end() < end), folded)
    return " ".join(parts.split())


# --- stemming ----------------------------------------------------------------------------------

# ISO 639-3 (and the 639-2/B codes catalogues send) -> Snowball algorithm.
STEMMERS: dict[str, str] = {
    "eng": "english",
    "rus": "russian",
    "ukr": "ukrainian",
    "bel": "russian",
    "ara": "arabic",
    "fas": "persian",
    "per": "persian",
    "ind": "indonesian",
    "msa": "indonesian",
    "may": "indonesian",
    "zsm": "indonesian",
    "tur": "turkish",
    "fra": "french",
    "fre": "french",
    "deu": "german",
    "ger": "german",
    "spa": "spanish",
    "ita": "italian",
    "por": "portuguese",
    "hin": "hindi",
    "nep": "nepali",
    "tam": "tamil",
    "ell": "greek",
    "gre": "greek",
    "hye": "armenian",
    "arm": "armenian",
    "pol": "polish",
    "srp": "serbian",
    "lit": "lithuanian",
}
# Languages with no fitting Snowball stemmer: their words are never stemmed, whatever the script.
_UNSTEMMED = frozenset(
    [
        "mon",
        "khk",
        "uzb",
        "uzn",
        "kaz",
        "kir",
        "tgk",
        "tuk",
        "aze",
        "tat",
        "bak",
        "chv",
        "kir",
        "zho",
        "chi",
        "tha",
        "lao",
        "mya",
        "bur",
        "khm",
        "urd",
        "jpn",
        "kor",
        "vie",
        "mn",
        "uz",
        "kk",
        "ky",
    ]
)
# What a query word is stemmed with, by its script (the query's language is unknown).
_QUERY_STEMMERS = {
    "latin": ("english", "indonesian"),
    "cyrillic": ("russian", "ukrainian"),
    "arabic": ("arabic", "persian"),
    "greek": ("greek",),
}


@functools.cache
def _stemmer(algorithm: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(algorithm)


# Folding writes Persian keheh and Farsi yeh; the Arabic stemmer knows the Arabic letters.
_ARABIC_LETTERS = str.maketrans("کی", "كي")


def _stem(algorithm: str, words: Sequence[str]) -> list[str]:
    """Stems tagged with their stemmer ("07librari"): the Indonesian stem of "librarian" is
    the English stem of "libraries", and must not meet it."""
    tag = _TAGS[algorithm]
    if algorithm == "ukrainian":
        return [tag + _ukrainian(word) for word in words]
    if algorithm == "arabic":
        words = [word.translate(_ARABIC_LETTERS) for word in words]
    return [tag + stem for stem in _stemmer(algorithm).stemWords(words)]


# Snowball has no Ukrainian stemmer. Measured on 12 Ukrainian words in 57 forms (see
# benchmarks/RESULTS.md), the Russian one conflates 44% of the pairs of forms of one word
# (it knows neither і, ї nor є as vowels); stripping the longest of these endings, 77%; neither
# conflated forms of two different words.
_UKRAINIAN_ENDINGS = sorted(
    [
        "ями",
        "ами",
        "ові",
        "еві",
        "ого",
        "ому",
        "ими",
        "іми",
        "ій",
        "ої",
        "ою",
        "ах",
        "ях",
        "ів",
        "їв",
        "ам",
        "ям",
        "ом",
        "ем",
        "ей",
        "ії",
        "ію",
        "ією",
        "и",
        "і",
        "а",
        "я",
        "у",
        "ю",
        "о",
        "е",
        "ь",
        "й",
        "ї",
        "ці",
        "зі",
    ],
    key=len,
    reverse=True,
)


def _ukrainian(word: str) -> str:
    """A light Ukrainian stemmer: the longest case or number ending, leaving three letters."""
    for ending in _UKRAINIAN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


_TAGS = {
    algorithm: f"{number:02d}"
    for number, algorithm in enumerate(sorted({*STEMMERS.values(), "english", "russian"}))
}


def _script(word: str) -> str | None:
    for char in word:
        if char.isascii():
            if char.isalpha():
                return "latin"
            continue
        code = ord(char)
        if 0x400 <= code <= 0x52F:
            return "cyrillic"
        if 0x600 <= code <= 0x8FF or 0xFB50 <= code <= 0xFEFF:
            return "arabic"
        if 0x370 <= code <= 0x3FF:
            return "greek"
        if char.isalpha():
            return "latin" if code < 0x250 or 0x1E00 <= code <= 0x1EFF else None
    return None


def _record_algorithm(languages: Sequence[str], script: str | None) -> str | None:
    for language in languages:
        if language in STEMMERS:
            return STEMMERS[language]
    if any(language in _UNSTEMMED for language in languages):
        return None
    return {"latin": "english", "cyrillic": "russian"}.get(script or "")


def stems(folded: str, languages: Sequence[str]) -> str:
    """Stems of the words of a folded text, in order, by the record's language (see above)."""
    out: list[str] = []
    algorithms: dict[str | None, str | None] = {}
    for word in _WORD.findall(folded):
        script = _script(word)
        if script is None or word.isdigit():
            continue
        if script not in algorithms:
            algorithms[script] = _record_algorithm(languages, script)
        algorithm = algorithms[script]
        if algorithm is not None:
            out.append(_stem_word(algorithm, word))
    return " ".join(out)


@functools.lru_cache(maxsize=8192)
def _stem_word(algorithm: str, word: str) -> str:
    """One word's stem: a catalogue's vocabulary repeats, so most words are met before."""
    return _stem(algorithm, [word])[0]


def query_stems(folded_term: str) -> list[str]:
    """The term's words stemmed by each stemmer of their script: one phrase per stemmer."""
    words = _WORD.findall(folded_term)
    if not words:
        return []
    script = _script(folded_term)
    phrases = []
    for algorithm in _QUERY_STEMMERS.get(script or "", ()):
        phrases.append(" ".join(_stem(algorithm, words)))
    return list(dict.fromkeys(phrases))


# --- romanisation ------------------------------------------------------------------------------

# The official Uzbek Latin alphabet (1995) for Uzbek Cyrillic; ʻ is folded away afterwards.
_UZBEK = str.maketrans(
    {
        "ў": "oʻ",
        "Ў": "Oʻ",
        "ғ": "gʻ",
        "Ғ": "Gʻ",
        "қ": "q",
        "Қ": "Q",
        "ҳ": "h",
        "Ҳ": "H",
        "х": "x",
        "Х": "X",
        "ц": "ts",
        "Ц": "Ts",
        "ж": "j",
        "Ж": "J",
        "й": "y",
        "Й": "Y",
        "ъ": "ʼ",
        "Ъ": "ʼ",
        "ь": "",
        "Ь": "",
        "э": "e",
        "Э": "E",
    }
)
_UZBEK_LETTERS = frozenset("ўғқҳЎҒҚҲ")
_LATIN_ONLY = re.compile(r"[^\W\d_]")


# Letters of scripts other than Latin (Greek to Hangul, presentation forms, CJK Extension B on).
_NON_LATIN = re.compile(
    "[\u0370-\u1dff\u2c00-\u2dff\u2e80-\ua6ff\ua800-\ud7ff\uf900-\ufaff"
    "\ufb1d-\ufdff\ufe70-\ufefc\uff66-\uffdc\U00010000-\U0003ffff]"
)


def _needs_romanising(text: str) -> bool:
    """True when the text has a character of a script other than Latin."""
    return _NON_LATIN.search(text) is not None


@functools.lru_cache(maxsize=8192)
def _syllable(char: str) -> str:
    return anyascii(char).lower()


def _words_romanised(text: str) -> str:
    return " ".join(map(_word_romanised, text.split(" ")))


@functools.lru_cache(maxsize=8192)
def _word_romanised(word: str) -> str:
    """anyascii of one word: names and words recur across a catalogue."""
    return anyascii(word)


def romanised(text: str, languages: Sequence[str] = (), *, query: bool = False) -> str:
    """A folded Latin spelling of a text in another script ("" for text already in Latin).

    Chinese is indexed as pairs of syllables, like its characters ("dunhuang huang"); a query
    writes each run of characters as one word, the way pinyin is written ("dunhuang").
    """
    if text.isascii() or not _needs_romanising(text):
        return ""
    if "uzb" in languages or "uzn" in languages or not _UZBEK_LETTERS.isdisjoint(text):
        text = text.translate(_UZBEK)
    parts: list[str] = []
    position = 0
    for match in _HAN_RUN.finditer(text):
        parts.append(_words_romanised(text[position : match.start()]))
        syllables = [_syllable(c) for c in match.group()]
        if query:
            parts.append(" " + "".join(syllables) + " ")
        elif len(syllables) == 1:
            parts.append(f" {syllables[0]} ")
        else:
            pairs = [syllables[i] + syllables[i + 1] for i in range(len(syllables) - 1)]
            parts.append(" " + " ".join([*pairs, syllables[-1]]) + " ")
        position = match.end()
    parts.append(_words_romanised(text[position:]))
    return " ".join(fold("".join(parts)).split())


def query_romanised(term: str) -> str:
    """A non-Latin query term in Latin letters, to find the Latin spelling of the same name."""
    return romanised(term, query=True)


# --- the index row -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRow:
    """The search index's columns for one record."""

    title: str
    creators: str
    subjects: str
    descriptions: str
    stems: str
    latin: str
    # The text as catalogued for the trigram index: only the values with letters matched as
    # substrings (normalise.unspaced), as (title, creators, subjects, descriptions).
    substrings: tuple[str, str, str, str] = ("", "", "", "")

    def as_tuple(self) -> tuple[str, str, str, str, str, str]:
        return (
            self.title,
            self.creators,
            self.subjects,
            self.descriptions,
            self.stems,
            self.latin,
        )


SEARCH_COLUMNS = ("title", "creators", "subjects", "descriptions", "stems", "latin")


def search_row(
    title: str | None,
    creators: Sequence[str],
    subjects: Sequence[str],
    descriptions: Sequence[str],
    languages: Sequence[str],
) -> SearchRow:
    """The folded, stemmed and romanised forms of a record's searched fields."""
    title = title or ""
    title_folded = fold(title)
    subjects_folded = fold(" ; ".join(subjects)) if subjects else ""
    folded_title = _paired(title_folded)
    folded_subjects = _paired(subjects_folded)
    creators_text = " ; ".join(creators)
    stem_text = stems(title_folded, languages)
    if subjects:
        stem_text = f"{stem_text} ; {stems(subjects_folded, languages)}"
    latin = romanised(title, languages)
    if creators:
        latin_creators = romanised(creators_text, languages)
        if latin_creators:
            latin = f"{latin} ; {latin_creators}"
    return SearchRow(
        folded_title,
        index_form(creators_text) if creators else "",
        folded_subjects,
        index_form(" ; ".join(descriptions)) if descriptions else "",
        stem_text.strip(" ;"),
        latin.strip(" ;"),
        substring_row(title, creators, subjects, descriptions),
    )


def substring_row(
    title: str | None,
    creators: Sequence[str],
    subjects: Sequence[str],
    descriptions: Sequence[str],
) -> tuple[str, str, str, str]:
    """The trigram index's columns for a record: its values matched as substrings."""
    return (
        substring_text([title or ""]),
        substring_text(creators),
        substring_text(subjects),
        substring_text(descriptions),
    )

"""Which text is matched as substrings: scripts written without spaces, and Arabic script.

Thai, Lao, Myanmar, Khmer, Japanese kana, Korean and the other scripts listed here put no
spaces between words, so a word index cannot find a word inside a run of them; Arabic and
Persian attach articles and prepositions to the noun (الکتاب). Search matches such terms as
substrings of the text as catalogued, through a trigram index. Only values holding a letter
of these scripts go into that index: a trigram index of every description cost more at
ingest than the rest of a record's write, and no query would ever read those entries.

The query side (``store.search``) asks the same questions of the query's terms, so a term
sent to the trigram index can only match values this module let in.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from harvester.normalise.text import character_class

# Recognised by the first words of their Unicode names. Chinese is not among them: the
# folded word index holds it as pairs of characters.
_UNSPACED_SCRIPTS = (
    "HEBREW ",  # the article and prepositions attached to the noun, like Arabic's
    "HIRAGANA ",
    "KATAKANA",  # also KATAKANA-HIRAGANA PROLONGED SOUND MARK
    "HALFWIDTH KATAKANA ",
    "BOPOMOFO ",
    "YI ",
    "THAI ",
    "LAO ",
    "KHMER ",
    "MYANMAR ",
    "TIBETAN ",
    "TAI ",  # Tai Tham, Tai Le, Tai Viet
    "NEW TAI LUE ",
    "BALINESE ",
    "JAVANESE ",
    "HANGUL ",
)


@functools.lru_cache(maxsize=4096)
def unspaced_letter(letter: str) -> bool:
    """A letter of a script written without spaces between words."""
    return unicodedata.name(letter, "").startswith(_UNSPACED_SCRIPTS)


def arabic_letter(char: str) -> bool:
    """A character of the Arabic-script blocks (Arabic, Supplement, Extended, Presentation)."""
    return "\u0600" <= char <= "\u08ff" or "\ufb50" <= char <= "\ufeff"


def unspaced_term(term: str) -> bool:
    """The term has a letter of a script written without spaces."""
    return any(unspaced_letter(c) for c in term if c.isalpha())


# The scripts above end before the Supplementary Ideographic Plane (kana supplements: U+1B000).
_LAST = 0x1FFFF


@functools.cache
def _letters() -> re.Pattern[str]:
    """Every letter matched as a substring, as one character class (built on first use)."""
    code_points = [
        code_point
        for code_point in range(0x0590, _LAST + 1)
        if (char := chr(code_point)).isalpha() and (arabic_letter(char) or unspaced_letter(char))
    ]
    return re.compile(character_class(code_points))


def substring_text(values: Iterable[str]) -> str:
    """The values that hold a letter matched as a substring, one a line ("" if none)."""
    letters = _letters()
    return "\n".join(v for v in values if v and letters.search(v) is not None)

"""dc:type values to DCMI Type vocabulary terms.

Repositories send OpenAIRE terms ("info:eu-repo/semantics/article"), COAR URIs, DCMI terms
in any spelling, DSpace defaults ("Working Paper"), MARC labels and material words in the
catalogue's language ("图书", "Книга", "หนังสือ", "کتاب"); a union catalogue needs one
vocabulary to filter on. (Named dcmitype, not types, to keep clear of the stdlib module.)
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from harvester.normalise.data import (
    LOCAL_TYPE_PHRASES,
    LOCAL_TYPE_TERMS,
    TYPE_KEYWORDS,
    TYPE_PHRASES,
    TYPE_TERMS,
)
from harvester.normalise.languages import lookup_key

DCMI_TYPES: tuple[str, ...] = (
    "Collection",
    "Dataset",
    "Event",
    "Image",
    "InteractiveResource",
    "MovingImage",
    "PhysicalObject",
    "Service",
    "Software",
    "Sound",
    "StillImage",
    "Text",
)

# Vocabulary URIs whose last path segment is the term.
_PREFIXES = re.compile(
    r"^(?:info:eu-repo/semantics/|https?://purl\.org/dc/dcmitype/|dcmitype:|"
    r"https?://purl\.org/coar/resource_type/|https?://vocabularies\.coar-repositories\.org/"
    r"resource_types/|dcterms:|dc:)",
    re.IGNORECASE,
)
# camelCase vocabulary terms ("conferencePoster") are split for the keyword fallback.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


@functools.cache
def _keywords() -> dict[str, str]:
    """{keyword: DCMI type} from the space-separated lists in data.py."""
    return {word: dcmi for dcmi, words in TYPE_KEYWORDS.items() for word in words.split()}


@functools.cache
def _terms() -> dict[str, str]:
    """TYPE_TERMS and LOCAL_TYPE_TERMS with keys in lookup form (case-folded, Arabic letters
    unified)."""
    terms = {lookup_key(term): dcmi for term, dcmi in LOCAL_TYPE_TERMS.items()}
    terms.update((lookup_key(term), dcmi) for term, dcmi in TYPE_TERMS.items())
    return terms


@functools.cache
def _local_phrases() -> tuple[re.Pattern[str], dict[str, str]]:
    """One regex of the local phrases (lookup form), and {phrase: DCMI type}."""
    phrases = {lookup_key(phrase): dcmi for phrase, dcmi in LOCAL_TYPE_PHRASES.items()}
    spaced = "|".join(
        re.escape(p) if re.search("[\u0e00-\u0eff\u3000-\u9fff]", p) else rf"(?<!\w){re.escape(p)}"
        for p in sorted(phrases, key=len, reverse=True)
    )
    return re.compile(spaced), phrases


@functools.lru_cache(maxsize=4096)
def dcmi_type(value: str) -> str | None:
    """The DCMI Type of one dc:type value, or None when it says nothing usable."""
    if value in DCMI_TYPES:  # fast path: already a DCMI term
        return value
    stripped = _PREFIXES.sub("", value.strip()).rstrip("/")
    key = lookup_key(stripped)
    if not key:
        return None
    terms = _terms()
    if key in terms:
        return terms[key] or None
    words = lookup_key(_CAMEL.sub(" ", stripped))
    for phrase, dcmi in TYPE_PHRASES.items():
        if phrase in words:
            return dcmi
    pattern, phrases = _local_phrases()
    if local := pattern.search(words):
        return phrases[local[0]]
    keywords = _keywords()
    found = None
    for word in _WORD.findall(words):
        found = keywords.get(word, found)
    return found


def normalise_types(values: Iterable[str]) -> list[str]:
    """DCMI Types of all dc:type values, de-duplicated in order."""
    found = (dcmi_type(value) for value in values)
    return list(dict.fromkeys(t for t in found if t))

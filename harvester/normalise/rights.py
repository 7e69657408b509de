"""dc:rights values to one canonical licence URI.

Creative Commons licences arrive as URLs (http or https, with or without "/legalcode" or
"deed.xx"), SPDX ids ("CC-BY-4.0"), short names ("CC BY-NC-SA 3.0", "cc-by") and full
English names ("Creative Commons Attribution Non Commercial 4.0 International", or without
"Creative Commons"). They become https://creativecommons.org/licenses/<code>/<version>/,
with no version when none is given. Ported and IGO licences keep their jurisdiction
("CC BY-NC 3.0 IGO" -> .../by-nc/3.0/igo/, "/licenses/by/2.5/cn/"): a ported licence is a
different legal text, so a jurisdiction that cannot be placed gives no licence rather than
the unported neighbour. RightsStatements.org statements (URI, label or bare id "InC-EDU")
become their http://rightsstatements.org/vocab/<id>/<version>/ URI, the form the consortium
defines.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from harvester.normalise.data import PUBLIC_DOMAIN_PHRASES, RIGHTS_STATEMENT_LABELS
from harvester.normalise.languages import lookup_key

CC0 = "https://creativecommons.org/publicdomain/zero/1.0/"
PUBLIC_DOMAIN_MARK = "https://creativecommons.org/publicdomain/mark/1.0/"
_CC_VERSIONS = frozenset({"1.0", "2.0", "2.5", "3.0", "4.0"})
_CC_CODES = frozenset({"by", "by-sa", "by-nd", "by-nc", "by-nc-sa", "by-nc-nd"})

_CC_URL = re.compile(
    r"creativecommons\.org/(licenses|publicdomain)/([a-z0-9-]+)"
    r"(?:/(\d\.\d))?(?:/([a-z]{2}(?:-[a-z]{2})?|igo)(?![a-z]))?",
    re.IGNORECASE,
)
_RS_URL = re.compile(r"rightsstatements\.org/(?:vocab|page)/([a-z-]+)/(\d\.\d)", re.IGNORECASE)
_RS_IDS = {statement.casefold(): statement for statement in RIGHTS_STATEMENT_LABELS.values()}
_WORDS = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_VERSION = re.compile(r"(?<![0-9.])v?([1-4]\.[05])(?![0-9])")
# Two open-source licences Zenodo's software records carry, with their stewards' URIs.
# Jurisdictions of the Creative Commons ported licences (versions 1.0 to 3.0; 4.0 has none)
# and the intergovernmental-organisation licences (3.0 only), as creativecommons.org lists them
# at https://creativecommons.org/licenses/?lang=en ("ported licenses"); the alliance's members'
# names for their jurisdiction map to its code.
_PORT_CODES = (
    "am ar at au az be bg br ca ch cl cn co cr cz de dk ec ee eg es fi fr ge gr gt hk hr hu ie "
    "igo il in it jp kr lu mk mt mx my nl no nz pe ph pl pr pt ro rs scotland se sg si th tw ug "
    "uk us ve vn za"
)
CC_PORTS: frozenset[str] = frozenset(_PORT_CODES.split())
_PORT_NAMES = {
    "china mainland": "cn",
    "china": "cn",
    "taiwan": "tw",
    "hong kong": "hk",
    "japan": "jp",
    "korea": "kr",
    "south korea": "kr",
    "thailand": "th",
    "malaysia": "my",
    "singapore": "sg",
    "philippines": "ph",
    "vietnam": "vn",
    "viet nam": "vn",
    "india": "in",
    "israel": "il",
    "armenia": "am",
    "azerbaijan": "az",
    "georgia": "ge",
    "egypt": "eg",
    "united states": "us",
    "intergovernmental organisation": "igo",
    "intergovernmental organization": "igo",
}
_GENERIC = frozenset({"unported", "generic", "international", "license", "licence", "deed"})
_MIT = re.compile(r"^(?:the )?mit(?: license| licence)?$|opensource\.org/licenses?/mit\b")
_APACHE = re.compile(r"apache(?: software)? licen[cs]e,? (?:version )?2\.0|apache\.org/licenses/")


def _cc_uri(code: str, version: str | None, port: str | None = None) -> str:
    uri = f"https://creativecommons.org/licenses/{code}/"
    if version:
        uri += f"{version}/"
        if port:
            uri += f"{port.casefold()}/"
    return uri


def _from_cc_url(match: re.Match[str]) -> str | None:
    kind, code, version, port = match[1].casefold(), match[2].casefold(), match[3], match[4]
    if kind == "publicdomain":
        return {"zero": CC0, "mark": PUBLIC_DOMAIN_MARK}.get(code)
    if code == "by-nd-nc":  # CC 1.0 spelled the code in this order
        code = "by-nc-nd"
    if code not in _CC_CODES or (version and version not in _CC_VERSIONS):
        return None
    return _cc_uri(code, version, port)


def _from_cc_text(key: str) -> str | None:
    """A Creative Commons licence named in words ("CC BY-NC 4.0", "Attribution 4.0 ...")."""
    words = _WORDS.findall(key.replace("_", " "))
    text = " ".join(words)
    named = "creative commons" in text or "creativecommons" in text or text.startswith("cc")
    version_match = _VERSION.search(text)
    version = version_match[1] if version_match else None
    if "cc0" in words or (named and "zero" in words):
        return CC0
    attribution = "attribution" in words or "cc by" in text
    if not named and not (
        text.startswith("attribution")
        and (version or "international" in words or "unported" in words or "generic" in words)
    ):
        return None
    if not attribution:
        return None
    noncommercial = "nc" in words or "noncommercial" in words or "non commercial" in text
    sharealike = "sa" in words or "sharealike" in words or "share alike" in text
    noderivatives = (
        "nd" in words
        or any(w in words for w in ("noderivatives", "noderivs", "noderivative"))
        or "no derivatives" in text
        or "no derivs" in text
    )
    if sharealike and noderivatives:
        return None
    code = "by" + "-nc" * noncommercial + "-nd" * noderivatives + "-sa" * sharealike
    port = _port(words, text, version)
    if port == "":
        return None
    return _cc_uri(code, version, port)


def _port(words: list[str], text: str, version: str | None) -> str | None:
    """The jurisdiction a licence name gives after its version ("3.0 IGO", "2.5 China
    Mainland"): its code, None for none (unported), "" for one no licence exists for."""
    named = "igo" if "igo" in words else None
    if version is not None and version in words:
        following = words[words.index(version) + 1 : words.index(version) + 3]
        if following and following[0] in CC_PORTS:
            named = following[0]
        elif following:
            named = _PORT_NAMES.get(" ".join(following)) or _PORT_NAMES.get(following[0], named)
    if named is None:
        return None
    if version is None or version == "4.0" or (named == "igo" and version != "3.0"):
        return ""  # no such licence: CC 4.0 is not ported, IGO licences exist for 3.0 only
    return named


# The dash between a statement's two parts, typed as an en or em dash, a spaced hyphen or a
# colon; hyphens inside words ("Non-Commercial", "Rights-holder(s)") stay.
_DASHES = re.compile(r"\s*[–—]\s*|\s+[-‐‑]\s*|\s*:\s*")


def _rights_statement(key: str) -> str | None:
    """A RightsStatements.org statement named by its label ("In Copyright – Educational Use
    Permitted", any dash or a colon) or its id alone ("InC-EDU", "rightsstatements InC")."""
    label = key if key in RIGHTS_STATEMENT_LABELS else _DASHES.sub(" - ", key)
    if label in RIGHTS_STATEMENT_LABELS:
        return RIGHTS_STATEMENT_LABELS[label]
    bare = key.removeprefix("rightsstatements.org").removeprefix("rightsstatements").strip(" :")
    bare = bare.removesuffix("1.0").strip(" /")
    return _RS_IDS.get(bare)


@functools.lru_cache(maxsize=4096)
def licence_uri(value: str) -> str | None:
    """The canonical URI of the licence or rights statement in one dc:rights value."""
    key = lookup_key(value)
    if not key:
        return None
    if "creativecommons.org" in key and (match := _CC_URL.search(key)):
        return _from_cc_url(match)
    if "rightsstatements.org" in key:
        rs = _RS_URL.search(key)
        statement = _RS_IDS.get(rs[1].casefold()) if rs else None
        if rs is None or statement is None:
            return None
        return f"http://rightsstatements.org/vocab/{statement}/{rs[2]}/"
    statement = _rights_statement(key)
    if statement is not None:
        return f"http://rightsstatements.org/vocab/{statement}/1.0/"
    if key in PUBLIC_DOMAIN_PHRASES:
        return PUBLIC_DOMAIN_MARK
    if "cc" in key or "attribution" in key or "creative" in key:
        cc = _from_cc_text(key)
        if cc:
            return cc
    if "mit" in key and _MIT.search(key):
        return "https://opensource.org/licenses/MIT"
    if "apache" in key and _APACHE.search(key):
        return "https://www.apache.org/licenses/LICENSE-2.0"
    return None


def find_licence(values: Iterable[str]) -> str | None:
    """The first recognisable licence among a record's dc:rights values."""
    for value in values:
        uri = licence_uri(value)
        if uri:
            return uri
    return None

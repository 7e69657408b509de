"""One function per OAI-PMH verb. Each takes the repository and the checked arguments and
returns the verb's element as XML text, or the OAIError the spec prescribes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from harvester.models import ServeSettings
from harvester.serve import render
from harvester.serve.dates import GRANULARITY, datestamp, now_datestamp, window
from harvester.serve.dublincore import set_specs
from harvester.serve.errors import (
    BAD_RESUMPTION_TOKEN,
    CANNOT_DISSEMINATE_FORMAT,
    ID_DOES_NOT_EXIST,
    NO_RECORDS_MATCH,
    NO_SET_HIERARCHY,
    OAIError,
)
from harvester.serve.identifiers import oai_identifier, parse_oai_identifier
from harvester.serve.names import country_name, language_name
from harvester.serve.tokens import ListState, decode_token, encode_token, expiration_date, expiry
from harvester.store.provider import SET_KINDS, ItemFilter, ProviderIndex

METADATA_PREFIX = "oai_dc"
_SET_VALUE = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")
KIND_NAMES = {"member": "Members", "country": "Countries", "type": "Types", "language": "Languages"}


@dataclass(frozen=True)
class Repository:
    """What a verb needs for one request: a read-only connection and the served settings."""

    index: ProviderIndex
    settings: ServeSettings
    base_url: str
    token_key: bytes
    now: datetime
    members: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    # The last ListSets answer, shared by the server's threads: {(latest change, members): sets}
    set_cache: dict[Any, list[tuple[str, str]]] = field(default_factory=dict)

    def identifier(self, item: Mapping[str, Any]) -> str:
        return oai_identifier(
            self.settings.repository_identifier, item["source"], item["identifier"]
        )

    def set_specs(self, item: Mapping[str, Any]) -> list[str]:
        source = item["source"]
        specs = [f"member:{source}"]
        country = (self.members.get(source) or {}).get("country")
        if country:
            specs.append(f"country:{country}")
        return specs + set_specs("type", item["types"]) + set_specs("language", item["languages"])

    def member_label(self, source: str) -> list[str]:
        """The dc:source naming the member a record came from."""
        member = self.members.get(source) or {}
        title = member.get("title") or member.get("repository_name") or source
        where = ", ".join(v for v in (member.get("institution"), member.get("country")) if v)
        return [f"{title} ({where})" if where else title]


def identify(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    settings = repo.settings
    earliest = repo.index.earliest_change()
    sample = oai_identifier(settings.repository_identifier, "member", "oai:example.org:1")
    return (
        "<Identify>"
        f"{render.element('repositoryName', settings.repository_name)}"
        f"{render.element('baseURL', repo.base_url)}"
        "<protocolVersion>2.0</protocolVersion>"
        f"{render.element('adminEmail', settings.admin_email)}"
        f"<earliestDatestamp>{datestamp(earliest) if earliest else now_datestamp()}"
        "</earliestDatestamp>"
        "<deletedRecord>persistent</deletedRecord>"
        f"<granularity>{GRANULARITY}</granularity>"
        f"{render.oai_identifier_description(settings.repository_identifier, sample)}"
        "</Identify>"
    )


def list_metadata_formats(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    if "identifier" in args:
        found = _item(repo, args["identifier"])
        if isinstance(found, OAIError):
            return found
    return f"<ListMetadataFormats>{render.OAI_DC_FORMAT}</ListMetadataFormats>"


def list_sets(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    if "resumptionToken" in args:  # every set comes in one response: no token was issued
        return OAIError(BAD_RESUMPTION_TOKEN, "this repository issues no tokens for ListSets")
    key = (repo.index.latest_change(), tuple(sorted(repo.members)))
    sets = repo.set_cache.get(key)
    if sets is None:  # distinct types and languages read the whole table: once per change
        sets = all_sets(repo)
        repo.set_cache.clear()
        repo.set_cache[key] = sets
    if not sets:
        return OAIError(NO_SET_HIERARCHY, "the index holds no members yet, hence no sets")
    body = "".join(
        f"<set>{render.element('setSpec', spec)}{render.element('setName', name)}</set>"
        for spec, name in sets
    )
    return f"<ListSets>{body}</ListSets>"


def all_sets(repo: Repository) -> list[tuple[str, str]]:
    """(setSpec, setName) of every set, each branch of the hierarchy before its leaves."""
    if not repo.members:
        return []
    sets: list[tuple[str, str]] = [("member", KIND_NAMES["member"])]
    for name in sorted(repo.members):
        member = repo.members[name]
        title = member.get("title") or member.get("repository_name") or name
        sets.append((f"member:{name}", str(title)))
    countries = sorted({str(m["country"]) for m in repo.members.values() if m.get("country")})
    if countries:
        sets.append(("country", KIND_NAMES["country"]))
        sets += [(f"country:{code}", country_name(code)) for code in countries]
    for kind, column, name_of in (
        ("type", "types", str),
        ("language", "languages", language_name),
    ):
        values = [v for v in repo.index.distinct_values(column) if _SET_VALUE.match(v)]
        if values:
            sets.append((kind, KIND_NAMES[kind]))
            sets += [(f"{kind}:{value}", name_of(value)) for value in values]
    return sets


def get_record(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    found = _item(repo, args["identifier"])
    if isinstance(found, OAIError):
        return found
    if args["metadataPrefix"] != METADATA_PREFIX:
        return _cannot_disseminate(args["metadataPrefix"])
    return f"<GetRecord>{_record(repo, found)}</GetRecord>"


def list_identifiers(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    return _list(repo, args, "ListIdentifiers")


def list_records(repo: Repository, args: Mapping[str, str]) -> str | OAIError:
    return _list(repo, args, "ListRecords")


VERBS: dict[str, Callable[[Repository, Mapping[str, str]], str | OAIError]] = {
    "Identify": identify,
    "ListMetadataFormats": list_metadata_formats,
    "ListSets": list_sets,
    "GetRecord": get_record,
    "ListIdentifiers": list_identifiers,
    "ListRecords": list_records,
}


# -- lists ----------------------------------------------------------------------------------


def _list(repo: Repository, args: Mapping[str, str], verb: str) -> str | OAIError:
    state = _resume(repo, args["resumptionToken"], verb) if "resumptionToken" in args else None
    if state is None:
        state = _start(repo, args, verb)
    if isinstance(state, OAIError):
        return state
    selection = ItemFilter(
        state.changed_from, state.changed_before, state.set_kind, state.set_value
    )
    after = state.position if state.cursor else None
    size = repo.settings.page_size
    items = repo.index.page_items(
        selection, after=after, limit=size + 1, metadata=verb == "ListRecords"
    )
    if not items:
        if state.cursor:  # only if records vanished from the index since the last page
            return OAIError(BAD_RESUMPTION_TOKEN, "the list holds no more records")
        return OAIError(NO_RECORDS_MATCH, "no records match the arguments")
    more, items = len(items) > size, items[:size]
    if verb == "ListRecords":
        body = "".join(_record(repo, item) for item in items)
    else:
        body = "".join(
            render.header(repo.identifier(item), item, repo.set_specs(item)) for item in items
        )
    return f"<{verb}>{body}{_token_element(repo, state, items, more)}</{verb}>"


def _start(repo: Repository, args: Mapping[str, str], verb: str) -> ListState | OAIError:
    bounds = window(args.get("from"), args.get("until"))
    if isinstance(bounds, OAIError):
        return bounds
    if args["metadataPrefix"] != METADATA_PREFIX:
        return _cannot_disseminate(args["metadataPrefix"])
    kind, value = None, None
    if "set" in args:
        parsed = _parse_set(args["set"])
        if parsed is None:
            return OAIError(NO_RECORDS_MATCH, f"there is no set {args['set']!r}")
        kind, value = parsed
    selection = ItemFilter(bounds[0], bounds[1], kind, value)
    return ListState(
        verb=verb,
        metadata_prefix=METADATA_PREFIX,
        changed_from=selection.changed_from,
        changed_before=selection.changed_before,
        set_kind=kind,
        set_value=value,
        position=("", "", ""),
        cursor=0,
        complete_list_size=repo.index.count_items(selection),
        expires=expiry(repo.now),
    )


def _resume(repo: Repository, token: str, verb: str) -> ListState | OAIError:
    state = decode_token(token, repo.token_key, repo.now)
    if isinstance(state, str):
        return OAIError(BAD_RESUMPTION_TOKEN, state)
    if state.verb != verb:
        return OAIError(BAD_RESUMPTION_TOKEN, f"the resumption token belongs to {state.verb}")
    return state


def _token_element(
    repo: Repository, state: ListState, items: list[dict[str, Any]], more: bool
) -> str:
    """Nothing for a list that fits one page; an empty token on the last page of a longer one."""
    if not more:
        if not state.cursor:
            return ""
        sent = state.cursor + len(items)
        return render.resumption_token(
            None, state.cursor, max(state.complete_list_size, sent), None
        )
    last = items[-1]
    following = replace(
        state,
        position=(last["changed_at"], last["source"], last["identifier"]),
        cursor=state.cursor + len(items),
        expires=expiry(repo.now),
    )
    return render.resumption_token(
        encode_token(following, repo.token_key),
        state.cursor,
        # A list that grew while it was paged (a harvest wrote meanwhile) is never smaller than
        # what has been sent.
        max(state.complete_list_size, following.cursor + 1),
        expiration_date(following),
    )


def _parse_set(spec: str) -> tuple[str, str | None] | None:
    kind, _, value = spec.partition(":")
    if kind not in SET_KINDS:
        return None
    if not value:
        return (kind, None) if ":" not in spec else None
    if not _SET_VALUE.match(value):
        return None
    return kind, value


# -- records --------------------------------------------------------------------------------


def _item(repo: Repository, identifier: str) -> dict[str, Any] | OAIError:
    parsed = parse_oai_identifier(repo.settings.repository_identifier, identifier)
    item = repo.index.get_item(*parsed) if parsed else None
    if item is None:
        return OAIError(ID_DOES_NOT_EXIST, f"no record has the identifier {identifier!r}")
    return item


def _record(repo: Repository, item: Mapping[str, Any]) -> str:
    return render.record(
        repo.identifier(item), item, repo.set_specs(item), repo.member_label(item["source"])
    )


def _cannot_disseminate(prefix: str) -> OAIError:
    return OAIError(CANNOT_DISSEMINATE_FORMAT, f"records are served as oai_dc only, not {prefix!r}")

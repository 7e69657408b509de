"""The arguments of a request, checked against the verb's required, optional and exclusive
arguments (OAI-PMH 2.0, section 4). Problems are badVerb or badArgument, as data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from harvester.serve.errors import BAD_ARGUMENT, BAD_VERB, OAIError

MAX_ARGUMENT_LENGTH = 2048


@dataclass(frozen=True)
class VerbArguments:
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    exclusive: str | None = None


LIST_ARGUMENTS = VerbArguments(("metadataPrefix",), ("from", "until", "set"), "resumptionToken")
VERB_ARGUMENTS: dict[str, VerbArguments] = {
    "Identify": VerbArguments(),
    "ListMetadataFormats": VerbArguments(optional=("identifier",)),
    "ListSets": VerbArguments(exclusive="resumptionToken"),
    "GetRecord": VerbArguments(("identifier", "metadataPrefix")),
    "ListIdentifiers": LIST_ARGUMENTS,
    "ListRecords": LIST_ARGUMENTS,
}


def check_arguments(given: Mapping[str, Sequence[str]]) -> tuple[str, dict[str, str]] | OAIError:
    """(verb, arguments) when the request is well formed, else the error to answer with."""
    verbs = given.get("verb", [])
    if len(verbs) != 1:
        message = "the verb argument is repeated" if verbs else "the verb argument is missing"
        return OAIError(BAD_VERB, message)
    verb = verbs[0]
    rules = VERB_ARGUMENTS.get(verb)
    if rules is None:
        return OAIError(BAD_VERB, f"{verb[:100]!r} is not an OAI-PMH verb")
    arguments: dict[str, str] = {}
    allowed = {*rules.required, *rules.optional, *([rules.exclusive] if rules.exclusive else [])}
    for name, values in given.items():
        if name == "verb":
            continue
        if name not in allowed:
            return OAIError(BAD_ARGUMENT, f"{verb} does not take the argument {name[:100]!r}")
        if len(values) != 1:
            return OAIError(BAD_ARGUMENT, f"the argument {name!r} is repeated")
        value = values[0]
        if not value:
            return OAIError(BAD_ARGUMENT, f"the argument {name!r} is empty")
        if len(value) > MAX_ARGUMENT_LENGTH:
            return OAIError(BAD_ARGUMENT, f"the argument {name!r} is too long")
        arguments[name] = value
    if rules.exclusive and rules.exclusive in arguments:
        if len(arguments) > 1:
            return OAIError(BAD_ARGUMENT, f"{rules.exclusive} must be the only argument")
        return verb, arguments
    missing = [name for name in rules.required if name not in arguments]
    if missing:
        return OAIError(BAD_ARGUMENT, f"{verb} requires the argument {missing[0]!r}")
    return verb, arguments

"""OAI-PMH errors as data: one code, one message, rendered as an <error> element."""

from __future__ import annotations

from dataclasses import dataclass

BAD_ARGUMENT = "badArgument"
BAD_RESUMPTION_TOKEN = "badResumptionToken"
BAD_VERB = "badVerb"
CANNOT_DISSEMINATE_FORMAT = "cannotDisseminateFormat"
ID_DOES_NOT_EXIST = "idDoesNotExist"
NO_RECORDS_MATCH = "noRecordsMatch"
NO_METADATA_FORMATS = "noMetadataFormats"
NO_SET_HIERARCHY = "noSetHierarchy"


@dataclass(frozen=True)
class OAIError:
    """An error the protocol defines; the request itself was handled correctly."""

    code: str
    message: str

    @property
    def echoes_arguments(self) -> bool:
        """The spec: after badVerb or badArgument the request element carries no attributes."""
        return self.code not in (BAD_VERB, BAD_ARGUMENT)

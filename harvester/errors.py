"""One exception tree; each message is a sentence a librarian can act on."""

from __future__ import annotations


class HarvesterError(Exception):
    """Base of every error the tool reports to its user."""


class ConfigError(HarvesterError):
    """The configuration file is missing, unreadable or invalid."""


class BadArgument(HarvesterError):
    """A command-line value names something the index does not have (exit 2, like a bad option)."""


class IndexUnusable(HarvesterError):
    """The index file is missing, not an index, someone else's database, or cannot be opened.

    Nothing was written to it; the command line reports it as a usage error (exit 2).
    """


class EndpointError(HarvesterError):
    """An endpoint could not be reached, or answered with something that is not OAI-PMH."""

    def __init__(
        self, message: str, url: str = "", *, retryable: bool = False, refused: bool = False
    ) -> None:
        super().__init__(message)
        self.url = url
        self.retryable = retryable
        self.refused = refused  # nothing listens: retried briefly, not for minutes

    def __reduce__(self) -> tuple[object, ...]:
        # Errors cross from worker processes by pickle, which would call __init__(message).
        return (_rebuild, (type(self), self.args, self.__dict__))


class UnparsableResponse(EndpointError):
    """A response body that is not well-formed XML even after repair; the raw bytes are kept."""

    def __init__(self, message: str, url: str, body: bytes) -> None:
        super().__init__(message, url)
        self.body = body


class ProtocolError(HarvesterError):
    """The endpoint answered with an OAI-PMH error code."""

    def __init__(self, code: str, message: str, url: str = "", response_date: str = "") -> None:
        super().__init__(f"{code}: {message}" if message else code)
        self.code = code
        self.text = message
        self.url = url
        self.response_date = response_date

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))


class HarvestAborted(HarvesterError):
    """A loop guard or a completeness check stopped a list; the watermark stays."""


class LockHeld(HarvesterError):
    """Another harvest holds the lock on this index."""


def _rebuild(
    kind: type[HarvesterError], args: tuple[object, ...], state: dict[str, object]
) -> HarvesterError:
    """Unpickle an error without calling its __init__ (whose arguments differ from .args)."""
    error = kind.__new__(kind)
    error.args = args
    error.__dict__.update(state)
    return error

"""HTTP for the OAI adapter: timeouts, bounded retries, Retry-After, size cap, polite pacing.

Only `oai.py` uses this module; requests lives here and nowhere else.
"""

from __future__ import annotations

import email.utils
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

import requests

from harvester.errors import EndpointError
from harvester.models import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504, 507, 509})
CHUNK = 256 * 1024
REFUSED_RETRIES = 2  # a refused connection is tried three times in all

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class HttpResponse:
    """The parts of an HTTP answer the protocol layer needs."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    attempts: int


class HostPacer:
    """Keeps `delay` seconds between requests to one host, across threads and sources."""

    _lock = threading.Lock()
    _next_slot: dict[str, float] = {}  # noqa: RUF012 - shared on purpose: one pace per host

    @classmethod
    def wait_turn(cls, host: str, delay: float, sleep: Sleep) -> None:
        if delay <= 0:
            return
        with cls._lock:
            now = time.monotonic()
            slot = max(now, cls._next_slot.get(host, 0.0))
            cls._next_slot[host] = slot + delay
        if slot > now:
            sleep(slot - now)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class Transport:
    """One HTTP session per source; every request is bounded in time, size and retries."""

    def __init__(self, settings: Settings, user_agent: str, sleep: Sleep = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept-Encoding"] = "gzip, deflate"
        self.requests_made = 0

    def close(self) -> None:
        self.session.close()

    def get(self, endpoint: str, params: Mapping[str, str]) -> HttpResponse:
        """GET with retries on network errors, timeouts, 429 and 5xx; returns the last answer.

        A refused connection is retried at most twice: nothing is listening, and waiting
        longer will not make a server appear (an overloaded one answers 503 instead).
        """
        # urlencode quotes '+' and '/' in resumption tokens (they break when sent raw).
        url = f"{endpoint}?{urlencode(params)}"
        host = urlsplit(endpoint).netloc
        attempts = 0
        started = time.monotonic()
        while True:
            attempts += 1
            HostPacer.wait_turn(host, self.settings.delay, self.sleep)
            try:
                response = self._fetch(url)
            except EndpointError as exc:
                limit = self.settings.max_retries
                if exc.refused:
                    limit = min(limit, REFUSED_RETRIES)
                if not exc.retryable or attempts > limit:
                    if attempts > 1:
                        elapsed = time.monotonic() - started
                        exc.args = (f"{exc} (after {attempts} tries, {elapsed:.0f} s)",)
                    raise
                self._back_off(attempts, None, url, str(exc))
                continue
            if response.status in RETRY_STATUSES and attempts <= self.settings.max_retries:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                self._back_off(attempts, wait, url, f"HTTP {response.status}")
                continue
            return HttpResponse(url, response.status, response.headers, response.body, attempts)

    def _back_off(self, attempt: int, retry_after: float | None, url: str, why: str) -> None:
        exponential = self.settings.backoff * (2 ** (attempt - 1))
        wait = min(
            exponential if retry_after is None else retry_after, self.settings.max_retry_after
        )
        log.warning("%s from %s; retry %d in %.1f s", why, url, attempt, wait)
        if wait > 0:
            self.sleep(wait)

    def _fetch(self, url: str) -> HttpResponse:
        self.requests_made += 1
        try:
            with self.session.get(url, timeout=self.settings.timeout, stream=True) as response:
                body = self._read_capped(response, url)
                headers = {k: v for k, v in response.headers.items()}
                return HttpResponse(url, response.status_code, headers, body, 1)
        except requests.Timeout:
            raise EndpointError(
                f"timed out after {self.settings.timeout:g} s", url, retryable=True
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _connection_error(exc, url) from None
        except requests.RequestException as exc:
            raise EndpointError(f"request failed ({_short(exc)})", url) from None

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        """Read the (decompressed) body, refusing anything over the configured cap."""
        limit = self.settings.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > limit:
                raise EndpointError(f"response is larger than the {limit:,}-byte limit", url)
            chunks.append(chunk)
        return b"".join(chunks)


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it wraps (urllib3 nests the OS error three deep)."""
    found: list[BaseException] = []
    stack = [exc]
    while stack:
        current = stack.pop()
        if any(current is seen for seen in found):
            continue
        found.append(current)
        nested = [current.__cause__, current.__context__, getattr(current, "reason", None)]
        nested += [a for a in current.args if isinstance(a, BaseException)]
        stack += [n for n in nested if isinstance(n, BaseException)]
    return found


def _connection_error(exc: Exception, url: str) -> EndpointError:
    """The cause first, in words: refused, unknown host, reset; not urllib3's repr."""
    parts = urlsplit(url)
    where = f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"
    for cause in _causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return EndpointError(
                f"connection refused by {where}", url, retryable=True, refused=True
            )
        if isinstance(cause, socket.gaierror):
            return EndpointError(f"cannot resolve host {parts.hostname}", url, retryable=True)
        if isinstance(cause, ConnectionResetError):
            return EndpointError(f"connection reset by {where}", url, retryable=True)
    return EndpointError(f"connection failed ({_short(exc)})", url, retryable=True)


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 160 else text[:157] + "..."

"""Real-world endpoint trouble, injected over a real socket; no test sleeps for real."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from conftest import Clock, book, captured, repository, rows, source_for

from harvester.demo.server import DevServer, Fault
from harvester.harvest.run import HarvestOptions, harvest_all
from harvester.models import Settings
from harvester.oai.transport import parse_retry_after
from harvester.store import Store


class Sleeps(list[float]):
    """Records requested waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def run(settings: Settings, *sources, sleep=None, **options):  # type: ignore[no-untyped-def]
    return harvest_all(
        settings,
        list(sources),
        HarvestOptions(**options),
        sleep=sleep if sleep is not None else Sleeps(),
    )


def list_records(params: dict[str, str]) -> bool:
    return params.get("verb") == "ListRecords"


def second_page(params: dict[str, str]) -> bool:
    return "resumptionToken" in params


def ten_books(server: DevServer, clock: Clock, **kwargs: object):  # type: ignore[no-untyped-def]
    repo = repository("lib", [book(n) for n in range(1, 11)], clock, page_size=4, **kwargs)
    return repo, source_for(server, repo)


def identifiers(settings: Settings) -> list[str]:
    return [str(r["identifier"]) for r in rows(settings)]


ALL_TEN = sorted(f"oai:test:{n}" for n in range(1, 11))


# -- transport -------------------------------------------------------------------------------


def test_503_html_with_retry_after_seconds_is_honoured(
    server: DevServer, settings: Settings, clock: Clock
):
    repo, source = ten_books(server, clock)
    repo.faults.append(
        Fault(
            status=503,
            body=captured("arxiv/http503_retry-after_html.xml"),
            headers={"Retry-After": "10", "Content-Type": "text/html"},
            when=second_page,
        )
    )
    sleeps = Sleeps()
    [result] = run(replace(settings, max_retry_after=120), source, sleep=sleeps)
    assert result.status == "ok" and identifiers(settings) == ALL_TEN
    assert 10 in sleeps


def test_retry_after_as_http_date_is_honoured_and_capped(
    server: DevServer, settings: Settings, clock: Clock
):
    when = datetime.now(UTC) + timedelta(seconds=90)
    repo, source = ten_books(server, clock)
    repo.faults.append(
        Fault(
            status=503,
            body=b"busy",
            headers={"Retry-After": format_datetime(when, usegmt=True)},
            when=second_page,
        )
    )
    sleeps = Sleeps()
    [result] = run(replace(settings, max_retry_after=60), source, sleep=sleeps)
    assert result.status == "ok"
    assert sleeps == [60]  # 90 s asked, capped by max_retry_after


def test_parse_retry_after_forms():
    now = datetime(2025, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120") == 120
    assert parse_retry_after("Wed, 01 Jan 2025 00:00:30 GMT", now) == 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


@pytest.mark.parametrize(
    "fault",
    [
        Fault(status=429, body=b"slow down"),
        Fault(status=500, body=captured("dspace-mit/http500_empty_body.xml")),
        Fault(status=502, body=b"<html><body>Bad gateway</body></html>"),
        Fault(status=200, body=captured("zenodo/ListRecords_oai_dc_until_cjk.xml"), drop_after=500),
        Fault(status=200, body=b"", hang=2.0),
    ],
    ids=["429", "500-empty-body", "502-html", "connection-reset-mid-body", "timeout"],
)
def test_transient_failures_are_retried_with_backoff(
    server: DevServer, settings: Settings, clock: Clock, fault: Fault
):
    repo, source = ten_books(server, clock)
    fault.when = second_page
    fault.times = 2
    repo.faults.append(fault)
    sleeps = Sleeps()
    tuned = replace(settings, timeout=0.3, backoff=1.5, max_retry_after=100)
    [result] = run(tuned, source, sleep=sleeps)
    assert result.status == "ok", result.error
    assert identifiers(settings) == ALL_TEN
    assert sleeps[:2] == [1.5, 3.0]  # exponential: backoff * 2**(attempt-1)


def test_persistent_server_error_fails_the_source_with_the_url(
    server: DevServer, settings: Settings, clock: Clock
):
    repo, source = ten_books(server, clock)
    repo.faults.append(Fault(status=500, body=b"", when=second_page, times=None))
    [result] = run(settings, source)
    assert result.status == "failed"
    assert "HTTP 500 with an empty body" in (result.error or "")
    assert "/lib/oai" in (result.error or "")
    assert len(identifiers(settings)) == 4  # everything up to the last good page


def test_user_agent_gzip_and_encoded_tokens(server: DevServer, settings: Settings, clock: Clock):
    repo, source = ten_books(server, clock)
    page = captured("zenodo/ListRecords_oai_dc_until_cjk.xml")
    repo.faults.append(
        Fault(
            body=gzip.compress(page),
            headers={"Content-Encoding": "gzip"},
            when=lambda p: list_records(p) and not second_page(p),
        )
    )
    [result] = run(settings, source)
    assert result.status == "ok", result.error
    zenodo = [i for i in identifiers(settings) if i.startswith("oai:zenodo.org:")]
    assert len(zenodo) == 50  # the gzipped capture, decoded
    assert all(ua.startswith("silkroad-harvester/") for ua in repo.user_agents)


def test_response_size_cap(server: DevServer, settings: Settings, clock: Clock):
    _repo, source = ten_books(server, clock)
    [result] = run(replace(settings, max_response_bytes=1000), source)
    assert result.status == "failed"
    assert "larger than the 1,000-byte limit" in (result.error or "")


def test_polite_delay_between_requests_to_one_host(
    server: DevServer, settings: Settings, clock: Clock
):
    repo_a = repository("a", [book(n) for n in range(1, 5)], clock, page_size=2)
    repo_b = repository("b", [book(n) for n in range(1, 5)], clock, page_size=2)
    sleeps = Sleeps()
    run(
        replace(settings, delay=5.0),
        source_for(server, repo_a),
        source_for(server, repo_b),
        sleep=sleeps,
    )
    # Both sources share 127.0.0.1:port, so all 6 requests are paced 5 s apart.
    assert len(sleeps) >= 5 and all(s > 0 for s in sleeps)
    assert max(sleeps) > 5.0


# -- OAI errors ------------------------------------------------------------------------------


def test_oai_error_with_http_422_is_reported(server: DevServer, settings: Settings, clock: Clock):
    repo, source = ten_books(server, clock)
    repo.faults.append(
        Fault(
            status=422,
            body=captured("zenodo/error_badArgument_unknown-prefix_http422.xml"),
            when=list_records,
        )
    )
    [result] = run(settings, source)
    assert result.status == "failed"
    assert (result.error or "").startswith("badArgument")


def test_bad_resumption_token_mid_list_restarts_the_window(
    server: DevServer, settings: Settings, clock: Clock
):
    repo, source = ten_books(server, clock)
    repo.faults.append(
        Fault(
            status=422,
            body=captured("zenodo/error_badResumptionToken_http422.xml"),
            when=second_page,
        )
    )
    [result] = run(settings, source)
    assert result.status == "ok", result.error
    assert identifiers(settings) == ALL_TEN
    starts = [p for p in repo.list_requests() if "metadataPrefix" in p]
    assert len(starts) == 2  # the window was started twice


def test_expired_token_restarts_the_unfinished_window_from_its_from(
    server: DevServer, settings: Settings, clock: Clock
):
    repo, source = ten_books(server, clock, token_ttl=timedelta(minutes=5))
    # First run: page 2 keeps failing, so the run stops with a saved token.
    repo.faults.append(Fault(status=503, body=b"", when=second_page, times=4))
    [first] = run(settings, source)
    assert first.status == "failed"
    pending = Store(settings.database).get_state("lib", "", "oai_dc")
    assert pending and pending["resumption_token"] and pending["expiration_date"]

    clock.advance(hours=1)  # the token's expirationDate is now in the past
    repo.requests.clear()
    [second] = run(settings, source)
    assert second.status == "ok", second.error
    assert "resumptionToken" not in repo.list_requests()[0]
    assert identifiers(settings) == ALL_TEN


def test_seconds_rejected_falls_back_to_days_and_is_remembered(
    server: DevServer, settings: Settings, clock: Clock
):
    repo, source = ten_books(server, clock)
    run(settings, source)
    clock.advance(days=1)
    bad_argument = (
        b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        b"<responseDate>2025-01-11T12:00:00Z</responseDate><request>x</request>"
        b'<error code="badArgument">from: illegal granularity</error></OAI-PMH>'
    )
    repo.faults.append(
        Fault(status=400, body=bad_argument, times=None, when=lambda p: "T" in p.get("from", ""))
    )
    repo.requests.clear()
    [result] = run(settings, source)
    assert result.status == "ok", result.error
    assert [p.get("from") for p in repo.list_requests()][-1] == "2025-01-10"
    store = Store(settings.database)
    assert (store.source_row("lib") or {})["day_granularity_only"] == 1


def test_cannot_disseminate_format_names_the_offered_formats(
    server: DevServer, settings: Settings, clock: Clock
):
    _repo, source = ten_books(server, clock)
    [result] = run(settings, replace(source, metadata_prefix="marc21"))
    assert result.status == "failed"
    assert "'lib' cannot disseminate metadata_prefix 'marc21'; it offers: oai_dc" in (
        result.error or ""
    )


# -- loop guards -----------------------------------------------------------------------------


def test_repeated_token_stops_the_list(server: DevServer, settings: Settings, clock: Clock):
    repo, source = ten_books(server, clock)
    page = (
        b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2025-01-10T12:00:00Z'
        b"</responseDate><request>x</request><ListRecords>"
        b"<record><header><identifier>oai:loop:1</identifier><datestamp>2024-01-01</datestamp>"
        b"</header></record><resumptionToken>same</resumptionToken></ListRecords></OAI-PMH>"
    )
    repo.faults.append(Fault(body=page, when=list_records, times=None))
    [result] = run(settings, source)
    assert result.status == "failed"
    assert "same resumption token twice" in (result.error or "")
    state = Store(settings.database).get_state("lib", "", "oai_dc") or {}
    assert state.get("watermark") is None


def test_empty_pages_in_a_row_stop_the_list(server: DevServer, settings: Settings, clock: Clock):
    repo, source = ten_books(server, clock)
    counter = iter(range(10_000))

    def empty_page(params: dict[str, str]) -> bytes:
        return (
            '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
            "2025-01-10T12:00:00Z</responseDate><request>x</request><ListRecords>"
            f"<resumptionToken>t{next(counter)}</resumptionToken></ListRecords></OAI-PMH>"
        ).encode()

    repo.faults.append(Fault(body=empty_page, when=list_records, times=None))
    [result] = run(replace(settings, max_empty_pages=5), source)
    assert result.status == "failed"
    assert "5 empty pages in a row" in (result.error or "")


def test_request_cap_per_window(server: DevServer, settings: Settings, clock: Clock):
    _repo, source = ten_books(server, clock)
    [result] = run(replace(settings, max_requests_per_window=2), source)
    assert result.status == "failed"
    assert "max_requests_per_window" in (result.error or "")


# -- broken and hostile XML ------------------------------------------------------------------


def test_control_characters_and_invalid_utf8_are_repaired_and_counted(
    server: DevServer, settings: Settings, clock: Clock
):
    # Citebase's real response: eleven stray 0xC2 bytes (invalid UTF-8) and a 0x06 control.
    body = captured("citebase/GetRecord_oai_dc_INVALID-UTF8-and-control-char.xml")
    body = body.replace(b"GetRecord", b"ListRecords")
    assert b"\x06" in body
    repo, source = ten_books(server, clock)
    repo.faults.append(Fault(body=body, when=list_records))
    [result] = run(settings, source)
    assert result.status == "ok", result.error
    assert result.repairs == 12
    [row] = rows(settings)
    assert "\x06" not in str(row["raw_xml"]) and "\ufffd" in str(row["raw_xml"])
    store = Store(settings.database)
    [run_row] = list(store.db.table("runs").rows)
    assert run_row["repairs"] == 12


@pytest.mark.parametrize(
    "capture",
    [
        "dspace-erasmus/CORRUPTED_Identify_bogus-wrapper.xml",
        "dspace-erasmus/CORRUPTED_Identify_undefined-entity.xml",
    ],
)
def test_unparsable_page_is_quarantined_and_the_source_fails(
    server: DevServer, settings: Settings, clock: Clock, capture: str
):
    repo, source = ten_books(server, clock)
    body = captured(capture)
    repo.faults.append(Fault(body=body, when=second_page))
    [result] = run(settings, source)
    assert result.status == "failed"
    assert "quarantined" in (result.error or "")
    store = Store(settings.database)
    [held] = list(store.db.table("quarantine").rows)
    assert held["body"] == body and "resumptionToken" in held["url"]
    assert len(identifiers(settings)) == 4
    assert (store.get_state("lib", "", "oai_dc") or {}).get("watermark") is None


def test_html_instead_of_oai_is_a_clear_error(server: DevServer, settings: Settings, clock: Clock):
    repo, source = ten_books(server, clock)
    repo.faults.append(
        Fault(body=captured("not-oai/httpbun_html_page_for_Identify.xml"), times=None)
    )
    [result] = run(settings, source)
    assert result.status == "failed"
    assert "answered with an HTML page, not OAI-PMH" in (result.error or "")
    assert source.endpoint in (result.error or "")


def test_external_entity_never_reads_a_local_file(
    server: DevServer, settings: Settings, clock: Clock, tmp_path: Path
):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE OAI-PMH [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2025-01-10T12:00:00Z'
        "</responseDate><request>x</request><ListRecords><record><header><identifier>oai:x:1"
        "</identifier><datestamp>2024-01-01</datestamp></header><metadata>"
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title></oai_dc:dc>'
        "</metadata></record></ListRecords></OAI-PMH>"
    ).encode()
    repo, source = ten_books(server, clock)
    repo.faults.append(Fault(body=xxe, when=list_records))
    [result] = run(settings, source)
    assert result.status == "failed" and "DTD" in (result.error or "")
    dump = "\n".join(Store(settings.database).db.iterdump())
    assert "TOP-SECRET-CONTENT" not in dump


def test_entity_expansion_bomb_is_refused(server: DevServer, settings: Settings, clock: Clock):
    entities = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{"&a" + str(i - 1) + ";" * 1}{("&a" + str(i - 1) + ";") * 9}">'
        for i in range(1, 10)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE OAI-PMH [{entities}]>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>x</responseDate>'
        "<ListRecords><record><header><identifier>&a9;</identifier></header></record>"
        "</ListRecords></OAI-PMH>"
    ).encode()
    repo, source = ten_books(server, clock)
    repo.faults.append(Fault(body=bomb, when=list_records))
    [result] = run(settings, source)
    assert result.status == "failed" and "DTD" in (result.error or "")
    assert rows(settings) == []


# -- parallel sources ------------------------------------------------------------------------


@pytest.mark.parametrize(("jobs", "count"), [(1, 3), (8, 8)])
def test_eight_sources_are_harvested_at_once(
    server: DevServer, settings: Settings, clock: Clock, jobs: int, count: int
):
    repos = [
        repository(f"lib{i}", [book(n) for n in range(1, 7)], clock, page_size=2)
        for i in range(count)
    ]
    sources = [source_for(server, repo) for repo in repos]
    if jobs > 1:
        # The first `jobs` requests are answered only once all of them are in flight at once:
        # harvesting one source after another would fail them instead of passing slowly.
        server.rendezvous(jobs)
    results = harvest_all(replace(settings, jobs=jobs), sources, HarvestOptions())
    assert [r.status for r in results] == ["ok"] * count
    assert len(rows(settings)) == 6 * count
    assert server.max_in_flight == jobs

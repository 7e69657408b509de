"""The window rules: resume a pending list, restart an expired one, or open a new one."""

from __future__ import annotations

from datetime import UTC, datetime

from harvester.harvest.plan import HarvestOptions, Plan, at_granularity, expired, plan_window

NOW = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
PENDING = {
    "watermark": "2025-01-01T00:00:00Z",
    "window_from": "2025-01-01T00:00:00Z",
    "window_until": None,
    "manual": 0,
    "resumption_token": "tok",
    "first_response_date": "2025-01-09T00:00:00Z",
    "received": 300,
    "complete_list_size": 1000,
    "expiration_date": "2025-01-10T13:00:00Z",
}


def test_first_run_asks_for_everything():
    assert plan_window({}, HarvestOptions(), day_only=False) == Plan(None, None)


def test_next_run_asks_from_the_watermark_at_the_endpoints_granularity():
    state = {"watermark": "2025-01-01T10:20:30Z"}
    assert plan_window(state, HarvestOptions(), False).from_ == "2025-01-01T10:20:30Z"
    assert plan_window(state, HarvestOptions(), True).from_ == "2025-01-01"
    assert plan_window(state, HarvestOptions(full=True), False).from_ is None


def test_a_pending_list_resumes_from_its_token():
    plan = plan_window(PENDING, HarvestOptions(), False, NOW)
    assert plan == Plan("2025-01-01T00:00:00Z", None, "tok", "2025-01-09T00:00:00Z", 300, 1000)


def test_an_expired_token_restarts_its_window_from_the_stored_from():
    later = datetime(2025, 1, 10, 14, 0, tzinfo=UTC)
    assert plan_window(PENDING, HarvestOptions(), False, later) == Plan(
        "2025-01-01T00:00:00Z", None
    )


def test_a_manual_window_never_resumes_an_incremental_one():
    plan = plan_window(PENDING, HarvestOptions(from_="2024-01-01", until="2024-02-01"), False, NOW)
    assert plan == Plan("2024-01-01", "2024-02-01")


def test_the_same_manual_window_resumes():
    state = {**PENDING, "manual": 1, "window_from": "2024-01-01", "window_until": "2024-02-01"}
    plan = plan_window(state, HarvestOptions(from_="2024-01-01", until="2024-02-01"), False, NOW)
    assert plan.token == "tok"


def test_full_resumes_only_a_pending_full_list():
    assert plan_window(PENDING, HarvestOptions(full=True), False, NOW) == Plan(None, None)
    full_pending = {**PENDING, "window_from": None}
    assert plan_window(full_pending, HarvestOptions(full=True), False, NOW).token == "tok"


def test_granularity_and_expiry_helpers():
    assert at_granularity("2025-01-01T10:20:30", False) == "2025-01-01T10:20:30Z"
    assert at_granularity("2025-01-01", False) == "2025-01-01"
    assert at_granularity(None, True) is None
    assert expired("2025-01-10T11:59:59Z", NOW)
    assert not expired("2025-01-10T12:00:01Z", NOW)
    assert not expired("not a date", NOW)
    assert Plan("2025-01-01T00:00:00Z", None).has_seconds
    assert not Plan("2025-01-01", "2025-02-01").has_seconds

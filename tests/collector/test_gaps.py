"""The gap ledger and the breaker: expected slots, gaps filled or made permanent, completeness per local day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.breaker import Breaker
from collector.gaps import GapLedger, expected_slots, slot_day


def test_expected_slots_are_aligned_and_exclusive_of_the_start() -> None:
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)
    slots = expected_slots(start, start + timedelta(hours=2, minutes=10), 1800)
    assert slots == [start + timedelta(minutes=30 * n) for n in (1, 2, 3, 4)]
    # The capture at local midnight closes the previous day.
    zone = ZoneInfo("Asia/Yekaterinburg")  # UTC+5
    assert str(slot_day(datetime(2026, 1, 1, 19, 0, tzinfo=UTC), 1800, zone)) == "2026-01-01"


def test_gaps_are_recorded_filled_and_made_permanent(tmp_path: Path) -> None:
    ledger = GapLedger(tmp_path)
    zone = ZoneInfo("UTC")
    since = datetime(2026, 1, 1, tzinfo=UTC)
    ledger.track("m", "profile", since, 1800)
    slots = expected_slots(since, since + timedelta(days=1), 1800)
    ledger.record("m", "profile", slots[10:14])
    windows = ledger.windows()
    assert len(windows) == 1
    assert (windows[0].first, windows[0].last) == (slots[10], slots[13])
    ledger.filled("m", "profile", slots[10:12])
    ledger.attempted(ledger.windows()[0])
    assert ledger.expire(held_since=since, max_attempts=1) == 2
    assert ledger.windows() == []
    (day,) = ledger.days("m", "profile", since + timedelta(days=1), zone, [since.date()])
    assert (day.expected, day.received, day.permanent) == (48, 46, 2)
    ledger.close()


def test_breaker_opens_for_growing_times_and_closes_on_success() -> None:
    breaker = Breaker(threshold=2, base_s=5, max_s=60)
    assert breaker.failed(0.0) == 0.0
    assert breaker.allows(0.0)
    assert breaker.failed(0.0) == 5.0
    assert not breaker.allows(4.9)
    assert breaker.allows(5.0)
    assert breaker.failed(5.0) == 10.0
    breaker.succeeded()
    assert breaker.allows(5.1)

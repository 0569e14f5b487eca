"""What the «Показания» page shows, gathered once for the page and for its CSV export (same queries, same rows).

Must not format or render: templates and portal/meter_csv.py do. No per-row Python work beyond what rendering
needs: sums, buckets and gaps are computed in SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from portal.db import Conn
from portal.load_chart import Chart, build_chart
from portal.meter_period import SLOT, Period
from portal.store import meter_readings as store

# Chart buckets per resolution: None keeps the half-hours as stored; days start at the local midnight.
BUCKET_STEP = {"halfhour": None, "hour": "1 hour", "day": "1 day"}
DAILY_MAX_DAYS = 62
RESOLUTION_NAMES = {"halfhour": "30 минут", "hour": "1 час", "day": "сутки (мин./макс. получасов)"}


@dataclass
class Gap:
    first: dt.datetime  # the first missing slot (capture time)
    last: dt.datetime  # the last missing slot
    missing: int
    pending: bool = False  # at the end of the range: not yet collected rather than lost


@dataclass
class ReadingsPage:
    period: Period
    registers: list[dict[str, Any]]
    days: list[dict[str, Any]]
    months: list[dict[str, Any]]
    daily: list[dict[str, Any]]
    monthly: list[dict[str, Any]]
    series: list[dict[str, Any]]
    chart: Chart
    expected: int
    present: int
    estimated_count: int = 0  # estimated half-hours in the range
    gaps: list[Gap] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.present)

    @property
    def resolution_name(self) -> str:
        return RESOLUTION_NAMES[self.period.resolution]


def _gaps(period: Period, stop: dt.datetime, total: dict[str, Any] | None, inner: list[dict[str, Any]]) -> list[Gap]:
    """Leading, inner (from SQL) and trailing runs of missing half-hours."""
    if total is None:
        if stop <= period.start:
            return []
        count = int((stop - period.start) // SLOT)
        return [Gap(period.start, period.start + (count - 1) * SLOT, count, pending=False)] if count else []
    gaps: list[Gap] = []
    if total["first"] > period.start:
        gaps.append(Gap(period.start, total["first"] - SLOT, int((total["first"] - period.start) // SLOT)))
    for row in inner:
        gaps.append(Gap(row["first"] + SLOT, row["last"] - SLOT, int(row["slots"])))
    tail = total["last"] + SLOT
    if tail < stop:
        gaps.append(Gap(tail, stop - SLOT, int((stop - tail) // SLOT), pending=True))
    return gaps


def load_readings(conn: Conn, meter: dict[str, Any], period: Period, now: dt.datetime) -> ReadingsPage:
    """Three statements for any range (four up to DAILY_MAX_DAYS): the profile summary, registers, billing."""
    meter_id = int(meter["id"])
    tz = period.tz
    resolution = period.resolution
    rows = store.profile_summary(conn, meter_id, tz, period.start, period.end, BUCKET_STEP[resolution])
    kinds: dict[str, list[dict[str, Any]]] = {"bucket": [], "day": [], "month": [], "total": [], "gap": []}
    for row in rows:
        kinds[row["kind"]].append(row)
    # No half-hour in the range gives no `total` row at all (an empty grouping set over no rows is still one
    # row in SQL, but its count is 0): treat both alike.
    total = kinds["total"][0] if kinds["total"] and kinds["total"][0]["slots"] else None
    series = kinds["bucket"]
    # A slot is stamped with the end of its interval: every stamp up to now is due, the next one is not.
    stop = min(period.end, now - dt.timedelta(seconds=now.timestamp() % SLOT.total_seconds()) + SLOT)
    return ReadingsPage(
        period=period,
        registers=store.current_registers(conn, meter_id),
        days=[{**r, "period": "day"} for r in kinds["day"]],
        months=[{**r, "period": "month"} for r in kinds["month"]],
        # A year of daily readings is 365 rows nobody reads on screen; the monthly table covers long ranges.
        daily=store.billing_rows(conn, meter_id, "daily", tz, period.start, period.end)
        if period.days <= DAILY_MAX_DAYS
        else [],
        monthly=store.billing_rows(conn, meter_id, "monthly", tz, period.start, period.end),
        series=series,
        chart=build_chart(series, resolution, period.start, period.end, stop, tz),
        expected=period.expected_slots(stop),
        present=int(total["slots"]) if total else 0,
        estimated_count=int(total["estimated_slots"]) if total else 0,
        gaps=_gaps(period, stop, total, kinds["gap"]),
    )

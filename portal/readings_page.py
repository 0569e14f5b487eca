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

PROFILE_QUERIES = {"halfhour": store.profile_halfhours, "hour": store.profile_hours}
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
    gaps: list[Gap] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.present)

    @property
    def resolution_name(self) -> str:
        return RESOLUTION_NAMES[self.period.resolution]

    @property
    def estimated_count(self) -> int:
        return sum(1 for r in self.series if r["estimated"])


def _gaps(conn: Conn, meter_id: int, period: Period, stop: dt.datetime, extent: dict[str, Any]) -> list[Gap]:
    """Leading, inner and trailing runs of missing half-hours (inner ones from SQL)."""
    if extent["present"] == 0:
        if stop <= period.start:
            return []
        count = int((stop - period.start) // SLOT)
        return [Gap(period.start, period.start + (count - 1) * SLOT, count, pending=False)] if count else []
    gaps: list[Gap] = []
    if extent["first"] > period.start:
        gaps.append(Gap(period.start, extent["first"] - SLOT, int((extent["first"] - period.start) // SLOT)))
    for row in store.profile_gaps(conn, meter_id, period.start, period.end):
        gaps.append(Gap(row["after"] + SLOT, row["before"] - SLOT, int(row["missing"])))
    tail = extent["last"] + SLOT
    if tail < stop:
        gaps.append(Gap(tail, stop - SLOT, int((stop - tail) // SLOT), pending=True))
    return gaps


def load_readings(conn: Conn, meter: dict[str, Any], period: Period, now: dt.datetime) -> ReadingsPage:
    meter_id = int(meter["id"])
    tz = period.tz
    resolution = period.resolution
    if resolution == "day":
        series = store.profile_days(conn, meter_id, tz, period.start, period.end)
    else:
        series = PROFILE_QUERIES[resolution](conn, meter_id, period.start, period.end)
    consumption = store.consumption(conn, meter_id, tz, period.start, period.end)
    extent = store.profile_extent(conn, meter_id, period.start, period.end)
    # A slot is stamped with the end of its interval: every stamp up to now is due, the next one is not.
    stop = min(period.end, now - dt.timedelta(seconds=now.timestamp() % SLOT.total_seconds()) + SLOT)
    page = ReadingsPage(
        period=period,
        registers=store.current_registers(conn, meter_id),
        days=[r for r in consumption if r["period"] == "day"],
        months=[r for r in consumption if r["period"] == "month"],
        # A year of daily readings is 365 rows nobody reads on screen; the monthly table covers long ranges.
        daily=store.billing_rows(conn, meter_id, "daily", tz, period.start, period.end)
        if period.days <= DAILY_MAX_DAYS
        else [],
        monthly=store.billing_rows(conn, meter_id, "monthly", tz, period.start, period.end),
        series=series,
        chart=build_chart(series, resolution, period.start, period.end, stop, tz),
        expected=period.expected_slots(stop),
        present=int(extent["present"]),
    )
    page.gaps = _gaps(conn, meter_id, period, stop, extent)
    return page

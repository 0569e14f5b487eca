"""The date range of a meter page: local dates from the query string → UTC bounds, and the chart resolution.

Must not query: the zone comes from the meter row. Every Russian zone is a whole number of hours from UTC without
DST, so a local day is 24 UTC hours and hour buckets add up to local days exactly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SLOT = dt.timedelta(minutes=30)
DEFAULT_DAYS = 7
MAX_DAYS = 400  # a year and some: longer ranges are cut, not refused
HALFHOUR_MAX_DAYS = 7  # up to a week the chart shows every half-hour
HOUR_MAX_DAYS = 62  # up to two months hourly sums; beyond that local days with min/max bands


@dataclass(frozen=True, slots=True)
class Period:
    first: dt.date  # local, inclusive
    last: dt.date  # local, inclusive
    tz: str
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def resolution(self) -> str:
        if self.days <= HALFHOUR_MAX_DAYS:
            return "halfhour"
        return "hour" if self.days <= HOUR_MAX_DAYS else "day"

    def expected_slots(self, now: dt.datetime) -> int:
        """Half-hours the meter should have captured in the range up to now (capture time = end of interval)."""
        stop = min(self.end, now)
        if stop <= self.start:
            return 0
        return int((stop - self.start) // SLOT)

    def query(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}


def zone_label(tz: str, moment: dt.datetime | None = None) -> str:
    """«UTC+5, Asia/Yekaterinburg»: the offset people know, then the zone name."""
    offset = (moment or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(tz)).utcoffset() or dt.timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    minutes = f":{rest // 60:02d}" if rest else ""
    return f"UTC{hours:+d}{minutes}, {tz}"


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period_of(args: dict[str, str], tz: str, now: dt.datetime, default_days: int = DEFAULT_DAYS) -> Period:
    """`from`/`to` as YYYY-MM-DD local dates, both inclusive; bad or missing values fall back to the last week."""
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    last = _date(args.get("to")) or today
    first = _date(args.get("from")) or last - dt.timedelta(days=default_days - 1)
    if first > last:
        first, last = last, first
    if (last - first).days >= MAX_DAYS:
        first = last - dt.timedelta(days=MAX_DAYS - 1)
    start = dt.datetime.combine(first, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    return Period(first=first, last=last, tz=tz, start=start, end=end)

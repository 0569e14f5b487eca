"""Working days of the Russian production calendar and the due date of a review (five working days).

Uses `holidays` RU (transfers and working Saturdays up to the last decree) plus override days given by the
caller. Must not read the database or the clock: the caller passes the submission moment and overrides.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

REVIEW_WORKING_DAYS = 5


@lru_cache(maxsize=1)
def _ru_calendar() -> holidays.HolidayBase:
    return holidays.country_holidays("RU", years=range(2020, 2036), language="ru")


@lru_cache(maxsize=1)
def last_decree_year() -> int:
    """The last year whose transfers a government decree published (the package knows them)."""
    cal = _ru_calendar()
    special = getattr(cal, "special_public_holidays", {}) or {}
    years = [year for year in special if isinstance(year, int)]
    return max(years) if years else dt.date.today().year


def is_working_day(day: dt.date, overrides: dict[dt.date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    # The calendar expands itself to a year it has not seen yet (expand=True by default).
    return bool(_ru_calendar().is_working_day(day))


@dataclass(frozen=True)
class DueDate:
    day: dt.date  # the last working day of the review, in the РЭС's local calendar
    ends_at: dt.datetime  # end of that day (aware, the РЭС's zone)
    approximate: bool  # the day lies past the last published decree


def due_date(
    submitted_at: dt.datetime,
    timezone: str,
    overrides: dict[dt.date, bool] | None = None,
    working_days: int = REVIEW_WORKING_DAYS,
) -> DueDate:
    """End of the n-th working day after the local day of submission (that day itself does not count)."""
    if submitted_at.tzinfo is None:
        raise ValueError("submitted_at must be timezone-aware")
    zone = ZoneInfo(timezone)
    day = submitted_at.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if is_working_day(day, overrides):
            counted += 1
    ends_at = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone)
    return DueDate(day=day, ends_at=ends_at, approximate=day.year > last_decree_year())

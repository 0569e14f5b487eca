"""Jinja filters: dates in the object's or the РЭС's local time, the Russian way (ДД.ММ.ГГГГ).

Must not query anything; a missing zone falls back to Moscow time.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Flask


def local_date(value: dt.datetime | dt.date | None, timezone: str | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = value.astimezone(ZoneInfo(timezone or "Europe/Moscow")).date()
    return value.strftime("%d.%m.%Y")


def local_datetime(value: dt.datetime | None, timezone: str | None = None) -> str:
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(timezone or "Europe/Moscow")).strftime("%d.%m.%Y %H:%M")


def init_formatting(app: Flask) -> None:
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(local_datetime, "local_datetime")

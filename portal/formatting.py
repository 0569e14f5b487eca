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
    init_meter_formatting(app)


UNITS = {"kWh": "кВт·ч", "kvarh": "квар·ч", "Wh": "Вт·ч", "varh": "вар·ч", "kW": "кВт", "V": "В", "A": "А"}


def number(value: object, places: int = 3) -> str:
    """1234.5 → «1 234,500»: grouping by a no-break space, decimal comma (Russian Excel reads the CSV the same)."""
    if value is None:
        return "—"
    text = f"{value:,.{places}f}"
    return text.replace(",", "\u00a0").replace(".", ",")


def unit_ru(unit: str | None) -> str:
    return UNITS.get(unit or "", unit or "")


def init_meter_formatting(app: Flask) -> None:
    app.add_template_filter(number, "number")
    app.add_template_filter(unit_ru, "unit_ru")

"""CSV exports of the meter pages: the rows the page shows, from the same loaders, for Russian Excel
(`;` separator, decimal comma, UTF-8 with BOM, times in the object's local time with the zone in the header).

Must not query on its own: it takes a ReadingsPage or an EventsPage.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from portal.events_page import EventsPage, duration_text, event_text, journal_name
from portal.meter_period import zone_label
from portal.readings_page import ReadingsPage

READINGS_TABLES = ("profile", "consumption", "daily", "monthly", "registers")
TARIFFS = ("t0", "t1", "t2", "t3", "t4")


def csv_number(value: Any) -> str:
    return "" if value is None else f"{value:.3f}".replace(".", ",")


def _local(value: dt.datetime | None, tz: str) -> str:
    return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime("%d.%m.%Y %H:%M")


def _mark(estimated: bool) -> str:
    return "расчетное" if estimated else ""


# A cell Excel would read as a formula; a plain number («-1,250») is left alone, it cannot be one.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(,\d+)?")


def safe_cell(text: str) -> str:
    """Neutralise CSV injection: text (event names, register names come from the database) that starts like a
    formula gets a leading apostrophe, which Excel shows as text."""
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def readings_csv(page: ReadingsPage, table: str) -> bytes:
    tz = page.period.tz
    zone = f"время местное ({zone_label(tz)})"
    if table == "profile":
        header = [
            f"Начало интервала, {zone}",
            "Шаг",
            "A+ сумма",
            "A+ мин. за 30 мин",
            "A+ макс. за 30 мин",
            "Получасов",
            "Признак",
        ]
        rows: list[list[str]] = [
            [
                _local(r["ts"], tz),
                page.resolution_name,
                csv_number(r["value"]),
                csv_number(r["low"]),
                csv_number(r["high"]),
                str(r["slots"]),
                _mark(r["estimated"]),
            ]
            for r in page.series
        ]
    elif table == "consumption":
        header = ["Период", "Дата (местная)", "A+ потребление", "Получасов", "Признак"]
        rows = [
            [
                "сутки" if r["period"] == "day" else "месяц",
                r["local_date"].strftime("%d.%m.%Y"),
                csv_number(r["value"]),
                str(r["slots"]),
                _mark(r["estimated"]),
            ]
            for r in (*page.days, *page.months)
        ]
    elif table in ("daily", "monthly"):
        header = [
            f"Дата, {zone}",
            "A+ сумма",
            "A+ T1",
            "A+ T2",
            "A+ T3",
            "A+ T4",
            "Расход сумма",
            "Расход T1",
            "Расход T2",
            "Расход T3",
            "Расход T4",
            "Признак",
        ]
        rows = [
            [
                _local(r["ts"], tz),
                *(csv_number(r[t]) for t in TARIFFS),
                *(csv_number(r["d" + t[1]]) for t in TARIFFS),
                _mark(r["estimated"]),
            ]
            for r in (page.daily if table == "daily" else page.monthly)
        ]
    else:
        header = ["OBIS", "Регистр", "Единица", "Значение", f"Время показания, {zone}", "Признак"]
        rows = [
            [
                r["code"],
                r["name_ru"],
                r["unit"] or "",
                csv_number(r["value"]),
                _local(r["ts"], tz),
                _mark(r["estimated"]),
            ]
            for r in page.registers
        ]
    return to_csv(header, rows)


def events_csv(page: EventsPage) -> bytes:
    tz = page.period.tz
    header = [f"Время, время местное ({zone_label(tz)})", "Журнал", "Код", "Событие", "Окончание", "Длительность"]
    rows = [
        [
            _local(r["ts"], tz),
            journal_name(r["journal"]),
            str(r["code"]),
            event_text(r),
            _local(r["ended_at"], tz),
            duration_text(r["ts"], r["ended_at"]) if r["pairs"] else "",
        ]
        for r in page.events
    ]
    return to_csv(header, rows)

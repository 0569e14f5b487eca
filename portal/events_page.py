"""What the «События» page shows: journal entries decoded in Russian, newest first, and start/end intervals with
their duration; shared by the page and its CSV export.

Must not render. Journal names follow DOMAIN.md §3 (objects 0.0.99.98.0–13); an unknown code is named with its
number rather than hidden.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from portal.db import Conn
from portal.meter_period import Period
from portal.store import meter_events as store

JOURNALS = {
    0: "Напряжение",
    1: "Токи",
    2: "Включения/выключения, коммутация реле",
    3: "Коррекция данных, программирование",
    4: "Внешние воздействия (магнит, пломбы, ВЧ-поле)",
    5: "Соединения",
    6: "Несанкционированный доступ",
    7: "Самодиагностика",
    8: "Превышение тангенса",
    9: "Качество сети",
    10: "Дискретные входы/выходы",
    13: "Коррекция времени",
}
LIMIT = 2000
DEFAULT_DAYS = 90


def event_text(row: dict[str, Any]) -> str:
    return row["text_ru"] or f"Неизвестное событие (код {row['code']})"


def journal_name(journal: int) -> str:
    return JOURNALS.get(journal, f"Журнал {journal}")


def duration_text(start: dt.datetime, end: dt.datetime | None) -> str:
    if end is None:
        return "не завершено"
    seconds = int((end - start).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} сут" if days else "", f"{hours} ч" if hours else "", f"{minutes} мин" if minutes else ""]
    text = " ".join(p for p in parts if p)
    return text or f"{seconds} с"


@dataclass
class EventsPage:
    period: Period
    journal: int | None  # None: every journal
    events: list[dict[str, Any]]
    intervals: list[dict[str, Any]]
    counts: dict[int, int]

    @property
    def truncated(self) -> bool:
        return len(self.events) >= LIMIT


def journal_of(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and int(text) in JOURNALS else None


def load_events(conn: Conn, meter: dict[str, Any], period: Period, journal: int | None) -> EventsPage:
    meter_id = int(meter["id"])
    journals = [journal] if journal is not None else list(JOURNALS)
    return EventsPage(
        period=period,
        journal=journal,
        events=store.journal_events(conn, meter_id, journals, period.start, period.end, LIMIT),
        intervals=store.event_intervals(conn, meter_id, journals, period.start, period.end, LIMIT),
        counts=store.event_counts(conn, meter_id),
    )

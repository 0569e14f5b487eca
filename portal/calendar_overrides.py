"""Regional days off and working days (calendar_overrides): add and remove them, audited, for the admin CLI and
the admin web page alike.

Must not compute due dates (portal/rules/calendar.py does, routing reads the rows) nor touch requests already
made: an override counts for requests submitted after it, their due date is fixed at submission.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.db import Conn
from portal.store import directory
from portal.store.audit import audit

NOTE_MAX = 200


class OverrideError(ValueError):
    """A Russian sentence for the form or the command line."""


@dataclass(frozen=True)
class Override:
    day: dt.date
    res_id: int | None  # None: every РЭС
    is_working: bool
    note: str


def parse_day(text: str) -> dt.date:
    """ДД.ММ.ГГГГ or ГГГГ-ММ-ДД (what a date picker sends)."""
    value = (text or "").strip()
    try:
        if "." in value:
            day, month, year = (int(part) for part in value.split("."))
            return dt.date(year, month, day)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise OverrideError("Укажите дату в формате ДД.ММ.ГГГГ") from None


def res_id_of(conn: Conn, code: str | None) -> int | None:
    """The РЭС by its code; empty means every РЭС."""
    if not (code or "").strip():
        return None
    res = directory.res_by_code(conn, (code or "").strip())
    if res is None:
        raise OverrideError(f"Нет РЭС с кодом {code!r}")
    return int(res["id"])


def make_override(day: dt.date, res_id: int | None, is_working: bool, note: str) -> Override:
    text = " ".join((note or "").split())
    if len(text) > NOTE_MAX:
        raise OverrideError(f"Примечание длиннее {NOTE_MAX} символов")
    return Override(day, res_id, is_working, text)


def add(conn: Conn, actor_id: int | None, override: Override, ip: str | None = None, via: str = "web") -> None:
    """Insert or replace the override of that day and РЭС; the audit row says who and what."""
    with conn.transaction():
        directory.set_calendar_override(conn, override.day, override.res_id, override.is_working, override.note)
        details = {
            "day": override.day.isoformat(),
            "res_id": override.res_id,
            "is_working": override.is_working,
            "via": via,  # the CLI has no portal user: the log still says where the change came from
        }
        audit(conn, actor_id, "calendar.set", "calendar_override", override.day.isoformat(), details, ip)


def remove(
    conn: Conn, actor_id: int | None, day: dt.date, res_id: int | None, ip: str | None = None, via: str = "web"
) -> bool:
    with conn.transaction():
        removed = directory.remove_calendar_override(conn, day, res_id)
        if removed:
            details = {"day": day.isoformat(), "res_id": res_id, "via": via}
            audit(conn, actor_id, "calendar.remove", "calendar_override", day.isoformat(), details, ip)
    return removed

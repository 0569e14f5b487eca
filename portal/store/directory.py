"""РЭС, settlements and calendar overrides: the directory a request is routed by.

Must not route requests itself: portal/routing.py decides, this only reads and writes rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.db import Conn


def search_settlements(conn: Conn, prefix: str, limit: int = 20) -> list[dict[str, Any]]:
    pattern = prefix.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return conn.execute(
        "SELECT s.id, s.name, s.district, r.name AS res_name FROM settlements s JOIN res r ON r.id = s.res_id"
        " WHERE lower(s.name) LIKE %s ORDER BY s.name, s.district LIMIT %s",
        (pattern, limit),
    ).fetchall()


def settlement(conn: Conn, settlement_id: int) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT s.*, r.timezone AS res_timezone, r.name AS res_name FROM settlements s"
        " JOIN res r ON r.id = s.res_id WHERE s.id = %s",
        (settlement_id,),
    ).fetchone()


def settlements_named(conn: Conn, name: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, name, district, res_id FROM settlements WHERE lower(name) = lower(%s) ORDER BY district",
        (name.strip(),),
    ).fetchall()


def upsert_settlement(conn: Conn, name: str, district: str, res_id: int, timezone: str | None) -> int:
    row = conn.execute(
        "INSERT INTO settlements (name, district, res_id, timezone) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (name, district) DO UPDATE SET res_id = EXCLUDED.res_id, timezone = EXCLUDED.timezone"
        " RETURNING id",
        (name, district, res_id, timezone),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def all_res(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM res ORDER BY name").fetchall()


def res_by_id(conn: Conn, res_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM res WHERE id = %s", (res_id,)).fetchone()


def res_by_code(conn: Conn, code: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM res WHERE code = %s", (code,)).fetchone()


def upsert_res(conn: Conn, code: str, name: str, timezone: str) -> int:
    row = conn.execute(
        "INSERT INTO res (code, name, timezone) VALUES (%s, %s, %s)"
        " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, timezone = EXCLUDED.timezone RETURNING id",
        (code, name, timezone),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def calendar_overrides(conn: Conn, res_id: int | None) -> dict[dt.date, bool]:
    """Federal-wide overrides first, then the РЭС's own, which win on the same day."""
    rows = conn.execute(
        "SELECT day, is_working, res_id FROM calendar_overrides WHERE res_id IS NULL OR res_id = %s"
        " ORDER BY res_id NULLS FIRST",
        (res_id,),
    ).fetchall()
    return {r["day"]: bool(r["is_working"]) for r in rows}


def set_calendar_override(conn: Conn, day: dt.date, res_id: int | None, is_working: bool, note: str) -> None:
    conn.execute(
        "INSERT INTO calendar_overrides (day, res_id, is_working, note) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (day, res_id) DO UPDATE SET is_working = EXCLUDED.is_working, note = EXCLUDED.note",
        (day, res_id, is_working, note),
    )


def calendar_override_rows(conn: Conn, since: dt.date | None = None) -> list[dict[str, Any]]:
    """Every override from `since` on (all of them without it), with the РЭС's code and name (NULL: every РЭС)."""
    return conn.execute(
        "SELECT c.day, c.res_id, r.code AS res_code, r.name AS res_name, c.is_working, c.note"
        " FROM calendar_overrides c LEFT JOIN res r ON r.id = c.res_id"
        " WHERE %(since)s::date IS NULL OR c.day >= %(since)s ORDER BY c.day, r.name NULLS FIRST",
        {"since": since},
    ).fetchall()


def remove_calendar_override(conn: Conn, day: dt.date, res_id: int | None) -> bool:
    """Delete one override; False when there was none for that day and РЭС."""
    cursor = conn.execute(
        "DELETE FROM calendar_overrides WHERE day = %s AND res_id IS NOT DISTINCT FROM %s", (day, res_id)
    )
    return cursor.rowcount > 0

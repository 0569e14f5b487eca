"""Which meters a person may open: consumers through meter_access, staff through their РЭС zones.

Must not decide what a page shows: it only finds the meter row (with its place and link status) or nothing (a 404).
"""

from __future__ import annotations

from typing import Any

from portal.db import Conn

_METER = """
SELECT m.*, s.name AS settlement_name, s.district AS settlement_district, s.res_id, r.name AS res_name,
       st.last_attempt, st.last_success, st.last_error_class, st.last_error, st.consecutive_failures,
       st.clock_drift_s, st.clock_checked_at
  FROM meters m
  LEFT JOIN settlements s ON s.id = m.settlement_id
  LEFT JOIN res r ON r.id = s.res_id
  LEFT JOIN meter_status st ON st.meter_id = m.id
 WHERE m.id = %(meter)s
"""


def consumer_meter(conn: Conn, user_id: int, meter_id: int) -> dict[str, Any] | None:
    return conn.execute(
        _METER + " AND EXISTS (SELECT 1 FROM meter_access a WHERE a.user_id = %(user)s AND a.meter_id = m.id)",
        {"meter": meter_id, "user": user_id},
    ).fetchone()


def staff_meter(conn: Conn, res_ids: list[int] | None, meter_id: int) -> dict[str, Any] | None:
    """`res_ids` None: every zone (admins). A meter without a settlement belongs to no zone."""
    if res_ids is None:
        return conn.execute(_METER, {"meter": meter_id}).fetchone()
    return conn.execute(_METER + " AND s.res_id = ANY(%(res)s)", {"meter": meter_id, "res": res_ids}).fetchone()


def zone_meters(conn: Conn, res_ids: list[int] | None, limit: int = 500) -> list[dict[str, Any]]:
    """Meters of the employee's РЭС zones for the staff list, the same columns as «Подключенные приборы учета»."""
    return conn.execute(
        "SELECT m.id, m.serial, m.model, m.contract, m.object_name, m.object_address, s.name AS settlement_name"
        " FROM meters m JOIN settlements s ON s.id = m.settlement_id"
        " WHERE %(all)s OR s.res_id = ANY(%(res)s) ORDER BY s.name, m.contract, m.serial LIMIT %(limit)s",
        {"all": res_ids is None, "res": res_ids or [], "limit": limit},
    ).fetchall()

"""Connection requests («Подключить ПУ»): insert, the consumer's list, the РЭС queue, decisions.

Staff queries are scoped by the caller's РЭС ids (None = every РЭС, for admins); must not check roles.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from portal.db import Conn

_LIST_COLUMNS = (
    "r.id, r.status, r.created_at, r.due_at, r.due_approximate, r.serial, r.serial_typed, r.contract_typed,"
    " r.reject_reason_code, r.reject_reason_text, r.decided_at, r.applicant_kind, r.org_name, r.warnings,"
    " r.settlement_text, r.res_id, COALESCE(s.name, r.settlement_text) AS settlement_name, s.district,"
    " res.name AS res_name, res.timezone AS res_timezone"
)
_FROM = (
    " FROM connection_requests r LEFT JOIN settlements s ON s.id = r.settlement_id LEFT JOIN res ON res.id = r.res_id"
)


def create_request(conn: Conn, fields: dict[str, Any]) -> int:
    row = conn.execute(
        "INSERT INTO connection_requests (user_id, applicant_kind, settlement_id, settlement_text, res_id,"
        " serial_typed, serial, contract_typed, contract_key, org_name, ogrn, registry_date, warnings, status,"
        " due_at, due_approximate, created_at)"
        " VALUES (%(user_id)s, %(applicant_kind)s, %(settlement_id)s, %(settlement_text)s, %(res_id)s,"
        " %(serial_typed)s, %(serial)s, %(contract_typed)s, %(contract_key)s, %(org_name)s, %(ogrn)s,"
        " %(registry_date)s, %(warnings)s, %(status)s, %(due_at)s, %(due_approximate)s, %(created_at)s)"
        " RETURNING id",
        {**fields, "warnings": json.dumps(fields.get("warnings", []), ensure_ascii=False)},
    ).fetchone()
    assert row is not None
    return int(row["id"])


def requests_of_user(conn: Conn, user_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT " + _LIST_COLUMNS + _FROM + " WHERE r.user_id = %s ORDER BY r.created_at DESC", (user_id,)
    ).fetchall()


def request_of_user(conn: Conn, user_id: int, request_id: int) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT " + _LIST_COLUMNS + _FROM + " WHERE r.user_id = %s AND r.id = %s", (user_id, request_id)
    ).fetchone()


def staff_queue(conn: Conn, res_ids: list[int] | None, statuses: tuple[str, ...]) -> list[dict[str, Any]]:
    """Requests of the given РЭС, the nearest due date first; overdue ones come first by that order."""
    return conn.execute(
        "SELECT " + _LIST_COLUMNS + ", r.due_at < now() AS overdue" + _FROM + " WHERE r.status = ANY(%s)"
        " AND (%s::int[] IS NULL OR r.res_id = ANY(%s::int[]))"
        " ORDER BY r.due_at NULLS LAST, r.id",
        (list(statuses), res_ids, res_ids),
    ).fetchall()


def dispatch_queue(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT " + _LIST_COLUMNS + _FROM + " WHERE r.status = 'dispatch' ORDER BY r.created_at"
    ).fetchall()


def request_for_staff(conn: Conn, request_id: int, res_ids: list[int] | None) -> dict[str, Any] | None:
    """Every field of the request with the applicant's contacts, only inside the staff's zone."""
    return conn.execute(
        "SELECT r.*, r.due_at < now() AS overdue, COALESCE(s.name, r.settlement_text) AS settlement_name,"
        " s.district, res.name AS res_name, res.timezone AS res_timezone, u.full_name, u.organisation,"
        " u.phone, u.email, u.consumer_kind, d.full_name AS decided_by_name"
        " FROM connection_requests r JOIN users u ON u.id = r.user_id"
        " LEFT JOIN users d ON d.id = r.decided_by"
        " LEFT JOIN settlements s ON s.id = r.settlement_id LEFT JOIN res ON res.id = r.res_id"
        " WHERE r.id = %s AND (%s::int[] IS NULL OR r.res_id = ANY(%s::int[]))",
        (request_id, res_ids, res_ids),
    ).fetchone()


def dispatch_request(conn: Conn, request_id: int) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT * FROM connection_requests WHERE id = %s AND status = 'dispatch' FOR UPDATE", (request_id,)
    ).fetchone()


def assign_res(
    conn: Conn,
    request_id: int,
    res_id: int,
    settlement_id: int | None,
    due_at: dt.datetime,
    approximate: bool,
) -> None:
    conn.execute(
        "UPDATE connection_requests SET res_id = %s, settlement_id = COALESCE(%s, settlement_id),"
        " status = 'pending', due_at = %s, due_approximate = %s WHERE id = %s AND status = 'dispatch'",
        (res_id, settlement_id, due_at, approximate, request_id),
    )


def save_match(conn: Conn, request_id: int, match: dict[str, Any]) -> None:
    conn.execute(
        "UPDATE connection_requests SET match_result = %s WHERE id = %s",
        (json.dumps(match, ensure_ascii=False), request_id),
    )


def approve(conn: Conn, request_id: int, staff_id: int, meter_id: int) -> bool:
    cur = conn.execute(
        "UPDATE connection_requests SET status = 'approved', meter_id = %s, decided_at = now(), decided_by = %s"
        " WHERE id = %s AND status = 'pending'",
        (meter_id, staff_id, request_id),
    )
    return cur.rowcount == 1


def reject(conn: Conn, request_id: int, staff_id: int, code: str, text: str | None) -> bool:
    cur = conn.execute(
        "UPDATE connection_requests SET status = 'rejected', reject_reason_code = %s, reject_reason_text = %s,"
        " decided_at = now(), decided_by = %s WHERE id = %s AND status = 'pending'",
        (code, text, staff_id, request_id),
    )
    return cur.rowcount == 1

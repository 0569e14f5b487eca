"""Users, consents and staff zones.

Must not hash passwords or decide who may log in: portal/auth does that.
"""

from __future__ import annotations

from typing import Any

from portal.db import Conn


def create_user(
    conn: Conn,
    *,
    role: str,
    email: str,
    full_name: str,
    phone: str,
    password_hash: str,
    consumer_kind: str | None = None,
    organisation: str | None = None,
) -> int:
    row = conn.execute(
        "INSERT INTO users (role, consumer_kind, email, full_name, organisation, phone, password_hash)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (role, consumer_kind, email, full_name, organisation, phone, password_hash),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def email_taken(conn: Conn, email: str) -> bool:
    row = conn.execute("SELECT 1 FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone()
    return row is not None


def user_by_email(conn: Conn, email: str) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM users WHERE lower(email) = lower(%s)", (email,)).fetchone()


def user_by_id(conn: Conn, user_id: int) -> dict[str, Any] | None:
    return conn.execute("SELECT * FROM users WHERE id = %s", (user_id,)).fetchone()


def set_password(conn: Conn, user_id: int, password_hash: str) -> None:
    conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))


def record_consent(conn: Conn, user_id: int, text_version: str, ip: str | None) -> None:
    conn.execute(
        "INSERT INTO consents (user_id, text_version, ip) VALUES (%s, %s, %s)"
        " ON CONFLICT (user_id, text_version) DO NOTHING",
        (user_id, text_version, ip),
    )


def staff_res_ids(conn: Conn, user_id: int) -> list[int]:
    rows = conn.execute("SELECT res_id FROM staff_res WHERE user_id = %s ORDER BY res_id", (user_id,)).fetchall()
    return [int(r["res_id"]) for r in rows]


def assign_staff_res(conn: Conn, user_id: int, res_id: int) -> None:
    conn.execute(
        "INSERT INTO staff_res (user_id, res_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
        (user_id, res_id),
    )

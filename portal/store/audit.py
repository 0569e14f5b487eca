"""Append-only audit log and the consumer's notifications and mail outbox.

Must not log personal data in `details` beyond ids: the row points at the object, it does not copy it.
"""

from __future__ import annotations

import json
from typing import Any

from portal.db import Conn


def audit(
    conn: Conn,
    actor_id: int | None,
    action: str,
    object_type: str | None = None,
    object_id: object = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO audit_log (actor_id, action, object_type, object_id, details, ip) VALUES (%s, %s, %s, %s, %s, %s)",
        (actor_id, action, object_type, None if object_id is None else str(object_id), json.dumps(details or {}), ip),
    )


def notify(conn: Conn, user_id: int, text: str) -> None:
    conn.execute("INSERT INTO notifications (user_id, text) VALUES (%s, %s)", (user_id, text))


def notifications_of(conn: Conn, user_id: int, limit: int = 50) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, text, created_at, read_at FROM notifications WHERE user_id = %s ORDER BY created_at DESC LIMIT %s",
        (user_id, limit),
    ).fetchall()


def unread_count(conn: Conn, user_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) AS n FROM notifications WHERE user_id = %s AND read_at IS NULL", (user_id,)
    ).fetchone()
    return int(row["n"]) if row else 0


def mark_read(conn: Conn, user_id: int) -> None:
    conn.execute("UPDATE notifications SET read_at = now() WHERE user_id = %s AND read_at IS NULL", (user_id,))


def queue_mail(conn: Conn, recipient: str, subject: str, body: str) -> int:
    row = conn.execute(
        "INSERT INTO outbox (recipient, subject, body) VALUES (%s, %s, %s) RETURNING id", (recipient, subject, body)
    ).fetchone()
    assert row is not None
    return int(row["id"])


def unsent_mail(conn: Conn) -> list[dict[str, Any]]:
    return conn.execute("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id").fetchall()

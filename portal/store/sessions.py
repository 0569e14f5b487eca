"""Server-side login sessions and password-reset tokens: only SHA-256 digests of tokens are stored.

Must not see a raw token or a cookie: portal/accounts.py owns cookies and digests.
"""

from __future__ import annotations

from typing import Any

from portal.db import Conn


def create_session(conn: Conn, token_hash: bytes, user_id: int, lifetime_s: int) -> None:
    conn.execute(
        "INSERT INTO user_sessions (token_hash, user_id, expires_at)"
        " VALUES (%s, %s, now() + make_interval(secs => %s))",
        (token_hash, user_id, lifetime_s),
    )


# last_seen only needs minute precision for the idle timeout: touching it on every page would write a row version
# (and WAL) per request for nothing.
TOUCH_AFTER_S = 60


def live_session_user(conn: Conn, token_hash: bytes, idle_s: int) -> dict[str, Any] | None:
    """The active user of a live session; revoked, expired or idle sessions give None. Touches last_seen when stale."""
    row = conn.execute(
        "SELECT u.*, s.last_seen < now() - make_interval(secs => %s) AS session_stale"
        "  FROM user_sessions s JOIN users u ON u.id = s.user_id"
        " WHERE s.token_hash = %s AND u.is_active"
        "   AND s.revoked_at IS NULL AND s.expires_at > now()"
        "   AND s.last_seen > now() - make_interval(secs => %s)",
        (TOUCH_AFTER_S, token_hash, idle_s),
    ).fetchone()
    if row is None:
        return None
    if row.pop("session_stale"):
        conn.execute("UPDATE user_sessions SET last_seen = now() WHERE token_hash = %s", (token_hash,))
    return row


def revoke_session(conn: Conn, token_hash: bytes) -> None:
    conn.execute(
        "UPDATE user_sessions SET revoked_at = now() WHERE token_hash = %s AND revoked_at IS NULL", (token_hash,)
    )


def revoke_user_sessions(conn: Conn, user_id: int) -> None:
    conn.execute("UPDATE user_sessions SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL", (user_id,))


def create_reset(conn: Conn, token_hash: bytes, user_id: int, lifetime_s: int) -> None:
    conn.execute(
        "INSERT INTO password_resets (token_hash, user_id, expires_at)"
        " VALUES (%s, %s, now() + make_interval(secs => %s))",
        (token_hash, user_id, lifetime_s),
    )


def valid_reset_user(conn: Conn, token_hash: bytes) -> int | None:
    row = conn.execute(
        "SELECT user_id FROM password_resets WHERE token_hash = %s AND used_at IS NULL AND expires_at > now()",
        (token_hash,),
    ).fetchone()
    return int(row["user_id"]) if row else None


def use_reset(conn: Conn, token_hash: bytes) -> int | None:
    """Mark the token used, and every other outstanding token of the same user with it (a link mailed earlier must
    not change the new password); None if it was already used or expired (single use, even under a race)."""
    row = conn.execute(
        "UPDATE password_resets SET used_at = now()"
        " WHERE token_hash = %s AND used_at IS NULL AND expires_at > now() RETURNING user_id",
        (token_hash,),
    ).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE password_resets SET used_at = now() WHERE user_id = %s AND used_at IS NULL", (row["user_id"],))
    return int(row["user_id"])

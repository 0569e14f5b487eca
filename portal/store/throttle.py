"""Sliding-window hit counters in the database, so every gunicorn worker sees the same counts.

Keys are SHA-256 digests (never an e-mail in clear). Must not decide limits: portal/throttle.py does.
"""

from __future__ import annotations

from portal.db import Conn


def hit(conn: Conn, key: bytes, window_s: int) -> int:
    """Record one hit and return how many hits the key has within the window (this one included)."""
    conn.execute("DELETE FROM rate_hits WHERE key = %s AND at < now() - make_interval(secs => %s)", (key, window_s))
    conn.execute("INSERT INTO rate_hits (key) VALUES (%s)", (key,))
    row = conn.execute(
        "SELECT count(*) AS n FROM rate_hits WHERE key = %s AND at >= now() - make_interval(secs => %s)",
        (key, window_s),
    ).fetchone()
    assert row is not None
    return int(row["n"])


def purge(conn: Conn, older_than_s: int) -> None:
    conn.execute("DELETE FROM rate_hits WHERE at < now() - make_interval(secs => %s)", (older_than_s,))

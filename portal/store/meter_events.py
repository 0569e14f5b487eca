"""SQL of the «События» page: a meter's journal entries decoded by event_codes, and start/end intervals.

Must not check access (portal/store/meter_scope.py does). An unknown code comes back with text_ru NULL; the page
names it «Неизвестное событие (код N)». Bounds are UTC, [start, end).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.db import Conn

# For each start event (event_codes.pairs_with set) the first end event of its pair at or after it, in the
# same journal; the PK (meter_id, journal, ts, code) serves the lookup.
_END = """
LEFT JOIN LATERAL (
    SELECT x.ts FROM events x
     WHERE x.meter_id = e.meter_id AND x.journal = e.journal AND x.code = c.pairs_with AND x.ts >= e.ts
     ORDER BY x.ts LIMIT 1) f ON c.pairs_with IS NOT NULL
"""


def journal_events(
    conn: Conn, meter_id: int, journals: list[int], start: dt.datetime, end: dt.datetime, limit: int
) -> list[dict[str, Any]]:
    """Newest first. `ended_at` is set for a start event whose end was found; `pairs` tells a start event."""
    return conn.execute(
        "SELECT e.journal, e.ts, e.code, e.data, c.text_ru, c.pairs_with IS NOT NULL AS pairs, f.ts AS ended_at"
        " FROM events e LEFT JOIN event_codes c ON c.journal = e.journal AND c.code = e.code"
        + _END
        + " WHERE e.meter_id = %(meter)s AND e.journal = ANY(%(journals)s) AND e.ts >= %(start)s AND e.ts < %(end)s"
        " ORDER BY e.ts DESC, e.journal, e.code LIMIT %(limit)s",
        {"meter": meter_id, "journals": journals, "start": start, "end": end, "limit": limit},
    ).fetchall()


def event_intervals(
    conn: Conn, meter_id: int, journals: list[int], start: dt.datetime, end: dt.datetime, limit: int
) -> list[dict[str, Any]]:
    """Start events of the range paired with their end (outage, magnet, …), newest first; open ones have no end."""
    return conn.execute(
        "SELECT e.journal, e.ts AS started_at, f.ts AS ended_at, e.code, c.text_ru"
        " FROM events e JOIN event_codes c ON c.journal = e.journal AND c.code = e.code"
        + _END
        + " WHERE e.meter_id = %(meter)s AND e.journal = ANY(%(journals)s) AND e.ts >= %(start)s AND e.ts < %(end)s"
        " AND c.pairs_with IS NOT NULL ORDER BY e.ts DESC LIMIT %(limit)s",
        {"meter": meter_id, "journals": journals, "start": start, "end": end, "limit": limit},
    ).fetchall()


def event_counts(conn: Conn, meter_id: int) -> dict[int, int]:
    """Entries per journal over the whole history, for the journal filter."""
    rows = conn.execute(
        "SELECT journal, count(*)::int AS n FROM events WHERE meter_id = %s GROUP BY journal", (meter_id,)
    ).fetchall()
    return {int(r["journal"]): int(r["n"]) for r in rows}

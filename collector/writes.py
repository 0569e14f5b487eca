"""The store's SQL for time-series rows: OBIS ids, and idempotent COPY of readings and events by natural key.

Must not commit, retry or decide what to write (collector.store does); named functions with %s parameters and
identifiers only through psycopg.sql. Registry writes (status, nameplate, completeness) live in collector.registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from psycopg import errors, sql
from psycopg.types.json import Jsonb

from collector.items import EventItem

_READINGS = "readings"
_READING_COLUMNS = ("meter_id", "obis_id", "ts", "value", "source", "estimated", "status")
_EVENTS = "events"
_EVENT_COLUMNS = ("meter_id", "journal", "ts", "code", "data")


def obis_ids(conn: psycopg.Connection[Any]) -> dict[str, int]:
    return {str(code): int(obis_id) for obis_id, code in conn.execute("SELECT id, code FROM obis").fetchall()}


def insert_obis(conn: psycopg.Connection[Any], code: str) -> int:
    """The id of an OBIS code, adding it to `obis` when a meter reports one we have not seen."""
    conn.execute("INSERT INTO obis (code) VALUES (%s) ON CONFLICT (code) DO NOTHING", (code,))
    row = conn.execute("SELECT id FROM obis WHERE code = %s", (code,)).fetchone()
    assert row is not None  # inserted just above, and obis rows are never deleted
    return int(row[0])


def copy_readings(conn: psycopg.Connection[Any], lines: list[str]) -> tuple[int, int]:
    """COPY reading rows (text format lines, ids resolved); return (inserted, already there)."""
    if not lines:
        return 0, 0
    payload = "".join(lines)

    def feed(copy: psycopg.Copy) -> None:
        copy.write(payload)

    return _copy_once(conn, _READINGS, _READING_COLUMNS, feed, len(lines))


def copy_events(conn: psycopg.Connection[Any], events: list[tuple[int, EventItem]]) -> tuple[int, int]:
    """COPY event rows; return (inserted, already there)."""
    if not events:
        return 0, 0

    def feed(copy: psycopg.Copy) -> None:
        for meter_id, e in events:
            copy.write_row((meter_id, e.journal, e.ts, e.code, Jsonb(dict(e.data))))

    return _copy_once(conn, _EVENTS, _EVENT_COLUMNS, feed, len(events))


def _copy_once(
    conn: psycopg.Connection[Any],
    table_name: str,
    columns: tuple[str, ...],
    feed: Callable[[psycopg.Copy], None],
    count: int,
) -> tuple[int, int]:
    """Idempotent COPY, fast when new: straight into `table` in a savepoint; only if a row is already there
    (a re-read overlap, a replay after a crash between commit and ack) through a temp table and ON CONFLICT."""
    table = sql.Identifier(table_name)
    stage = sql.Identifier(f"incoming_{table_name}")
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    try:
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, cols)) as copy,
        ):
            feed(copy)
        return count, 0
    except errors.UniqueViolation:
        pass  # the savepoint is rolled back; the outer transaction goes on
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP").format(stage, table))
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(stage, cols)) as copy:
            feed(copy)
        cur.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} ON CONFLICT DO NOTHING").format(table, cols, cols, stage)
        )
        inserted = max(cur.rowcount, 0)
    return inserted, count - inserted

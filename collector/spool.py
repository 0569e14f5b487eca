"""The collector's write-ahead log: a durable local queue of items and read cursors (SQLite, WAL, synchronous=FULL).

Must not talk to PostgreSQL or know the schema of `readings`; it keeps lines of text safe until the store acks them.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from collector.items import Item
from collector.wire import decode, encode

SPOOL_FILE = "spool.sqlite3"
CursorKey = tuple[str, str]  # (meter code, object), e.g. ("dl-201", "profile:1.0.99.1.0.255")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a seq is never reused after an ack
    created  REAL NOT NULL,                      -- unix time of the append, for oldest_age()
    n        INTEGER NOT NULL,                   -- items in the payload
    payload  TEXT NOT NULL                       -- collector.wire form, one item per line
);
CREATE TABLE IF NOT EXISTS cursors (
    meter   TEXT NOT NULL,
    object  TEXT NOT NULL,
    value   TEXT NOT NULL,                       -- ISO 8601 aware time
    PRIMARY KEY (meter, object)
);
CREATE TABLE IF NOT EXISTS quarantine (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    created  REAL NOT NULL,
    reason   TEXT NOT NULL,
    payload  TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class SpoolBatch:
    """One append as it was made: its sequence number, when, and its payload (decode with `items`)."""

    seq: int
    created: float
    count: int
    payload: str

    @property
    def items(self) -> list[Item]:
        return decode(self.payload)


class Spool:
    """A durable FIFO of item batches plus cursors, in `<data_dir>/spool.sqlite3`.

    Thread-safe: any number of producer threads may `append`; one drainer calls `pending` and `ack`.
    `append` returns only after the batch and its cursor advances are fsync'd together, so a cursor never
    runs ahead of its rows, and a `kill -9` at any instant loses nothing that `append` returned for.
    """

    def __init__(self, data_dir: Path, *, filename: str = SPOOL_FILE) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / filename
        # One connection behind a lock: SQLite serialises writers anyway, and one handle keeps the
        # fsync-per-commit count honest. isolation_level=None: we issue BEGIN IMMEDIATE ourselves.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # FULL: every commit fsyncs the WAL, so what append() returned for survives a power cut too.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------ producers

    def append(self, items: Sequence[Item], cursors: Mapping[CursorKey, datetime] | None = None) -> int:
        """Store `items` and move `cursors` in one fsync'd transaction; return the batch seq (0 if nothing).

        Encode first, outside the lock, so producers format their lines in parallel with the fsync of others.
        """
        payload = encode(items) if items else ""
        cursor_rows: list[tuple[str, str, str]] = []
        for (meter, obj), ts in (cursors or {}).items():
            if ts.tzinfo is None:
                raise ValueError(f"cursor {meter}/{obj} must be an aware time, got {ts!r}")
            cursor_rows.append((meter, obj, ts.astimezone(UTC).isoformat()))
        if not items and not cursor_rows:
            return 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                seq = 0
                if items:
                    row = self._db.execute(
                        "INSERT INTO batches (created, n, payload) VALUES (?, ?, ?) RETURNING seq",
                        (time.time(), len(items), payload),
                    ).fetchone()
                    seq = int(row[0])
                if cursor_rows:
                    self._db.executemany(
                        "INSERT INTO cursors (meter, object, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (meter, object) DO UPDATE SET value = excluded.value",
                        cursor_rows,
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return seq

    def cursor(self, meter: str, obj: str) -> datetime | None:
        """The last capture time stored for (meter, object), or None when it was never read."""
        with self._lock:
            row = self._db.execute("SELECT value FROM cursors WHERE meter = ? AND object = ?", (meter, obj)).fetchone()
        return None if row is None else datetime.fromisoformat(row[0])

    def cursors(self, meter: str | None = None) -> dict[CursorKey, datetime]:
        """Every cursor, or a meter's: the daemon loads them at start."""
        with self._lock:
            if meter is None:
                rows = self._db.execute("SELECT meter, object, value FROM cursors").fetchall()
            else:
                rows = self._db.execute("SELECT meter, object, value FROM cursors WHERE meter = ?", (meter,)).fetchall()
        return {(m, o): datetime.fromisoformat(v) for m, o, v in rows}

    # ------------------------------------------------------------ the drainer

    def pending(self, limit: int = 50_000) -> list[SpoolBatch]:
        """The oldest batches, in order, holding about `limit` items (at least one batch, however large)."""
        out: list[SpoolBatch] = []
        total = 0
        with self._lock:
            rows = self._db.execute("SELECT seq, created, n, payload FROM batches ORDER BY seq")
            for seq, created, n, payload in rows:
                if out and total + n > limit:
                    break
                out.append(SpoolBatch(int(seq), float(created), int(n), str(payload)))
                total += n
            rows.close()
        return out

    def ack(self, upto: int, quarantine: Iterable[tuple[str, str]] = ()) -> None:
        """Forget every batch with seq <= `upto` (they are in the database); keep `quarantine` (reason, payload)
        lines aside in the same transaction, for items the database refused for good (e.g. an unknown meter)."""
        now = time.time()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO quarantine (created, reason, payload) VALUES (?, ?, ?)",
                    [(now, reason, payload) for reason, payload in quarantine],
                )
                self._db.execute("DELETE FROM batches WHERE seq <= ?", (upto,))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    # ------------------------------------------------------------ health

    def depth(self) -> int:
        """Items waiting for the database."""
        with self._lock:
            row = self._db.execute("SELECT coalesce(sum(n), 0) FROM batches").fetchone()
        return int(row[0])

    def oldest_age(self) -> float:
        """Seconds since the oldest waiting batch was appended; 0.0 when the spool is empty."""
        with self._lock:
            row = self._db.execute("SELECT created FROM batches ORDER BY seq LIMIT 1").fetchone()
        return 0.0 if row is None else max(0.0, time.time() - float(row[0]))

    def quarantined(self) -> int:
        """Lines set aside because the database refused them for good (a metric; never silently dropped)."""
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM quarantine").fetchone()
        return int(row[0])

"""The gap ledger: which expected profile slots are missing per meter and object, re-read while the meter holds
them, then marked permanent; and the per-local-day completeness counts made from it.

Must not read meters or write PostgreSQL. Kept in `<data_dir>/gaps.sqlite3` next to the spool. Every operation
is idempotent (slots are keys), so a kill between the ledger and the spool is healed by the next read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

GAPS_FILE = "gaps.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gaps (
    meter     TEXT NOT NULL,
    object    TEXT NOT NULL,
    slot      INTEGER NOT NULL,          -- capture (end) time of the missing slot, unix seconds UTC
    attempts  INTEGER NOT NULL DEFAULT 0,
    permanent INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (meter, object, slot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tracking (
    meter   TEXT NOT NULL,
    object  TEXT NOT NULL,
    since   INTEGER NOT NULL,            -- slots after this instant are expected (the first cursor)
    period  INTEGER NOT NULL,            -- capture period in seconds
    PRIMARY KEY (meter, object)
) WITHOUT ROWID;
"""


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _dt(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def expected_slots(after: datetime, upto: datetime, period_s: int) -> list[datetime]:
    """Capture times in (after, upto], aligned to the period (meters capture on period boundaries of UTC)."""
    first = (_ts(after) // period_s + 1) * period_s
    last = _ts(upto) // period_s * period_s
    return [_dt(t) for t in range(first, last + 1, period_s)]


def slot_day(slot: datetime, period_s: int, zone: ZoneInfo) -> date:
    """The local day a slot belongs to: its interval's start (the 00:00 capture closes the previous day)."""
    return (slot - timedelta(seconds=period_s)).astimezone(zone).date()


@dataclass(frozen=True, slots=True)
class Window:
    """A run of consecutive missing slots, re-read as one profile range [start, end)."""

    meter: str
    object: str
    first: datetime
    last: datetime
    attempts: int

    @property
    def start(self) -> datetime:
        return self.first - timedelta(seconds=1)

    @property
    def end(self) -> datetime:
        return self.last + timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date
    expected: int
    received: int
    permanent: int


class GapLedger:
    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / GAPS_FILE
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL, not FULL: a lost ledger write is rebuilt by the next read (see the module docstring).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def track(self, meter: str, obj: str, since: datetime, period_s: int) -> None:
        """Start expecting slots after `since` (first read of a profile); kept if already tracking."""
        with self._lock:
            self._db.execute(
                "INSERT INTO tracking VALUES (?, ?, ?, ?) ON CONFLICT (meter, object) DO UPDATE SET period = ?",
                (meter, obj, _ts(since), period_s, period_s),
            )

    def tracking(self, meter: str, obj: str) -> tuple[datetime, int] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT since, period FROM tracking WHERE meter = ? AND object = ?", (meter, obj)
            ).fetchone()
        return None if row is None else (_dt(int(row[0])), int(row[1]))

    def record(self, meter: str, obj: str, slots: Iterable[datetime]) -> None:
        rows = [(meter, obj, _ts(s)) for s in slots]
        if rows:
            with self._lock:
                self._db.executemany("INSERT OR IGNORE INTO gaps (meter, object, slot) VALUES (?, ?, ?)", rows)

    def filled(self, meter: str, obj: str, slots: Iterable[datetime]) -> None:
        """Slots that arrived are no gaps, even ones already marked permanent (a meter may surprise us)."""
        rows = [(meter, obj, _ts(s)) for s in slots]
        if rows:
            with self._lock:
                self._db.executemany("DELETE FROM gaps WHERE meter = ? AND object = ? AND slot = ?", rows)

    def attempted(self, window: Window) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE gaps SET attempts = attempts + 1 WHERE meter = ? AND object = ? AND slot BETWEEN ? AND ?"
                " AND permanent = 0",
                (window.meter, window.object, _ts(window.first), _ts(window.last)),
            )

    def expire(self, *, held_since: datetime, max_attempts: int) -> int:
        """Mark permanent what the meters no longer hold (older than their profile depth) or never gave after
        `max_attempts` re-reads; return how many slots became permanent."""
        with self._lock:
            cur = self._db.execute(
                "UPDATE gaps SET permanent = 1 WHERE permanent = 0 AND (slot < ? OR attempts >= ?)",
                (_ts(held_since), max_attempts),
            )
            return cur.rowcount

    def windows(self, limit: int = 100, max_slots: int = 48) -> list[Window]:
        """Open gaps as runs of consecutive slots (at most `max_slots` each), fewest attempts first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT g.meter, g.object, g.slot, g.attempts, t.period FROM gaps g"
                " JOIN tracking t USING (meter, object) WHERE g.permanent = 0"
                " ORDER BY g.meter, g.object, g.slot"
            ).fetchall()
        out: list[Window] = []
        run: list[tuple[str, str, int, int, int]] = []

        def close_run() -> None:
            if run:
                m, o, first, _, _ = run[0]
                out.append(Window(m, o, _dt(first), _dt(run[-1][2]), max(r[3] for r in run)))
                run.clear()

        for row in rows:
            meter, obj, slot, _, period = row
            if run and (run[-1][:2] != (meter, obj) or slot - run[-1][2] != period or len(run) >= max_slots):
                close_run()
            run.append((str(meter), str(obj), int(slot), int(row[3]), int(period)))
        close_run()
        out.sort(key=lambda w: w.attempts)
        return out[:limit]

    def open_count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM gaps WHERE permanent = 0").fetchone()
        return int(row[0])

    def days(self, meter: str, obj: str, upto: datetime, zone: ZoneInfo, touched: Iterable[date]) -> list[DayCount]:
        """Completeness of the `touched` local days: expected slots between tracking start and `upto`, minus gaps."""
        tracking = self.tracking(meter, obj)
        if tracking is None:
            return []
        since, period = tracking
        out: list[DayCount] = []
        for day in sorted(set(touched)):
            day_start = datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
            lo = max(since, day_start)
            hi = min(upto, day_start + timedelta(days=1))
            slots = expected_slots(lo, hi, period) if hi > lo else []
            if not slots:
                continue
            with self._lock:
                missing = self._db.execute(
                    "SELECT permanent, count(*) FROM gaps WHERE meter = ? AND object = ? AND slot BETWEEN ? AND ?"
                    " GROUP BY permanent",
                    (meter, obj, _ts(slots[0]), _ts(slots[-1])),
                ).fetchall()
            counts = {int(p): int(n) for p, n in missing}
            permanent = counts.get(1, 0)
            received = len(slots) - permanent - counts.get(0, 0)
            out.append(DayCount(day, len(slots), received, permanent))
        return out

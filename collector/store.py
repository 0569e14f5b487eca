"""The one writer: drains the spool into PostgreSQL in batches, idempotently by natural keys, surviving outages.

Must not read meters or decide policy; it never drops an item: what the database refuses for good is quarantined.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg

from collector import registry
from collector.items import (
    CompletenessItem,
    EventItem,
    Item,
    MeterStatusItem,
    NameplateItem,
    RequestOutcomeItem,
)
from collector.spool import Spool, SpoolBatch
from collector.wire import decode_line
from collector.writes import copy_events, copy_readings, insert_obis, obis_ids

log = logging.getLogger(__name__)

# Failures of the link or the server (stopped, restarting, network): back off and retry the same batches.
TRANSIENT = (psycopg.OperationalError, psycopg.InterfaceError)


@dataclass
class StoreMetrics:
    """Counters the daemon exports (prometheus_client); written by the drainer thread only."""

    rows_written: int = 0  # readings inserted
    events_written: int = 0  # events inserted
    duplicates_skipped: int = 0  # readings/events already in the database (a re-read overlap or a replay)
    other_items_applied: int = 0  # status, nameplate, completeness updates
    batches_written: int = 0  # committed drain transactions
    batch_seconds_total: float = 0.0
    last_batch_seconds: float = 0.0  # latency of the last committed drain transaction
    last_batch_items: int = 0
    write_errors: int = 0  # failed attempts (database away, …): each is retried
    quarantined_items: int = 0  # refused for good (unknown meter, invalid data): kept in the spool's quarantine
    database_up: bool = False
    last_error: str | None = None


@dataclass
class _Plan:
    """One drain transaction: reading lines ready for COPY, the rare kinds decoded, and what cannot go in."""

    readings: list[str]
    events: list[tuple[int, EventItem]]
    others: list[tuple[int, Item]]
    quarantine: list[tuple[str, str]]
    count: int


class Store:
    """Drains `spool` into the database at `dsn` on its own thread (`start`/`stop`), or on call (`drain`).

    Each drain takes up to `batch_items` items, writes them in ONE transaction (readings by COPY straight into
    `readings`; only when that collides with existing rows, through a staging table and ON CONFLICT DO NOTHING),
    then acks them in the spool. A crash between commit and ack replays the batch: it lands once.
    """

    def __init__(
        self,
        dsn: str,
        spool: Spool,
        *,
        batch_items: int = 50_000,
        idle_wait: float = 0.5,
        backoff_min: float = 0.5,
        backoff_max: float = 30.0,
        connect_timeout: int = 5,
    ) -> None:
        self.dsn = dsn
        self.spool = spool
        self.batch_items = batch_items
        self.idle_wait = idle_wait
        self.backoff_min = backoff_min
        self.backoff_max = backoff_max
        self.connect_timeout = connect_timeout
        self.metrics = StoreMetrics()
        self._conn: psycopg.Connection[Any] | None = None
        self._meters: dict[str, int] = {}
        self._obis: dict[str, int] = {}
        self._unknown_meters: set[str] = set()
        self._isolate_upto = 0  # after a non-transient error: one spool batch per transaction up to this seq
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ the drainer thread

    def start(self) -> None:
        """Start draining on a daemon thread; returns at once (the database may be away: it keeps retrying)."""
        if self._thread is not None:
            raise RuntimeError("store already started")
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="uchet-store", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Drain now instead of after `idle_wait` (producers may call it after a large append)."""
        self._wake.set()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the transaction in flight, stop the thread, close the connection. The spool keeps the rest."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._disconnect()

    def _run(self) -> None:
        backoff = self.backoff_min
        while not self._stop.is_set():
            try:
                handled = self.drain_once()
            except TRANSIENT as exc:
                self._failed(exc)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.backoff_max)
                continue
            except Exception as exc:  # a bug must not kill the only writer silently: log, count, retry later
                log.exception("store: unexpected error, retrying")
                self._failed(exc)
                self._stop.wait(self.backoff_max)
                continue
            backoff = self.backoff_min
            if handled == 0:
                self._wake.wait(self.idle_wait)
                self._wake.clear()

    def _failed(self, exc: BaseException) -> None:
        if self.metrics.database_up or self.metrics.last_error is None:
            log.warning("store: database unavailable, spooling (%s)", str(exc).strip() or type(exc).__name__)
        self.metrics.write_errors += 1
        self.metrics.database_up = False
        self.metrics.last_error = f"{type(exc).__name__}: {exc}".strip()
        self._disconnect()

    # ------------------------------------------------------------ one drain

    def drain(self) -> int:
        """Drain until the spool is empty (tests, the benchmark, a clean shutdown); return items handled.

        Raises a psycopg error when the database is away: the caller (or the thread) retries.
        """
        total = 0
        while (handled := self.drain_once()) > 0:
            total += handled
        return total

    def drain_once(self) -> int:
        """Write the oldest pending batches in one transaction and ack them; return items handled (0: empty)."""
        limit = 1 if self._isolate_upto else self.batch_items
        batches = self.spool.pending(limit)
        if not batches:
            self._isolate_upto = 0
            return 0
        conn = self._connection()
        self._unknown_meters.clear()  # a meter synced since the last drain is found again
        started = time.perf_counter()
        plan = self._plan(conn, batches)
        try:
            written, events, duplicates = self._write(conn, plan)
        except TRANSIENT:
            raise
        except psycopg.Error as exc:
            return self._refused(batches, exc)
        self.spool.ack(batches[-1].seq, plan.quarantine)
        if self._isolate_upto and batches[-1].seq >= self._isolate_upto:
            self._isolate_upto = 0
        elapsed = time.perf_counter() - started
        m = self.metrics
        if not m.database_up and m.last_error is not None:
            log.warning("store: database back, %d items waiting in the spool", self.spool.depth())
        m.database_up = True
        m.rows_written += written
        m.events_written += events
        m.duplicates_skipped += duplicates
        m.other_items_applied += len(plan.others)
        m.quarantined_items += len(plan.quarantine)
        m.batches_written += 1
        m.last_batch_seconds = elapsed
        m.batch_seconds_total += elapsed
        m.last_batch_items = plan.count
        return plan.count

    def _refused(self, batches: list[SpoolBatch], exc: psycopg.Error) -> int:
        """The database refused the data itself (not the link). Find the batch at fault, then set it aside."""
        if len(batches) > 1:
            log.warning("store: batches %d..%d refused (%s); retrying one by one", batches[0].seq, batches[-1].seq, exc)
            self._isolate_upto = batches[-1].seq
            return self.drain_once()  # now one batch per transaction: recursion depth one
        batch = batches[0]
        log.error("store: batch %d refused for good, quarantined: %s", batch.seq, exc)
        self.spool.ack(batch.seq, [(f"{type(exc).__name__}: {exc}", batch.payload)])
        self.metrics.quarantined_items += batch.count
        return batch.count

    def _write(self, conn: psycopg.Connection[Any], plan: _Plan) -> tuple[int, int, int]:
        with conn.transaction():
            written, dup_r = copy_readings(conn, plan.readings)
            events, dup_e = copy_events(conn, plan.events)
            statuses = [(meter_id, item) for meter_id, item in plan.others if isinstance(item, MeterStatusItem)]
            if statuses:
                registry.apply_statuses(conn, statuses)
            for meter_id, item in plan.others:
                if isinstance(item, RequestOutcomeItem):
                    registry.apply_outcome(conn, meter_id, item)
                elif isinstance(item, NameplateItem):
                    registry.apply_nameplate(conn, meter_id, item)
                elif isinstance(item, CompletenessItem):
                    registry.apply_completeness(conn, meter_id, item)
        return written, events, dup_r + dup_e

    # ------------------------------------------------------------ codes → ids

    def _plan(self, conn: psycopg.Connection[Any], batches: list[SpoolBatch]) -> _Plan:
        plan = _Plan(readings=[], events=[], others=[], quarantine=[], count=0)
        meters, obis = self._meters, self._obis
        out = plan.readings
        for batch in batches:
            plan.count += batch.count
            for line in batch.payload.split("\n"):
                if line.startswith("R\t"):
                    # The hot path: swap the two codes for ids, keep the COPY-ready tail as it is.
                    _, meter, code, tail = line.split("\t", 3)
                    meter_id = meters.get(meter) or self._meter_id(conn, meter)
                    if meter_id is None:
                        plan.quarantine.append((f"unknown meter code {meter!r}", line))
                        continue
                    obis_id = obis.get(code) or self._obis_id(conn, code)
                    out.append(f"{meter_id}\t{obis_id}\t{tail}\n")
                elif line:
                    self._plan_rare(conn, plan, line)
        return plan

    def _plan_rare(self, conn: psycopg.Connection[Any], plan: _Plan, line: str) -> None:
        try:
            item = decode_line(line)
        except (ValueError, KeyError, IndexError, TypeError) as exc:  # a line we cannot read must not block the rest
            plan.quarantine.append((f"undecodable spool line: {exc}", line))
            return
        meter_id = self._meters.get(item.meter) or self._meter_id(conn, item.meter)
        if meter_id is None:
            plan.quarantine.append((f"unknown meter code {item.meter!r}", line))
        elif isinstance(item, EventItem):
            plan.events.append((meter_id, item))
        else:
            plan.others.append((meter_id, item))

    def _meter_id(self, conn: psycopg.Connection[Any], code: str) -> int | None:
        # A miss reloads the registry (the daemon may have synced a new meter since we connected), once per
        # unknown code per drain, so a removed meter's backlog does not reload it line by line.
        if code not in self._unknown_meters:
            self._meters.update(registry.meter_ids(conn))
            if code not in self._meters:
                self._unknown_meters.add(code)
        return self._meters.get(code)

    def _obis_id(self, conn: psycopg.Connection[Any], code: str) -> int:
        # Autocommit, outside the data transaction: a cached id must never point at a rolled-back row.
        self._obis[code] = insert_obis(conn, code)
        return self._obis[code]

    # ------------------------------------------------------------ the connection

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is not None and not self._conn.closed and not self._conn.broken:
            return self._conn
        self._disconnect()
        conn = psycopg.connect(
            self.dsn,
            autocommit=True,
            connect_timeout=self.connect_timeout,
            application_name="uchet-store",
            # A server that vanishes without closing the socket must not hang the only writer forever.
            keepalives=1,
            keepalives_idle=30,
            keepalives_interval=10,
            keepalives_count=3,
        )
        self._meters = registry.meter_ids(conn)
        self._obis = obis_ids(conn)
        self._unknown_meters = set()
        self._conn = conn
        return conn

    def _disconnect(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):  # closing a broken connection: nothing left to save
                self._conn.close()
            self._conn = None

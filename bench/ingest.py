"""Ingest benchmark: 1M readings through spool → store → `readings` against a raw binary COPY of the same rows.

Same run, same server (a private embedded PostgreSQL in a temp dir, or a scratch database on $UCHET_TEST_DSN).
Prints both times and rows/s; the last line is `RESULT name=ingest value=<raw time / store time> target=0.70`.
Run: .venv/bin/python bench/ingest.py [--rows 1000000] [--append-batch 5000] [--repeat 2]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from scratch import scratch_database  # bench/ is on sys.path when a benchmark runs as a script

from collector.config import MeterConfig
from collector.items import ReadingItem
from collector.registry import sync_meters
from collector.spool import Spool
from collector.store import Store

COLUMNS = ("meter_id", "obis_id", "ts", "value", "source", "estimated", "status")
OBIS = ("1.0.1.29.0.255", "1.0.2.29.0.255", "1.0.3.29.0.255", "1.0.4.29.0.255")


def make_items(rows: int, meters: int) -> list[ReadingItem]:
    """Load-profile rows as the collector makes them: per meter, 4 channels, 30-minute slots."""
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    per_meter = rows // meters
    items: list[ReadingItem] = []
    for m in range(meters):
        for k in range(per_meter):
            items.append(
                ReadingItem(
                    meter=f"m{m:04d}",
                    obis=OBIS[k % 4],
                    ts=t0 + timedelta(minutes=30 * (k // 4)),
                    value=Decimal(k % 997) / 1000,
                    source="profile",
                    status=0,
                )
            )
    return items


def truncate(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("TRUNCATE readings")
        conn.execute("CHECKPOINT")  # each contender starts with the same clean buffers and WAL


def raw_copy(dsn: str, rows: list[tuple[Any, ...]]) -> float:
    """The ceiling: one binary COPY of prepared tuples, ids already known, in one transaction."""
    truncate(dsn)
    cols = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
    started = time.perf_counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        stmt = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier("readings"), cols)
        with cur.copy(stmt) as copy:
            copy.set_types(["int4", "int2", "timestamptz", "numeric", "text", "bool", "int4"])
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def through_store(dsn: str, items: list[ReadingItem], append_batch: int, folder: Path) -> tuple[float, float]:
    """Producer appends (fsync'd batches) while the store's thread drains; done when the last row is committed.

    Returns (total seconds, seconds the producer spent in append).
    """
    truncate(dsn)
    spool_dir = folder / f"spool-{secrets.token_hex(3)}"
    spool = Spool(spool_dir)
    store = Store(dsn, spool, batch_items=50_000, idle_wait=0.01)
    store.drain()  # connect and warm the code caches outside the clock, as a running daemon would be
    appended = 0.0
    started = time.perf_counter()
    store.start()

    def produce() -> None:
        nonlocal appended
        for i in range(0, len(items), append_batch):
            t = time.perf_counter()
            spool.append(items[i : i + append_batch])
            appended += time.perf_counter() - t
            store.wake()

    producer = threading.Thread(target=produce)
    producer.start()
    producer.join()
    while store.metrics.rows_written < len(items):
        time.sleep(0.002)
    elapsed = time.perf_counter() - started
    store.stop()
    assert spool.depth() == 0
    spool.close()
    shutil.rmtree(spool_dir)
    return elapsed, appended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--meters", type=int, default=250)
    parser.add_argument("--append-batch", type=int, default=5000, help="items per spool append (one fsync each)")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each contender; the best counts")
    args = parser.parse_args()

    with scratch_database() as dsn, tempfile.TemporaryDirectory(prefix="uchet-bench-spool-") as spool_dir:
        folder = Path(spool_dir)
        meters = [
            MeterConfig(id=f"m{m:04d}", line="l", protocol="dlms", address=1 + m, model="bench", serial=f"{m:08d}")
            for m in range(args.meters)
        ]
        with psycopg.connect(dsn, autocommit=True) as conn:
            ids = sync_meters(conn, meters)
            for code in OBIS:
                conn.execute("INSERT INTO obis (code) VALUES (%s) ON CONFLICT DO NOTHING", (code,))
            obis = {c: i for i, c in conn.execute("SELECT id, code FROM obis").fetchall()}
        items = make_items(args.rows, args.meters)
        rows = [(ids[i.meter], obis[i.obis], i.ts, i.value, i.source, i.estimated, i.status) for i in items]
        print(f"{len(items)} readings, {args.meters} meters, spool appends of {args.append_batch} items")

        raw_times: list[float] = []
        store_times: list[float] = []
        for _ in range(args.repeat):
            raw_times.append(raw_copy(dsn, rows))
            elapsed, appended = through_store(dsn, items, args.append_batch, folder)
            store_times.append(elapsed)
            print(
                f"  raw binary COPY {raw_times[-1]:6.2f} s | store {elapsed:6.2f} s "
                f"(producer inside spool.append {appended:5.2f} s)"
            )
        raw, stored = min(raw_times), min(store_times)
        n = len(items)
        print(f"raw binary COPY : {raw:6.2f} s  {n / raw:10.0f} rows/s")
        print(f"spool → store   : {stored:6.2f} s  {n / stored:10.0f} rows/s")
        print(f"RESULT name=ingest value={raw / stored:.3f} target=0.70")


if __name__ == "__main__":
    main()

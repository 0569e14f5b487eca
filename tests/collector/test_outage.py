"""The database goes away while the collector writes: the spool grows, and when the server returns every reading
arrives exactly once, without restarting the store."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from collector.config import MeterConfig
from collector.items import ReadingItem
from collector.registry import sync_meters
from collector.spool import Spool
from collector.store import Store
from tests.fixtures.outage import OutageServer

pytestmark = pytest.mark.slow

T0 = datetime(2026, 3, 1, tzinfo=UTC)
METER = MeterConfig(id="dl-201", line="l1", protocol="dlms", address=17, model="m", serial="012345678")


def profile(start: int, count: int) -> list[ReadingItem]:
    return [
        ReadingItem(
            meter="dl-201", obis="1.0.1.29.0.255", ts=T0 + timedelta(minutes=30 * i), value=Decimal(i), source="profile"
        )
        for i in range(start, start + count)
    ]


def stored(dsn: str) -> tuple[int, int, int]:
    """(rows, distinct timestamps, sum of values): a duplicate or a loss shows in one of them."""
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT ts), coalesce(sum(value), 0) FROM readings").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def wait_for(condition: Any) -> None:
    while not condition():  # bounded by the per-test timeout
        time.sleep(0.02)


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    s = Spool(tmp_path / "collector")
    yield s
    s.close()


@pytest.fixture
def store(outage_server: OutageServer, spool: Spool) -> Iterator[Store]:
    with psycopg.connect(outage_server.dsn, autocommit=True) as conn:
        sync_meters(conn, [METER])
    s = Store(outage_server.dsn, spool, batch_items=2000, idle_wait=0.05, backoff_min=0.05, backoff_max=0.5)
    yield s
    s.stop()


def test_readings_spool_while_the_database_is_down_and_arrive_once_when_it_returns(
    outage_server: OutageServer, spool: Spool, store: Store
) -> None:
    store.start()
    spool.append(profile(0, 100))
    wait_for(lambda: spool.depth() == 0)
    outage_server.stop()
    for start in range(100, 1100, 100):
        spool.append(profile(start, 100))
        store.wake()
    wait_for(lambda: store.metrics.write_errors >= 3)  # it tried, failed, and is backing off
    assert not store.metrics.database_up
    assert spool.depth() == 1000  # nothing was lost or half-taken while the server was away
    outage_server.start()
    wait_for(lambda: spool.depth() == 0)
    assert store.metrics.database_up
    n = 1100
    assert stored(outage_server.dsn) == (n, n, n * (n - 1) // 2)
    assert store.metrics.rows_written == n


def test_the_server_stops_in_the_middle_of_writing(outage_server: OutageServer, spool: Spool, store: Store) -> None:
    n = 60_000
    for start in range(0, n, 500):
        spool.append(profile(start, 500))
    store.start()
    wait_for(lambda: store.metrics.rows_written > 0)  # draining has begun; stop the server under it
    outage_server.stop()
    wait_for(lambda: store.metrics.write_errors >= 1)
    outage_server.start()
    wait_for(lambda: spool.depth() == 0)
    assert stored(outage_server.dsn) == (n, n, n * (n - 1) // 2)
    assert spool.quarantined() == 0


def test_a_store_started_while_the_database_is_down_drains_when_it_comes(
    outage_server: OutageServer, spool: Spool, store: Store
) -> None:
    outage_server.stop()
    producer = threading.Thread(target=lambda: [spool.append(profile(s, 50)) for s in range(0, 500, 50)])
    producer.start()
    store.start()
    producer.join()
    wait_for(lambda: store.metrics.write_errors >= 2)
    outage_server.start()
    wait_for(lambda: spool.depth() == 0)
    assert stored(outage_server.dsn) == (500, 500, 500 * 499 // 2)

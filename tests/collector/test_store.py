"""The store: spool → PostgreSQL, idempotent by natural keys, non-GOOD values never stored, nothing silently lost."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest

from collector.config import MeterConfig
from collector.items import (
    EventItem,
    MeterStatusItem,
    ReadingItem,
    profile_to_items,
    readings_to_items,
)
from collector.registry import sync_meters
from collector.spool import Spool
from collector.store import Store
from drivers.obis import Obis
from drivers.record import ProfileRow, Quality, Reading

T0 = datetime(2026, 3, 1, tzinfo=UTC)
METERS = [
    MeterConfig(id="dl-201", line="l1", protocol="dlms", address=17, model="m", serial="012345678"),
    MeterConfig(id="mb-101", line="l2", protocol="modbus", address=1, model="sdm630", serial="00021001"),
]


def profile(meter: str, start: int, count: int, obis: str = "1.0.1.29.0.255") -> list[ReadingItem]:
    return [
        ReadingItem(
            meter=meter,
            obis=obis,
            ts=T0 + timedelta(minutes=30 * i),
            value=Decimal(i) / 10,
            source="profile",
        )
        for i in range(start, start + count)
    ]


def count(conn: psycopg.Connection[Any], table: str) -> int:
    row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
def conn(fresh_database_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(fresh_database_url, autocommit=True) as c:
        sync_meters(c, METERS)
        yield c


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    s = Spool(tmp_path / "collector")
    yield s
    s.close()


@pytest.fixture
def store(fresh_database_url: str, spool: Spool, conn: psycopg.Connection[Any]) -> Iterator[Store]:
    s = Store(fresh_database_url, spool, batch_items=1000)
    yield s
    s.stop()


def test_readings_land_with_their_values(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    spool.append(profile("dl-201", 0, 48))
    assert store.drain() == 48
    rows = conn.execute(
        "SELECT m.code, o.code, r.ts, r.value, r.source, r.estimated, r.status FROM readings r "
        "JOIN meters m ON m.id = r.meter_id JOIN obis o ON o.id = r.obis_id ORDER BY r.ts"
    ).fetchall()
    assert len(rows) == 48
    assert rows[3] == ("dl-201", "1.0.1.29.0.255", T0 + timedelta(minutes=90), Decimal("0.3"), "profile", False, None)
    assert spool.depth() == 0
    assert store.metrics.rows_written == 48
    assert store.metrics.database_up


def test_the_same_batch_twice_lands_once(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    batch = profile("dl-201", 0, 100)
    spool.append(batch)
    store.drain()
    spool.append(batch)
    store.drain()
    assert count(conn, "readings") == 100
    assert store.metrics.rows_written == 100
    assert store.metrics.duplicates_skipped == 100


def test_an_overlapping_batch_adds_only_the_new_rows(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    spool.append(profile("dl-201", 0, 100))
    store.drain()
    spool.append(profile("dl-201", 90, 20))  # 10 already stored, 10 new
    store.drain()
    assert count(conn, "readings") == 110
    assert store.metrics.rows_written == 110
    assert store.metrics.duplicates_skipped == 10


def test_duplicates_inside_one_drain_land_once(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    spool.append(profile("dl-201", 0, 10))
    spool.append(profile("dl-201", 5, 10))  # same drain transaction, overlapping the first append
    store.drain()
    assert count(conn, "readings") == 15


def test_readings_that_are_not_good_never_reach_the_database(
    store: Store, spool: Spool, conn: psycopg.Connection[Any]
) -> None:
    a_plus = Obis.parse("1.0.1.8.0.255")
    reads = [
        Reading(a_plus, Decimal("123.4"), "kWh", T0),
        Reading(Obis.parse("1.0.2.8.0.255"), None, None, T0, Quality.DECODE_ERROR, "garbled frame"),
        Reading(Obis.parse("1.0.3.8.0.255"), None, None, T0, Quality.TIMEOUT),
    ]
    rows = [
        ProfileRow(Obis.parse("1.0.99.1.0.255"), T0, (Reading(a_plus, None, None, T0, Quality.DEVICE_ERROR),)),
        ProfileRow(Obis.parse("1.0.99.1.0.255"), T0 + timedelta(minutes=30), (Reading(a_plus, Decimal(1), None, T0),)),
    ]
    registers = readings_to_items("dl-201", reads)
    profiles = profile_to_items("dl-201", rows)
    assert len(registers.refused) == 2
    assert len(profiles.refused) == 1
    spool.append([*registers.items, *profiles.items])
    store.drain()
    got = conn.execute("SELECT o.code, r.source FROM readings r JOIN obis o ON o.id = r.obis_id ORDER BY 1, 2")
    assert got.fetchall() == [("1.0.1.8.0.255", "profile"), ("1.0.1.8.0.255", "register")]


def test_unknown_obis_codes_are_registered(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    spool.append(profile("mb-101", 0, 3, obis="1.0.199.7.0.255"))
    store.drain()
    assert count(conn, "readings") == 3
    row = conn.execute("SELECT count(*) FROM obis WHERE code = '1.0.199.7.0.255'").fetchone()
    assert row == (1,)


def test_an_unknown_meter_is_quarantined_not_lost_and_does_not_block(
    store: Store, spool: Spool, conn: psycopg.Connection[Any]
) -> None:
    spool.append([*profile("gone-9", 0, 2), *profile("dl-201", 0, 2)])
    store.drain()
    assert count(conn, "readings") == 2
    assert spool.depth() == 0
    assert spool.quarantined() == 2
    assert store.metrics.quarantined_items == 2


def test_events_are_idempotent(store: Store, spool: Spool, conn: psycopg.Connection[Any]) -> None:
    events = [
        EventItem(meter="dl-201", journal=0, ts=T0 + timedelta(minutes=i), code=1 + i % 2, data={"phase": "A\t\\"})
        for i in range(10)
    ]
    spool.append(events[:6])
    store.drain()
    spool.append(events[4:])
    store.drain()
    assert count(conn, "events") == 10
    assert store.metrics.events_written == 10
    row = conn.execute("SELECT data FROM events LIMIT 1").fetchone()
    assert row == ({"phase": "A\t\\"},)


def test_meter_status_counts_failures_and_a_replay_does_not_count_twice(
    store: Store, spool: Spool, conn: psycopg.Connection[Any]
) -> None:
    fail1 = MeterStatusItem(meter="dl-201", attempt_at=T0, success=False, error_class="timeout", error="no answer")
    fail2 = MeterStatusItem(meter="dl-201", attempt_at=T0 + timedelta(minutes=1), success=False, error_class="link")
    spool.append([fail1, fail2])
    spool.append([fail2])  # a replay (crash between commit and ack)
    store.drain()
    query = "SELECT consecutive_failures, last_error_class, last_success FROM meter_status"
    assert conn.execute(query).fetchall() == [(2, "link", None)]
    ok = MeterStatusItem(meter="dl-201", attempt_at=T0 + timedelta(minutes=2), success=True, clock_drift_s=1.5)
    spool.append([ok])
    store.drain()
    assert conn.execute(query).fetchall() == [(0, "link", ok.attempt_at)]


def test_the_drainer_thread_drains_what_producers_append(
    store: Store, spool: Spool, conn: psycopg.Connection[Any]
) -> None:
    store.start()
    for start in range(0, 500, 50):
        spool.append(profile("dl-201", start, 50))
        store.wake()
    while count(conn, "readings") < 500:  # bounded by the per-test timeout, not by a clock of ours
        time.sleep(0.01)
    store.stop()
    assert spool.depth() == 0
    assert store.metrics.rows_written == 500

"""The on-demand lane: a read_requests row is picked ahead of routine work, read from the meter, and its outcome
reaches the row through the spool (so a database outage or a restart does not lose it). Real database and meters."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from collector.config import MeterConfig
from collector.items import RequestOutcomeItem
from collector.lanes import Lane, LineQueue, Task
from collector.ondemand import STALE_AFTER, ReadRequests
from collector.registry import sync_meters
from collector.spool import Spool
from collector.store import Store
from tests.fixtures.meters import Fleet, wait_for

METERS = [
    MeterConfig(id="mb-1", line="rs485", protocol="modbus", address=1, model="eastron_sdm630", serial="00021001"),
    MeterConfig(id="mb-2", line="rs485", protocol="modbus", address=2, model="eastron_sdm120", serial="00021002"),
]


def _request(dsn: str, meter: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO read_requests (meter_id) SELECT id FROM meters WHERE code = %s RETURNING id", (meter,)
        ).fetchone()
    assert row is not None
    return int(row[0])


def _row(dsn: str, request_id: int) -> tuple[Any, ...]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT picked_at, done_at, outcome FROM read_requests WHERE id = %s", (request_id,))
        found = row.fetchone()
    assert found is not None
    return tuple(found)


def test_a_request_is_taken_before_the_routine_already_queued(fresh_database_url: str) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        sync_meters(conn, METERS)
    request_id = _request(fresh_database_url, "mb-2")
    queue = LineQueue("rs485")
    for meter in ("mb-1", "mb-2"):
        queue.put(Task(meter, "registers"))
    requests = ReadRequests(fresh_database_url, [(m.id, m.line) for m in METERS], lambda _line, t: queue.put(t))
    try:
        requests.poll()
        requests.poll()  # picked once: a second poll queues nothing new
    finally:
        requests.close()
    first = queue.take()
    assert first == Task("mb-2", "registers", Lane.ON_DEMAND, request_id=request_id)
    assert [queue.take(), queue.take(), queue.take()] == [Task("mb-1", "registers"), Task("mb-2", "registers"), None]
    assert _row(fresh_database_url, request_id)[0] is not None  # picked_at


def test_a_pick_left_open_by_a_killed_collector_is_picked_again(fresh_database_url: str) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        sync_meters(conn, METERS)
    lost, recent, closed = (_request(fresh_database_url, "mb-1") for _ in range(3))
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        # A collector picked `lost` and died before its outcome reached the spool; `recent` is being read now.
        conn.execute(
            "UPDATE read_requests SET picked_at = now() - %s * 2 WHERE id = ANY(%s)", (STALE_AFTER, [lost, closed])
        )
        conn.execute("UPDATE read_requests SET picked_at = now() WHERE id = %s", (recent,))
        conn.execute("UPDATE read_requests SET done_at = now(), outcome = 'ok: 1 value(s)' WHERE id = %s", (closed,))
    queue = LineQueue("rs485")
    requests = ReadRequests(fresh_database_url, [(m.id, m.line) for m in METERS], lambda _line, t: queue.put(t))
    try:
        requests.poll()
    finally:
        requests.close()
    assert [queue.take(), queue.take()] == [Task("mb-1", "registers", Lane.ON_DEMAND, request_id=lost), None]


def test_two_requests_for_one_meter_are_both_queued() -> None:
    queue = LineQueue("rs485")
    assert queue.put(Task("mb-1", "registers", Lane.ON_DEMAND, request_id=1))
    assert queue.put(Task("mb-1", "registers", Lane.ON_DEMAND, request_id=2))
    assert not queue.put(Task("mb-1", "registers", Lane.ON_DEMAND, request_id=2))
    assert [t.request_id for t in (queue.take(), queue.take()) if t] == [1, 2]


def test_the_outcome_travels_through_the_spool_and_a_replay_changes_nothing(
    fresh_database_url: str, tmp_path: Path
) -> None:
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        sync_meters(conn, METERS)
    request_id = _request(fresh_database_url, "mb-1")
    done_at = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    outcome = RequestOutcomeItem(meter="mb-1", request_id=request_id, done_at=done_at, ok=True, detail="17 value(s)")
    spool = Spool(tmp_path / "collector")
    store = Store(fresh_database_url, spool)
    try:
        # Durable before any database sees it: this is what survives an outage or a kill.
        spool.append([outcome])
        assert [b.items for b in spool.pending()] == [[outcome]]
        assert store.drain() == 1
        assert _row(fresh_database_url, request_id)[1:] == (done_at, "ok: 17 value(s)")
        later = RequestOutcomeItem(meter="mb-1", request_id=request_id, done_at=datetime.now(UTC), ok=False, detail="x")
        spool.append([later])
        assert store.drain() == 1
        assert _row(fresh_database_url, request_id)[1:] == (done_at, "ok: 17 value(s)")
        assert spool.depth() == 0
        assert spool.quarantined() == 0
    finally:
        store.stop()
        spool.close()


@pytest.mark.slow
def test_the_daemon_answers_a_request_from_the_meter(fleet: Fleet) -> None:
    proc = fleet.start()
    wait_for(lambda: fleet.value("SELECT count(*) FROM meters WHERE code = 'mb-3'") == 1, what="registry synced")
    request_id = _request(fleet.dsn, "mb-3")
    picked_at, done_at, outcome = wait_for(
        lambda: (row := _row(fleet.dsn, request_id))[1] is not None and row, timeout=60, what="request answered"
    )
    assert fleet.stop(proc) == 0
    assert outcome.startswith("ok: ")
    assert int(outcome.split()[1]) > 0  # values read
    assert picked_at <= done_at
    # The values of that read are stored like any register read.
    stored = fleet.value(
        "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_id"
        " WHERE m.code = 'mb-3' AND r.source = 'register' AND r.ts >= %s",
        picked_at,
    )
    assert stored > 0

"""The @timescale part of schema.sql against a real TimescaleDB server.

Runs only when $UCHET_TEST_TIMESCALE_DSN names a server (an admin DSN, e.g. to its `postgres` database) whose
shared_preload_libraries holds timescaledb; each test creates and drops databases of its own there.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from collector.db import SCHEMA_PATH, apply_schema, split_schema, timescale_available

ENV = "UCHET_TEST_TIMESCALE_DSN"

pytestmark = pytest.mark.skipif(
    not os.environ.get(ENV), reason=f"${ENV} is not set: no TimescaleDB server to test the @timescale part against"
)

PLAIN_COLUMNS = [
    ("meter_id", "integer"),
    ("obis_id", "smallint"),
    ("hour", "timestamp with time zone"),
    ("value", "numeric"),
    ("slots", "bigint"),
    ("estimated", "boolean"),
]


@pytest.fixture(scope="module")
def ts_server() -> str:
    dsn = os.environ[ENV]
    with psycopg.connect(dsn, autocommit=True) as conn:
        # The variable names a Timescale server on purpose: a server without the extension is a failure.
        assert timescale_available(conn), f"${ENV} names a server without timescaledb preloaded"
    return dsn


@pytest.fixture
def new_database(ts_server: str) -> Iterator[Callable[[], str]]:
    """A factory of empty databases on the Timescale server, all dropped after the test."""
    names: list[str] = []

    def create() -> str:
        name = f"uchet_ts_{secrets.token_hex(4)}"
        with psycopg.connect(ts_server, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        names.append(name)
        return psycopg.conninfo.make_conninfo(ts_server, dbname=name)

    yield create
    with psycopg.connect(ts_server, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _apply_plain_part_only(dsn: str) -> None:
    """What `uchet db init` does on plain PostgreSQL: the part before the marker, in one transaction."""
    plain, _ = split_schema(SCHEMA_PATH.read_text(encoding="utf-8"))
    with psycopg.connect(dsn) as conn:
        conn.execute(plain.encode())


def _snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    queries = {
        "relations": """SELECT n.nspname, c.relname, c.relkind::text FROM pg_class c
                        JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2""",
        "indexes": """SELECT schemaname, tablename, indexdef FROM pg_indexes
                      WHERE schemaname = 'public' ORDER BY 1, 2, 3""",
        "jobs": """SELECT job_id, proc_name, hypertable_name, schedule_interval, config::text
                   FROM timescaledb_information.jobs ORDER BY 1""",
        "hypertables": """SELECT hypertable_name, compression_enabled
                          FROM timescaledb_information.hypertables ORDER BY 1""",
        "caggs": """SELECT view_name, materialized_only, view_definition
                    FROM timescaledb_information.continuous_aggregates ORDER BY 1""",
        "compression": """SELECT hypertable_name, attname, segmentby_column_index, orderby_column_index
                          FROM timescaledb_information.compression_settings ORDER BY 1, 2""",
        "schema_version": "SELECT version, backend FROM schema_version ORDER BY 1",
        "obis": "SELECT id, code FROM obis ORDER BY 1",
    }
    with psycopg.connect(dsn) as conn:
        return {key: conn.execute(query).fetchall() for key, query in queries.items()}


def _columns(conn: psycopg.Connection[Any], relation: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        """SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
           WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum""",
        (relation,),
    ).fetchall()
    return [(str(name), str(kind)) for name, kind in rows]


def _insert_readings(dsn: str) -> None:
    """Two meters, two profile OBIS codes, three days of 30-minute slots, some estimated; registers too."""
    with psycopg.connect(dsn) as conn:
        conn.execute(
            """INSERT INTO meters (code, serial, protocol, timezone) VALUES
               ('ts-a', '00012345', 'dlms', 'Asia/Yekaterinburg'), ('ts-b', '00067890', 'modbus', 'Europe/Moscow')"""
        )
        conn.execute(
            """INSERT INTO readings (meter_id, obis_id, ts, value, source, estimated)
               SELECT m.id, o.id, g, ((extract(epoch FROM g)::bigint / 1800) % 7) * 0.125 + o.id * 0.001 + m.id,
                      'profile', extract(hour FROM g) = 5 AND extract(minute FROM g) = 30
                 FROM meters m, obis o,
                      generate_series(TIMESTAMPTZ '2026-11-01 00:00+00', '2026-11-03 23:30+00', '30 minutes') g
                WHERE o.code IN ('1.0.1.29.0.255', '1.0.3.29.0.255')"""
        )
        conn.execute(
            """INSERT INTO readings (meter_id, obis_id, ts, value, source)
               SELECT m.id, o.id, '2026-11-02 10:15+00', 12345.6, 'register'
                 FROM meters m, obis o WHERE o.code = '1.0.1.8.0.255'"""
        )


def _consumption(dsn: str) -> list[tuple[Any, ...]]:
    """consumption_hourly keyed by meter and OBIS code (ids may differ between databases)."""
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            """SELECT m.code, o.code, c.hour, c.value, c.slots, c.estimated FROM consumption_hourly c
               JOIN meters m ON m.id = c.meter_id JOIN obis o ON o.id = c.obis_id ORDER BY 1, 2, 3"""
        ).fetchall()


def _refresh(dsn: str) -> None:
    """Materialise everything; the refresh policy may be running at the same moment (it starts at once)."""
    with psycopg.connect(dsn, autocommit=True) as conn:  # refresh refuses a transaction block
        for _ in range(50):
            try:
                conn.execute("CALL refresh_continuous_aggregate('consumption_hourly', NULL, NULL)")
                return
            except psycopg.errors.LockNotAvailable:  # "due to a concurrent refresh": the policy's run
                time.sleep(0.2)
    pytest.fail("consumption_hourly stayed locked by a concurrent refresh for 10 s")


def test_schema_applies_twice_and_the_second_run_changes_nothing(new_database: Callable[[], str]) -> None:
    dsn = new_database()
    assert apply_schema(dsn) == "timescaledb"
    before = _snapshot(dsn)
    assert apply_schema(dsn) == "timescaledb"
    assert _snapshot(dsn) == before
    assert before["schema_version"] == [(1, "timescaledb"), (2, "timescaledb")]


def test_hypertables_compression_retention_and_aggregate_are_set_up(new_database: Callable[[], str]) -> None:
    dsn = new_database()
    apply_schema(dsn)
    with psycopg.connect(dsn) as conn:
        hypertables = conn.execute(
            "SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = 'public'"
        ).fetchall()
        assert sorted(name for (name,) in hypertables) == ["events", "readings"]
        # create_default_indexes => false: the primary keys are the only indexes, no extra one on ts.
        indexes = conn.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE tablename IN ('readings', 'events') ORDER BY 1"
        ).fetchall()
        assert indexes == [("events", "events_pkey"), ("readings", "readings_pkey")]
        segmentby = conn.execute(
            """SELECT attname FROM timescaledb_information.compression_settings
               WHERE hypertable_name = 'readings' AND segmentby_column_index IS NOT NULL"""
        ).fetchall()
        assert segmentby == [("meter_id",)]
        jobs = conn.execute(
            """SELECT proc_name, hypertable_name FROM timescaledb_information.jobs
               WHERE hypertable_name IS NOT NULL ORDER BY 1"""
        ).fetchall()
        assert jobs == [
            ("policy_compression", "readings"),
            ("policy_refresh_continuous_aggregate", "consumption_hourly"),
            ("policy_retention", "events"),
        ]
        retention = conn.execute(
            """SELECT config->>'drop_after' FROM timescaledb_information.jobs
               WHERE proc_name = 'policy_retention' AND hypertable_name = 'events'"""
        ).fetchone()
        assert retention == ("10 years",)
        cagg = conn.execute(
            "SELECT materialized_only FROM timescaledb_information.continuous_aggregates "
            "WHERE view_name = 'consumption_hourly'"
        ).fetchone()
        assert cagg == (False,), "real-time aggregation, so recent hours show as in the plain view"
        assert _columns(conn, "consumption_hourly") == PLAIN_COLUMNS


def test_plain_view_has_the_columns_the_aggregate_copies(new_database: Callable[[], str]) -> None:
    dsn = new_database()
    _apply_plain_part_only(dsn)
    with psycopg.connect(dsn) as conn:
        assert _columns(conn, "consumption_hourly") == PLAIN_COLUMNS


def test_aggregate_returns_what_the_plain_view_returns(new_database: Callable[[], str]) -> None:
    plain, timescale = new_database(), new_database()
    _apply_plain_part_only(plain)
    apply_schema(timescale)
    _insert_readings(plain)
    _insert_readings(timescale)
    expected = _consumption(plain)
    assert len(expected) == 2 * 2 * 72
    assert _consumption(timescale) == expected  # nothing materialised yet: real-time part only
    _refresh(timescale)
    assert _consumption(timescale) == expected  # all materialised

    # A late load-profile slot (a meter read after an outage) lands in an hour already materialised.
    late = """INSERT INTO readings (meter_id, obis_id, ts, value, source, estimated)
              SELECT m.id, o.id, '2026-11-02 07:10+00', 5, 'profile', true FROM meters m, obis o
               WHERE m.code = 'ts-a' AND o.code = '1.0.1.29.0.255'"""
    for dsn in (plain, timescale):
        with psycopg.connect(dsn) as conn:
            conn.execute(late)
    _refresh(timescale)  # the refresh policy does this within its schedule interval
    assert _consumption(timescale) == _consumption(plain)


def test_database_initialised_on_plain_postgresql_is_converted(new_database: Callable[[], str]) -> None:
    dsn = new_database()
    _apply_plain_part_only(dsn)
    _insert_readings(dsn)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT relkind::text FROM pg_class WHERE relname = 'consumption_hourly'").fetchone() == (
            "v",
        )
        assert conn.execute("SELECT backend FROM schema_version").fetchone() == ("postgresql",)
        count = conn.execute("SELECT count(*) FROM readings").fetchone()
    expected = _consumption(dsn)

    assert apply_schema(dsn) == "timescaledb"
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM readings").fetchone() == count
        assert conn.execute("SELECT count(*) FROM ONLY readings").fetchone() == (0,), "rows moved into chunks"
        assert conn.execute("SELECT backend FROM schema_version").fetchone() == ("timescaledb",)
        assert conn.execute(
            "SELECT count(*) FROM timescaledb_information.continuous_aggregates WHERE view_name = 'consumption_hourly'"
        ).fetchone() == (1,)
    assert _consumption(dsn) == expected
    _refresh(dsn)
    assert _consumption(dsn) == expected

    before = _snapshot(dsn)
    assert apply_schema(dsn) == "timescaledb"
    assert _snapshot(dsn) == before

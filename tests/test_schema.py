"""schema.sql against a real PostgreSQL: idempotent, and its constraints keep bad data out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from collector.db import apply_schema, schema_version, split_schema


def _tables(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """SELECT c.relname, count(a.attnum) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm') GROUP BY 1"""
        ).fetchall()
    return dict(rows)


def test_schema_applied_twice_changes_nothing(fresh_database_url: str) -> None:
    before = _tables(fresh_database_url)
    with psycopg.connect(fresh_database_url) as conn:
        obis_before = conn.execute("SELECT count(*) FROM obis").fetchone()
    backend = apply_schema(fresh_database_url)
    with psycopg.connect(fresh_database_url) as conn:
        recorded = conn.execute("SELECT DISTINCT backend FROM schema_version").fetchall()
    assert recorded == [(backend,)]  # plain PostgreSQL in CI; timescaledb where the server preloads it
    assert _tables(fresh_database_url) == before
    with psycopg.connect(fresh_database_url) as conn:
        assert conn.execute("SELECT count(*) FROM obis").fetchone() == obis_before
    assert schema_version(fresh_database_url) == 2
    for table in ("readings", "events", "connection_requests", "audit_log", "meter_status", "users"):
        assert table in before


def test_timescale_part_is_split_off() -> None:
    plain, timescale = split_schema((Path(__file__).resolve().parent.parent / "schema.sql").read_text(encoding="utf-8"))
    assert "create_hypertable" not in plain
    assert any("create_hypertable('readings'" in s for s in timescale)
    assert all(not s.startswith("--") for s in timescale)


def _meter(db: psycopg.Connection[Any], serial: str = "00012345") -> int:
    row = db.execute(
        "INSERT INTO meters (code, serial, protocol) VALUES (%s, %s, 'dlms') RETURNING id", (f"m{serial}", serial)
    ).fetchone()
    assert row is not None
    return int(row[0])


def _obis_id(db: psycopg.Connection[Any], code: str) -> int:
    row = db.execute("SELECT id FROM obis WHERE code = %s", (code,)).fetchone()
    assert row is not None
    return int(row[0])


def test_reading_for_unknown_meter_is_refused(db: psycopg.Connection[Any]) -> None:
    obis = _obis_id(db, "1.0.1.8.0.255")
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        db.execute(
            "INSERT INTO readings (meter_id, obis_id, ts, value, source) VALUES (999999, %s, now(), 1, 'register')",
            (obis,),
        )


def test_second_identical_reading_is_ignored_by_natural_key(db: psycopg.Connection[Any]) -> None:
    meter, obis = _meter(db), _obis_id(db, "1.0.1.8.0.255")
    insert = """INSERT INTO readings (meter_id, obis_id, ts, value, source)
                VALUES (%s, %s, '2026-12-01T00:00:00Z', 123.4, 'register') ON CONFLICT DO NOTHING"""
    assert db.execute(insert, (meter, obis)).rowcount == 1
    assert db.execute(insert, (meter, obis)).rowcount == 0
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute(
            """INSERT INTO readings (meter_id, obis_id, ts, value, source)
               VALUES (%s, %s, '2026-12-01T00:00:00Z', 999, 'register')""",
            (meter, obis),
        )


def test_serial_key_drops_leading_zeros(db: psycopg.Connection[Any]) -> None:
    meter = _meter(db, "000123AB")
    assert db.execute("SELECT serial, serial_key FROM meters WHERE id = %s", (meter,)).fetchone() == (
        "000123AB",
        "123AB",
    )


@pytest.mark.parametrize(
    "ogrn",
    ["102770013219", "10277001321955", "2027700132195", "30110704341925"],
    ids=["12 digits", "14 digits", "first digit 2", "ogrnip 14 digits"],
)
def test_request_with_malformed_ogrn_is_refused(db: psycopg.Connection[Any], ogrn: str) -> None:
    user = db.execute(
        """INSERT INTO users (role, consumer_kind, email, full_name, phone, password_hash)
           VALUES ('consumer', 'legal', 'a@b.ru', 'ООО Ромашка', '+79990001122', '$argon2id$v=19$x') RETURNING id"""
    ).fetchone()
    assert user is not None
    with pytest.raises(psycopg.errors.CheckViolation):
        db.execute(
            """INSERT INTO connection_requests (user_id, applicant_kind, settlement_text, serial_typed, serial,
                   contract_typed, contract_key, org_name, ogrn, registry_date, status)
               VALUES (%s, 'legal', 'Новый посёлок', '123456', '123456', '1234', '1234', 'ООО Ромашка', %s,
                       '2002-08-01', 'dispatch')""",
            (user[0], ogrn),
        )


def test_audit_log_is_append_only(db: psycopg.Connection[Any]) -> None:
    db.execute("INSERT INTO audit_log (action, object_type, object_id) VALUES ('test.write', 'meter', '1')")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute("UPDATE audit_log SET action = 'forged'")


def test_audit_log_refuses_delete(db: psycopg.Connection[Any]) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.execute("DELETE FROM audit_log")


def test_consumption_view_sums_profile_slots_per_hour(db: psycopg.Connection[Any]) -> None:
    meter, obis = _meter(db), _obis_id(db, "1.0.1.29.0.255")
    db.execute(
        """INSERT INTO readings (meter_id, obis_id, ts, value, source) VALUES
           (%(m)s, %(o)s, '2026-12-01T10:00:00Z', 0.5, 'profile'),
           (%(m)s, %(o)s, '2026-12-01T10:30:00Z', 0.25, 'profile'),
           (%(m)s, %(o)s, '2026-12-01T11:00:00Z', 1.0, 'profile')""",
        {"m": meter, "o": obis},
    )
    rows = db.execute(
        "SELECT hour, value, slots FROM consumption_hourly WHERE meter_id = %s ORDER BY hour", (meter,)
    ).fetchall()
    assert [(r[1], r[2]) for r in rows] == [(pytest.approx(0.75), 2), (pytest.approx(1.0), 1)]


def test_version_1_database_is_upgraded_in_place(fresh_database_url: str) -> None:
    """An installation made with schema version 1 (plain readings key) keeps its rows and gets the covering key."""
    with psycopg.connect(fresh_database_url, autocommit=True) as conn:
        conn.execute(
            "ALTER TABLE readings DROP CONSTRAINT readings_pkey, ADD PRIMARY KEY (meter_id, obis_id, ts);"
            "DELETE FROM schema_version WHERE version = 2"
        )
        meter = conn.execute("INSERT INTO meters (code, serial, protocol) VALUES ('v1', '1234', 'dlms') RETURNING id")
        meter_id = meter.fetchone()[0]  # type: ignore[index]
        conn.execute(
            """INSERT INTO readings (meter_id, obis_id, ts, value, source)
               SELECT %s, id, '2026-01-01T00:00:00Z', 42, 'register' FROM obis WHERE code = '1.0.1.8.0.255'""",
            (meter_id,),
        )
    assert schema_version(fresh_database_url) == 1
    apply_schema(fresh_database_url)
    assert schema_version(fresh_database_url) == 2
    with psycopg.connect(fresh_database_url) as conn:
        key = conn.execute("SELECT pg_get_indexdef('readings_pkey'::regclass)").fetchone()
        kept = conn.execute("SELECT value FROM readings WHERE meter_id = %s", (meter_id,)).fetchall()
    assert key is not None
    assert "INCLUDE (value, estimated, source)" in key[0]
    assert kept == [(42,)]

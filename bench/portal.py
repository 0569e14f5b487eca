# ruff: noqa: E402  (imports follow the sys.path fix below)
"""Readings-page benchmark: 2,000 meters × a year of 30-minute A+ profile (~35M rows) plus registers and daily /
monthly billing rows; the «Показания» page of one meter over a year (Flask test client, a logged-in consumer with
access) against the same SQL executed directly (the same portal.store functions, same connection settings).

Same run, same server: a private embedded PostgreSQL in a temp dir, or a scratch database on $UCHET_TEST_DSN.
Data is generated inside PostgreSQL (generate_series; the primary key is built after the load).
Last line: `RESULT name=portal_readings value=<page p95 / SQL p95> target=1.5`.
Run: .venv/bin/python bench/portal.py [--meters 2000] [--days 365] [--runs 40] [--data DIR (kept, reused)]
Must not touch the project's own database: it loads only its private server or scratch database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# This file is named like the package it measures: run as a script, its folder would shadow `portal`.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))
sys.path.append(str(_HERE))  # last: the shared bench modules (scratch.py), after the real `portal` package

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from scratch import scratch_database  # bench/ is on sys.path when a benchmark runs as a script

from portal import create_app
from portal.accounts import token_digest
from portal.db import close_pool
from portal.meter_period import period_of
from portal.passwords import hash_password
from portal.readings_page import BUCKET_STEP, DAILY_MAX_DAYS
from portal.store import meter_readings, meter_scope, sessions

TZ = "Asia/Yekaterinburg"
PASSWORD = "bench-password-1"


def generate(dsn: str, meters: int, days: int, end: dt.datetime) -> None:
    start = end - dt.timedelta(days=days)
    with psycopg.connect(dsn, autocommit=True) as conn:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM readings)").fetchone()[0]:  # type: ignore[index]
            print("data already present: reused")
            return
        t0 = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET synchronous_commit = off")
        res = conn.execute("INSERT INTO res (code, name, timezone) VALUES ('b', 'Бенч РЭС', %s) RETURNING id", (TZ,))
        res_id = res.fetchone()[0]  # type: ignore[index]
        conn.execute("INSERT INTO settlements (name, res_id) VALUES ('Бенчевка', %s)", (res_id,))
        conn.execute(
            "INSERT INTO meters (code, serial, model, protocol, timezone, settlement_id, contract, object_address)"
            " SELECT 'b' || g, lpad(g::text, 8, '0'), 'Милур 307', 'dlms', %s, (SELECT id FROM settlements LIMIT 1),"
            " 'ЭС-' || g, 'ул. Тестовая, ' || g FROM generate_series(1, %s) g",
            (TZ, meters),
        )
        # Load without the key and the per-row foreign-key triggers; both come back (validated) after the load.
        for name in ("readings_pkey", "readings_meter_id_fkey", "readings_obis_id_fkey"):
            conn.execute(sql.SQL("ALTER TABLE readings DROP CONSTRAINT IF EXISTS {}").format(sql.Identifier(name)))
        # Half-hour A+ increments (Wh) with a daily swing: one INSERT … SELECT, no client round trips.
        conn.execute(
            """
            INSERT INTO readings (meter_id, obis_id, ts, value, source)
            SELECT m.id, (SELECT id FROM obis WHERE code = '1.0.1.29.0.255'), t,
                   (150 + (extract(epoch FROM t)::bigint / 1800 + m.id) %% 97)::numeric, 'profile'
              FROM meters m, generate_series(%s::timestamptz, %s::timestamptz - interval '30 minutes',
                                             interval '30 minutes') t
            """,
            (start, end),
        )
        print(f"  profile rows loaded in {time.perf_counter() - t0:.0f} s")
        conn.execute(
            """
            INSERT INTO readings (meter_id, obis_id, ts, value, source)
            SELECT m.id, o.id, d, round((5000000 + m.id * 1000 + extract(epoch FROM d - %(start)s) / 1800 * 150)
                   * CASE right(o.code, 5) WHEN '0.255' THEN 1 WHEN '1.255' THEN 0.55 WHEN '2.255' THEN 0.30
                     WHEN '3.255' THEN 0.10 ELSE 0.05 END, 3), s.source
              FROM meters m, obis o,
                   -- monthly boundaries are daily rows too: (meter, obis, ts) cannot hold both sources
                   (VALUES ('daily', interval '1 day')) s (source, step),
                   LATERAL generate_series(date_trunc('month', %(start)s::timestamptz AT TIME ZONE %(tz)s)
                                           AT TIME ZONE %(tz)s, %(end)s, s.step) d
             WHERE o.code LIKE '1.0.1.8._.255' AND d >= %(start)s
            UNION ALL
            SELECT m.id, o.id, %(end)s::timestamptz - interval '10 minutes', 5000000 + m.id * 1000 + %(days)s * 7200,
                   'register'
              FROM meters m, obis o WHERE o.code LIKE '1.0._.8.0.255' OR o.code LIKE '1.0.1.8._.255'
            """,
            {"start": start, "end": end, "tz": TZ, "days": days},
        )
        # The key as schema.sql makes it (covering the columns the readings page reads).
        conn.execute("ALTER TABLE readings ADD PRIMARY KEY (meter_id, obis_id, ts) INCLUDE (value, estimated, source)")
        conn.execute("ALTER TABLE readings ADD FOREIGN KEY (meter_id) REFERENCES meters (id)")
        conn.execute("ALTER TABLE readings ADD FOREIGN KEY (obis_id) REFERENCES obis (id)")
        conn.execute("VACUUM ANALYZE readings")
        n = conn.execute("SELECT count(*) FROM readings").fetchone()[0]  # type: ignore[index]
        print(f"  {n} readings, primary key and statistics in {time.perf_counter() - t0:.0f} s")


def consumer_with_access(dsn: str, meter_id: int) -> str:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM meter_access WHERE meter_id = %s", (meter_id,))
        email = f"bench-{secrets.token_hex(3)}@example.ru"
        row = conn.execute(
            "INSERT INTO users (role, consumer_kind, email, full_name, phone, password_hash)"
            " VALUES ('consumer', 'individual', %s, 'Бенч Потребитель', '+79120000099', %s) RETURNING id",
            (email, hash_password(PASSWORD)),
        ).fetchone()
        conn.execute("INSERT INTO meter_access (user_id, meter_id) VALUES (%s, %s)", (row[0], meter_id))  # type: ignore[index]
    return email


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def timed(action: Callable[[], Any], runs: int) -> list[float]:
    for _ in range(3):
        action()  # warm caches, the pool and Jinja's template cache
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        action()
        samples.append(time.perf_counter() - t0)
    return samples


def measure(dsn: str, meter_id: int, runs: int, now: dt.datetime) -> tuple[list[float], list[float]]:
    email = consumer_with_access(dsn, meter_id)
    app = create_app({"DATABASE_URL": dsn, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False, "DB_POOL_SIZE": 2})
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    today = now.astimezone(dt.UTC).date()
    query = {"from": (today - dt.timedelta(days=364)).isoformat(), "to": today.isoformat()}
    url = f"/meters/{meter_id}/readings"

    def page() -> None:
        response = client.get(url, query_string=query)
        assert response.status_code == 200
        assert b"profile-chart" in response.data

    token = client.get_cookie("uchet_session")
    assert token is not None
    digest = token_digest(token.value)
    conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)
    user_id = conn.execute("SELECT id FROM users WHERE email = %s", (email,)).fetchone()["id"]  # type: ignore[index]

    def queries() -> None:
        """The statements the page runs, in its order: session, scope, then the readings queries."""
        sessions.live_session_user(conn, digest, 7200)
        meter = meter_scope.consumer_meter(conn, user_id, meter_id)
        assert meter is not None
        period = period_of(query, meter["timezone"], dt.datetime.now(dt.UTC))
        s, e, tz = period.start, period.end, period.tz
        meter_readings.profile_summary(conn, meter_id, tz, s, e, BUCKET_STEP[period.resolution])
        meter_readings.current_registers(conn, meter_id)
        if period.days <= DAILY_MAX_DAYS:  # a year-long page shows no daily billing table
            meter_readings.billing_rows(conn, meter_id, "daily", tz, s, e)
        meter_readings.billing_rows(conn, meter_id, "monthly", tz, s, e)

    try:
        page_samples, sql_samples = [], []
        for _ in range(2):  # interleaved halves: drift of the machine hits both alike
            page_samples += timed(page, runs // 2)
            sql_samples += timed(queries, runs // 2)
        return page_samples, sql_samples
    finally:
        conn.close()
        close_pool(app)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--meters", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=100)  # p95 of fewer samples is mostly noise
    parser.add_argument("--data", type=Path, help="embedded PostgreSQL folder to keep and reuse between runs")
    args = parser.parse_args()

    # The data ends at today's local midnight + a day, so "the last year" of the page is fully populated.
    now = dt.datetime.now(dt.UTC)
    end = dt.datetime.combine(now.date(), dt.time(), dt.UTC) + dt.timedelta(days=1)
    with scratch_database(args.data) as dsn:
        print(f"{args.meters} meters × {args.days} days of 30-minute profile")
        generate(dsn, args.meters, args.days, end)
        with psycopg.connect(dsn) as conn:
            meter_id = conn.execute("SELECT min(id) + %s FROM meters", (args.meters // 2,)).fetchone()[0]  # type: ignore[index]
        page_samples, sql_samples = measure(dsn, meter_id, args.runs, now)
        page_p95, sql_p95 = p95(page_samples), p95(sql_samples)
        page_median, sql_median = statistics.median(page_samples), statistics.median(sql_samples)
        print(f"readings page, one meter, a year: p95 {page_p95 * 1e3:7.1f} ms (median {page_median * 1e3:.1f} ms)")
        print(f"its SQL executed directly       : p95 {sql_p95 * 1e3:7.1f} ms (median {sql_median * 1e3:.1f} ms)")
        print(f"RESULT name=portal_readings value={page_p95 / sql_p95:.3f} target=1.5")


if __name__ == "__main__":
    main()

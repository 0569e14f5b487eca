"""SQL of the «Показания» page: current registers, billing rows, consumption by local day and month, the load
profile at three resolutions and its gaps. Every query is for one meter and a UTC range [start, end).

Must not check access (portal/store/meter_scope.py does) nor format numbers. Bounds come in UTC; local days
and months are computed here with the object's zone (whole hours, no DST, so hour buckets add up exactly).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.db import Conn

PROFILE_OBIS = "1.0.1.29.0.255"  # A+ per 30-minute interval
REGISTER_OBIS = (
    *(f"1.0.1.8.{t}.255" for t in range(5)),
    *(f"1.0.{c}.8.{t}.255" for c in (2, 3, 4) for t in range(5)),
)
BILLING_COLUMNS = ("t0", "t1", "t2", "t3", "t4")  # A+ total and T1..T4 of the billing profiles

_OBIS_ID = "(SELECT id FROM obis WHERE code = %(obis)s)"


def current_registers(conn: Conn, meter_id: int) -> list[dict[str, Any]]:
    """The latest 'register' reading of each energy register the meter has (backward PK scan per code)."""
    return conn.execute(
        """
        SELECT o.code, o.name_ru, o.unit, r.ts, r.value, r.estimated
          FROM obis o
          CROSS JOIN LATERAL (
                SELECT ts, value, estimated FROM readings
                 WHERE meter_id = %(meter)s AND obis_id = o.id AND source = 'register'
                 ORDER BY ts DESC LIMIT 1) r
         WHERE o.code = ANY(%(codes)s)
         ORDER BY o.code
        """,
        {"meter": meter_id, "codes": list(REGISTER_OBIS)},
    ).fetchall()


def billing_rows(
    conn: Conn, meter_id: int, source: str, tz: str, start: dt.datetime, end: dt.datetime
) -> list[dict[str, Any]]:
    """Daily or monthly billing readings of A+ (total, T1..T4), newest first, with the consumption per tariff zone
    until the next boundary (`d0`..`d4`, NULL for the last one: its end is not read yet)."""
    return conn.execute(
        """
        WITH b AS (
            SELECT r.ts,
                   max(r.value) FILTER (WHERE o.code = '1.0.1.8.0.255') AS t0,
                   max(r.value) FILTER (WHERE o.code = '1.0.1.8.1.255') AS t1,
                   max(r.value) FILTER (WHERE o.code = '1.0.1.8.2.255') AS t2,
                   max(r.value) FILTER (WHERE o.code = '1.0.1.8.3.255') AS t3,
                   max(r.value) FILTER (WHERE o.code = '1.0.1.8.4.255') AS t4,
                   bool_or(r.estimated) AS estimated
              FROM readings r JOIN obis o ON o.id = r.obis_id
             WHERE r.meter_id = %(meter)s
               -- (meter, obis, ts) holds one row: where a daily row was stored first at a month boundary, the
               -- monthly one was dropped by the collector's ON CONFLICT; that daily row is the month's reading.
               AND (r.source = %(source)s OR (%(source)s = 'monthly' AND r.source = 'daily'
                    AND date_trunc('month', r.ts AT TIME ZONE %(tz)s) = r.ts AT TIME ZONE %(tz)s))
               AND r.obis_id IN (SELECT id FROM obis WHERE code LIKE '1.0.1.8._.255')
               AND r.ts >= %(start)s AND r.ts < %(end)s + %(step)s::interval
             GROUP BY r.ts),
        d AS (
            SELECT b.*, lead(ts) OVER w AS next_ts,
                   lead(t0) OVER w - t0 AS d0, lead(t1) OVER w - t1 AS d1, lead(t2) OVER w - t2 AS d2,
                   lead(t3) OVER w - t3 AS d3, lead(t4) OVER w - t4 AS d4
              FROM b WINDOW w AS (ORDER BY ts))
        SELECT * FROM d WHERE ts >= %(start)s AND ts < %(end)s ORDER BY ts DESC
        """,
        {
            "meter": meter_id,
            "source": source,
            "tz": tz,
            "start": start,
            "end": end,
            "step": "1 day" if source == "daily" else "1 month",
        },
    ).fetchall()


def consumption(conn: Conn, meter_id: int, tz: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """A+ consumption per local day and per local month from consumption_hourly (the plain view or the
    continuous aggregate: the same columns). `period` is 'day' or 'month'; `slots` counts the half-hours."""
    return conn.execute(
        """
        SELECT CASE WHEN grouping(date_trunc('day', hour AT TIME ZONE %(tz)s)) = 0 THEN 'day' ELSE 'month' END
                   AS period,
               coalesce(date_trunc('day', hour AT TIME ZONE %(tz)s),
                        date_trunc('month', hour AT TIME ZONE %(tz)s))::date AS local_date,
               sum(value) AS value, sum(slots)::int AS slots, bool_or(estimated) AS estimated
          FROM consumption_hourly
         WHERE meter_id = %(meter)s AND obis_id = """
        + _OBIS_ID
        + """ AND hour >= %(start)s AND hour < %(end)s
         GROUP BY GROUPING SETS ((date_trunc('day', hour AT TIME ZONE %(tz)s)),
                                 (date_trunc('month', hour AT TIME ZONE %(tz)s)))
         ORDER BY 1, 2
        """,
        {"meter": meter_id, "obis": PROFILE_OBIS, "tz": tz, "start": start, "end": end},
    ).fetchall()


def profile_halfhours(conn: Conn, meter_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """The 30-minute A+ increments as stored, for short ranges."""
    return conn.execute(
        "SELECT ts, value, value AS low, value AS high, 1 AS slots, estimated FROM readings"
        " WHERE meter_id = %(meter)s AND obis_id = " + _OBIS_ID + " AND source = 'profile'"
        " AND ts >= %(start)s AND ts < %(end)s ORDER BY ts",
        {"meter": meter_id, "obis": PROFILE_OBIS, "start": start, "end": end},
    ).fetchall()


def profile_hours(conn: Conn, meter_id: int, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Hourly sums from consumption_hourly, for ranges of some weeks."""
    return conn.execute(
        "SELECT hour AS ts, value, value AS low, value AS high, slots, estimated FROM consumption_hourly"
        " WHERE meter_id = %(meter)s AND obis_id = " + _OBIS_ID + " AND hour >= %(start)s AND hour < %(end)s"
        " ORDER BY hour",
        {"meter": meter_id, "obis": PROFILE_OBIS, "start": start, "end": end},
    ).fetchall()


def profile_days(conn: Conn, meter_id: int, tz: str, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Per local day: the sum and the smallest and largest half-hour, for long ranges (a year is 365 points)."""
    return conn.execute(
        "SELECT (date_trunc('day', ts AT TIME ZONE %(tz)s) AT TIME ZONE %(tz)s) AS ts, sum(value) AS value,"
        " min(value) AS low, max(value) AS high, count(*)::int AS slots, bool_or(estimated) AS estimated"
        " FROM readings WHERE meter_id = %(meter)s AND obis_id = " + _OBIS_ID + " AND source = 'profile'"
        " AND ts >= %(start)s AND ts < %(end)s GROUP BY 1 ORDER BY 1",
        {"meter": meter_id, "obis": PROFILE_OBIS, "tz": tz, "start": start, "end": end},
    ).fetchall()


def profile_gaps(
    conn: Conn, meter_id: int, start: dt.datetime, end: dt.datetime, limit: int = 100
) -> list[dict[str, Any]]:
    """Runs of missing half-hours between stored ones: `after` is the last slot before, `before` the next one."""
    return conn.execute(
        """
        SELECT after, before, (extract(epoch FROM before - after) / 1800)::int - 1 AS missing FROM (
            SELECT lag(ts) OVER (ORDER BY ts) AS after, ts AS before FROM readings
             WHERE meter_id = %(meter)s AND obis_id = """
        + _OBIS_ID
        + """ AND source = 'profile'
               AND ts >= %(start)s AND ts < %(end)s) s
         WHERE before - after > interval '30 minutes'
         ORDER BY before LIMIT %(limit)s
        """,
        {"meter": meter_id, "obis": PROFILE_OBIS, "start": start, "end": end, "limit": limit},
    ).fetchall()


def profile_extent(conn: Conn, meter_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, Any]:
    """How many half-hours are stored in the range, the first and the last."""
    row = conn.execute(
        "SELECT count(*)::int AS present, min(ts) AS first, max(ts) AS last FROM readings"
        " WHERE meter_id = %(meter)s AND obis_id = " + _OBIS_ID + " AND source = 'profile'"
        " AND ts >= %(start)s AND ts < %(end)s",
        {"meter": meter_id, "obis": PROFILE_OBIS, "start": start, "end": end},
    ).fetchone()
    assert row is not None
    return row

"""SQL of the «Показания» page: current registers, billing rows, and one summary of the load profile (chart
buckets, consumption by local day and month, extent, gaps). Every query is for one meter and a UTC range
[start, end); a page runs three or four of them, whatever the range.

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
        SELECT o.code, o.name_ru, o.name_en, o.unit, r.ts, r.value, r.estimated
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
    until the next boundary (`d0`..`d4`). NULL for the last one (its end is not read yet) and for one whose next
    reading is missing: the difference to a later reading spans two periods and is never shown as one."""
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
            SELECT b.*,
                   date_trunc(%(unit)s, lead(ts) OVER w AT TIME ZONE %(tz)s)
                     = date_trunc(%(unit)s, ts AT TIME ZONE %(tz)s) + %(step)s::interval AS adjacent,
                   lead(t0) OVER w - t0 AS d0, lead(t1) OVER w - t1 AS d1, lead(t2) OVER w - t2 AS d2,
                   lead(t3) OVER w - t3 AS d3, lead(t4) OVER w - t4 AS d4
              FROM b WINDOW w AS (ORDER BY ts))
        SELECT ts, t0, t1, t2, t3, t4, estimated,
               CASE WHEN adjacent THEN d0 END AS d0, CASE WHEN adjacent THEN d1 END AS d1,
               CASE WHEN adjacent THEN d2 END AS d2, CASE WHEN adjacent THEN d3 END AS d3,
               CASE WHEN adjacent THEN d4 END AS d4
          FROM d WHERE ts >= %(start)s AND ts < %(end)s ORDER BY ts DESC
        """,
        {
            "meter": meter_id,
            "source": source,
            "tz": tz,
            "start": start,
            "end": end,
            "step": "1 day" if source == "daily" else "1 month",
            "unit": "day" if source == "daily" else "month",
        },
    ).fetchall()


GAP_LIMIT = 100


def profile_summary(
    conn: Conn, meter_id: int, tz: str, start: dt.datetime, end: dt.datetime, step: str | None
) -> list[dict[str, Any]]:
    """Everything the page derives from the load profile, from one pass over its half-hours in [start, end):

    - `bucket`: the chart series, buckets of `step` from `start` (the local midnight, so '1 day' buckets are local
      days); `step` None keeps every half-hour as stored. `low`/`high` are the extreme half-hours of a bucket.
    - `day` / `month`: A+ consumption per local day / month (`local_date`), `slots` counting the half-hours.
    - `total`: one row, the half-hours stored (`slots`), the first and last (`first`, `last`) and how many are
      estimated (`estimated_slots`).
    - `gap`: runs of missing half-hours between stored ones (`first` the last slot before, `last` the next one,
      `slots` the half-hours missing between them), the first GAP_LIMIT of them.

    A slot is stamped with the end of its interval and counts to the local day of its stamp, as it always has.
    Reads readings rather than consumption_hourly: the chart needs half-hour extremes and gaps, and on plain
    PostgreSQL that view is the same scan again; on TimescaleDB the sums are equal (real-time aggregate)."""
    return conn.execute(
        """
        WITH p AS MATERIALIZED (
            SELECT ts, value, estimated, lag(ts) OVER (ORDER BY ts) AS prev
              FROM readings
             WHERE meter_id = %(meter)s AND obis_id = """
        + _OBIS_ID
        + """ AND source = 'profile'
               AND ts >= %(start)s AND ts < %(end)s),
        b AS (
            SELECT ts, value, estimated,
                   coalesce(date_bin(%(step)s::interval, ts, %(start)s), ts) AS bucket,
                   (ts AT TIME ZONE %(tz)s)::date AS day,
                   date_trunc('month', ts AT TIME ZONE %(tz)s)::date AS month
              FROM p)
        SELECT CASE grouping(bucket, day, month) WHEN 3 THEN 'bucket' WHEN 5 THEN 'day' WHEN 6 THEN 'month'
                   ELSE 'total' END AS kind,
               bucket AS ts, coalesce(day, month) AS local_date,
               sum(value) AS value, min(value) AS low, max(value) AS high, count(*)::int AS slots,
               bool_or(estimated) AS estimated, (count(*) FILTER (WHERE estimated))::int AS estimated_slots,
               min(ts) AS first, max(ts) AS last
          FROM b
         GROUP BY GROUPING SETS ((bucket), (day), (month), ())
        UNION ALL
        (SELECT 'gap', NULL, NULL, NULL, NULL, NULL,
                (extract(epoch FROM ts - prev) / 1800)::int - 1, false, 0, prev, ts
           FROM p WHERE ts - prev > interval '30 minutes' ORDER BY ts LIMIT %(gaps)s)
         ORDER BY kind, ts, local_date, first
        """,
        {
            "meter": meter_id,
            "obis": PROFILE_OBIS,
            "tz": tz,
            "start": start,
            "end": end,
            "step": step,
            "gaps": GAP_LIMIT,
        },
    ).fetchall()

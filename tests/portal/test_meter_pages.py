"""Meter pages over data the collector stored from a simulated meter: numbers on the page and in the CSV equal
the database, local days, gaps shown as gaps, decoded journals with intervals, scope (404) and the audit log.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from flask.testing import FlaskClient

from portal.meter_csv import to_csv
from tests.portal.collected_meter import TZ

PAGES = (
    "device",
    "readings",
    "events",
    "readings.csv?table=profile",
    "readings.csv?table=consumption",
    "readings.csv?table=daily",
    "readings.csv?table=monthly",
    "readings.csv?table=registers",
    "events.csv",
)
NUMBER = re.compile(r"-?\d[\d\u00a0]*,\d{3}")


def parse_csv(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")  # Russian Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def dec(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def local_range(collected: dict[str, Any]) -> dict[str, str]:
    first = collected["first_day"].date()
    return {"from": first.isoformat(), "to": (first + timedelta(days=4)).isoformat()}


def daily_from_db(conn: psycopg.Connection[Any], meter_id: int) -> dict[date, tuple[Decimal, int]]:
    """Independent of the portal's SQL: raw half-hours summed per local day in Python."""
    rows = conn.execute(
        "SELECT r.ts, r.value FROM readings r JOIN obis o ON o.id = r.obis_id"
        " WHERE r.meter_id = %s AND o.code = '1.0.1.29.0.255' AND r.source = 'profile'",
        (meter_id,),
    ).fetchall()
    days: dict[date, list[Decimal]] = defaultdict(list)
    for row in rows:
        days[row["ts"].astimezone(ZoneInfo(TZ)).date()].append(row["value"])
    return {day: (sum(values, Decimal(0)), len(values)) for day, values in days.items()}


def test_readings_page_and_csv_equal_the_database(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    auth.login(collected["emails"]["individual"])
    meter = collected["meter_id"]
    query = local_range(collected)
    html = client.get(f"/meters/{meter}/readings", query_string=query).get_data(as_text=True)
    assert "UTC+5, Asia/Yekaterinburg" in html

    register = conn.execute(
        "SELECT r.value FROM readings r JOIN obis o ON o.id = r.obis_id WHERE r.meter_id = %s"
        " AND o.code = '1.0.1.8.0.255' AND r.source = 'register' ORDER BY r.ts DESC LIMIT 1",
        (meter,),
    ).fetchone()["value"]
    block = re.search(r'data-obis="1.0.1.8.0.255">.*?register__value">([^<]+)<', html, re.S)
    assert block
    assert dec(block.group(1)) == register

    expected = daily_from_db(conn, meter)
    table = re.search(r'id="consumption-days">(.*?)</table>', html, re.S).group(1)
    shown = {
        date(int(y), int(m), int(d)): (dec(v), int(s))
        for d, m, y, v, s in re.findall(r"<td>(\d\d)\.(\d\d)\.(\d{4})</td><td>([^<]+)</td><td>(\d+)", table)
    }
    assert shown == expected
    assert len(shown) == 5

    rows = parse_csv(client.get(f"/meters/{meter}/readings.csv", query_string={**query, "table": "consumption"}).data)
    assert "A+ потребление" in rows[0]
    from_csv = {
        date(*reversed([int(x) for x in r[1].split(".")])): (dec(r[2]), int(r[3])) for r in rows[1:] if r[0] == "сутки"
    }
    assert from_csv == shown

    profile = parse_csv(client.get(f"/meters/{meter}/readings.csv", query_string={**query, "table": "profile"}).data)
    stored = conn.execute(
        "SELECT r.ts, r.value FROM readings r JOIN obis o ON o.id = r.obis_id WHERE r.meter_id = %s"
        " AND o.code = '1.0.1.29.0.255' ORDER BY r.ts",
        (meter,),
    ).fetchall()
    zone = ZoneInfo(TZ)
    assert [(r[0], dec(r[2])) for r in profile[1:]] == [
        (s["ts"].astimezone(zone).strftime("%d.%m.%Y %H:%M"), s["value"]) for s in stored
    ]

    daily = parse_csv(client.get(f"/meters/{meter}/readings.csv", query_string={**query, "table": "daily"}).data)
    billing = conn.execute(
        "SELECT r.ts, r.value FROM readings r JOIN obis o ON o.id = r.obis_id WHERE r.meter_id = %s"
        " AND o.code = '1.0.1.8.0.255' AND r.source = 'daily' AND r.ts >= %s ORDER BY r.ts DESC",
        (meter, collected["first_day"]),
    ).fetchall()
    assert [dec(r[1]) for r in daily[1:]] == [b["value"] for b in billing]


def test_a_missing_daily_reading_is_not_smeared(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    meter = collected["meter_id"]
    billing = conn.execute(
        "SELECT r.ts, r.value FROM readings r JOIN obis o ON o.id = r.obis_id WHERE r.meter_id = %s"
        " AND o.code = '1.0.1.8.0.255' AND r.source = 'daily' AND r.ts >= %s ORDER BY r.ts",
        (meter, collected["first_day"]),
    ).fetchall()
    assert len(billing) >= 4
    hole = billing[2]["ts"]
    conn.execute("DELETE FROM readings WHERE meter_id = %s AND source = 'daily' AND ts = %s", (meter, hole))
    auth.login(collected["emails"]["individual"])
    query = {**local_range(collected), "table": "daily"}
    rows = parse_csv(client.get(f"/meters/{meter}/readings.csv", query_string=query).data)
    zone = ZoneInfo(TZ)
    by_day = {r[0]: r for r in rows[1:]}

    def row_of(ts: datetime) -> list[str]:
        return by_day[ts.astimezone(zone).strftime("%d.%m.%Y %H:%M")]

    assert rows[0][6] == "Расход сумма"
    # The day before the missing reading: its end is not read, two days' difference is not its consumption.
    assert row_of(billing[1]["ts"])[6] == ""
    assert dec(row_of(billing[0]["ts"])[6]) == billing[1]["value"] - billing[0]["value"]
    assert dec(row_of(billing[3]["ts"])[1]) == billing[3]["value"]


def test_a_gap_in_the_profile_is_shown_as_a_gap(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    meter = collected["meter_id"]
    hole_start = collected["first_day"] + timedelta(days=1, hours=10)
    deleted = conn.execute(
        "DELETE FROM readings WHERE meter_id = %s AND source = 'profile' AND ts >= %s AND ts < %s",
        (meter, hole_start, hole_start + timedelta(hours=3)),
    ).rowcount
    assert deleted == 6 * 4  # six half-hours of four channels
    auth.login(collected["emails"]["individual"])
    query = local_range(collected)
    html = client.get(f"/meters/{meter}/readings", query_string=query).get_data(as_text=True)

    local = hole_start.astimezone(ZoneInfo(TZ))
    assert f'data-missing="6">{local:%d.%m.%Y} 10:00 — {local:%d.%m.%Y} 12:30' in html
    chart = re.search(r'id="profile-chart".*?</svg>', html, re.S).group(0)
    assert chart.count('class="chart__line"') >= 2  # the line breaks at the hole
    assert 'class="chart__gap"' in chart
    day = re.search(rf"<td>{local:%d\.%m\.%Y}</td><td>[^<]+</td><td>(\d+) / 48", html)
    assert day
    assert int(day.group(1)) == 42

    profile = parse_csv(client.get(f"/meters/{meter}/readings.csv", query_string={**query, "table": "profile"}).data)
    times = {r[0] for r in profile[1:]}
    assert f"{local:%d.%m.%Y} 10:00" not in times
    assert f"{local:%d.%m.%Y} 13:00" in times
    missing = re.search(r"нет данных за (\d+)", html)
    assert missing
    assert int(missing.group(1)) >= 6


def test_events_are_decoded_newest_first_with_intervals(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    meter = collected["meter_id"]
    auth.login(collected["emails"]["individual"])
    now = collected["now"].astimezone(ZoneInfo(TZ)).date()
    query = {"from": (now - timedelta(days=119)).isoformat(), "to": now.isoformat()}
    html = client.get(f"/meters/{meter}/events", query_string=query).get_data(as_text=True)
    assert "Включение питания счётчика" in html
    assert "Неизвестное событие (код 1)" in html  # journal 7 has no texts loaded
    intervals = re.search(r'id="event-intervals">(.*?)</table>', html, re.S).group(1)
    assert "Выключение питания счётчика" in intervals
    assert re.search(r"\d+ (сут|ч|мин)", intervals)

    rows = parse_csv(client.get(f"/meters/{meter}/events.csv", query_string=query).data)
    stored = conn.execute(
        "SELECT count(*) AS n FROM events WHERE meter_id = %s AND ts >= %s",
        (meter, datetime.combine(now - timedelta(days=119), time(), ZoneInfo(TZ))),
    ).fetchone()["n"]
    assert len(rows) - 1 == stored
    stamps = [(*tuple(reversed(r[0].split(" ")[0].split("."))), r[0].split(" ")[1]) for r in rows[1:]]
    assert stamps == sorted(stamps, reverse=True)
    power = [r for r in rows[1:] if r[2] == "1" and r[1].startswith("Включения")]
    assert power
    assert all(r[3] == "Выключение питания счётчика" and r[5] for r in power if r[4])

    only = parse_csv(client.get(f"/meters/{meter}/events.csv", query_string={**query, "journal": "4"}).data)
    assert only[1:]
    assert {r[1] for r in only[1:]} == {"Внешние воздействия (магнит, пломбы, ВЧ-поле)"}


def test_device_page_shows_the_passport_and_link_health(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    meter = collected["meter_id"]
    conn.execute(
        "UPDATE meter_status SET consecutive_failures = 3, last_error_class = 'timeout' WHERE meter_id = %s", (meter,)
    )
    auth.login(collected["emails"]["individual"])
    html = client.get(f"/meters/{meter}/device").get_data(as_text=True)
    row = conn.execute("SELECT reported_serial, firmware FROM meters WHERE id = %s", (meter,)).fetchone()
    assert row["reported_serial"]
    assert row["reported_serial"] in html
    assert row["firmware"] in html
    assert "15.03.2040" in html
    assert "Прибор учета не ответил вовремя" in html
    assert "3 неудачных попыток" in html


def test_scope_other_people_get_404_and_staff_views_are_audited(
    auth: Any, client: FlaskClient, collected: dict[str, Any], conn
) -> None:
    meter = collected["meter_id"]
    for who in ("legal", "staff_north", "dispatcher"):
        auth.login(collected["emails"][who])
        for page in PAGES:
            assert client.get(f"/meters/{meter}/{page}").status_code == 404, (who, page)
        auth.logout()
    client.get("/logout")
    for page in PAGES:
        assert client.get(f"/meters/{meter}/{page}").status_code == 302  # anonymous: to the login page

    auth.login(collected["emails"]["staff_south"])
    assert client.get("/meters/zone").status_code == 200
    listed = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'meter.zone_list' AND actor_id = %s",
        (collected["users"]["staff_south"],),
    ).fetchall()
    in_zone = conn.execute(
        "SELECT count(*) AS n FROM meters m JOIN settlements s ON s.id = m.settlement_id"
        " JOIN staff_res z ON z.res_id = s.res_id WHERE z.user_id = %s",
        (collected["users"]["staff_south"],),
    ).fetchone()["n"]
    assert [row["details"]["shown"] for row in listed] == [in_zone]
    for page in PAGES:
        assert client.get(f"/meters/{meter}/{page}").status_code == 200, page
    audited = conn.execute(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'meter.view' AND object_id = %s AND actor_id = %s",
        (str(meter), collected["users"]["staff_south"]),
    ).fetchone()["n"]
    assert audited == len(PAGES)
    consumer_rows = conn.execute(
        "SELECT count(*) AS n FROM audit_log WHERE action = 'meter.view' AND actor_id = %s",
        (collected["users"]["individual"],),
    ).fetchone()["n"]
    assert consumer_rows == 0


def test_csv_cells_that_look_like_formulas_are_neutralised() -> None:
    body = to_csv(["Событие", "Значение"], [['=HYPERLINK("http://x")', "-1,250"], ["@SUM(A1)", "+7"], ["-x", "12"]])
    rows = parse_csv(body)
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-1,250"]
    assert rows[2] == ["'@SUM(A1)", "'+7"]
    assert rows[3] == ["'-x", "12"]

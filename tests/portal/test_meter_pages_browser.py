"""The three meter pages in Debian's chromium over data the collector stored from a simulated meter: the numbers on
screen equal the database, the chart breaks at a gap, the CSP holds. Screenshots go to test-artifacts/portal/.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tests.portal.chromium import browser, needs_chromium, server, shot
from tests.portal.collected_meter import TZ

pytestmark = needs_chromium
__all__ = ["browser", "server"]  # fixtures used by name


def dec(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def test_meter_pages_in_the_browser(server: str, browser: Any, collected: dict[str, Any], conn: Any) -> None:
    from portal.demo import PASSWORD_FOR_TESTS

    meter = collected["meter_id"]
    hole = collected["first_day"] + timedelta(days=2, hours=14)
    conn.execute(
        "DELETE FROM readings WHERE meter_id = %s AND source = 'profile' AND ts >= %s AND ts < %s",
        (meter, hole, hole + timedelta(hours=4)),
    )
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(f"{server}/login")
    page.fill("#email", collected["emails"]["individual"])
    page.fill("#password", PASSWORD_FOR_TESTS)
    page.click("button[type=submit]")
    page.wait_for_url("**/meters/")
    assert "013000077" in page.inner_text("#connected-meters")
    shot(page, "20-meters-list")

    page.click("#connected-meters >> text=Данные о приборе")
    page.wait_for_url(f"**/meters/{meter}/device")
    firmware = conn.execute("SELECT firmware FROM meters WHERE id = %s", (meter,)).fetchone()["firmware"]
    assert firmware in page.inner_text("#passport")
    assert "Связь в норме" in page.inner_text("#link-health")
    shot(page, "21-meter-device")

    first = collected["first_day"].date()
    page.goto(f"{server}/meters/{meter}/readings?from={first}&to={first + timedelta(days=4)}")
    value = page.inner_text("[data-obis='1.0.1.8.0.255'] .register__value")
    stored = conn.execute(
        "SELECT r.value FROM readings r JOIN obis o ON o.id = r.obis_id WHERE r.meter_id = %s"
        " AND o.code = '1.0.1.8.0.255' AND r.source = 'register' ORDER BY r.ts DESC LIMIT 1",
        (meter,),
    ).fetchone()["value"]
    assert dec(value) == stored
    day = hole.astimezone(ZoneInfo(TZ))
    row = page.locator("#consumption-days tr", has_text=f"{day:%d.%m.%Y}")
    cells = row.locator("td").all_inner_texts()
    expected = conn.execute(
        "SELECT sum(r.value) AS v, count(*) AS n FROM readings r JOIN obis o ON o.id = r.obis_id"
        " WHERE r.meter_id = %s AND o.code = '1.0.1.29.0.255' AND r.ts >= %s AND r.ts < %s",
        (meter, day.replace(hour=0), day.replace(hour=0) + timedelta(days=1)),
    ).fetchone()
    assert dec(cells[1]) == expected["v"]
    assert cells[2].startswith(f"{expected['n']} / 48")
    assert page.locator("#profile-chart path.chart__line").count() >= 2
    assert page.locator("#profile-chart rect.chart__gap").count() >= 1
    assert re.search(r"нет 8 получасовых интервалов", page.inner_text("#gaps"))
    shot(page, "22-meter-readings-week")

    page.click("#range-form >> text=год")
    page.wait_for_selector("#profile-chart[data-resolution=day]")
    shot(page, "23-meter-readings-year")

    page.goto(f"{server}/meters/{meter}/events?from={first - timedelta(days=60)}&to={first + timedelta(days=4)}")
    assert page.locator("#events tbody tr").count() > 10
    assert "Выключение питания счётчика" in page.inner_text("#event-intervals")
    shot(page, "24-meter-events")
    page.select_option("select[name=journal]", "4")
    page.click("#events-filter button")
    page.wait_for_url("**journal=4**")
    assert set(page.locator("#events tbody tr td:nth-child(2)").all_inner_texts()) <= {
        "Внешние воздействия (магнит, пломбы, ВЧ-поле)"
    }
    shot(page, "25-meter-events-magnet")

    phone = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 800}, is_mobile=True)
    mobile = phone.new_page()
    mobile.context.add_cookies(context.cookies())
    mobile.goto(f"{server}/meters/{meter}/readings?from={first}&to={first + timedelta(days=4)}")
    shot(mobile, "26-phone-readings")
    phone.close()
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors

"""In Debian's chromium: the ОГРН year warning shown on the form before submission, the admin calendar, and the
connect form in English. Screenshots go to test-artifacts/portal/.
"""

from __future__ import annotations

from typing import Any

import pytest

from portal.demo import PASSWORD_FOR_TESTS
from tests.portal.chromium import DESKTOP, PHONE, browser, login, needs_chromium, server, shot

pytestmark = needs_chromium
__all__ = ["browser", "server"]  # fixtures used by name


def fill_legal_form(page: Any, registry_date: str) -> None:
    page.fill("#settlement", "Каменка (Южный район)")
    page.fill("#serial", "4567890")
    page.fill("#contract", "ЛС 2002/15")
    page.fill("#org_name", "ООО «Ромашка»")
    page.fill("#ogrn", "1027700132195")
    page.fill("#registry_date", registry_date)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_year_warning_before_submission(server: str, browser: Any, people: Any, conn: Any, viewport: Any) -> None:
    context = browser.new_context(locale="ru-RU", viewport=viewport)
    page = context.new_page()
    login(page, server, people["emails"]["legal"], PASSWORD_FOR_TESTS)
    page.goto(f"{server}/meters/connect")
    fill_legal_form(page, "2010-08-01")
    page.click("#connect-form button[type=submit]")
    warning = page.locator("#year-warning")
    warning.wait_for()
    assert "не совпадает с годом даты внесения в реестр (2010)" in warning.inner_text()
    assert page.locator(".field__error").count() == 0
    assert page.input_value("#ogrn") == "1027700132195"  # what was typed is kept
    assert page.evaluate("document.activeElement.id") == "confirm"  # the cursor waits at the box, in view
    shot(page, f"20-year-warning-{viewport['width']}")
    assert conn.execute("SELECT count(*) AS n FROM connection_requests").fetchone()["n"] == 0

    with page.expect_navigation():
        page.click("#connect-form button[type=submit]")  # without the tick: held back again
    assert page.url.endswith("/meters/connect")
    warning.wait_for()
    page.check("#confirm")
    page.click("#connect-form button[type=submit]")
    page.wait_for_url("**/requests/")
    assert "На рассмотрении" in page.inner_text("#my-requests")
    row = conn.execute("SELECT warnings FROM connection_requests").fetchone()
    assert "не совпадает" in row["warnings"][0]
    context.close()


def test_admin_calendar_page(server: str, browser: Any, people: Any, conn: Any) -> None:
    context = browser.new_context(locale="ru-RU", viewport=DESKTOP)
    page = context.new_page()
    login(page, server, people["emails"]["admin"], PASSWORD_FOR_TESTS)
    page.click("header >> text=Календарь")
    page.fill("#day", "2027-11-05")
    page.select_option("#res_id", label="Южный РЭС")
    page.fill("#note", "Региональный праздник")
    page.click("#calendar-form button[type=submit]")
    page.wait_for_selector("#calendar-overrides >> text=Региональный праздник")
    shot(page, "21-admin-calendar")
    row = conn.execute("SELECT day, is_working, note FROM calendar_overrides").fetchone()
    assert (str(row["day"]), row["is_working"], row["note"]) == ("2027-11-05", False, "Региональный праздник")
    context.close()


def test_connect_form_in_english(server: str, browser: Any, people: Any) -> None:
    context = browser.new_context(locale="en-GB", viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{server}/lang/en")
    login(page, server, people["emails"]["legal"], PASSWORD_FOR_TESTS)
    page.goto(f"{server}/meters/connect")
    fill_legal_form(page, "2999-01-01")
    page.fill("#ogrn", "1027700132196")
    page.click("#connect-form button[type=submit]")
    page.wait_for_selector("text=Invalid OGRN: the check digit does not match")
    assert "Meter serial number" in page.inner_text("#connect-form")
    shot(page, "22-connect-english")
    context.close()

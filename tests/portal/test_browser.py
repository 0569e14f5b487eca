"""The whole flow in Debian's chromium: legal entity registers, fixes a wrong ОГРН, staff reviews, meter appears.

Runs the portal with werkzeug's make_server on 127.0.0.1:0 in a thread. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from typing import Any

from tests.portal.chromium import browser, login, needs_chromium, server, shot

pytestmark = needs_chromium
__all__ = ["browser", "server"]  # fixtures used by name


def logout(page: Any) -> None:
    page.click("header form button")
    page.wait_for_url("**/login")


def test_legal_entity_flow(server: str, browser: Any, people: Any) -> None:
    from portal.demo import PASSWORD_FOR_TESTS

    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{server}/register")
    page.check("input[name=kind][value=legal]")
    page.fill("#organisation", "ООО «Светлый путь»")
    page.fill("#full_name", "Белова Светлана")
    page.fill("#phone", "+7 912 700-00-01")
    page.fill("#email", "svet@example.ru")
    page.fill("#password", "browser-pass-123")
    page.fill("#password2", "browser-pass-123")
    page.check("#consent")
    shot(page, "01-register")
    page.click("button[type=submit]")
    page.wait_for_url("**/login")

    login(page, server, "svet@example.ru", "browser-pass-123")
    page.wait_for_url("**/meters/")
    shot(page, "02-meters-empty")
    page.click("text=Подключить ПУ")
    page.fill("#settlement", "Каме")
    page.locator("#settlement-options option").first.wait_for(state="attached")
    page.fill("#settlement", "Каменка (Южный район)")
    page.fill("#serial", "4567890")
    page.fill("#contract", "ЛС 2002/15")
    page.fill("#org_name", "ООО «Светлый путь»")
    page.fill("#ogrn", "1027700132196")
    page.fill("#registry_date", "2002-08-01")
    page.click("text=Добавить")
    error = page.locator(".field__error", has_text="Неверный ОГРН: не сходится контрольная цифра")
    error.wait_for()
    shot(page, "03-ogrn-error")
    page.fill("#ogrn", "1027700132195")
    page.fill("#registry_date", "2002-08-01")
    page.click("text=Добавить")
    page.wait_for_url("**/requests/")
    assert "На рассмотрении" in page.inner_text("#my-requests")
    shot(page, "04-request-sent")
    logout(page)

    login(page, server, people["emails"]["staff_north"], PASSWORD_FOR_TESTS)
    page.wait_for_url("**/staff/")
    assert "4567890" not in page.inner_text("main")
    shot(page, "05-other-res-queue")
    logout(page)

    login(page, server, people["emails"]["staff_south"], PASSWORD_FOR_TESTS)
    page.wait_for_url("**/staff/")
    page.click("#staff-queue a")
    assert page.inner_text("#applicant-phone") == "+79127000001"
    shot(page, "06-staff-review")
    page.click("text=Одобрить")
    page.wait_for_url("**/staff/")
    shot(page, "07-approved")
    logout(page)

    login(page, server, "svet@example.ru", "browser-pass-123")
    page.wait_for_url("**/meters/")
    table = page.inner_text("#connected-meters")
    assert "4567890" in table
    assert "Меркурий 234" in table
    assert "ЛС 2002/15" in table
    shot(page, "08-connected-meters")

    phone = browser.new_context(locale="ru-RU", viewport={"width": 390, "height": 800}, is_mobile=True)
    mobile = phone.new_page()
    login(mobile, server, "svet@example.ru", "browser-pass-123")
    mobile.wait_for_url("**/meters/")
    shot(mobile, "09-phone-meters")
    phone.close()
    context.close()
    assert not [e for e in errors if "Content Security Policy" in e], errors

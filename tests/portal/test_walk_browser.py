"""Every page as each role (anonymous, consumer individual / legal, staff, dispatcher, admin) in Debian's chromium
at desktop and phone widths: no server error, one heading, every field labelled, nothing wider than the phone,
the CSP holds. Screenshots of each go to test-artifacts/portal/walk/ to be looked at by a person.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.demo import PASSWORD_FOR_TESTS, seed_requests
from tests.portal.chromium import ARTIFACTS, DESKTOP, PHONE, browser, login, needs_chromium, server

pytestmark = needs_chromium
__all__ = ["browser", "server"]  # fixtures used by name

# Fields without a label a screen reader can announce: inputs that are shown and neither labelled for, nor
# wrapped in a label, nor given aria-label.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""
# The outermost elements reaching past the right edge, to name in the failure.
SPILLING = """(width) => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > width + 1)
  .filter(el => !(el.parentElement && el.parentElement.getBoundingClientRect().right > width + 1))
  .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '.' + el.className)"""
# Against the width asked for, not innerWidth: a mobile viewport zooms out to fit a page that is too wide.
WIDER_THAN_SCREEN = "() => document.documentElement.scrollWidth"


def pages_of(role: str, ids: dict[str, Any]) -> list[str]:
    meter, request = ids["meter_id"], ids["request_id"]
    meter_pages = [f"/meters/{meter}/device", f"/meters/{meter}/readings", f"/meters/{meter}/events"]
    return {
        "anonymous": ["/login", "/register", "/reset", "/policy", "/no-such-page"],
        "individual": [
            "/meters/",
            "/meters/connect",
            "/requests/",
            f"/requests/{request}",
            "/notifications",
            *meter_pages,
            f"/meters/{meter}/readings?from=2020-01-01&to=2020-01-07",
        ],
        "legal": ["/meters/", "/meters/connect", "/requests/"],
        "staff_south": ["/staff/", f"/staff/requests/{request}", "/meters/zone", *meter_pages],
        "dispatcher": ["/dispatch/", "/notifications", f"/meters/{meter}/readings"],
        "admin": ["/staff/", "/dispatch/", "/admin/calendar/", "/meters/zone"],
    }[role]


@pytest.mark.parametrize("role", ["anonymous", "individual", "legal", "staff_south", "dispatcher", "admin"])
def test_walk_every_page(server: str, browser: Any, collected: dict[str, Any], conn: Any, role: str) -> None:
    seed_requests(conn, collected)
    request = conn.execute(
        "SELECT id FROM connection_requests WHERE status = 'rejected' ORDER BY id LIMIT 1"
    ).fetchone()
    ids = {"meter_id": collected["meter_id"], "request_id": request["id"]}
    folder = ARTIFACTS / "walk"
    folder.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(locale="ru-RU", viewport=viewport, is_mobile=size == "phone")
        page = context.new_page()
        console: list[str] = []
        page.on("console", lambda msg, log=console: log.append(msg.text) if msg.type == "error" else None)
        if role != "anonymous":
            login(page, server, collected["emails"][role], PASSWORD_FOR_TESTS)
        for number, path in enumerate(pages_of(role, ids)):
            response = page.goto(server + path)
            status = response.status if response else 0
            if status >= 500:
                problems.append(f"{role} {size} {path}: HTTP {status}")
            if page.locator("h1").count() != 1:
                problems.append(f"{role} {size} {path}: {page.locator('h1').count()} h1")
            unlabelled = page.evaluate(UNLABELLED)
            if unlabelled:
                problems.append(f"{role} {size} {path}: fields without a label {unlabelled}")
            overflow = page.evaluate(WIDER_THAN_SCREEN) - viewport["width"]
            if overflow > 1:
                spilling = page.evaluate(SPILLING, viewport["width"])
                problems.append(f"{role} {size} {path}: {overflow}px wider than the screen: {spilling}")
            page.screenshot(path=str(folder / f"{role}-{size}-{number:02d}.png"), full_page=True)
        if role == "individual" and size == "desktop":  # the meter pages once more, in English
            page.goto(f"{server}/lang/en")
            for tab in ("device", "readings", "events"):
                page.goto(f"{server}/meters/{ids['meter_id']}/{tab}")
                if re.search(r"[А-Яа-яЁё]", page.inner_text("h2")):
                    problems.append(f"English {tab}: a Russian heading {page.inner_text('h2')!r}")
                page.screenshot(path=str(folder / f"english-{tab}.png"), full_page=True)
        problems += [f"{role} {size} console: {text}" for text in console if "Content Security Policy" in text]
        context.close()
    assert not problems, "\n".join(problems)

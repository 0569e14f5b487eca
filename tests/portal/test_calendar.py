"""Calendar overrides (regional days off): the admin page and `uchet admin calendar`, audited, and an override
moving the due date of a request submitted after it. Real database, real calendar of the `holidays` package.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from portal.admin_cli import admin
from portal.rules.calendar import due_date, is_working_day
from tests.portal.conftest import Auth
from tests.portal.test_requests import LEGAL_OK, submit

TZ = "Asia/Yekaterinburg"  # both demo РЭС


def next_working_day(after: dt.date) -> dt.date:
    day = after + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_a_regional_day_off_moves_the_due_date(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    today = dt.datetime.now(ZoneInfo(TZ)).date()
    day_off = next_working_day(today)  # one of the five working days of a request made today
    auth.login(people["emails"]["admin"])
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert "Исключений нет" in page
    form = {"day": day_off.isoformat(), "res_id": str(people["res"]["south"]), "kind": "day_off", "note": "Закон"}
    assert auth.post("/admin/calendar/", form, form_page="/admin/calendar/").status_code == 302
    page = client.get("/admin/calendar/").get_data(as_text=True)
    assert f"{day_off:%d.%m.%Y}" in page
    assert "Южный РЭС" in page
    audit = conn.execute("SELECT * FROM audit_log WHERE action = 'calendar.set'").fetchone()
    assert audit["actor_id"] == people["users"]["admin"]
    assert audit["details"]["day"] == day_off.isoformat()
    auth.logout()

    auth.login(people["emails"]["legal"])  # Каменка lies in the south zone
    assert submit(auth, LEGAL_OK).status_code == 302
    row = conn.execute("SELECT created_at, due_at FROM connection_requests").fetchone()
    plain = due_date(row["created_at"], TZ).day
    moved = due_date(row["created_at"], TZ, {day_off: False}).day
    assert moved > plain
    assert row["due_at"].astimezone(ZoneInfo(TZ)).date() == moved


def test_override_of_another_res_changes_nothing(auth: Auth, people: Any, conn: Any) -> None:
    today = dt.datetime.now(ZoneInfo(TZ)).date()
    conn.execute(
        "INSERT INTO calendar_overrides (day, res_id, is_working) VALUES (%s, %s, false)",
        (next_working_day(today), people["res"]["north"]),
    )
    auth.login(people["emails"]["legal"])
    submit(auth, LEGAL_OK)
    row = conn.execute("SELECT created_at, due_at FROM connection_requests").fetchone()
    assert row["due_at"].astimezone(ZoneInfo(TZ)).date() == due_date(row["created_at"], TZ).day


def test_only_admins_open_the_calendar(client: Any, auth: Auth, people: Any) -> None:
    for who in ("individual", "staff_south", "dispatcher"):
        auth.login(people["emails"][who])
        assert client.get("/admin/calendar/").status_code == 403
        auth.logout()
    assert client.get("/admin/calendar/").status_code == 302  # anonymous: to the login page


def test_remove_from_the_page(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    conn.execute(
        "INSERT INTO calendar_overrides (day, res_id, is_working, note) VALUES (%s, NULL, true, 'x')",
        (dt.date.today(),),
    )
    auth.login(people["emails"]["admin"])
    form = {"day": dt.date.today().isoformat(), "res_id": ""}
    assert auth.post("/admin/calendar/remove", form, form_page="/admin/calendar/").status_code == 302
    assert conn.execute("SELECT count(*) AS n FROM calendar_overrides").fetchone()["n"] == 0
    assert conn.execute("SELECT count(*) AS n FROM audit_log WHERE action = 'calendar.remove'").fetchone()["n"] == 1
    bad = auth.post("/admin/calendar/", {"day": "31.02.2027", "kind": "day_off"}, form_page="/admin/calendar/")
    assert "ДД.ММ.ГГГГ" in client.get(bad.headers["Location"]).get_data(as_text=True)


def test_cli_add_list_remove(fresh_database_url: str, people: Any, conn: Any) -> None:
    runner = CliRunner()
    base = ["--dsn", fresh_database_url, "calendar"]
    added = runner.invoke(admin, [*base, "add", "04.11.2027", "--res", "south", "--note", "Региональный праздник"])
    assert added.exit_code == 0, added.output
    runner.invoke(admin, [*base, "add", "2027-11-06", "--working"])
    listed = runner.invoke(admin, [*base, "list", "--all"])
    assert "2027-11-04  south" in listed.output
    assert "day off  Региональный праздник" in listed.output
    assert "2027-11-06  *" in listed.output
    rows = conn.execute("SELECT day, res_id, is_working FROM calendar_overrides ORDER BY day").fetchall()
    assert [(r["day"], r["res_id"], r["is_working"]) for r in rows] == [
        (dt.date(2027, 11, 4), people["res"]["south"], False),
        (dt.date(2027, 11, 6), None, True),
    ]
    assert runner.invoke(admin, [*base, "remove", "2027-11-04"]).exit_code == 1  # the all-РЭС one does not exist
    assert runner.invoke(admin, [*base, "remove", "2027-11-04", "--res", "south"]).exit_code == 0
    assert runner.invoke(admin, [*base, "add", "2027-13-01"]).exit_code == 1
    assert runner.invoke(admin, [*base, "add", "2027-11-05", "--res", "nowhere"]).exit_code == 1
    actions = [r["action"] for r in conn.execute("SELECT action, details FROM audit_log ORDER BY id").fetchall()]
    assert actions == ["calendar.set", "calendar.set", "calendar.remove"]

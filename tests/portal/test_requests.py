"""«Подключить ПУ» end to end through the test client: field errors, routing, dispatcher, staff review, scoping."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.portal.conftest import Auth, csrf_of

LEGAL_OK = {
    "settlement": "Каменка (Южный район)",
    "serial": "4567890",
    "contract": "ЛС 2002/15",
    "org_name": "ООО «Ромашка»",
    "ogrn": "1027700132195",
    "registry_date": "2002-08-01",
}
INDIVIDUAL_OK = {"settlement": "Озёрный (Северный район)", "serial": "№ 00123456", "contract": "эс-1001"}


def submit(auth: Auth, data: dict[str, Any]) -> Any:
    return auth.post("/meters/connect", data)


def test_individual_form_has_no_legal_fields(client: Any, auth: Auth, people: Any) -> None:
    auth.login(people["emails"]["individual"])
    page = client.get("/meters/connect").get_data(as_text=True)
    assert "ПОДКЛЮЧИТЬ ПРИБОР УЧЕТА" in page.upper()
    assert "Выберите из списка или укажите другой населенный пункт" in page
    assert "Серийный номер прибора учета" in page
    assert "Добавить" in page
    assert "Номер записи в ЕГРЮЛ или ЕГРИП" not in page


def test_field_errors_in_russian_and_no_request(auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["legal"])
    bad = {**LEGAL_OK, "serial": "12", "contract": "#", "ogrn": "1027700132196", "registry_date": "2999-01-01"}
    page = submit(auth, bad).get_data(as_text=True)
    assert "от 4 до 20 символов" in page
    assert "Неверный ОГРН: не сходится контрольная цифра" in page
    assert "не может быть в будущем" in page
    assert "от 3 до 30 символов" in page
    page = submit(auth, {**LEGAL_OK, "ogrn": "2027700132195"}).get_data(as_text=True)
    assert "ОГРН должен начинаться с цифры 1 или 5" in page
    assert conn.execute("SELECT count(*) AS n FROM connection_requests").fetchone()["n"] == 0


def test_request_goes_to_the_settlements_res_with_due_date(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["individual"])
    response = submit(auth, INDIVIDUAL_OK)
    assert response.status_code == 302
    row = conn.execute("SELECT * FROM connection_requests").fetchone()
    assert row["res_id"] == people["res"]["north"]
    assert row["status"] == "pending"
    assert row["serial"] == "00123456"
    assert row["serial_key"] == "123456"
    assert row["contract_key"] == "ЭC1001"
    assert row["due_at"] > row["created_at"]
    page = client.get("/requests/").get_data(as_text=True)
    assert "На рассмотрении" in page
    assert "00123456" in page


def test_year_mismatch_is_a_warning_shown_before_submission(auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["legal"])
    mismatch = {**LEGAL_OK, "registry_date": "01.08.2010"}
    first = submit(auth, mismatch)
    assert first.status_code == 200  # held back: shown on the form, nothing stored yet
    page = first.get_data(as_text=True)
    assert "не совпадает с годом даты внесения в реестр" in page
    assert "Подтверждаю, данные верны" in page
    assert 'class="field__error"' not in page  # a warning, not an error
    assert conn.execute("SELECT count(*) AS n FROM connection_requests").fetchone()["n"] == 0

    # A tick given for another number or date does not confirm this one.
    stale = submit(auth, {**mismatch, "registry_date": "01.08.2011", "confirm": "1027700132195|2010-08-01"})
    assert stale.status_code == 200
    assert "(2011)" in stale.get_data(as_text=True)

    assert submit(auth, {**mismatch, "confirm": "1027700132195|2010-08-01"}).status_code == 302
    row = conn.execute("SELECT warnings FROM connection_requests").fetchone()
    assert "не совпадает" in row["warnings"][0]  # the employee sees it too


def test_matching_year_needs_no_confirmation(auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["legal"])
    assert submit(auth, LEGAL_OK).status_code == 302
    assert conn.execute("SELECT warnings FROM connection_requests").fetchone()["warnings"] == []


def test_typed_settlement_goes_to_dispatcher(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["individual"])
    submit(auth, {**INDIVIDUAL_OK, "settlement": "Новосёлки"})
    row = conn.execute("SELECT * FROM connection_requests").fetchone()
    assert row["status"] == "dispatch"
    assert row["res_id"] is None
    assert row["settlement_text"] == "Новосёлки"
    auth.logout()
    auth.login(people["emails"]["staff_north"])
    assert f'/staff/requests/{row["id"]}"' not in client.get("/staff/").get_data(as_text=True)
    auth.logout()
    auth.login(people["emails"]["dispatcher"])
    assert "Новосёлки" in client.get("/dispatch/").get_data(as_text=True)
    data = {"res_id": str(people["res"]["north"]), "add_to_directory": "1", "district": "Северный район"}
    assert auth.post(f"/dispatch/{row['id']}", data, form_page="/dispatch/").status_code == 302
    row = conn.execute("SELECT * FROM connection_requests").fetchone()
    assert row["status"] == "pending"
    assert row["res_id"] == people["res"]["north"]
    assert row["due_at"] is not None
    assert conn.execute("SELECT 1 FROM settlements WHERE name = 'Новосёлки'").fetchone()


def test_staff_scope_review_and_audit(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["legal"])
    submit(auth, LEGAL_OK)
    request_id = conn.execute("SELECT id FROM connection_requests").fetchone()["id"]
    auth.logout()

    auth.login(people["emails"]["staff_north"])  # Каменка is in the south zone
    assert client.get(f"/staff/requests/{request_id}").status_code == 404
    auth.logout()

    auth.login(people["emails"]["staff_south"])
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "+73432000000" in page
    assert "1027700132195" in page
    assert "Серийный номер найден в реестре" in page
    assert "Договор / лицевой счёт совпадает" in page
    assert "Прибор сообщает серийный номер" in page
    meter_id = people["meters"]["4567890"]
    path = f"/staff/requests/{request_id}/approve"
    assert auth.post(path, {"meter_id": str(meter_id)}, form_page=f"/staff/requests/{request_id}").status_code == 302
    actions = [r["action"] for r in conn.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert "request.view" in actions
    assert "request.approve" in actions
    assert conn.execute("SELECT 1 FROM meter_access WHERE meter_id = %s", (meter_id,)).fetchone()
    assert conn.execute("SELECT count(*) AS n FROM outbox WHERE subject LIKE '%%одобрена'").fetchone()["n"] == 1
    auth.logout()

    auth.login(people["emails"]["legal"])
    page = client.get("/meters/").get_data(as_text=True)
    for column in ("НОМЕР ДОГОВОРА", "СЕРИЙНЫЙ НОМЕР", "НАИМЕНОВАНИЕ ПРИБОРА", "НАИМЕНОВАНИЕ ОБЪЕКТА (АДРЕС)"):
        assert column in page
    assert "Меркурий 234" in page
    assert "Данные о приборе" in page
    assert "Показания" in page
    assert "События" in page
    for tab in ("device", "readings", "events"):
        assert client.get(f"/meters/{meter_id}/{tab}").status_code == 200
    assert "одобрена" in client.get("/notifications").get_data(as_text=True)


def test_reject_with_reason_visible_to_consumer(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    auth.login(people["emails"]["individual"])
    submit(auth, {**INDIVIDUAL_OK, "serial": "55555555"})
    request_id = conn.execute("SELECT id FROM connection_requests").fetchone()["id"]
    auth.logout()
    auth.login(people["emails"]["staff_north"])
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "не найден в реестре" in page
    data = {"reason": "not_found", "comment": "Проверьте номер на корпусе"}
    auth.post(f"/staff/requests/{request_id}/reject", data, form_page=f"/staff/requests/{request_id}")
    auth.logout()
    auth.login(people["emails"]["individual"])
    page = client.get("/requests/").get_data(as_text=True)
    assert "Отклонена" in page
    assert "Проверьте номер на корпусе" in page
    assert "не найден" in page


def test_another_consumers_request_and_meter_are_404(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    from portal.demo import seed_requests

    seed_requests(conn, people)
    legal_request = conn.execute(
        "SELECT id, meter_id FROM connection_requests WHERE user_id = %s", (people["users"]["legal"],)
    ).fetchone()
    auth.login(people["emails"]["individual"])
    assert client.get(f"/requests/{legal_request['id']}").status_code == 404
    for tab in ("device", "readings", "events"):
        assert client.get(f"/meters/{legal_request['meter_id']}/{tab}").status_code == 404
    assert client.get("/staff/").status_code == 403


def test_overdue_requests_stand_out(client: Any, auth: Auth, people: Any, conn: Any) -> None:
    from portal.demo import seed_requests

    seed_requests(conn, people)
    conn.execute("UPDATE connection_requests SET due_at = now() - interval '1 day' WHERE status = 'pending'")
    auth.login(people["emails"]["staff_north"])
    page = client.get("/staff/").get_data(as_text=True)
    assert 'class="overdue"' in page
    assert "просрочена" in page


def test_settlement_search_as_you_type(client: Any, auth: Auth, people: Any) -> None:
    auth.login(people["emails"]["individual"])
    labels = [item["label"] for item in client.get("/meters/settlements?q=бер").get_json()]
    assert labels == ["Берёзовка (Северный район)", "Берёзовка (Южный район)"]


@pytest.mark.parametrize("path", ["/meters/", "/requests/", "/staff/", "/dispatch/"])
def test_pages_need_login(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_no_personal_data_in_urls_or_logs(
    client: Any, auth: Auth, people: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    visited: list[str] = []
    auth.login(people["emails"]["legal"])
    response = submit(auth, LEGAL_OK)
    visited.append(response.headers["Location"])
    auth.post("/reset", {"email": people["emails"]["individual"]})
    text = caplog.text + " ".join(visited) + csrf_of(client, "/requests/")
    for secret in (people["emails"]["legal"], people["emails"]["individual"], "+73432000000", "1027700132195"):
        assert secret not in text

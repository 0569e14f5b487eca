"""Demo data for `make run` and the tests: РЭС, settlements, a registry, people of every role, requests.

Idempotent (upserts by code and e-mail). Must not print passwords: `seed` returns them to its caller.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from portal.db import Conn
from portal.passwords import hash_password
from portal.routing import route_fields
from portal.rules.contract import check_contract
from portal.store import accounts, directory, meters
from portal.store import requests as request_store

PASSWORD_FOR_TESTS = "demo-password-2025"  # noqa: S105 - fixture password of the test database only

RES = [("north", "Северный РЭС", "Asia/Yekaterinburg"), ("south", "Южный РЭС", "Asia/Yekaterinburg")]
SETTLEMENTS = [
    ("Озёрный", "Северный район", "north"),
    ("Берёзовка", "Северный район", "north"),
    ("Берёзовка", "Южный район", "south"),
    ("Каменка", "Южный район", "south"),
]
# serial, model, contract, address, (settlement name, district), reported serial
REGISTRY = [
    ("00123456", "Милур 307", "ЭС-1001", "ул. Лесная, 5", ("Озёрный", "Северный район"), None),
    ("4567890", "Меркурий 234", "ЛС 2002/15", "ул. Заводская, 12, цех 3", ("Каменка", "Южный район"), "4567890"),
    ("7000001", "СЕ 307", "ЭС-1003", "ул. Полевая, 1", ("Берёзовка", "Северный район"), None),
    ("7000002", "СЕ 208", "ЭС-1004", "ул. Садовая, 8", ("Берёзовка", "Южный район"), "7000002"),
]
PEOPLE = [
    # key, role, kind, e-mail, name, organisation, phone, РЭС codes
    ("admin", "admin", None, "admin@uchet.example", "Администратор Портала", None, "+79120000001", []),
    ("dispatcher", "dispatcher", None, "dispatcher@uchet.example", "Диспетчер Смирнова", None, "+79120000002", []),
    ("staff_north", "staff", None, "north@uchet.example", "Петров Пётр Петрович", None, "+79120000003", ["north"]),
    ("staff_south", "staff", None, "south@uchet.example", "Сидорова Анна Ивановна", None, "+79120000004", ["south"]),
    ("individual", "consumer", "individual", "ivanov@example.ru", "Иванов Иван Иванович", None, "+79123456789", []),
    ("legal", "consumer", "legal", "romashka@example.ru", "Кузнецова Мария", "ООО «Ромашка»", "+73432000000", []),
]


def seed_directory(conn: Conn) -> dict[str, Any]:
    """РЭС, settlements and the meter registry; returns their ids by code/name."""
    res_ids = {code: directory.upsert_res(conn, code, name, tz) for code, name, tz in RES}
    settlement_ids = {
        (name, district): directory.upsert_settlement(conn, name, district, res_ids[code], None)
        for name, district, code in SETTLEMENTS
    }
    meter_ids = {}
    for serial, model, contract, address, place, reported in REGISTRY:
        check = check_contract(contract)
        meter_id = meters.upsert_registry_meter(
            conn,
            serial=serial,
            model=model,
            contract=check.contract,
            contract_key=check.key,
            object_address=address,
            settlement_id=settlement_ids[place],
            timezone="Asia/Yekaterinburg",
        )
        conn.execute("UPDATE meters SET reported_serial = %s WHERE id = %s", (reported, meter_id))
        meter_ids[serial] = meter_id
    return {"res": res_ids, "settlements": settlement_ids, "meters": meter_ids}


def seed_people(conn: Conn, password: str) -> dict[str, Any]:
    """The demo people; an existing e-mail keeps its row (and gets this password)."""
    password_hash = hash_password(password)
    res = {r["code"]: r["id"] for r in directory.all_res(conn)}
    users: dict[str, int] = {}
    emails: dict[str, str] = {}
    for key, role, kind, email, name, organisation, phone, res_codes in PEOPLE:
        row = accounts.user_by_email(conn, email)
        if row is None:
            user_id = accounts.create_user(
                conn,
                role=role,
                consumer_kind=kind,
                email=email,
                full_name=name,
                organisation=organisation,
                phone=phone,
                password_hash=password_hash,
            )
        else:
            user_id = int(row["id"])
            accounts.set_password(conn, user_id, password_hash)
        if role == "consumer":
            accounts.record_consent(conn, user_id, "2025-01", None)
        for code in res_codes:
            accounts.assign_staff_res(conn, user_id, res[code])
        users[key] = user_id
        emails[key] = email
    return {"users": users, "emails": emails}


def _request(
    conn: Conn, user_id: int, kind: str, place: dict[str, Any] | None, typed: str, serial: str, contract: str
) -> int:
    check = check_contract(contract)
    now = dt.datetime.now(dt.UTC)
    fields = {
        "user_id": user_id,
        "applicant_kind": kind,
        "serial_typed": serial,
        "serial": serial,
        "contract_typed": check.contract,
        "contract_key": check.key,
        "org_name": "ООО «Ромашка»" if kind == "legal" else None,
        "ogrn": "1027700132195" if kind == "legal" else None,
        "registry_date": dt.date(2002, 8, 1) if kind == "legal" else None,
        "warnings": [],
        "created_at": now,
        **route_fields(conn, place, typed, now),
    }
    return request_store.create_request(conn, fields)


def seed_requests(conn: Conn, ids: dict[str, Any]) -> None:
    """One request in each state, made once: pending, approved (with access), rejected, at the dispatcher."""
    users = ids["users"]
    mine = request_store.requests_of_user(conn, users["individual"]) + request_store.requests_of_user(
        conn, users["legal"]
    )
    if mine:
        return
    place = {key: directory.settlement(conn, sid) for key, sid in ids["settlements"].items()}
    _request(conn, users["individual"], "individual", place[("Озёрный", "Северный район")], "", "00123456", "ЭС-1001")
    approved = _request(conn, users["legal"], "legal", place[("Каменка", "Южный район")], "", "4567890", "ЛС 2002/15")
    request_store.approve(conn, approved, users["staff_south"], ids["meters"]["4567890"])
    meters.grant_access(conn, users["legal"], ids["meters"]["4567890"], approved)
    rejected = _request(
        conn, users["individual"], "individual", place[("Берёзовка", "Южный район")], "", "99999999", "ЭС-9999"
    )
    request_store.reject(conn, rejected, users["staff_south"], "not_found", "Проверьте номер на корпусе счётчика")
    _request(conn, users["individual"], "individual", None, "Новосёлки", "7000001", "ЭС-1003")


def seed(conn: Conn, password: str | None = None) -> dict[str, Any]:
    """Everything above in one transaction. Returns ids, e-mails and the password (the caller prints it)."""
    password = password or secrets.token_urlsafe(12)
    with conn.transaction():
        ids = seed_directory(conn)
        ids.update(seed_people(conn, password))
        seed_requests(conn, ids)
    return {**ids, "password": password}


def attach_meters(conn: Conn, ids: dict[str, Any], fleet: list[tuple[int, str | None, str]]) -> None:
    """Place the meters the collector polls in the directory and give some to the demo consumers.

    `fleet` holds (meters.id, owner, contract) with owner 'individual', 'legal' or None (a meter only РЭС staff
    see, in their zone). An owned meter gets an approved request and access. Idempotent.
    """
    users = ids["users"]
    places = list(ids["settlements"].items())
    for n, (meter_id, owner, contract) in enumerate(fleet):
        key, settlement_id = places[n % len(places)]
        check = check_contract(contract)
        conn.execute(
            """UPDATE meters SET contract = %s, contract_key = %s, settlement_id = COALESCE(settlement_id, %s)
               WHERE id = %s""",
            (check.contract, check.key, settlement_id, meter_id),
        )
        if owner is None or meters.accessible_meter(conn, users[owner], meter_id) is not None:
            continue
        row = conn.execute("SELECT serial, settlement_id FROM meters WHERE id = %s", (meter_id,)).fetchone()
        assert row is not None
        settlement = directory.settlement(conn, row["settlement_id"])
        request_id = _request(conn, users[owner], owner, settlement, "", row["serial"], contract)
        res_code = "north" if key[1].startswith("Северный") else "south"
        request_store.approve(conn, request_id, users[f"staff_{res_code}"], meter_id)
        meters.grant_access(conn, users[owner], meter_id, request_id)

"""A РЭС employee's review: automatic checks against the meter registry, approval and rejection.

Must not render pages or check roles: the staff blueprint scopes requests to the employee's zone first.
"""

from __future__ import annotations

from typing import Any

from portal import mail
from portal.db import Conn
from portal.rules.serial import normalise_serial, serial_key
from portal.store import audit as audit_store
from portal.store import meters as meter_store
from portal.store import requests as request_store

REJECT_REASONS: dict[str, str] = {
    "not_found": "Прибор учета с указанным серийным номером не найден",
    "contract_mismatch": "Номер договора или лицевого счета не соответствует прибору учета",
    "settlement_mismatch": "Прибор учета установлен в другом населенном пункте",
    "org_mismatch": "Данные организации (ОГРН, наименование) не подтверждены",
    "already_connected": "Прибор учета уже подключен к другому личному кабинету",
    "other": "Другая причина",
}


def match_request(conn: Conn, req: dict[str, Any]) -> dict[str, Any]:
    """Compare the request with the registry and with what the polled meter reports about itself."""
    candidates = meter_store.meters_by_serial_key(conn, str(req["serial_key"]))
    rows = []
    for meter in candidates:
        reported = meter["reported_serial"]
        reported_check = None
        if reported:
            normal = normalise_serial(str(reported)).serial
            reported_check = normal is not None and serial_key(normal) == req["serial_key"]
        rows.append(
            {
                "meter_id": meter["id"],
                "serial": meter["serial"],
                "model": meter["model"],
                "contract": meter["contract"],
                "object_address": meter["object_address"],
                "contract_ok": meter["contract_key"] is not None and meter["contract_key"] == req["contract_key"],
                "settlement_ok": req["settlement_id"] is not None and meter["settlement_id"] == req["settlement_id"],
                "reported_serial": reported,
                "reported_ok": reported_check,
            }
        )
    by_contract = [] if rows else meter_store.meters_by_contract_key(conn, str(req["contract_key"]))
    return {
        "serial_found": bool(rows),
        "meters": rows,
        "contract_only": [{"meter_id": m["id"], "serial": m["serial"], "model": m["model"]} for m in by_contract],
    }


def approve(conn: Conn, req: dict[str, Any], staff_id: int, meter_id: int, ip: str | None) -> bool:
    """Approve and grant access; the meter must be one the automatic check offered for this serial."""
    offered = {m["meter_id"] for m in match_request(conn, req)["meters"]}
    if meter_id not in offered:
        return False
    with conn.transaction():
        if not request_store.approve(conn, int(req["id"]), staff_id, meter_id):
            return False
        meter_store.grant_access(conn, int(req["user_id"]), meter_id, int(req["id"]))
        audit_store.audit(
            conn, staff_id, "request.approve", "connection_request", req["id"], {"meter_id": meter_id}, ip
        )
        text = f"Заявка № {req['id']} на подключение прибора учета {req['serial']} одобрена."
        audit_store.notify(conn, int(req["user_id"]), text)
        mail.send(conn, str(req["email"]), "Заявка на подключение прибора учета одобрена", text)
    return True


def reject(conn: Conn, req: dict[str, Any], staff_id: int, code: str, text: str | None, ip: str | None) -> bool:
    if code not in REJECT_REASONS:
        return False
    with conn.transaction():
        if not request_store.reject(conn, int(req["id"]), staff_id, code, text):
            return False
        audit_store.audit(conn, staff_id, "request.reject", "connection_request", req["id"], {"reason": code}, ip)
        reason = REJECT_REASONS[code] + (f": {text}" if text else "")
        message = f"Заявка № {req['id']} на подключение прибора учета {req['serial']} отклонена. Причина: {reason}"
        audit_store.notify(conn, int(req["user_id"]), message)
        mail.send(conn, str(req["email"]), "Заявка на подключение прибора учета отклонена", message)
    return True

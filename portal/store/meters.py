"""Meter registry rows and consumers' access to them.

Every query that returns a consumer's meter is scoped by meter_access; must not return a meter by id alone.
"""

from __future__ import annotations

from typing import Any

from portal.db import Conn


def connected_meters(conn: Conn, user_id: int) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT m.id, m.serial, m.model, m.manufacturer, m.contract, m.object_name, m.object_address"
        " FROM meter_access a JOIN meters m ON m.id = a.meter_id WHERE a.user_id = %s ORDER BY m.contract, m.serial",
        (user_id,),
    ).fetchall()


def accessible_meter(conn: Conn, user_id: int, meter_id: int) -> dict[str, Any] | None:
    return conn.execute(
        "SELECT m.* FROM meter_access a JOIN meters m ON m.id = a.meter_id WHERE a.user_id = %s AND m.id = %s",
        (user_id, meter_id),
    ).fetchone()


def meters_by_serial_key(conn: Conn, serial_key: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, serial, serial_key, model, contract, contract_key, object_address, settlement_id,"
        " reported_serial, code FROM meters WHERE serial_key = %s ORDER BY id",
        (serial_key,),
    ).fetchall()


def meters_by_contract_key(conn: Conn, contract_key: str) -> list[dict[str, Any]]:
    return conn.execute(
        "SELECT id, serial, model, contract, contract_key, settlement_id FROM meters WHERE contract_key = %s"
        " ORDER BY id LIMIT 20",
        (contract_key,),
    ).fetchall()


def grant_access(conn: Conn, user_id: int, meter_id: int, request_id: int) -> None:
    conn.execute(
        "INSERT INTO meter_access (user_id, meter_id, request_id) VALUES (%s, %s, %s)"
        " ON CONFLICT (user_id, meter_id) DO NOTHING",
        (user_id, meter_id, request_id),
    )


def upsert_registry_meter(
    conn: Conn,
    *,
    serial: str,
    model: str,
    contract: str | None,
    contract_key: str | None,
    object_address: str,
    settlement_id: int | None,
    timezone: str,
    protocol: str = "dlms",
) -> int:
    """Registry import: a meter is the same meter when serial_key and model agree."""
    row = conn.execute(
        "SELECT id FROM meters WHERE serial_key = %s AND model = %s ORDER BY id LIMIT 1",
        (serial.lstrip("0") or "0", model),
    ).fetchone()
    if row:
        conn.execute(
            "UPDATE meters SET serial = %s, contract = %s, contract_key = %s, object_address = %s,"
            " settlement_id = %s, timezone = %s, updated_at = now() WHERE id = %s",
            (serial, contract, contract_key, object_address, settlement_id, timezone, row["id"]),
        )
        return int(row["id"])
    row = conn.execute(
        "INSERT INTO meters (serial, model, protocol, contract, contract_key, object_address, settlement_id, timezone)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (serial, model, protocol, contract, contract_key, object_address, settlement_id, timezone),
    ).fetchone()
    assert row is not None
    return int(row["id"])

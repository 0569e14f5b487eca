"""The collector's writes to the meter registry: configured meters, nameplates, meter status, completeness, event texts.

Must not delete registry rows nor write readings/events (the store does); it never commits: the caller owns that.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg

from collector.config import MeterConfig
from collector.items import CompletenessItem, MeterStatusItem, NameplateItem, RequestOutcomeItem

log = logging.getLogger(__name__)

Connection = psycopg.Connection[Any]
# (journal, code, text_ru, text_en, pairs_with): one row of `event_codes`.
EventCodeRow = tuple[int, int, str, str, int | None]

_SERIAL = re.compile(r"^[0-9A-Z]{4,20}$")  # meters.serial
# A configured meter without a serial still needs a registry row (meters.serial is NOT NULL): it gets this
# placeholder until the meter reports its own serial in a nameplate read, which then replaces it.
UNKNOWN_SERIAL = "0000"


def _serial(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = re.sub(r"[\s\-_./]", "", text).upper()
    return cleaned if _SERIAL.match(cleaned) else None


def sync_meters(conn: Connection, meters: Sequence[MeterConfig]) -> dict[str, int]:
    """Upsert the configured meters by code and return code → meters.id for every meter with a code.

    Meters no longer in the config keep their rows (their history stays readable); a meter without a serial in
    the config keeps the registry's serial.
    """
    for meter in meters:
        serial = _serial(meter.serial)
        if meter.serial is not None and serial is None:
            log.warning("meter %s: serial %r does not fit [0-9A-Z]{4,20}; registry serial kept", meter.id, meter.serial)
        upsert_meter(conn, meter, serial)
    return meter_ids(conn)


def upsert_meter(conn: Connection, meter: MeterConfig, serial: str | None) -> None:
    conn.execute(
        """
        INSERT INTO meters (code, serial, model, protocol, timezone, object_name, object_address)
        VALUES (%(code)s, coalesce(%(serial)s, %(unknown)s), %(model)s, %(protocol)s, %(tz)s, %(oname)s, %(oaddr)s)
        ON CONFLICT (code) DO UPDATE SET
            serial = coalesce(%(serial)s, meters.serial),
            model = EXCLUDED.model,
            protocol = EXCLUDED.protocol,
            timezone = EXCLUDED.timezone,
            object_name = EXCLUDED.object_name,
            object_address = EXCLUDED.object_address,
            updated_at = now()
        WHERE (meters.serial, meters.model, meters.protocol, meters.timezone, meters.object_name,
               meters.object_address)
              IS DISTINCT FROM (coalesce(%(serial)s, meters.serial), EXCLUDED.model, EXCLUDED.protocol,
                                EXCLUDED.timezone, EXCLUDED.object_name, EXCLUDED.object_address)
        """,
        {
            "code": meter.id,
            "serial": serial,
            "unknown": UNKNOWN_SERIAL,
            "model": meter.model,
            "protocol": meter.protocol,
            "tz": meter.timezone,
            "oname": meter.object_name,
            "oaddr": meter.object_address,
        },
    )


def meter_ids(conn: Connection) -> dict[str, int]:
    """code → meters.id of every registry row that has a code."""
    rows = conn.execute("SELECT code, id FROM meters WHERE code IS NOT NULL").fetchall()
    return {str(code): int(meter_id) for code, meter_id in rows}


def apply_nameplate(conn: Connection, meter_id: int, item: NameplateItem) -> None:
    """Record what the meter reports about itself; an older read (a spool replay) never overwrites a newer one."""
    conn.execute(
        """
        UPDATE meters SET
            reported_serial = coalesce(%(reported)s, reported_serial),
            serial = CASE WHEN serial = %(unknown)s AND %(serial)s::text IS NOT NULL THEN %(serial)s ELSE serial END,
            firmware = coalesce(%(firmware)s, firmware),
            manufactured = coalesce(%(manufactured)s, manufactured),
            spodes_version = coalesce(%(spodes)s, spodes_version),
            ct_ratio = coalesce(%(ct)s, ct_ratio),
            vt_ratio = coalesce(%(vt)s, vt_ratio),
            nameplate_read_at = %(read_at)s,
            updated_at = now()
        WHERE id = %(id)s AND (nameplate_read_at IS NULL OR nameplate_read_at <= %(read_at)s)
        """,
        {
            "id": meter_id,
            "reported": item.reported_serial,
            "unknown": UNKNOWN_SERIAL,
            "serial": _serial(item.reported_serial),
            "firmware": item.firmware,
            "manufactured": item.manufactured,
            "spodes": item.spodes_version,
            "ct": item.ct_ratio,
            "vt": item.vt_ratio,
            "read_at": item.read_at,
        },
    )


_STATUS_UPSERT = """
    INSERT INTO meter_status AS s (meter_id, last_attempt, last_success, last_error_class, last_error,
                                   consecutive_failures, clock_drift_s, clock_checked_at, updated_at)
    VALUES (%(id)s, %(at)s, CASE WHEN %(ok)s THEN %(at)s END, %(cls)s, %(err)s,
            CASE WHEN %(ok)s THEN 0 ELSE 1 END, %(drift)s,
            CASE WHEN %(drift)s::double precision IS NOT NULL THEN %(at)s END, now())
    ON CONFLICT (meter_id) DO UPDATE SET
        last_attempt = EXCLUDED.last_attempt,
        last_success = coalesce(EXCLUDED.last_success, s.last_success),
        -- the last error stays after a recovery (what went wrong last time); consecutive_failures = 0 says healthy
        last_error_class = CASE WHEN %(ok)s THEN s.last_error_class ELSE EXCLUDED.last_error_class END,
        last_error = CASE WHEN %(ok)s THEN s.last_error ELSE EXCLUDED.last_error END,
        consecutive_failures = CASE WHEN %(ok)s THEN 0 ELSE s.consecutive_failures + 1 END,
        clock_drift_s = coalesce(EXCLUDED.clock_drift_s, s.clock_drift_s),
        clock_checked_at = coalesce(EXCLUDED.clock_checked_at, s.clock_checked_at),
        updated_at = now()
    WHERE s.last_attempt IS NULL OR EXCLUDED.last_attempt > s.last_attempt
"""


def _status_params(meter_id: int, item: MeterStatusItem) -> dict[str, Any]:
    return {
        "id": meter_id,
        "at": item.attempt_at,
        "ok": item.success,
        "cls": None if item.success else item.error_class,
        "err": None if item.success else item.error,
        "drift": item.clock_drift_s,
    }


def apply_statuses(conn: Connection, rows: Sequence[tuple[int, MeterStatusItem]]) -> None:
    """Upsert meter_status for many items in order, pipelined (one round trip instead of one per meter): failures
    count up, a success resets them. Only a newer attempt applies, so replaying the spool after a crash between
    commit and ack never counts a failure twice."""
    with conn.cursor() as cur:
        cur.executemany(_STATUS_UPSERT, [_status_params(meter_id, item) for meter_id, item in rows])


def apply_outcome(conn: Connection, meter_id: int, item: RequestOutcomeItem) -> None:
    """Close an on-demand read request; a replay finds it closed and changes nothing."""
    conn.execute(
        "UPDATE read_requests SET done_at = %s, outcome = %s WHERE id = %s AND meter_id = %s AND done_at IS NULL",
        (item.done_at, ("ok: " if item.ok else "failed: ") + item.detail, item.request_id, meter_id),
    )


def apply_completeness(conn: Connection, meter_id: int, item: CompletenessItem) -> None:
    """Upsert the slot count of one local day: the latest count wins (a re-read fills gaps)."""
    conn.execute(
        """
        INSERT INTO meter_completeness (meter_id, day, expected, received, permanent_gaps)
        VALUES (%s, %s, %s, %s, %s)
        ON CONFLICT (meter_id, day) DO UPDATE SET
            expected = EXCLUDED.expected, received = EXCLUDED.received, permanent_gaps = EXCLUDED.permanent_gaps
        """,
        (meter_id, item.day, item.expected, item.received, item.permanent_gaps),
    )


def dlms_event_code_rows() -> list[EventCodeRow]:
    """The СПОДЭС event-code tables of drivers.dlms, as `event_codes` rows."""
    from drivers.dlms.journal import event_code_rows

    return list(event_code_rows())


def load_event_codes(conn: Connection, rows: Iterable[EventCodeRow] | None = None) -> int:
    """Upsert event-code texts (default: the drivers' DLMS tables); return how many rows were offered."""
    data = list(dlms_event_code_rows() if rows is None else rows)
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO event_codes (journal, code, text_ru, text_en, pairs_with) VALUES (%s, %s, %s, %s, %s)
            ON CONFLICT (journal, code) DO UPDATE SET
                text_ru = EXCLUDED.text_ru, text_en = EXCLUDED.text_en, pairs_with = EXCLUDED.pairs_with
            """,
            data,
        )
    return len(data)

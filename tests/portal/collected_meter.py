"""A meter's data written the way the collector writes it: a simulated СПОДЭС meter read with DlmsSession over
SimulatedTcpServer, converted by collector.items, appended to a Spool in tmp_path and drained by collector.store.

Must not write readings or events by hand: only the registry arrangement (contract, settlement, verification
dates) that the portal's registry import would make is set with SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from collector.config import MeterConfig
from collector.items import (
    Item,
    MeterStatusItem,
    events_to_items,
    nameplate_to_item,
    profile_to_items,
    readings_to_items,
)
from collector.registry import load_event_codes, sync_meters
from collector.spool import Spool
from collector.store import Store
from drivers.dlms import DlmsSession, DlmsSettings
from drivers.dlms.journal import event_text
from drivers.dlms.objects import DAILY_PROFILE, LOAD_PROFILE, MONTHLY_PROFILE
from drivers.link import TcpLink
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import WrapperPort, wrapper_splitter
from drivers.sim.tcp_server import SimulatedTcpServer

TZ = "Asia/Yekaterinburg"
CODE = "dl-77"
SERIAL = "013000077"
PROFILE_DAYS = 5
READER = {"client_address": 32, "auth": "lls", "password": b"12345678"}
JOURNALS = (0, 2, 3, 4, 5, 6, 7)
# Start → end codes of the simulator's journals (outage phase A, power off/on, magnet). Journal 7 gets no texts,
# so its codes stay unknown to the portal («Неизвестное событие (код N)»).
PAIRS = {(0, 1): 2, (0, 3): 4, (0, 5): 6, (0, 7): 8, (2, 1): 2, (4, 1): 2}


@dataclass
class Collected:
    meter_id: int
    first_day: datetime  # local midnight of the first whole profile day (aware, local zone)
    now: datetime


def _event_code_rows() -> list[tuple[int, int, str, str, int | None]]:
    rows = []
    for journal in JOURNALS:
        if journal == 7:
            continue
        for code in range(1, 128):
            text = event_text(journal, code)
            if not text.startswith("Неизвестное"):
                rows.append((journal, code, text, "", PAIRS.get((journal, code))))
    return rows


def _read(link: TcpLink, code: str, now: datetime, first_day: datetime) -> list[Item]:
    items: list[Item] = []
    settings = DlmsSettings(transport="wrapper", profile_chunk_rows=96, **READER)  # type: ignore[arg-type]
    with DlmsSession(link, settings=settings) as session:
        items += readings_to_items(code, session.read_registers()).items
        items += profile_to_items(code, session.read_profile(LOAD_PROFILE, first_day, now)).items
        daily = session.read_profile(DAILY_PROFILE, now - timedelta(days=40), now)
        items += profile_to_items(code, daily, source="daily").items
        monthly = session.read_profile(MONTHLY_PROFILE, now - timedelta(days=150), now)
        items += profile_to_items(code, monthly, source="monthly").items
        for journal in JOURNALS:
            items += events_to_items(code, session.read_journal(journal, now - timedelta(days=120)))
        items.append(nameplate_to_item(code, session.read_nameplate(), now))
        clock = session.read_clock()
        items.append(MeterStatusItem(meter=code, attempt_at=now, success=True, clock_drift_s=clock.drift_seconds))
    return items


def collect(dsn: str, tmp_path: Path) -> Collected:
    """Read the simulated meter once and store everything through the collector's spool and store."""
    now = datetime.now(UTC)
    local_today = now.astimezone(ZoneInfo(TZ)).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = local_today - timedelta(days=PROFILE_DAYS - 1)
    meter = SimulatedDlmsMeter(MeterModel(SERIAL, seed=77, utc_offset_min=300))
    config = MeterConfig(
        id=CODE,
        line="tcp-77",
        protocol="dlms",
        address=1,
        model="Милур 307",
        serial=SERIAL,
        timezone=TZ,
        object_name="Жилой дом",
        object_address="ул. Лесная, 5",
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        ids = sync_meters(conn, [config])
        load_event_codes(conn, _event_code_rows())
    with SimulatedTcpServer([WrapperPort(meter)], splitter=wrapper_splitter) as server:
        link = TcpLink(host="127.0.0.1", port=server.port)
        link.open()
        try:
            items = _read(link, CODE, now, first_day)
        finally:
            link.close()
    spool = Spool(tmp_path / "spool")
    store = Store(dsn, spool, batch_items=1000)
    try:
        spool.append(items)
        store.drain()
    finally:
        store.stop()
        spool.close()
    return Collected(meter_id=ids[CODE], first_day=first_day, now=now)


def arrange_registry(conn: psycopg.Connection[Any], meter_id: int, settlement_id: int) -> None:
    """What the registry import gives a meter: contract, settlement, manufacturer, verification, tariffs."""
    conn.execute(
        "UPDATE meters SET contract = 'ЭС-7700', contract_key = 'ЭС7700', settlement_id = %s, manufacturer = %s,"
        " verification_date = '2024-03-15', next_verification = '2040-03-15', tariff_count = 4 WHERE id = %s",
        (settlement_id, "ООО «Милур ИС»", meter_id),
    )

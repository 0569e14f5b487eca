"""The registry writes: configured meters upserted by code and never deleted, nameplates, completeness, event texts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from collector.config import MeterConfig
from collector.items import CompletenessItem, NameplateItem, nameplate_to_item
from collector.registry import (
    UNKNOWN_SERIAL,
    apply_completeness,
    apply_nameplate,
    load_event_codes,
    sync_meters,
)
from drivers.record import Nameplate

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def meter(code: str, **changes: Any) -> MeterConfig:
    fields: dict[str, Any] = {"id": code, "line": "l1", "protocol": "dlms", "address": 17, "model": "m"}
    fields.update(changes)
    return MeterConfig(**fields)


def test_sync_upserts_by_code_and_never_deletes(db: psycopg.Connection[Any]) -> None:
    ids = sync_meters(db, [meter("a1", serial="00012345", object_name="ТП-1"), meter("a2", serial="777777")])
    again = sync_meters(db, [meter("a1", serial="00012345", object_name="ТП-2", timezone="Asia/Yekaterinburg")])
    assert again["a1"] == ids["a1"]
    assert "a2" in again  # a meter gone from the config keeps its registry row and its history
    row = db.execute("SELECT serial, object_name, timezone FROM meters WHERE code = 'a1'").fetchone()
    assert row == ("00012345", "ТП-2", "Asia/Yekaterinburg")


def test_a_meter_without_serial_takes_the_one_it_reports(db: psycopg.Connection[Any]) -> None:
    ids = sync_meters(db, [meter("b1")])
    assert db.execute("SELECT serial FROM meters WHERE code = 'b1'").fetchone() == (UNKNOWN_SERIAL,)
    plate = Nameplate(serial="012345678", firmware="1.0.7", spodes_version="3.0", ct_ratio=Decimal(40))
    apply_nameplate(db, ids["b1"], nameplate_to_item("b1", plate, T0))
    row = db.execute(
        "SELECT serial, reported_serial, firmware, spodes_version, ct_ratio, nameplate_read_at "
        "FROM meters WHERE id = %s",
        (ids["b1"],),
    ).fetchone()
    assert row == ("012345678", "012345678", "1.0.7", "3.0", Decimal(40), T0)
    older = NameplateItem(meter="b1", read_at=T0 - timedelta(days=1), firmware="0.9")  # a spool replay, older
    apply_nameplate(db, ids["b1"], older)
    assert db.execute("SELECT firmware FROM meters WHERE id = %s", (ids["b1"],)).fetchone() == ("1.0.7",)


def test_completeness_latest_count_wins(db: psycopg.Connection[Any]) -> None:
    ids = sync_meters(db, [meter("c1", serial="123456")])
    day = date(2026, 3, 1)
    apply_completeness(db, ids["c1"], CompletenessItem(meter="c1", day=day, expected=48, received=40))
    apply_completeness(db, ids["c1"], CompletenessItem(meter="c1", day=day, expected=48, received=47, permanent_gaps=1))
    row = db.execute(
        "SELECT expected, received, permanent_gaps FROM meter_completeness WHERE meter_id = %s", (ids["c1"],)
    )
    assert row.fetchall() == [(48, 47, 1)]


def test_event_code_texts_upsert(db: psycopg.Connection[Any]) -> None:
    load_event_codes(db, [(0, 1, "Фаза А — пропадание напряжения", "", 2), (0, 2, "старый текст", "", None)])
    load_event_codes(db, [(0, 2, "Фаза А — восстановление напряжения", "Phase A voltage restored", None)])
    rows = db.execute(
        "SELECT code, text_ru, pairs_with FROM event_codes WHERE journal = 0 AND code IN (1, 2) ORDER BY 1"
    )
    assert rows.fetchall() == [
        (1, "Фаза А — пропадание напряжения", 2),
        (2, "Фаза А — восстановление напряжения", None),
    ]


def test_the_drivers_event_tables_load_when_they_offer_rows(db: psycopg.Connection[Any]) -> None:
    loaded = load_event_codes(db)  # 0 until drivers.dlms.journal offers event_code_rows(); never an error
    count = db.execute("SELECT count(*) FROM event_codes").fetchone()
    assert count is not None
    assert count[0] >= loaded

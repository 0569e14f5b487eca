"""Driver records become items in the system's units (kWh, kvarh, kW), whatever the meter reported."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from collector.items import profile_to_items, readings_to_items
from drivers.obis import Obis
from drivers.record import ProfileRow, Quality, Reading

TS = datetime(2026, 12, 1, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "unit", "stored"),
    [
        (Decimal(10059824), "Wh", Decimal("10059.824")),
        (Decimal(503791), "varh", Decimal("503.791")),
        (Decimal(1187), "W", Decimal("1.187")),
        (Decimal("10059.824"), "kWh", Decimal("10059.824")),
        (Decimal("227.6"), "V", Decimal("227.6")),
        (Decimal("50.04"), None, Decimal("50.04")),
    ],
)
def test_register_values_are_stored_in_system_units(value: Decimal, unit: str | None, stored: Decimal) -> None:
    converted = readings_to_items("m1", [Reading(Obis.parse("1.0.1.8.0"), value, unit, TS)])
    assert [item.value for item in converted.items] == [stored]


def test_profile_values_are_converted_and_bad_ones_refused() -> None:
    good = Reading(Obis.parse("1.0.1.29.0"), Decimal(250), "Wh", TS)
    bad = Reading(Obis.parse("1.0.3.29.0"), None, "varh", TS, quality=Quality.DECODE_ERROR)
    converted = profile_to_items("m1", [ProfileRow(Obis.parse("1.0.99.1.0"), TS, (good, bad))])
    assert [item.value for item in converted.items] == [Decimal("0.25")]
    assert converted.refused == [bad]

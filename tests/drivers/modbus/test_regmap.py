"""Register maps as data: every shipped map loads, cites its datasheet and plans requests within its limits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from drivers.errors import ConfigurationError
from drivers.modbus import MAP_NAMES, load_map
from drivers.modbus.codec import DataType
from drivers.modbus.plan import plan_blocks
from drivers.modbus.regmap import parse_map
from drivers.obis import Obis
from drivers.sim.modbus_models import MODELS
from tests.drivers.modbus.conftest import LINE_METERS


def test_the_four_models_ship() -> None:
    assert {"eastron_sdm630", "eastron_sdm120", "carlo_gavazzi_em24", "abb_b23"} <= set(MAP_NAMES)


def test_every_map_has_a_simulator_and_a_meter_on_the_test_line() -> None:
    """A new map is only trusted once the independently typed simulator agrees with it (test_session_*)."""
    assert set(MAP_NAMES) <= set(MODELS)
    assert set(MAP_NAMES) <= set(LINE_METERS.values())


def test_abb_energy_is_a_64_bit_counter_in_hundredths_of_a_kwh() -> None:
    energy = load_map("abb_b23").point(Obis.parse("1.0.1.8.0.255"))
    assert energy is not None
    assert (energy.dtype, energy.address, energy.scale, energy.unit) == (DataType.U64, 0x5000, Decimal("0.01"), "kWh")


@pytest.mark.parametrize("name", MAP_NAMES)
def test_map_loads_with_datasheet_serial_and_energy(name: str) -> None:
    register_map = load_map(name)
    assert register_map.datasheet
    assert register_map.serial is not None
    assert "1.0.1.8.0.255" in {str(p.obis) for p in register_map.points}


@pytest.mark.parametrize("name", MAP_NAMES)
def test_plan_covers_every_point_once_within_the_model_limit(name: str) -> None:
    register_map = load_map(name)
    blocks = plan_blocks(register_map.points, max_registers=register_map.max_registers, max_gap=register_map.max_gap)
    carried = [p for block in blocks for p in block.points]
    assert sorted(carried, key=lambda p: p.address) == sorted(register_map.points, key=lambda p: p.address)
    for block in blocks:
        assert block.count <= register_map.max_registers
        assert all(block.address <= p.address and p.end <= block.address + block.count for p in block.points)
    assert len(blocks) < len(register_map.points)  # adjacent registers are grouped


def test_plan_splits_at_the_limit() -> None:
    points = load_map("eastron_sdm630").points
    blocks = plan_blocks(points, max_registers=4, max_gap=0)
    assert all(block.count <= 4 for block in blocks)


def _raw(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "model": "X",
        "manufacturer": "Y",
        "datasheet": "Z",
        "max_registers": 10,
        "points": [{"obis": "1.0.1.8.0.255", "name": "kWh", "function": "input", "address": 0, "type": "u32"}],
    }
    raw.update(overrides)
    return raw


@pytest.mark.parametrize(
    "raw",
    [
        _raw(colour="red"),
        _raw(max_registers=200),
        _raw(points=[{"obis": "1.0.1.8.0", "name": "a", "function": "input", "address": 0, "type": "u128"}]),
        _raw(points=[{"obis": "1.0.1.8.0", "name": "a", "function": "coil", "address": 0, "type": "u16"}]),
        _raw(
            points=[
                {"obis": "1.0.1.8.0", "name": "a", "function": "input", "address": 0, "type": "u32"},
                {"obis": "1.0.2.8.0", "name": "b", "function": "input", "address": 1, "type": "u16"},
            ]
        ),
    ],
)
def test_broken_maps_fail_at_load(raw: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        parse_map("broken", raw)


def test_unknown_model_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="known"):
        load_map("no_such_meter")

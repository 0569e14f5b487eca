"""ABB B2x meters answer a quantity they do not measure with every bit set: NOT_SUPPORTED, never a huge number."""

from __future__ import annotations

from drivers.link import SerialLink
from drivers.modbus import Framing, ModbusSession, load_map
from drivers.obis import Obis
from drivers.record import Quality
from drivers.sim.modbus_meter import SimulatedModbusMeter
from tests.drivers.modbus.test_session_line import assert_matches_simulator

VOLTAGE_L2 = Obis.parse("1.0.52.7.0.255")  # ABB B23 0x5B02, u32 0.1 V


def test_all_ones_is_not_available_on_abb(meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink) -> None:
    meter = meters[6]
    assert meter.model_name == "abb_b23"
    meter.frozen = True
    meter.unavailable_addresses = {0x5B02, 0x5B03}
    with ModbusSession(
        serial_link, unit_id=6, register_map=load_map("abb_b23"), framing=Framing.RTU, timeout_s=0.5
    ) as session:
        readings = {r.obis: r for r in session.read_registers()}
    assert readings[VOLTAGE_L2].quality is Quality.NOT_SUPPORTED
    assert readings[VOLTAGE_L2].value is None
    assert "not available" in (readings[VOLTAGE_L2].detail or "")
    good = [r for r in readings.values() if r.obis != VOLTAGE_L2]
    assert {r.quality for r in good} == {Quality.GOOD}
    assert_matches_simulator(good, meter)


def test_only_maps_that_say_so_treat_all_ones_as_absent() -> None:
    assert load_map("abb_b23").all_ones_is_absent
    assert not load_map("eastron_sdm630").all_ones_is_absent

"""Collisions on a simulated RS-485 line that garbles them: the driver sees a bad CRC and never returns a value."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.link import SerialLink
from drivers.modbus import ModbusSession, load_map, scan_unit_ids
from drivers.record import Quality
from drivers.sim.modbus_frame import split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter
from drivers.sim.serial_line import SimulatedSerialLine
from tests.drivers.modbus.test_session_line import assert_matches_simulator

BAUD = 19200


@pytest.fixture
def conflict() -> Iterator[tuple[SimulatedSerialLine, SerialLink, list[SimulatedModbusMeter]]]:
    """Two SDM630 both set to unit 7 (an installer's classic), and an ABB B23 at unit 8 on the same line."""
    meters = [SimulatedModbusMeter("eastron_sdm630", 7, seed=1), SimulatedModbusMeter("eastron_sdm630", 7, seed=2)]
    meters.append(SimulatedModbusMeter("abb_b23", 8, seed=8))
    for meter in meters:
        meter.frozen = True
    with SimulatedSerialLine(meters, splitter=split_rtu_request, baud=BAUD, turnaround_s=0.005) as line:
        link = SerialLink(port=line.port, baud=BAUD)
        link.open()
        try:
            yield line, link, meters
        finally:
            link.close()


def test_garbled_collision_is_a_decode_error_never_a_value(
    conflict: tuple[SimulatedSerialLine, SerialLink, list[SimulatedModbusMeter]],
) -> None:
    line, link, meters = conflict
    line.garble_collisions = True
    with ModbusSession(link, unit_id=7, register_map=load_map("eastron_sdm630"), timeout_s=0.3, retries=1) as session:
        readings = session.read_registers()
    assert {r.quality for r in readings} == {Quality.DECODE_ERROR}
    assert all(r.value is None and r.detail and "CRC" in r.detail for r in readings)
    assert line.stats.collisions == 2 * 2  # two groups, each tried twice, each answered by both meters
    with ModbusSession(link, unit_id=8, register_map=load_map("abb_b23")) as neighbour:
        assert_matches_simulator(neighbour.read_registers(), meters[2])  # the line recovers for the next meter
    assert line.stats.silence_violations == 0


def test_scan_does_not_count_a_garbled_reply_as_a_meter(
    conflict: tuple[SimulatedSerialLine, SerialLink, list[SimulatedModbusMeter]],
) -> None:
    line, link, _ = conflict
    line.garble_collisions = True
    # Probe the serial number (0xFC00), which differs between the two: identical replies would superpose cleanly.
    assert scan_unit_ids(link, range(6, 10), timeout_s=0.1, probe_address=0xFC00) == [8]


def test_without_garbling_the_line_only_counts_the_collision(
    conflict: tuple[SimulatedSerialLine, SerialLink, list[SimulatedModbusMeter]],
) -> None:
    line, link, meters = conflict
    with ModbusSession(link, unit_id=7, register_map=load_map("eastron_sdm630")) as session:
        assert_matches_simulator(session.read_registers(), meters[0])  # the first meter's reply reaches us whole
    assert line.stats.collisions == 2

"""ModbusSession against simulated meters on a paced pty RS-485 line: values, absent ids, faults, timing counts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drivers.link import SerialLink
from drivers.modbus import ModbusSession, load_map, scan_unit_ids
from drivers.obis import Obis
from drivers.record import Quality, Reading
from drivers.sim.modbus_meter import Fault, SimulatedModbusMeter, expected_value
from drivers.sim.serial_line import SimulatedSerialLine
from tests.drivers.modbus.conftest import LINE_METERS


def _session(link: SerialLink, unit: int, *, timeout_s: float = 0.3, retries: int = 1) -> ModbusSession:
    return ModbusSession(
        link, unit_id=unit, register_map=load_map(LINE_METERS.get(unit, "eastron_sdm120")), timeout_s=timeout_s,
        retries=retries,
    )  # fmt: skip


def assert_matches_simulator(readings: list[Reading], meter: SimulatedModbusMeter) -> None:
    values = meter.values()
    slots = {slot.obis: slot for slot in meter.model.slots}
    assert readings
    for reading in readings:
        assert reading.quality is Quality.GOOD, reading
        assert reading.value is not None
        key = str(reading.obis)
        expected = expected_value(slots[key], values[key])
        assert abs(reading.value - Decimal(repr(expected))) <= Decimal("1e-6") * max(1, abs(reading.value))


@pytest.mark.parametrize("unit", sorted(LINE_METERS))
def test_every_map_decodes_to_the_simulator_values(
    unit: int, meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink, line: SimulatedSerialLine
) -> None:
    meter = meters[unit]
    meter.advance()
    meter.frozen = True
    with _session(serial_link, unit) as session:
        readings = session.read_registers()
        nameplate = session.read_nameplate()
    assert [r.obis for r in readings] == [p.obis for p in load_map(LINE_METERS[unit]).points]
    assert_matches_simulator(readings, meter)
    assert nameplate.serial is not None
    assert nameplate.serial.endswith(str(meter.serial))
    assert line.stats.silence_violations == 0
    assert line.stats.collisions == 0


def test_absent_id_times_out_and_the_next_meter_still_answers(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink, line: SimulatedSerialLine
) -> None:
    with _session(serial_link, 4, timeout_s=0.2) as absent:
        readings = absent.read_registers()
    assert {r.quality for r in readings} == {Quality.TIMEOUT}
    assert all(r.value is None for r in readings)
    meters[5].frozen = True
    with _session(serial_link, 5) as present:
        assert_matches_simulator(present.read_registers(), meters[5])
    assert line.stats.silence_violations == 0


def test_requested_points_come_back_in_order_and_unknown_ones_are_not_supported(serial_link: SerialLink) -> None:
    wanted = [Obis.parse("1.0.1.8.0.255"), Obis.parse("1.0.99.1.0.255"), Obis.parse("1.0.32.7.0.255")]
    with _session(serial_link, 1) as session:
        readings = session.read_registers(wanted)
    assert [r.obis for r in readings] == wanted
    assert [r.quality for r in readings] == [Quality.GOOD, Quality.NOT_SUPPORTED, Quality.GOOD]


def test_corrupted_crc_never_becomes_a_value(meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink) -> None:
    meters[2].fault = Fault.BAD_CRC
    with _session(serial_link, 2, retries=2) as session:
        readings = session.read_registers()
    assert {r.quality for r in readings} == {Quality.DECODE_ERROR}
    assert all(r.value is None and r.detail and "CRC" in r.detail for r in readings)
    assert meters[2].requests_seen == 2 * 3  # two blocks, each tried three times: a read is safe to repeat


def test_exception_response_is_a_device_error_without_retry(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink
) -> None:
    meters[3].fault = Fault.EXCEPTION
    with _session(serial_link, 3, retries=2) as session:
        readings = session.read_registers()
    assert {r.quality for r in readings} == {Quality.DEVICE_ERROR}
    assert all(r.detail and "0x04" in r.detail for r in readings)
    assert meters[3].requests_seen == 3  # one per block, none repeated


def test_slow_meter_answers_within_the_deadline(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink
) -> None:
    meters[1].fault = Fault.SLOW
    meters[1].slow_s = 0.05
    with _session(serial_link, 1, timeout_s=1.0) as session:
        assert {r.quality for r in session.read_registers()} == {Quality.GOOD}


def test_answer_after_the_deadline_is_a_timeout_and_is_not_taken_for_the_next_reply(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink, line: SimulatedSerialLine
) -> None:
    meters[1].fault = Fault.LATE
    meters[1].late_s = 0.4
    with _session(serial_link, 1, timeout_s=0.15, retries=0) as late:
        readings = late.read_registers()
    assert {r.quality for r in readings} == {Quality.TIMEOUT}
    meters[2].frozen = True
    with _session(serial_link, 2, timeout_s=1.0) as next_meter:
        assert_matches_simulator(next_meter.read_registers(), meters[2])


def test_scan_finds_exactly_the_present_ids(serial_link: SerialLink, line: SimulatedSerialLine) -> None:
    assert scan_unit_ids(serial_link, range(1, 10), timeout_s=0.1) == sorted(LINE_METERS)
    assert line.stats.silence_violations == 0


def test_energy_counters_only_grow(meters: dict[int, SimulatedModbusMeter]) -> None:
    meter = meters[3]
    meter.time_scale = 3600.0  # an hour per second
    before = meter.values()
    for _ in range(5):
        meter._last -= 1.0  # pretend a second passed, without sleeping
        meter.advance()
    after = meter.values()
    for key in ("1.0.1.8.0.255", "1.0.3.8.0.255", "1.0.1.8.1.255", "1.0.1.8.2.255", "1.0.1.8.3.255"):
        assert after[key] >= before[key]
    assert after["1.0.1.8.0.255"] > before["1.0.1.8.0.255"]
    assert 200 < after["1.0.32.7.0.255"] < 260

"""A meter whose firmware lacks one register of a group: point-by-point fallback, remembered per meter (pty and TCP).

Costs are counted in requests the simulated meter saw, never in seconds.
"""

from __future__ import annotations

from drivers.link import Link, SerialLink, TcpLink
from drivers.modbus import Framing, ModbusSession, SplitMemory, load_map
from drivers.modbus.session import MAX_SPLIT_REQUESTS
from drivers.obis import Obis
from drivers.record import Quality
from drivers.sim.modbus_meter import SimulatedModbusMeter
from tests.drivers.modbus.test_session_line import assert_matches_simulator

PHASE1_POWER = Obis.parse("1.0.36.7.0.255")  # SDM630 input register 0x000C, inside the first group of the plan


def _session(link: Link, unit: int, framing: Framing, splits: SplitMemory | None = None) -> ModbusSession:
    return ModbusSession(
        link, unit_id=unit, register_map=load_map("eastron_sdm630"), framing=framing, timeout_s=0.5, splits=splits
    )


def _poll(session: ModbusSession, meter: SimulatedModbusMeter) -> tuple[dict[Obis, Quality], int]:
    meter.frozen = True  # exact comparisons while the group is read in several requests
    before = meter.requests_seen
    readings = session.read_registers()
    assert_matches_simulator([r for r in readings if r.quality is Quality.GOOD], meter)
    assert all(r.value is None for r in readings if r.quality is not Quality.GOOD)
    return {r.obis: r.quality for r in readings}, meter.requests_seen - before


def _missing_register_is_split_once(link: Link, meter: SimulatedModbusMeter, framing: Framing) -> None:
    meter.frozen = True
    meter.illegal_addresses = {0x000C}
    memory = SplitMemory()
    with _session(link, meter.unit_id, framing, memory) as session:
        first, first_cost = _poll(session, meter)
        second, second_cost = _poll(session, meter)
    expected = {obis: Quality.GOOD for obis in first} | {PHASE1_POWER: Quality.NOT_SUPPORTED}
    assert first == second == expected
    # Plan: group A = 9 points at 0x00..0x11, group B = 7 points at 0x34..0x4F. First poll: A refused, A read
    # point by point, B whole. Second poll: A planned around 0x0C (two requests), B whole, nothing refused.
    assert (first_cost, second_cost) == (1 + 9 + 1, 2 + 1)
    with _session(link, meter.unit_id, framing, memory) as next_session:
        assert _poll(next_session, meter) == (expected, 3)  # what was learnt outlives the session
    with _session(link, meter.unit_id, framing) as forgetful:
        assert _poll(forgetful, meter) == (expected, 11)  # no global state: a new memory learns again


def test_missing_register_over_pty(meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink) -> None:
    _missing_register_is_split_once(serial_link, meters[1], Framing.RTU)


def test_missing_register_over_tcp(tcp_meters: dict[int, SimulatedModbusMeter], tcp_link: TcpLink) -> None:
    _missing_register_is_split_once(tcp_link, tcp_meters[1], Framing.TCP)


def test_one_memory_shared_by_two_meters_does_not_mix_them(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink
) -> None:
    meters[1].illegal_addresses = {0x000C}
    memory = SplitMemory()
    with _session(serial_link, 1, Framing.RTU, memory) as broken:
        broken.read_registers()
    with _session(serial_link, 5, Framing.RTU, memory) as healthy:  # same model, another address
        qualities, cost = _poll(healthy, meters[5])
    assert set(qualities.values()) == {Quality.GOOD}
    assert cost == 2


def test_refused_gap_register_splits_the_group_and_every_point_is_good(
    meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink
) -> None:
    """0x40 is no point's register, only inside group B's span: the group is read point by point from then on."""
    meters[1].frozen = True
    meters[1].illegal_addresses = {0x0040}
    with _session(serial_link, 1, Framing.RTU) as session:
        first, first_cost = _poll(session, meters[1])
        second, second_cost = _poll(session, meters[1])
    assert set(first.values()) == set(second.values()) == {Quality.GOOD}
    assert (first_cost, second_cost) == (1 + 1 + 7, 1 + 7)


def test_split_is_bounded(meters: dict[int, SimulatedModbusMeter], serial_link: SerialLink) -> None:
    meters[1].illegal_addresses = {0x0000}
    with _session(serial_link, 1, Framing.RTU) as session:
        session.max_split_requests = 3
        qualities, cost = _poll(session, meters[1])
    group_a = [p.obis for p in load_map("eastron_sdm630").points if p.address < 0x12]
    assert [qualities[o] for o in group_a] == [Quality.NOT_SUPPORTED] + [Quality.GOOD] * 2 + [Quality.DEVICE_ERROR] * 6
    assert cost == 1 + 3 + 1
    assert MAX_SPLIT_REQUESTS >= 16

"""ModbusSession over TCP: Modbus TCP (MBAP) to meters behind one port, and RTU through a serial gateway."""

from __future__ import annotations

import pytest

from drivers.link import TcpLink
from drivers.modbus import Framing, ModbusSession, load_map
from drivers.record import Quality
from drivers.sim.modbus_frame import split_rtu_request
from drivers.sim.modbus_meter import Fault, SimulatedModbusMeter
from drivers.sim.tcp_server import SimulatedTcpServer
from tests.drivers.modbus.conftest import LINE_METERS
from tests.drivers.modbus.test_session_line import assert_matches_simulator


def test_modbus_tcp_reads_every_map(tcp_meters: dict[int, SimulatedModbusMeter], tcp_link: TcpLink) -> None:
    for unit, meter in tcp_meters.items():
        meter.frozen = True
        register_map = load_map(LINE_METERS[unit])
        with ModbusSession(tcp_link, unit_id=unit, register_map=register_map, framing=Framing.TCP) as session:
            assert_matches_simulator(session.read_registers(), meter)
            assert session.read_nameplate().serial is not None


def test_modbus_tcp_skips_a_late_reply_by_transaction_id(
    tcp_meters: dict[int, SimulatedModbusMeter], tcp_link: TcpLink
) -> None:
    tcp_meters[2].fault = Fault.LATE
    tcp_meters[2].late_s = 0.3
    sdm120 = load_map("eastron_sdm120")
    with ModbusSession(
        tcp_link, unit_id=2, register_map=sdm120, framing=Framing.TCP, timeout_s=0.1, retries=0
    ) as session:
        assert {r.quality for r in session.read_registers()} == {Quality.TIMEOUT}
        tcp_meters[2].fault = Fault.NONE
        session.timeout_s = 2.0
        readings = session.read_registers()
    assert {r.quality for r in readings} == {Quality.GOOD}


def test_absent_unit_behind_tcp_times_out(tcp_link: TcpLink) -> None:
    with ModbusSession(
        tcp_link, unit_id=9, register_map=load_map("eastron_sdm630"), framing=Framing.TCP, timeout_s=0.1
    ) as session:
        assert {r.quality for r in session.read_registers()} == {Quality.TIMEOUT}


def test_rtu_through_a_tcp_gateway() -> None:
    meters = [SimulatedModbusMeter("eastron_sdm120", 7, seed=7), SimulatedModbusMeter("carlo_gavazzi_em24", 8)]
    with SimulatedTcpServer(meters, splitter=split_rtu_request, turnaround_s=0.002) as gateway:
        link = TcpLink(host="127.0.0.1", port=gateway.port)
        link.open()
        try:
            for meter, name in zip(meters, ("eastron_sdm120", "carlo_gavazzi_em24"), strict=True):
                meter.frozen = True
                with ModbusSession(link, unit_id=meter.unit_id, register_map=load_map(name)) as session:
                    assert_matches_simulator(session.read_registers(), meter)
        finally:
            link.close()


@pytest.mark.parametrize(
    ("fault", "length_delta"),
    [(Fault.MBAP_LENGTH, 2), (Fault.MBAP_LENGTH, -2), (Fault.MBAP_LENGTH, 40), (Fault.MBAP_TID, 0)],
    ids=["length-long", "length-short", "length-far", "wrong-tid"],
)
def test_malformed_mbap_is_a_decode_error_and_the_stream_resynchronises(
    tcp_meters: dict[int, SimulatedModbusMeter], tcp_link: TcpLink, fault: Fault, length_delta: int
) -> None:
    """TCP has no CRC: a header that lies about its frame must give DECODE_ERROR, never a value, and no hang."""
    meter = tcp_meters[6]
    meter.frozen = True
    meter.fault, meter.mbap_length_delta = fault, length_delta
    with ModbusSession(
        tcp_link, unit_id=6, register_map=load_map("abb_b23"), framing=Framing.TCP, timeout_s=1.0, retries=1
    ) as session:
        readings = session.read_registers()
        assert {r.quality for r in readings} == {Quality.DECODE_ERROR}
        assert all(r.value is None and r.detail for r in readings)
        assert meter.requests_seen == 3 * 2  # three groups, each retried once: a read is safe to repeat
        meter.fault = Fault.NONE
        assert_matches_simulator(session.read_registers(), meter)  # the very next exchange is clean
    with ModbusSession(tcp_link, unit_id=1, register_map=load_map("eastron_sdm630"), framing=Framing.TCP) as other:
        tcp_meters[1].frozen = True
        assert_matches_simulator(other.read_registers(), tcp_meters[1])

"""Every DLMS transport end to end against the simulated meter: wrapper, HDLC over TCP, HDLC on a pty line
(multi-drop), mode E on an optical port."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.dlms import DlmsSession, DlmsSettings, probe_hdlc_address
from drivers.dlms.objects import LOAD_PROFILE
from drivers.errors import LinkError
from drivers.link import TcpLink
from drivers.record import Quality
from drivers.sim.dlms_port import HdlcPort, dlms_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer
from drivers.trace import Direction, Frame

from .conftest import READER, hdlc_settings, make_meter, serial_link


def test_wrapper_reads_clock_registers_and_nameplate(wrapper_meter, frames: list[Frame]) -> None:
    meter, _, link = wrapper_meter
    settings = DlmsSettings(transport="wrapper", **READER)
    with DlmsSession(link, settings=settings) as session:
        clock = session.read_clock()
        readings = session.read_registers()
        plate = session.read_nameplate()
    assert clock.quality is Quality.GOOD
    assert clock.meter_time is not None
    assert clock.meter_time.tzinfo is UTC
    assert [r.quality for r in readings] == [Quality.GOOD] * len(readings)
    total, *tariffs = readings[:5]
    assert total.value == sum(t.value for t in tariffs if t.value is not None)
    assert total.unit == "Wh"
    assert plate.serial == "00112233"
    assert meter.associated_client is None  # released in the finally
    assert any(f.direction is Direction.TX for f in frames)


def test_hdlc_over_tcp_with_extended_address(hdlc_tcp_meter) -> None:
    _meter, port, link = hdlc_tcp_meter
    with DlmsSession(link, settings=hdlc_settings(4321)) as session:
        readings = session.read_registers()
    assert readings[0].quality is Quality.GOOD
    assert port.snrm_count == 1
    assert not port.connected


def test_two_meters_on_one_pty_line_answer_only_their_own_address(pty_line) -> None:
    line, ports = pty_line
    link = serial_link(line)
    try:
        for port in ports:
            with DlmsSession(link, settings=hdlc_settings(port.physical)) as session:
                plate = session.read_nameplate()
            assert plate.serial == port.meter.model.serial
        assert probe_hdlc_address(link, 17, 0.3)
        assert not probe_hdlc_address(link, 99, 0.2)
    finally:
        link.close()
    assert line.stats.collisions == 0
    assert [p.snrm_count for p in ports] == [2, 1]  # meter 17: session + probe; 4321: its session only


def test_public_client_on_pty_reads_a_day_of_profile(pty_line) -> None:
    line, _ports = pty_line
    link = serial_link(line)
    settings = DlmsSettings(server_physical=17, response_timeout_s=0.5)
    now = datetime.now(UTC)
    try:
        with DlmsSession(link, settings=settings) as session:
            rows = session.read_profile(LOAD_PROFILE, now - timedelta(days=1), now)
    finally:
        link.close()
    assert 47 <= len(rows) <= 48


def test_mode_e_opening_then_hdlc() -> None:
    port = HdlcPort(make_meter(), physical=None, mode_e=True)  # type: ignore[arg-type]
    with SimulatedSerialLine([port], splitter=dlms_splitter, pace=False, turnaround_s=0.0) as line:
        link = serial_link(line)
        settings = DlmsSettings(server_physical=None, mode_e=True, response_timeout_s=0.5, **READER)
        try:
            with DlmsSession(link, settings=settings) as session:
                clock = session.read_clock()
                assert session.client.baud == 9600
        finally:
            link.close()
    assert clock.quality is Quality.GOOD
    assert not port.signed_on  # DISC sent the optical port back to its 300 Bd sign-on state


def test_probe_on_a_lost_link_raises_instead_of_finding_a_meter() -> None:
    port = HdlcPort(make_meter(), physical=17)
    with SimulatedTcpServer([port], splitter=dlms_splitter) as server:
        link = TcpLink(host="127.0.0.1", port=server.port)
        link.open()
        try:
            assert probe_hdlc_address(link, 17, 0.5)
            server.stop()  # the gateway goes away: the peer closes the connection
            with pytest.raises(LinkError):
                probe_hdlc_address(link, 18, 0.5)
        finally:
            link.close()
    assert port.snrm_count == 1

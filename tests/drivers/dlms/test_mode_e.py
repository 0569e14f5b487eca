"""Mode E on a paced optical line: the sign-on and identification at 300 Bd, the ACK with the baud letter, the switch,
HDLC at 9600 Bd, and back to 300 Bd after DISC. Counts and frames are asserted, never durations."""

from __future__ import annotations

from drivers.dlms import DlmsSession, DlmsSettings
from drivers.record import Quality
from drivers.sim.dlms_port import HdlcPort, dlms_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.trace import Direction, Frame

from .conftest import READER, make_meter, serial_link


def test_mode_e_on_a_paced_optical_line() -> None:
    port = HdlcPort(make_meter(), physical=None, mode_e=True)  # type: ignore[arg-type]
    frames: list[Frame] = []
    speeds: list[int] = []
    with SimulatedSerialLine([port], splitter=dlms_splitter, baud=9600, pace=True, turnaround_s=0.02) as line:
        assert line.baud == 300  # an optical port waits for the sign-on at 300 Bd
        link = serial_link(line)
        link.trace = frames.append
        settings = DlmsSettings(server_physical=None, mode_e=True, response_timeout_s=1.0, **READER)
        try:
            with DlmsSession(link, settings=settings) as session:
                speeds.append(line.baud)
                clock = session.read_clock()
                plate = session.read_nameplate()
                assert session.client.baud == 9600
                assert link.baud == 9600
        finally:
            link.close()
        assert line.baud == 300  # DISC sent the port back to its sign-on state
    assert speeds == [9600]
    assert clock.quality is Quality.GOOD
    assert plate.serial == "00112233"
    sent = [f.data for f in frames if f.direction is Direction.TX]
    assert sent[0] == b"/?!\r\n"
    assert sent[1] == b"\x06252\r\n"  # ACK: protocol 2 (HDLC), letter 5 = 9600 Bd, mode 2 (binary)
    received = b"".join(f.data for f in frames if f.direction is Direction.RX)
    assert received.startswith(HdlcPort.IDENT)
    assert line.stats.baud_changes == 3  # 300 at start, 9600 after the ACK, 300 after DISC
    assert line.stats.collisions == 0

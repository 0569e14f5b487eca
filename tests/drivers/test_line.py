"""The protocol-neutral simulated line: frames reach every device, only the addressed one answers, counts add up."""

from __future__ import annotations

import socket
import time

from drivers.link import SerialLink, TcpLink
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer


def _split_lines(buffer: bytes) -> tuple[bytes, bytes] | None:
    """A toy protocol: one frame per newline, first byte is the address."""
    end = buffer.find(b"\n")
    return None if end < 0 else (buffer[: end + 1], buffer[end + 1 :])


class _Echo:
    def __init__(self, address: bytes) -> None:
        self.address = address
        self.seen = 0

    def handle(self, frame: bytes) -> bytes | None:
        self.seen += 1
        return frame.upper() if frame[:1] == self.address else None


def test_serial_line_answers_only_the_addressed_device_without_violations() -> None:
    devices = [_Echo(b"a"), _Echo(b"b")]
    with SimulatedSerialLine(devices, splitter=_split_lines, baud=19200, turnaround_s=0.005) as line:
        link = SerialLink(port=line.port, baud=19200)
        link.open()
        try:
            for address in (b"a", b"b", b"a"):
                link.wait_silence(line.min_silence_s * 2)
                link.write(address + b"hello\n")
                assert link.read_exact(7, time.monotonic() + 5) == address.upper() + b"HELLO\n"
            link.wait_silence(line.min_silence_s * 2)
            link.write(b"zsilent\n")
            assert line.stats.silence_violations == 0
        finally:
            link.close()
    assert line.stats.responses == 3
    assert line.stats.collisions == 0


def test_serial_line_counts_a_request_sent_without_silence() -> None:
    with SimulatedSerialLine([_Echo(b"a")], splitter=_split_lines, baud=9600, turnaround_s=0.0) as line:
        link = SerialLink(port=line.port, baud=9600)
        link.open()
        try:
            link.write(b"ahello\n")
            link.read_exact(7, time.monotonic() + 5)
            link.write(b"ahello\n")  # straight after the reply: less than 3.5 characters of silence
            link.read_exact(7, time.monotonic() + 5)
        finally:
            link.close()
    assert line.stats.silence_violations == 1


def test_tcp_server_serves_the_same_devices() -> None:
    with SimulatedTcpServer([_Echo(b"a"), _Echo(b"b")], splitter=_split_lines) as server:
        link = TcpLink(host="127.0.0.1", port=server.port)
        link.open()
        try:
            link.write(b"bping\n")
            assert link.read_exact(6, time.monotonic() + 5) == b"BPING\n"
        finally:
            link.close()
        with socket.create_connection(("127.0.0.1", server.port)) as second:
            second.sendall(b"aping\n")
            assert second.recv(16) == b"APING\n"
    assert server.stats.responses == 2


class _Fixed:
    """Answers its address with a fixed frame."""

    def __init__(self, address: bytes, reply: bytes) -> None:
        self.address, self.reply = address, reply

    def handle(self, frame: bytes) -> bytes | None:
        return self.reply if frame[:1] == self.address else None


def _talk_over_the_reply(line: SimulatedSerialLine, request: bytes) -> bytes:
    """Send a request, then talk while the reply is on the wire (after its first byte); what came back."""
    link = SerialLink(port=line.port, baud=line.baud)
    link.open()
    try:
        link.write(request)
        first = link.read_exact(1, time.monotonic() + 5)
        link.write(b"\x00\x00\x00")  # no frame of the toy protocol: the devices drop it after a silence
        return first + link.read_exact(len(request) - 1, time.monotonic() + 5)
    finally:
        link.close()


def test_talking_over_a_reply_is_only_counted_by_default() -> None:
    request = b"a" + b"x" * 40 + b"\n"  # 42 characters: 0.35 s on the wire at 1200 Bd
    with SimulatedSerialLine([_Echo(b"a")], splitter=_split_lines, baud=1200, turnaround_s=0.0) as line:
        assert _talk_over_the_reply(line, request) == request.upper()
    assert line.stats.collisions == 1


def test_talking_over_a_reply_garbles_it_when_the_line_is_asked_to() -> None:
    request = b"a" + b"x" * 40 + b"\n"
    with SimulatedSerialLine([_Echo(b"a")], splitter=_split_lines, baud=1200, turnaround_s=0.0) as line:
        line.garble_collisions = True
        heard = _talk_over_the_reply(line, request)
    assert heard != request.upper()
    assert heard[:1] == b"A"
    assert b"\x00" in heard  # our zero bits won over the reply's ones, as two drivers on one pair do
    assert line.stats.collisions == 1


def test_two_devices_answering_at_once_garble_each_other() -> None:
    devices = [_Echo(b"a"), _Fixed(b"a", b"a\x0f\x0f\n")]  # an address conflict: both answer
    with SimulatedSerialLine(devices, splitter=_split_lines, baud=19200, garble_collisions=True) as line:
        link = SerialLink(port=line.port, baud=19200)
        link.open()
        try:
            link.write(b"ahi\n")
            heard = link.read_exact(4, time.monotonic() + 5)
        finally:
            link.close()
    assert heard == bytes(x & y for x, y in zip(b"AHI\n", b"a\x0f\x0f\n", strict=True))
    assert line.stats.collisions == 1


class _SpeedSwitch(_Echo):
    """Listens at 300 Bd until told 'fast', then at 9600 Bd (the shape of an IEC 62056-21 mode E opening)."""

    def __init__(self) -> None:
        super().__init__(b"s")
        self.line_baud = 300

    def handle(self, frame: bytes) -> bytes | None:
        reply = super().handle(frame)
        if frame == b"sfast\n":
            self.line_baud = 9600  # the line switches only after this reply has left at 300 Bd
        return reply


def test_a_device_switches_the_line_speed_after_its_reply() -> None:
    device = _SpeedSwitch()
    with SimulatedSerialLine([device], splitter=_split_lines, baud=9600, turnaround_s=0.0) as line:
        assert line.baud == 300
        link = SerialLink(port=line.port, baud=9600)
        link.open()
        try:
            link.write(b"sfast\n")
            assert link.read_exact(6, time.monotonic() + 5) == b"SFAST\n"
            link.write(b"sagain\n")
            assert link.read_exact(7, time.monotonic() + 5) == b"SAGAIN\n"
        finally:
            link.close()
        assert line.baud == 9600
        assert line.stats.baud_changes == 2
        line.set_baud(1200)
        assert line.char_time_s == 10 / 1200

"""The protocol-neutral simulated line: frames reach every device, only the addressed one answers, counts add up."""

from __future__ import annotations

import socket
import time

from drivers.link import SerialLink, TcpLink
from drivers.sim.line import SimulatedSerialLine, SimulatedTcpServer


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

"""Byte links to meters (serial port, TCP socket) with a real deadline on every read and a raw-frame trace hook.

Must not frame or parse protocols: drivers do that. pyserial is imported here and nowhere else.
"""

from __future__ import annotations

import errno
import select
import socket
import time
from typing import Protocol

import serial

from drivers.errors import LinkError, LinkTimeout
from drivers.trace import Direction, Frame, TraceHook


def wait_readable(fds: list[int], timeout_s: float) -> list[int]:
    """The fds with bytes to read within the timeout. poll(), not select(): a collector with 1,000 lines
    has descriptors above 1023, which select() cannot watch."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN | select.POLLPRI)
    events = poller.poll(max(timeout_s, 0.0) * 1000.0)
    return [fd for fd, mask in events if mask]


class Link(Protocol):
    """What a driver needs from a line: bytes in and out with deadlines (time.monotonic() values)."""

    @property
    def char_time_s(self) -> float: ...

    def open(self) -> None: ...
    def close(self) -> None: ...
    def write(self, data: bytes) -> None: ...
    def read_exact(self, n: int, deadline: float) -> bytes: ...
    def read_some(self, deadline: float) -> bytes: ...
    def discard_input(self) -> bytes: ...
    def wait_silence(self, seconds: float) -> None: ...


class _TracedLink:
    """Trace, activity clock and the deadline loop shared by the concrete links."""

    def __init__(self, trace: TraceHook | None) -> None:
        self.trace = trace
        self._opened_at = time.monotonic()
        self._last_activity = 0.0

    def _emit(self, direction: Direction, data: bytes, note: str | None = None) -> None:
        if self.trace is not None and data:
            self.trace(Frame(direction, bytes(data), (time.monotonic() - self._opened_at) * 1000.0, note))

    def note(self, direction: Direction, data: bytes, note: str) -> None:
        """Let a driver annotate a frame it has just parsed (e.g. 'bad CRC')."""
        self._emit(direction, data, note)

    def wait_silence(self, seconds: float) -> None:
        """Sleep until `seconds` have passed since the last byte in either direction (RTU 3.5-char gap)."""
        remaining = self._last_activity + seconds - time.monotonic()
        if remaining > 0:
            time.sleep(remaining)

    def _recv(self, max_n: int, timeout: float) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    def read_some(self, deadline: float) -> bytes:
        """At least one byte, or LinkTimeout at the deadline. A closed peer is LinkError, never a spin."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LinkTimeout("no answer before the deadline")
            chunk = self._recv(4096, remaining)
            if chunk:
                self._last_activity = time.monotonic()
                self._emit(Direction.RX, chunk)
                return chunk

    def read_exact(self, n: int, deadline: float) -> bytes:
        """Exactly n bytes or LinkTimeout (whose `partial` attribute holds what did arrive)."""
        buf = bytearray()
        while len(buf) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                err = LinkTimeout(f"{len(buf)} of {n} bytes before the deadline")
                err.partial = bytes(buf)  # type: ignore[attr-defined]
                raise err
            chunk = self._recv(n - len(buf), remaining)
            if chunk:
                self._last_activity = time.monotonic()
                self._emit(Direction.RX, chunk)
                buf += chunk
        return bytes(buf)


class TcpLink(_TracedLink):
    """A TCP socket: a meter's own IP port or a serial gateway in front of an RS-485 line."""

    def __init__(self, *, host: str, port: int, connect_timeout_s: float = 5.0, trace: TraceHook | None = None) -> None:
        super().__init__(trace)
        self.host, self.port, self.connect_timeout_s = host, port, connect_timeout_s
        self._sock: socket.socket | None = None

    @property
    def char_time_s(self) -> float:
        return 0.0

    def open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout_s)
        except OSError as exc:
            raise LinkError(f"TCP {self.host}:{self.port}: {exc.strerror or exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._opened_at = time.monotonic()

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise LinkError(f"TCP {self.host}:{self.port} is not open")
        return self._sock

    def write(self, data: bytes) -> None:
        self._emit(Direction.TX, data)
        try:
            self._socket().sendall(data)
        except OSError as exc:
            raise LinkError(f"TCP {self.host}:{self.port}: send failed: {exc}") from exc
        self._last_activity = time.monotonic()

    def _recv(self, max_n: int, timeout: float) -> bytes:
        sock = self._socket()
        sock.settimeout(timeout)
        try:
            chunk = sock.recv(max_n)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise LinkError(f"TCP {self.host}:{self.port}: {exc}") from exc
        if not chunk:
            # dlms-cosem 25.1 spins forever here; an empty recv means the peer closed the connection.
            raise LinkError(f"TCP {self.host}:{self.port}: connection closed by the peer")
        return chunk

    def discard_input(self) -> bytes:
        sock = self._socket()
        dropped = bytearray()
        try:
            while wait_readable([sock.fileno()], 0):
                chunk = sock.recv(4096)
                if not chunk:
                    break  # the peer closed: the next read says so
                dropped += chunk
        except OSError as exc:  # a reset connection is a lost link, not an exception outside the driver tree
            raise LinkError(f"TCP {self.host}:{self.port}: {exc}") from exc
        return bytes(dropped)


class SerialLink(_TracedLink):
    """A serial port (RS-485 adapter, optical probe, or a pseudo-terminal of a simulated line)."""

    def __init__(
        self,
        *,
        port: str,
        baud: int = 9600,
        parity: str = "N",
        bytesize: int = 8,
        stopbits: int = 1,
        trace: TraceHook | None = None,
    ) -> None:
        super().__init__(trace)
        self.port, self.baud, self.parity, self.bytesize, self.stopbits = port, baud, parity, bytesize, stopbits
        self._serial: serial.Serial | None = None

    @property
    def char_time_s(self) -> float:
        bits = 1 + self.bytesize + (0 if self.parity == "N" else 1) + self.stopbits
        return bits / self.baud

    def open(self) -> None:
        try:
            self._serial = serial.Serial(
                self.port,
                self.baud,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=0,
                exclusive=True,
            )
        except serial.SerialException as exc:
            raise LinkError(_explain_serial_error(self.port, exc)) from exc
        self._opened_at = time.monotonic()

    def set_baud(self, baud: int) -> None:
        """Switch speed on an open port (IEC 62056-21 mode E after the 300 Bd sign-on)."""
        self.baud = baud
        if self._serial is not None:
            self._serial.baudrate = baud

    def close(self) -> None:
        if self._serial is not None:
            self._serial.close()
            self._serial = None

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise LinkError(f"{self.port} is not open")
        return self._serial

    def write(self, data: bytes) -> None:
        self._emit(Direction.TX, data)
        port = self._port()
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"{self.port}: write failed: {exc}") from exc
        self._last_activity = time.monotonic()

    def _recv(self, max_n: int, timeout: float) -> bytes:
        # pyserial's own timeouts are not trusted (dlms-cosem 25.1 never sees them fire): wait with poll.
        port = self._port()
        try:
            ready = wait_readable([port.fileno()], timeout)
            if not ready:
                return b""
            chunk: bytes = port.read(max_n)
        except (serial.SerialException, OSError) as exc:
            raise LinkError(f"{self.port}: read failed: {exc}") from exc
        return chunk

    def discard_input(self) -> bytes:
        port = self._port()
        dropped = bytearray()
        try:
            while wait_readable([port.fileno()], 0):
                chunk = port.read(4096)
                if not chunk:
                    break
                dropped += chunk
        except (serial.SerialException, OSError) as exc:  # an unplugged adapter: a lost link
            raise LinkError(f"{self.port}: read failed: {exc}") from exc
        return bytes(dropped)


def _explain_serial_error(port: str, exc: serial.SerialException) -> str:
    """Turn pyserial's errno soup into what a field engineer should check."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOENT:
        return f"{port}: no such port (is the USB adapter plugged in? see `ls /dev/ttyUSB*`)"
    if code in (errno.EBUSY, errno.EAGAIN) or "lock" in str(exc).lower():
        return f"{port}: port busy (another program or the collector holds it)"
    if code == errno.EACCES:
        return f"{port}: permission denied (add the user to the 'dialout' group)"
    return f"{port}: {exc}"

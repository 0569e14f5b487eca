"""A simulated RS-485 bus on a pseudo-terminal, paced at the baud rate, with several devices on it.

Must not know any protocol: a `splitter` cuts request frames, each device decides whether it is addressed.
Timing follows DOMAIN.md §5: request wire time + turnaround + response wire time, and the bus counts violations.
"""

from __future__ import annotations

import os
import threading
import time
import tty
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from drivers.link import wait_readable
from drivers.sim.device import LineStats, SimulatedDevice, Splitter, reply_delay


def _superpose(frames: Sequence[bytes]) -> bytes:
    """What a receiver reads when several drivers talk at once: bitwise AND here (an idle RS-485 line reads 1s)."""
    out = bytearray(b"\xff" * max(len(frame) for frame in frames))
    for frame in frames:
        for index, byte in enumerate(frame):
            out[index] &= byte
    return bytes(out)


class SimulatedSerialLine:
    """Several devices on one serial bus. The driver opens `port` (e.g. /dev/pts/7) with a SerialLink at 8N1.

    With pace=True the line behaves like the wire: a request counts as received len·bits_per_char/baud after its
    first byte, the addressed device turns around (turnaround_s + its reply_delay_s), and the reply leaves one
    character per bits_per_char/baud seconds. Parity is never needed: Linux ptys here refuse it.
    The speed may change mid-session (set_baud, or a device's `line_baud`): an optical port signs on at 300 Bd and
    goes on at the agreed speed after the ACK. The real sign-on is 7E1; a pty refuses parity settings, and 7E1 and
    8N1 both take 10 bits a character, so pacing is the same and nothing here depends on parity. Nor can a pty
    tell which speed the driver set: only the pacing follows the device.
    With garble_collisions=True (a switch that may be flipped while the line runs) colliding transmissions garble
    each other as on a real bus: two devices answering at once, or request bytes arriving while a reply is on the
    wire; otherwise collisions are only counted.
    """

    def __init__(
        self,
        devices: Sequence[SimulatedDevice],
        *,
        splitter: Splitter,
        baud: int = 9600,
        bits_per_char: int = 10,
        pace: bool = True,
        turnaround_s: float = 0.02,
        min_silence_chars: float = 3.5,
        garble_collisions: bool = False,
    ) -> None:
        self.devices = list(devices)
        self.splitter = splitter
        self.garble_collisions = garble_collisions
        self.baud, self.bits_per_char, self.pace = baud, bits_per_char, pace
        self.turnaround_s, self.min_silence_chars = turnaround_s, min_silence_chars
        self.stats = LineStats()
        self._master = self._slave = -1
        self._wake_r = self._wake_w = -1
        self._port = ""
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._buf = bytearray()
        self._first_at = 0.0  # arrival of the first byte of the frame in _buf
        self._last_rx = 0.0
        self._quiet_since = 0.0  # when the last frame on the bus (request or reply) ended

    @property
    def char_time_s(self) -> float:
        return self.bits_per_char / self.baud

    @property
    def min_silence_s(self) -> float:
        return self.min_silence_chars * self.char_time_s

    @property
    def port(self) -> str:
        """Path of the pseudo-terminal the driver opens."""
        if not self._port:
            raise RuntimeError("the line is not started")
        return self._port

    def set_baud(self, baud: int) -> None:
        """Pace at `baud` from now on, both directions."""
        if baud != self.baud:
            self.baud = baud
            self.stats.baud_changes += 1

    def _follow_devices(self) -> None:
        for device in self.devices:
            baud = getattr(device, "line_baud", None)
            if isinstance(baud, int) and baud > 0:
                self.set_baud(baud)

    def start(self) -> Self:
        self._follow_devices()
        self._master, self._slave = os.openpty()
        # Keep our own handle on the slave side: without one, reads on the master fail with EIO whenever the
        # driver closes the port between sessions.
        tty.setraw(self._slave)
        self._port = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name=f"sim-line {self._port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            os.close(fd)
        self._master = self._slave = self._wake_r = self._wake_w = -1

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- the bus thread ------------------------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stopping.is_set():
            resync = max(self.min_silence_s, 0.01)
            ready = wait_readable([self._master, self._wake_r], resync if self._buf else 0.5)
            if self._stopping.is_set():
                return
            if self._master in ready:
                self._receive()
                self._dispatch()
            elif self._buf and time.monotonic() - self._last_rx >= resync:
                # A real slave resynchronises on silence: whatever never became a frame is noise.
                self.stats.discarded_bytes += len(self._buf)
                self._buf.clear()

    def _receive(self) -> bool:
        """Read what the driver wrote; returns False if nothing was there."""
        try:
            data = os.read(self._master, 4096)
        except OSError:
            return False
        if not data:
            return False
        now = time.monotonic()
        if not self._buf:
            self._first_at = now
            if self._quiet_since and now - self._quiet_since < self.min_silence_s:
                self.stats.silence_violations += 1
        self._buf += data
        self._last_rx = now
        self.stats.bytes_in += len(data)
        return True

    def _dispatch(self) -> None:
        while (cut := self.splitter(bytes(self._buf))) is not None:
            frame, rest = cut
            self._buf = bytearray(rest)
            first_at = self._first_at
            self._first_at = time.monotonic()
            self._exchange(frame, first_at)

    def _exchange(self, frame: bytes, first_at: float) -> None:
        self.stats.requests += 1
        if self.pace:
            received_at = first_at + len(frame) * self.char_time_s
            self._wait_until(received_at, replying=False)
        else:
            received_at = time.monotonic()
        self._quiet_since = received_at
        replies = [(device, reply) for device in self.devices if (reply := device.handle(frame)) is not None]
        if replies:
            self._reply(replies, received_at)
        # Only after the reply is on the wire: the UA to a DISC still leaves at the HDLC speed, the mode E
        # identification at 300 Bd, and the switch to the agreed speed happens once the ACK is in.
        self._follow_devices()

    def _reply(self, replies: list[tuple[SimulatedDevice, bytes]], received_at: float) -> None:
        if len(replies) > 1:
            self.stats.collisions += 1  # two devices claim the same address: both drive the bus
        device, reply = replies[0]
        if len(replies) > 1 and self.garble_collisions:
            reply = _superpose([other for _, other in replies])
        start = received_at + self.turnaround_s + reply_delay(device)
        collided = self._wait_until(start, replying=True)
        collided |= self._send(reply, start)
        if collided:
            self.stats.collisions += 1
        self.stats.responses += 1
        self.stats.bytes_out += len(reply)

    def _wait_until(self, when: float, *, replying: bool) -> bool:
        """Sleep until `when`, still listening: bytes arriving meanwhile are kept; True if they collide."""
        collided = False
        while (remaining := when - time.monotonic()) > 0:
            ready = wait_readable([self._master], remaining)
            if ready and self._receive():
                collided |= replying
        return collided

    def _send(self, reply: bytes, start: float) -> bool:
        if not self.pace:
            os.write(self._master, reply)
            self._quiet_since = time.monotonic()
            return False
        char_s = self.char_time_s
        collided = False
        sent = 0
        while sent < len(reply):
            now = time.monotonic()
            # A UART hands over a character once its last bit is in; send every character that is complete by now.
            due = min(len(reply), int((now - start) / char_s + 1e-9))
            if due > sent:
                os.write(self._master, reply[sent:due])
                sent = due
                continue
            # Sleep in chunks of at least a millisecond: a syscall per character would fall behind at 19200 Bd.
            heard = len(self._buf)
            if self._wait_until(max(start + (sent + 1) * char_s, now + 0.001), replying=True):
                collided = True
                if self.garble_collisions:  # the master talked over the reply: what is still to go is garbled
                    reply = reply[:sent] + _superpose([reply[sent:], bytes(self._buf[heard:])])[: len(reply) - sent]
        self._quiet_since = start + len(reply) * char_s
        return collided

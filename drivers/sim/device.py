"""What a simulated line needs from the meters on it (SimulatedDevice, a Splitter of request frames), and its counts.

Must not move bytes or know any protocol: drivers.sim.serial_line and drivers.sim.tcp_server carry the frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

Splitter = Callable[[bytes], "tuple[bytes, bytes] | None"]
"""Cut one complete request frame off the front of the buffer: (frame, rest), or None while incomplete."""


class SimulatedDevice(Protocol):
    """A meter on a simulated line. It sees every frame on the bus and answers only when addressed.

    A device may also carry a float attribute `reply_delay_s` (extra turnaround for its next replies): the line
    reads it with getattr, so slow or late meters need no special line. Likewise an int `line_baud` (or None):
    the speed the device listens at now; the line paces at it from the end of the current exchange on.
    """

    def handle(self, frame: bytes) -> bytes | None:
        """The reply to `frame`, or None to stay silent (not addressed, absent, or a 'no answer' fault)."""
        ...


@dataclass
class LineStats:
    """What happened on the bus; assert on these counts, never on durations."""

    requests: int = 0
    responses: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    silence_violations: int = 0  # a request started less than min_silence_chars after the previous frame ended
    collisions: int = 0  # request bytes arrived while a reply was pending or on the wire; or two devices answered
    discarded_bytes: int = 0  # noise the splitter never made a frame of, dropped after a silence
    baud_changes: int = 0  # pacing speed switched (set_baud or a device's line_baud: IEC 62056-21 mode E)


def reply_delay(device: SimulatedDevice) -> float:
    """The extra turnaround a device asks for its next reply (its optional `reply_delay_s`), 0 if none."""
    delay = getattr(device, "reply_delay_s", 0.0)
    return float(delay) if isinstance(delay, int | float) else 0.0

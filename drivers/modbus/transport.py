"""One Modbus request/reply exchange on a byte link: RTU framing with the 3.5-character silence, or MBAP (TCP).

Must not retry, decode register values or know register maps: the session decides what a failure means.
Owns the timing pymodbus's async client gets wrong: silence before every RTU frame, a deadline on every reply.
"""

from __future__ import annotations

import enum
import random
import struct
import time
from collections import deque
from typing import NoReturn

from drivers.errors import FramingError, LinkTimeout
from drivers.link import Link
from drivers.modbus.pdu import crc_ok, rtu_adu
from drivers.trace import Direction

RTU_FAST_GAP_S = 0.00175  # Modbus over serial line §2.5.1.1: fixed 1.75 ms above 19200 Bd
ABANDONED_KEPT = 16  # transaction ids we gave up on whose late replies may still arrive and are skipped


class Framing(enum.StrEnum):
    RTU = "rtu"  # a serial RS-485 line, or RTU frames through a transparent TCP gateway
    TCP = "tcp"  # Modbus TCP: MBAP header, no CRC, transaction ids


def rtu_silence_s(char_time_s: float) -> float:
    """The inter-frame silence for a serial line: 3.5 characters, or 1.75 ms above 19200 Bd; 0 on TCP."""
    if char_time_s <= 0:
        return 0.0
    return 3.5 * char_time_s if char_time_s >= 10 / 19200 else RTU_FAST_GAP_S


class ModbusTransport:
    """Sends one request PDU to one unit and returns its reply PDU, within a deadline.

    Keyword-only options:
      framing   -- Framing.RTU (serial line or RTU-over-TCP gateway) or Framing.TCP (MBAP).
      silence_s -- gap kept before every RTU frame; default 3.5 characters at the link's speed (0 on TCP).
    Raises LinkTimeout when the reply is not complete by the deadline, FramingError for a bad CRC or a reply
    that does not belong to the request (on TCP: an MBAP length that does not fit the request, a transaction id
    never sent), LinkError when the link itself fails. After a FramingError the rest of the garbled frame has been
    drained, so the next exchange starts on a frame boundary.
    """

    def __init__(self, link: Link, *, framing: Framing = Framing.RTU, silence_s: float | None = None) -> None:
        self.link = link
        self.framing = framing
        self.silence_s = rtu_silence_s(link.char_time_s) if silence_s is None else silence_s
        # Start at a random id: a late reply meant for an earlier session on the same link must not match ours.
        self._tid = random.randrange(0x10000)
        self._abandoned: deque[int] = deque(maxlen=ABANDONED_KEPT)

    def transact(self, unit_id: int, pdu: bytes, timeout_s: float) -> bytes:
        if self.framing is Framing.RTU:
            return self._rtu(unit_id, pdu, timeout_s)
        return self._mbap(unit_id, pdu, timeout_s)

    def _send(self, frame: bytes, timeout_s: float) -> float:
        """Write after the bus silence; the deadline counts from the moment the last character left."""
        self.link.wait_silence(self.silence_s)
        # A late answer to an earlier request must not be taken for this one.
        self.link.discard_input()
        self.link.write(frame)
        return time.monotonic() + len(frame) * self.link.char_time_s + timeout_s

    def _rtu(self, unit_id: int, pdu: bytes, timeout_s: float) -> bytes:
        deadline = self._send(rtu_adu(unit_id, pdu), timeout_s)
        while True:
            adu = self._read_rtu_frame(deadline)
            if adu[0] == unit_id and (adu[1] & 0x7F) == pdu[0]:
                return adu[1:-2]
            # A whole, valid reply of another meter (one that answered after we gave up on it): skip it and keep
            # waiting for ours rather than failing the exchange.
            self._note(adu, "late reply of another unit, skipped")

    def _read_rtu_frame(self, deadline: float) -> bytes:
        head = self.link.read_exact(2, deadline)
        if head[1] & 0x80:
            body = self.link.read_exact(3, deadline)  # exception code + CRC
        elif head[1] in (3, 4):
            count = self.link.read_exact(1, deadline)
            body = count + self.link.read_exact(count[0] + 2, deadline)
        else:
            self._reject(head, "not a register reply")
        adu = head + body
        if not crc_ok(adu):
            self._reject(adu, "bad CRC")
        return adu

    def _mbap(self, unit_id: int, pdu: bytes, timeout_s: float) -> bytes:
        self._tid = (self._tid + 1) & 0xFFFF
        header = struct.pack(">HHHB", self._tid, 0, len(pdu) + 1, unit_id)
        deadline = self._send(header + pdu, timeout_s)
        try:
            return self._mbap_reply(unit_id, pdu, deadline)
        except LinkTimeout:
            self._abandoned.append(self._tid)
            raise

    def _mbap_reply(self, unit_id: int, pdu: bytes, deadline: float) -> bytes:
        lengths = _mbap_lengths(pdu)
        while True:
            head = self.link.read_exact(7, deadline)
            tid, protocol, length, unit = struct.unpack(">HHHB", head)
            if protocol != 0 or not 2 <= length <= 254:
                self._reject(head, "not an MBAP header")
            if tid in self._abandoned and tid != self._tid:
                # A late reply to a request we already gave up on: skip it, keep waiting for ours.
                self._note(head + self.link.read_exact(length - 1, deadline), "late reply, skipped")
                self._abandoned.remove(tid)
                continue
            if tid != self._tid:
                # TCP has no CRC: a transaction id we never sent means the stream is off its frame boundaries.
                self._reject(head, f"transaction id {tid} was never sent (expected {self._tid})")
            if lengths and length not in lengths:
                # Trusting a wrong length would take bytes of the next reply for this one, or wait for bytes
                # that never come: the TCP equivalent of a bad CRC.
                self._reject(head, f"MBAP length {length} does not fit the request")
            body = self.link.read_exact(length - 1, deadline)
            if unit != unit_id or not body or (body[0] & 0x7F) != pdu[0]:
                self._reject(head + body, "reply from another unit or function")
            return body

    def _note(self, frame: bytes, why: str) -> None:
        note = getattr(self.link, "note", None)
        if callable(note):
            note(Direction.RX, frame, why)

    def _reject(self, frame: bytes, why: str) -> NoReturn:
        """Drop the rest of a garbled frame (until the line is quiet) so the next exchange starts clean."""
        rest = self._drain()
        self._note(frame + rest, why)
        raise FramingError(f"{why}: {(frame + rest).hex()}")

    def _drain(self) -> bytes:
        quiet_s = max(2 * self.silence_s, 0.01)
        dropped = bytearray()
        give_up = time.monotonic() + 1.0  # a babbling device must not hold us forever
        while time.monotonic() < give_up:
            try:
                dropped += self.link.read_some(time.monotonic() + quiet_s)
            except LinkTimeout:
                break
        return bytes(dropped)


def _mbap_lengths(pdu: bytes) -> frozenset[int]:
    """MBAP length values a reply to a read request may carry (unit id + data, or + exception); empty: unknown."""
    if pdu[:1] in (b"\x03", b"\x04") and len(pdu) == 5:
        count = int.from_bytes(pdu[3:5], "big")
        return frozenset({1 + 2 + 2 * count, 1 + 2})
    return frozenset()

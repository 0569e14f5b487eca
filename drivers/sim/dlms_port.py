"""The link layer of simulated DLMS meters: an HDLC station (multi-drop address, SNRM/UA, segmentation, optional
IEC 62056-21 mode E opening) and an IEC 62056-47 wrapper port; splitters for the simulated lines.

Must not hold meter data (dlms_meter.py does). Fault switches live here when they concern frames: silence,
bad FCS, an FCS that ends in 0x7E, a reboot in the middle of a session.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.dlms import hdlc
from drivers.dlms.mode_e import BAUD_LETTERS
from drivers.errors import FramingError
from drivers.sim.dlms_meter import SimulatedDlmsMeter


@dataclass
class PortFaults:
    silent: bool = False
    bad_fcs_frames: int = 0  # the next n answers carry a wrong FCS
    fcs_7e: bool = False  # the serial-number answer is made to end its FCS in 0x7E


def dlms_splitter(buffer: bytes) -> tuple[bytes, bytes] | None:
    """HDLC frames by their length field; IEC 62056-21 text lines (sign-on, ACK) up to CR LF; wrapper never."""
    if not buffer:
        return None
    if buffer[0] in (ord("/"), 0x06):
        end = buffer.find(b"\r\n")
        return None if end < 0 else (buffer[: end + 2], buffer[end + 2 :])
    if buffer[0] != hdlc.FLAG:
        start = min((i for i in (buffer.find(b"\x7e"), buffer.find(b"/")) if i > 0), default=len(buffer))
        return buffer[:start], buffer[start:]  # noise: a frame nobody will accept
    if len(buffer) < 3:
        return None
    if buffer[1] == hdlc.FLAG:
        return buffer[:1], buffer[1:]
    try:
        total = hdlc.frame_length(buffer[1:3]) + 2
    except FramingError:
        return buffer[:1], buffer[1:]
    return None if len(buffer) < total else (buffer[:total], buffer[total:])


def wrapper_splitter(buffer: bytes) -> tuple[bytes, bytes] | None:
    if len(buffer) < 8:
        return None
    total = 8 + int.from_bytes(buffer[6:8], "big")
    return None if len(buffer) < total else (buffer[:total], buffer[total:])


class WrapperPort:
    """The meter's own TCP port: wPort of the logical device (1)."""

    def __init__(self, meter: SimulatedDlmsMeter, *, logical: int = 1) -> None:
        self.meter, self.logical = meter, logical
        self.faults = PortFaults()

    def handle(self, frame: bytes) -> bytes | None:
        if self.faults.silent or int.from_bytes(frame[4:6], "big") != self.logical:
            return None
        client = int.from_bytes(frame[2:4], "big")
        answer = self.meter.handle_apdu(client, frame[8:])
        if answer is None:
            return None
        head = b"\x00\x01" + self.logical.to_bytes(2, "big") + client.to_bytes(2, "big")
        return head + len(answer).to_bytes(2, "big") + answer


class HdlcPort:
    """One HDLC station on a line. Answers only frames for its (logical, physical) address."""

    IDENT = b"/UCH5\\2SIM-DLMS\r\n"  # manufacturer UCH, max 9600 Bd (letter 5), \2 = mode E offered

    def __init__(
        self,
        meter: SimulatedDlmsMeter,
        *,
        physical: int,
        logical: int = 1,
        mode_e: bool = False,
        max_info: int = 128,
        window: int = 1,
    ) -> None:
        self.meter, self.physical, self.logical, self.mode_e = meter, physical, logical, mode_e
        self.own = hdlc.LinkParameters(max_info, max_info, window, window)
        self.faults = PortFaults()
        self.signed_on = not mode_e
        self.baud = 9600  # the HDLC speed agreed in the mode E ACK
        self.connected = False
        self.params = self.own
        self._vs = self._vr = 0
        self._rx = bytearray()
        self._pending: list[bytes] = []
        self._last: bytes | None = None
        self._client_addr = b""
        self.requests = 0
        self.snrm_count = 0

    @property
    def line_baud(self) -> int | None:
        """The speed an optical port listens at now (drivers.sim.serial_line paces at it): 300 Bd until the ACK."""
        if not self.mode_e:
            return None
        return self.baud if self.signed_on else 300

    @property
    def address(self) -> bytes:
        return hdlc.encode_server_address(self.logical, self.physical)

    def handle(self, frame: bytes) -> bytes | None:
        if self.faults.silent:
            return None
        if frame[:1] in (b"/", b"\x06"):
            return self._iec(frame)
        if not self.signed_on:
            return None
        try:
            decoded = hdlc.decode_frame(frame)
        except FramingError:
            return None  # a damaged request: a real meter stays silent, the client times out and repeats
        if decoded.dest != (self.logical, self.physical):
            return None
        self._client_addr = hdlc.encode_client_address(decoded.src[0])
        return self._station(decoded)

    def _iec(self, frame: bytes) -> bytes | None:
        if not self.mode_e:
            return None
        if frame.startswith(b"/?"):
            self.signed_on = False
            return self.IDENT
        if frame.startswith(b"\x062") and len(frame) >= 5:
            # ACK 2 Z 2: HDLC from here on, at the speed of letter Z (no faster than the 9600 Bd IDENT offers).
            self.baud = min(BAUD_LETTERS.get(chr(frame[2]), 300), 9600)
            self.signed_on = True
        return None

    def _frame(self, control: int, info: bytes = b"", segmented: bool = False) -> bytes:
        out = hdlc.encode_frame(self._client_addr, self.address, control, info, segmented)
        self._last = out  # a repeat goes out undamaged
        if self.faults.bad_fcs_frames > 0:
            self.faults.bad_fcs_frames -= 1
            out = out[:-3] + bytes((out[-3] ^ 0xFF,)) + out[-2:]
        return out

    def _station(self, frame: hdlc.HdlcFrame) -> bytes | None:
        if frame.control == hdlc.SNRM:
            self.snrm_count += 1
            proposed = hdlc.LinkParameters.decode(frame.info).swapped()
            self.params = hdlc.LinkParameters(
                min(self.own.max_info_tx, proposed.max_info_tx),
                min(self.own.max_info_rx, proposed.max_info_rx),
                min(self.own.window_tx, proposed.window_tx),
                min(self.own.window_rx, proposed.window_rx),
            )
            self.connected, self._vs, self._vr, self._rx, self._pending = True, 0, 0, bytearray(), []
            self.meter.reset()
            return self._frame(hdlc.UA, self.params.encode())
        if frame.control == hdlc.DISC:
            was = self.connected
            self.connected = False
            self.meter.reset()
            if self.mode_e:
                self.signed_on = False  # the optical port falls back to 300 Bd sign-on
            return self._frame(hdlc.UA if was else hdlc.DM)
        if not self.connected:
            return self._frame(hdlc.DM)
        if frame.is_rr:
            if self._pending and frame.recv_seq == self._vs:
                return self._send_segment()
            return self._last  # our last frame was lost: repeat it
        if not frame.is_information:
            return None
        if frame.send_seq != self._vr:
            return self._last  # a repeated request: repeat the answer, do not execute twice
        self._vr = (self._vr + 1) % 8
        self._rx += frame.info
        if frame.segmented:
            return self._frame(hdlc.rr_control(self._vr))
        request, self._rx = bytes(self._rx), bytearray()
        return self._execute(request)

    def _execute(self, request: bytes) -> bytes | None:
        self.requests += 1
        limit = self.meter.faults.reboot_after_requests
        if limit is not None and self.requests > limit:
            self.meter.faults.reboot_after_requests = None
            self.connected = False  # power cycle: silent now, DM to whatever comes next
            self.meter.reset()
            return None
        if not request.startswith(hdlc.LLC_REQUEST):
            return None
        client = self._client_addr[0] >> 1
        answer = self.meter.handle_apdu(client, request[3:])
        if answer is None:
            return None
        if self.faults.fcs_7e and self.meter.serial_override is None:
            answer = self._serial_with_fcs_7e(client, request[3:], answer)
        payload = hdlc.LLC_RESPONSE + answer
        size = self.params.max_info_tx
        self._pending = [payload[i : i + size] for i in range(0, len(payload), size)]
        return self._send_segment()

    def _send_segment(self) -> bytes:
        """Send up to a window of segments; the last of the window carries the final bit."""
        out = bytearray()
        for n in range(min(self.params.window_tx, len(self._pending))):
            chunk = self._pending.pop(0)
            more = bool(self._pending)
            final = not more or n == self.params.window_tx - 1
            out += self._frame(hdlc.i_control(self._vs, self._vr, final), chunk, segmented=more)
            self._vs = (self._vs + 1) % 8
            if final:
                break
        return bytes(out)

    def _serial_with_fcs_7e(self, client: int, request: bytes, answer: bytes) -> bytes:
        """Pick a serial-number suffix that makes this answer's FCS end in 0x7E (the dlms-cosem hang)."""
        base = self.meter.model.serial
        if base.encode() not in answer:
            return answer
        for k in range(5000):
            self.meter.serial_override = f"{base}-{k}"
            candidate = self.meter.handle_apdu(client, request) or b""
            frame = hdlc.encode_frame(
                self._client_addr, self.address, hdlc.i_control(self._vs, self._vr), hdlc.LLC_RESPONSE + candidate
            )
            if frame[-2] == 0x7E and len(candidate) + 3 <= self.params.max_info_tx:
                return candidate
        return answer

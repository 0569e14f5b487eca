"""Carrying APDUs to one meter: HDLC (serial line or TCP gateway) or the IP wrapper (TCP), with real deadlines.

Must not know COSEM objects or association rules; it moves whole APDUs and raises LinkTimeout/LinkError/
FramingError. HDLC frames are read by their length field, never split on 0x7E.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from drivers.dlms import hdlc
from drivers.errors import FramingError, LinkError, LinkTimeout, ProtocolError
from drivers.link import Link

log = logging.getLogger(__name__)


class ApduTransport(Protocol):
    def connect(self) -> None: ...
    def exchange(self, apdu: bytes) -> bytes: ...
    def disconnect(self) -> None: ...


class WrapperTransport:
    """IEC 62056-47 wrapper over TCP: an 8-byte header (version 1, source and destination wPort, length)."""

    def __init__(self, link: Link, *, client_wport: int, server_wport: int, response_timeout_s: float) -> None:
        self.link, self.client, self.server, self.timeout = link, client_wport, server_wport, response_timeout_s

    def connect(self) -> None:
        """Nothing to open: the TCP connection is the lower layer."""

    def exchange(self, apdu: bytes) -> bytes:
        header = (1).to_bytes(2, "big") + self.client.to_bytes(2, "big") + self.server.to_bytes(2, "big")
        self.link.write(header + len(apdu).to_bytes(2, "big") + apdu)
        deadline = time.monotonic() + self.timeout
        while True:
            head = self.link.read_exact(8, deadline)
            length = int.from_bytes(head[6:8], "big")
            body = self.link.read_exact(length, deadline)
            if head[0:2] != b"\x00\x01":
                raise FramingError(f"not a DLMS wrapper header: {head.hex()}")
            if int.from_bytes(head[2:4], "big") == self.server and int.from_bytes(head[4:6], "big") == self.client:
                return body
            log.debug("wrapper frame for another association ignored: %s", head.hex())

    def disconnect(self) -> None:
        """Nothing to close below the association."""


class HdlcTransport:
    """HDLC client: SNRM/UA with negotiated window and information field, I-frames with segmentation, DISC.

    Retries re-send the same frame (same sequence numbers), so a meter that did hear us repeats its answer
    instead of executing the request twice.
    """

    def __init__(
        self,
        link: Link,
        *,
        client_address: int,
        server_logical: int,
        server_physical: int | None,
        address_size: int = 0,
        parameters: hdlc.LinkParameters | None = None,
        response_timeout_s: float = 2.0,
        retries: int = 2,
    ) -> None:
        self.link = link
        self.client = hdlc.encode_client_address(client_address)
        self.server = hdlc.encode_server_address(server_logical, server_physical, address_size)
        self._client_pair = (client_address, None)
        self._server_pair = (server_logical, server_physical)
        self.proposed = parameters or hdlc.LinkParameters()
        self.negotiated = self.proposed
        self.timeout, self.retries = response_timeout_s, retries
        self._send_seq = self._recv_seq = 0
        self.connected = False

    # -- frames ---------------------------------------------------------------------------------------------------

    def _frame(self, control: int, info: bytes = b"", segmented: bool = False) -> bytes:
        return hdlc.encode_frame(self.server, self.client, control, info, segmented)

    def read_frame(self, deadline: float) -> hdlc.HdlcFrame:
        """Next frame addressed to us; frames for other stations on a shared line are skipped."""
        while True:
            frame = _read_raw_frame(self.link, deadline)
            if frame.dest == self._client_pair and _same_server(frame.src, self._server_pair):
                return frame
            log.debug("HDLC frame from %s to %s ignored", frame.src, frame.dest)

    def _command(self, control: int, info: bytes = b"") -> hdlc.HdlcFrame:
        """Send an unnumbered command and wait for its answer, with retries on silence or a damaged frame."""
        request = self._frame(control, info)
        for attempt in range(self.retries + 1):
            self.link.write(request)
            try:
                return self.read_frame(time.monotonic() + self.timeout)
            except (LinkTimeout, FramingError) as exc:
                if attempt == self.retries:
                    raise
                log.debug("HDLC command %02x: %s, retrying", control, exc)
                self._recover()
        raise AssertionError("unreachable")

    def _recover(self) -> None:
        # Let the rest of a damaged frame pass, then start clean; a short wait, the retry has its own deadline.
        self.link.wait_silence(max(0.02, 5 * self.link.char_time_s))
        self.link.discard_input()

    # -- the connection -------------------------------------------------------------------------------------------

    def snrm(self) -> hdlc.HdlcFrame:
        """Send SNRM (with retries) and return whatever frame the station answered, UA or not.

        After a UA the station is connected (disconnect() then sends DISC), even before connect() negotiates.
        """
        answer = self._command(hdlc.SNRM, self.proposed.encode())
        self.connected = answer.control == hdlc.UA
        return answer

    def connect(self) -> None:
        answer = self.snrm()
        if answer.control == hdlc.DM:
            raise LinkError("meter answered SNRM with DM (disconnected mode): busy or another client connected")
        if answer.control != hdlc.UA:
            raise ProtocolError(f"meter answered SNRM with control {answer.control:02x}")
        # The UA lists the meter's view: its tx is our rx. Take the smaller of what each side can do.
        meter = hdlc.LinkParameters.decode(answer.info, self.proposed.swapped()).swapped()
        self.negotiated = hdlc.LinkParameters(
            min(self.proposed.max_info_tx, meter.max_info_tx),
            min(self.proposed.max_info_rx, meter.max_info_rx),
            min(self.proposed.window_tx, meter.window_tx),
            min(self.proposed.window_rx, meter.window_rx),
        )
        self._send_seq = self._recv_seq = 0
        self.connected = True

    def disconnect(self) -> None:
        """DISC, one short try: the meter drops the link after its inactivity timeout anyway."""
        if not self.connected:
            return
        self.connected = False
        try:
            self.link.write(self._frame(hdlc.DISC))
            self.read_frame(time.monotonic() + min(self.timeout, 1.0))
        except (LinkTimeout, FramingError, LinkError) as exc:
            log.debug("HDLC DISC not confirmed: %s", exc)

    def exchange(self, apdu: bytes) -> bytes:
        payload = hdlc.LLC_REQUEST + apdu
        size = self.negotiated.max_info_tx
        chunks = [payload[i : i + size] for i in range(0, len(payload), size)] or [b""]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            frame = self._frame(hdlc.i_control(self._send_seq, self._recv_seq), chunk, segmented=not last)
            self._send_seq = (self._send_seq + 1) % 8
            if not last:
                self._await_rr(frame)
            else:
                return self._receive_answer(frame)
        raise AssertionError("unreachable")

    def _await_rr(self, frame: bytes) -> None:
        for attempt in range(self.retries + 1):
            self.link.write(frame)
            try:
                answer = self.read_frame(time.monotonic() + self.timeout)
            except (LinkTimeout, FramingError):
                if attempt == self.retries:
                    raise
                self._recover()
                continue
            if answer.is_rr:
                return
            raise ProtocolError(f"expected RR after a segment, got control {answer.control:02x}")

    def _receive_answer(self, request: bytes) -> bytes:
        """Collect the answer's I-frames (acknowledging each window with RR) until an unsegmented one."""
        data = bytearray()
        pending = request  # what to repeat if the meter stays silent
        failures = 0
        self.link.write(request)
        while True:
            try:
                frame = self.read_frame(time.monotonic() + self.timeout)
            except (LinkTimeout, FramingError) as exc:
                failures += 1
                if failures > self.retries:
                    raise
                log.debug("HDLC answer: %s, repeating the last frame", exc)
                self._recover()
                self.link.write(pending)
                continue
            if frame.control in (hdlc.DM, hdlc.FRMR) or frame.control == hdlc.UA:
                self.connected = False
                raise LinkError(f"meter dropped the HDLC connection (control {frame.control:02x}): restarted?")
            if not frame.is_information:
                continue
            if frame.send_seq == self._recv_seq:
                self._recv_seq = (self._recv_seq + 1) % 8
                data += frame.info
            else:
                log.debug("HDLC repeated frame N(S)=%d ignored", frame.send_seq)
            if not frame.segmented:
                break
            failures = 0
            if frame.poll_final:
                pending = self._frame(hdlc.rr_control(self._recv_seq))
                self.link.write(pending)
        if not data.startswith(hdlc.LLC_RESPONSE):
            raise FramingError(f"answer without the LLC header: {bytes(data[:3]).hex()}")
        return bytes(data[3:])


def _same_server(got: tuple[int, int | None], want: tuple[int, int | None]) -> bool:
    return got == want or (want[1] is None and got[0] == want[0])


def _read_raw_frame(link: Link, deadline: float) -> hdlc.HdlcFrame:
    """One frame by its length field. Skips noise and repeated flags before it."""
    first = link.read_exact(1, deadline)
    while first[0] != hdlc.FLAG:
        first = link.read_exact(1, deadline)
    fmt = link.read_exact(2, deadline)
    while fmt[0] == hdlc.FLAG:  # the closing flag of a previous frame, or an idle flag
        fmt = fmt[1:] + link.read_exact(1, deadline)
    length = hdlc.frame_length(fmt)
    if length < 7:
        raise FramingError(f"HDLC frame length {length} is too short")
    rest = link.read_exact(length - 1, deadline)  # the rest of the frame and the closing flag
    return hdlc.decode_frame(bytes((hdlc.FLAG,)) + fmt + rest)

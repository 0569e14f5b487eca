"""HDLC frame format type 3 (IEC 62056-46): addresses, control field, HCS/FCS, encode and parse one frame.

Must not do I/O: the transport reads a frame by its length field (never by splitting on 0x7E, which hangs
dlms-cosem 25.1 whenever an FCS ends in 0x7E) and hands the bytes here.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.errors import ConfigurationError, FramingError

FLAG = 0x7E
FORMAT_TYPE_3 = 0xA0
LLC_REQUEST = b"\xe6\xe6\x00"
LLC_RESPONSE = b"\xe6\xe7\x00"

# Control field of the unnumbered and supervisory frames, poll/final bit set.
SNRM = 0x93
UA = 0x73
DISC = 0x53
DM = 0x1F
FRMR = 0x97
UI = 0x13


def _fcs_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _fcs_table()


def fcs16(data: bytes) -> bytes:
    """CRC-16/X-25 as HDLC wants it: reflected, init and final xor 0xFFFF, sent low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    crc ^= 0xFFFF
    return bytes((crc & 0xFF, crc >> 8))


def encode_client_address(address: int) -> bytes:
    if not 0 <= address <= 127:
        raise ConfigurationError(f"HDLC client address must be 0..127, got {address}")
    return bytes(((address << 1) | 1,))


def encode_server_address(logical: int, physical: int | None, size: int = 0) -> bytes:
    """Upper (logical device) and lower (physical) HDLC address; size 0 picks the shortest that fits.

    Physical addresses above 127 need the four-byte form (two 7-bit groups per half); meters on a
    multi-drop line usually have one, so this is not a corner case.
    """
    if physical is None:
        if not 0 <= logical <= 127:
            raise ConfigurationError(f"one-byte server address must be 0..127, got {logical}")
        return bytes(((logical << 1) | 1,))
    if size == 0:
        size = 2 if logical <= 127 and physical <= 127 else 4
    if size == 2:
        if logical > 127 or physical > 127:
            raise ConfigurationError("two-byte HDLC server address needs logical and physical <= 127")
        return bytes((logical << 1, (physical << 1) | 1))
    if size == 4:
        if logical > 0x3FFF or physical > 0x3FFF:
            raise ConfigurationError("four-byte HDLC server address needs logical and physical <= 16383")
        return bytes(((logical >> 7) << 1, (logical & 0x7F) << 1, (physical >> 7) << 1, ((physical & 0x7F) << 1) | 1))
    raise ConfigurationError(f"HDLC server address size must be 1, 2 or 4, got {size}")


def decode_address(data: bytes, start: int) -> tuple[tuple[int, int | None], int]:
    """Read an address field (ends at the byte with bit 0 set). Returns ((upper, lower|None), next index)."""
    end = start
    while end < len(data) and not data[end] & 1:
        end += 1
    if end >= len(data):
        raise FramingError("HDLC address field does not end")
    raw = [b >> 1 for b in data[start : end + 1]]
    if len(raw) == 1:
        return (raw[0], None), end + 1
    if len(raw) == 2:
        return (raw[0], raw[1]), end + 1
    if len(raw) == 4:
        return ((raw[0] << 7) | raw[1], (raw[2] << 7) | raw[3]), end + 1
    raise FramingError(f"HDLC address of {len(raw)} bytes")


@dataclass(frozen=True, slots=True)
class HdlcFrame:
    """One decoded frame. `dest`/`src` are (upper, lower|None) address pairs."""

    dest: tuple[int, int | None]
    src: tuple[int, int | None]
    control: int
    info: bytes = b""
    segmented: bool = False

    @property
    def is_information(self) -> bool:
        return not self.control & 0x01

    @property
    def is_rr(self) -> bool:
        return self.control & 0x0F == 0x01

    @property
    def poll_final(self) -> bool:
        return bool(self.control & 0x10)

    @property
    def send_seq(self) -> int:
        return (self.control >> 1) & 0x07

    @property
    def recv_seq(self) -> int:
        return (self.control >> 5) & 0x07


def i_control(send_seq: int, recv_seq: int, final: bool = True) -> int:
    return ((recv_seq & 7) << 5) | (0x10 if final else 0) | ((send_seq & 7) << 1)


def rr_control(recv_seq: int) -> int:
    return ((recv_seq & 7) << 5) | 0x10 | 0x01


def encode_frame(dest: bytes, src: bytes, control: int, info: bytes = b"", segmented: bool = False) -> bytes:
    header_len = 2 + len(dest) + len(src) + 1
    length = header_len + (2 + len(info) if info else 0) + 2
    if length > 0x7FF:
        raise ConfigurationError(f"HDLC frame too long: {length}")
    header = bytes((FORMAT_TYPE_3 | (0x08 if segmented else 0) | (length >> 8), length & 0xFF)) + dest + src
    header += bytes((control,))
    body = header
    if info:
        body += fcs16(header) + info
    return bytes((FLAG,)) + body + fcs16(body) + bytes((FLAG,))


def frame_length(format_bytes: bytes) -> int:
    """Bytes between the flags, from the two format bytes (after the opening flag)."""
    if format_bytes[0] & 0xF0 != FORMAT_TYPE_3:
        raise FramingError(f"not an HDLC type 3 frame format: {format_bytes.hex()}")
    return ((format_bytes[0] & 0x07) << 8) | format_bytes[1]


def decode_frame(raw: bytes) -> HdlcFrame:
    """Parse a whole frame including both flags; checks HCS and FCS."""
    if len(raw) < 9 or raw[0] != FLAG or raw[-1] != FLAG:
        raise FramingError("HDLC frame without flags")
    body = raw[1:-1]
    if frame_length(body[:2]) != len(body):
        raise FramingError("HDLC length field does not match the frame")
    if fcs16(body[:-2]) != body[-2:]:
        raise FramingError("bad HDLC FCS")
    dest, index = decode_address(body, 2)
    src, index = decode_address(body, index)
    if index >= len(body) - 2:
        raise FramingError("HDLC header runs into the FCS")
    control = body[index]
    index += 1
    info = b""
    if index < len(body) - 2:
        if fcs16(body[:index]) != body[index : index + 2]:
            raise FramingError("bad HDLC HCS")
        info = bytes(body[index + 2 : -2])
    return HdlcFrame(dest, src, control, info, bool(body[0] & 0x08))


@dataclass(frozen=True, slots=True)
class LinkParameters:
    """Negotiated in SNRM/UA: maximum information field lengths and window sizes, per direction."""

    max_info_tx: int = 128
    max_info_rx: int = 128
    window_tx: int = 1
    window_rx: int = 1

    def encode(self) -> bytes:
        def param(tag: int, value: int, width: int) -> bytes:
            return bytes((tag, width)) + value.to_bytes(width, "big")

        width = 1 if max(self.max_info_tx, self.max_info_rx) <= 255 else 2
        body = (
            param(0x05, self.max_info_tx, width)
            + param(0x06, self.max_info_rx, width)
            + param(0x07, self.window_tx, 4)
            + param(0x08, self.window_rx, 4)
        )
        return bytes((0x81, 0x80, len(body))) + body

    @classmethod
    def decode(cls, info: bytes, default: LinkParameters | None = None) -> LinkParameters:
        values = {5: 128, 6: 128, 7: 1, 8: 1}
        if default is not None:
            values = {5: default.max_info_tx, 6: default.max_info_rx, 7: default.window_tx, 8: default.window_rx}
        if len(info) >= 3 and info[0] == 0x81 and info[1] == 0x80:
            index = 3
            while index + 2 <= len(info):
                tag, width = info[index], info[index + 1]
                values[tag] = int.from_bytes(info[index + 2 : index + 2 + width], "big")
                index += 2 + width
        return cls(values[5], values[6], values[7], values[8])

    def swapped(self) -> LinkParameters:
        """The same parameters seen from the other end (the meter's tx is our rx)."""
        return LinkParameters(self.max_info_rx, self.max_info_tx, self.window_rx, self.window_tx)

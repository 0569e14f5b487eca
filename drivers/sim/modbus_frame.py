"""Slave-side Modbus framing for the simulators: CRC-16, RTU and MBAP request splitters, reply builders.

Must not import drivers.modbus or pymodbus: a test double written independently of the code it tests.
"""

from __future__ import annotations

import struct


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc_table()


def crc16(data: bytes) -> bytes:
    """Modbus CRC-16 (poly 0xA001, init 0xFFFF), low byte first."""
    crc = 0xFFFF
    for byte in data:
        crc = (crc >> 8) ^ _TABLE[(crc ^ byte) & 0xFF]
    return struct.pack("<H", crc)


# Request lengths by function code (whole RTU frame, CRC included); None: length in a byte-count field.
_FIXED_RTU_REQUEST = {1: 8, 2: 8, 3: 8, 4: 8, 5: 8, 6: 8, 8: 8, 11: 4, 12: 4, 17: 4}
_COUNTED_RTU_REQUEST = {15: 6, 16: 6, 23: 10}  # position of the byte-count field


def split_rtu_request(buffer: bytes) -> tuple[bytes, bytes] | None:
    """Cut one RTU request off the buffer by its function code's length (the line's silence handles noise)."""
    if len(buffer) < 2:
        return None
    function = buffer[1]
    if function in _FIXED_RTU_REQUEST:
        size = _FIXED_RTU_REQUEST[function]
    elif function in _COUNTED_RTU_REQUEST:
        pos = _COUNTED_RTU_REQUEST[function]
        if len(buffer) <= pos:
            return None
        size = pos + 1 + buffer[pos] + 2
    else:
        return None  # unknown function: wait for the silence to drop it
    if len(buffer) < size:
        return None
    return buffer[:size], buffer[size:]


def split_mbap(buffer: bytes) -> tuple[bytes, bytes] | None:
    """Cut one Modbus TCP frame (7-byte MBAP header + PDU) off the buffer by its length field."""
    if len(buffer) < 7:
        return None
    (length,) = struct.unpack(">H", buffer[4:6])
    size = 6 + length
    if len(buffer) < size:
        return None
    return buffer[:size], buffer[size:]


def rtu_reply(unit_id: int, pdu: bytes) -> bytes:
    frame = bytes([unit_id]) + pdu
    return frame + crc16(frame)


def mbap_reply(transaction_id: int, unit_id: int, pdu: bytes, *, length: int | None = None) -> bytes:
    """MBAP header + PDU; `length` overrides the header's length field (fault injection only)."""
    size = len(pdu) + 1 if length is None else length
    return struct.pack(">HHHB", transaction_id, 0, size, unit_id) + pdu


def exception_pdu(function: int, code: int) -> bytes:
    return bytes([function | 0x80, code])


def registers_pdu(function: int, words: list[int]) -> bytes:
    return bytes([function, 2 * len(words)]) + b"".join(struct.pack(">H", w) for w in words)

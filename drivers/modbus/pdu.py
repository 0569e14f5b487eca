"""Modbus PDUs and the RTU checksum through pymodbus: the one module that imports it (its API churns).

Must not do I/O, timing or retries: transport.py owns the line, because pymodbus's async client skips the RTU
3.5-character silence and its timeouts are not deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass

from pymodbus.framer.rtu import FramerRTU
from pymodbus.pdu.decoders import DecodePDU
from pymodbus.pdu.register_message import ReadHoldingRegistersRequest, ReadInputRegistersRequest

from drivers.errors import FramingError

EXCEPTION_NAMES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


@dataclass(frozen=True, slots=True)
class ExceptionReply:
    """The meter answered with a Modbus exception instead of data."""

    function_code: int
    code: int

    @property
    def text(self) -> str:
        return f"exception {self.code:#04x} ({EXCEPTION_NAMES.get(self.code, 'unknown')})"


def read_request(function_code: int, address: int, count: int) -> bytes:
    """PDU of 'read holding registers' (3) or 'read input registers' (4)."""
    cls = ReadHoldingRegistersRequest if function_code == 3 else ReadInputRegistersRequest
    request = cls(address=address, count=count)
    return bytes([request.function_code]) + request.encode()


def crc16(data: bytes) -> bytes:
    """The Modbus RTU CRC of `data`, low byte first as it goes on the wire."""
    return int(FramerRTU.compute_CRC(data)).to_bytes(2, "big")


def rtu_adu(unit_id: int, pdu: bytes) -> bytes:
    frame = bytes([unit_id]) + pdu
    return frame + crc16(frame)


def crc_ok(adu: bytes) -> bool:
    return len(adu) >= 4 and crc16(adu[:-2]) == adu[-2:]


_DECODER = DecodePDU(is_server=False)


def parse_read_reply(pdu: bytes, function_code: int, count: int) -> list[int] | ExceptionReply:
    """Registers of a read reply, or the exception the meter sent; FramingError for anything else."""
    if pdu[:1] == bytes([function_code | 0x80]) and len(pdu) == 2:
        return ExceptionReply(function_code, pdu[1])
    if pdu[:1] != bytes([function_code]) or len(pdu) != 2 + 2 * count or pdu[1] != 2 * count:
        raise FramingError(f"unexpected reply to function {function_code} for {count} registers: {pdu.hex()}")
    reply = _DECODER.decode(pdu)
    if reply is None or reply.isError():
        raise FramingError(f"undecodable reply: {pdu.hex()}")
    registers = [int(word) for word in reply.registers]
    if len(registers) != count:
        raise FramingError(f"{len(registers)} registers in a reply for {count}")
    return registers

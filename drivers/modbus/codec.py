"""Pure decoding of Modbus register words into scaled Decimal values: types, word orders, NaN and infinities.

Must not do I/O, know OBIS codes or import pymodbus: it turns a list of 16-bit words into one number or text.
"""

from __future__ import annotations

import enum
import math
import struct
from collections.abc import Sequence
from decimal import Decimal


class DataType(enum.StrEnum):
    U16 = "u16"
    S16 = "s16"
    U32 = "u32"
    S32 = "s32"
    F32 = "f32"
    U64 = "u64"
    S64 = "s64"
    TEXT = "text"  # ASCII, two characters per register, high byte first (serial numbers); nameplate only


class WordOrder(enum.StrEnum):
    """Order of the 16-bit registers of a multi-register value. Bytes inside a register are always big-endian."""

    BIG = "big"  # most significant word first (Eastron, ABB)
    LITTLE = "little"  # least significant word first (Carlo Gavazzi EM24/EM340 INT32)


WORDS: dict[DataType, int] = {
    DataType.U16: 1,
    DataType.S16: 1,
    DataType.U32: 2,
    DataType.S32: 2,
    DataType.F32: 2,
    DataType.U64: 4,
    DataType.S64: 4,
}

_STRUCT = {
    DataType.U16: ">H",
    DataType.S16: ">h",
    DataType.U32: ">I",
    DataType.S32: ">i",
    DataType.F32: ">f",
    DataType.U64: ">Q",
    DataType.S64: ">q",
}


class DecodeError(ValueError):
    """The words do not hold a usable value (wrong count, NaN, infinity): the reading becomes DECODE_ERROR."""


def registers_to_bytes(words: Sequence[int], order: WordOrder) -> bytes:
    """Big-endian bytes of the value, most significant word first whatever the meter's word order."""
    for word in words:
        if not 0 <= word <= 0xFFFF:
            raise DecodeError(f"not a 16-bit register: {word}")
    ordered = list(words) if order is WordOrder.BIG else list(reversed(words))
    return b"".join(word.to_bytes(2, "big") for word in ordered)


def _float32_decimal(raw: bytes) -> Decimal:
    """The shortest decimal that is the same float32: 230.1, not 230.10000610351562."""
    (value,) = struct.unpack(">f", raw)
    if math.isnan(value):
        raise DecodeError("float register holds NaN")
    if math.isinf(value):
        raise DecodeError("float register holds an infinity")
    for digits in range(6, 10):
        text = f"{value:.{digits}g}"
        if struct.pack(">f", float(text)) == raw:
            return Decimal(text)
    return Decimal(repr(value))  # pragma: no cover - 9 significant digits always round-trip a float32


def decode_value(words: Sequence[int], dtype: DataType, order: WordOrder, scale: Decimal = Decimal(1)) -> Decimal:
    """Decode one numeric value and multiply it by `scale` (e.g. Decimal('0.1') for a register in tenths)."""
    if dtype is DataType.TEXT:
        raise DecodeError("text is not a number: use decode_text")
    if len(words) != WORDS[dtype]:
        raise DecodeError(f"{dtype} needs {WORDS[dtype]} registers, got {len(words)}")
    raw = registers_to_bytes(words, order)
    if dtype is DataType.F32:
        value = _float32_decimal(raw)
    else:
        (number,) = struct.unpack(_STRUCT[dtype], raw)
        value = Decimal(number)
    return value * scale if scale != 1 else value


def decode_text(words: Sequence[int]) -> str:
    """ASCII text, two characters per register; NULs and spaces at either end are padding."""
    raw = registers_to_bytes(words, WordOrder.BIG)
    try:
        return raw.decode("ascii").strip("\x00 ")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"not ASCII text: {raw.hex()}") from exc

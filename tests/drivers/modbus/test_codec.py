"""Decoding register words: every type, both word orders, negatives, 64-bit counters, NaN and infinities."""

from __future__ import annotations

from decimal import Decimal

import pytest

from drivers.modbus.codec import DataType, DecodeError, WordOrder, decode_text, decode_value

B, L = WordOrder.BIG, WordOrder.LITTLE

CASES = [
    # words, type, word order, scale, expected
    ([0x0000], DataType.U16, B, "1", "0"),
    ([0xFFFF], DataType.U16, B, "1", "65535"),
    ([0xFFFF], DataType.S16, B, "1", "-1"),
    ([0x8000], DataType.S16, B, "1", "-32768"),
    ([0x03E8], DataType.S16, L, "0.001", "1.000"),  # word order is irrelevant for one register
    ([0x0001, 0x0000], DataType.U32, B, "1", "65536"),
    ([0x0001, 0x0000], DataType.U32, L, "1", "1"),
    ([0xFFFF, 0xFFFF], DataType.U32, B, "1", "4294967295"),
    ([0xFFFF, 0xFFFE], DataType.S32, B, "1", "-2"),
    ([0xFFFE, 0xFFFF], DataType.S32, L, "1", "-2"),
    ([0x08FD, 0x0000], DataType.S32, L, "0.1", "230.1"),  # Carlo Gavazzi: 2301 low word first, V*10
    ([0x4366, 0x199A], DataType.F32, B, "1", "230.1"),
    ([0x199A, 0x4366], DataType.F32, L, "1", "230.1"),
    ([0xC2C8, 0x0000], DataType.F32, B, "1", "-100"),
    ([0x0000, 0x0000], DataType.F32, B, "1", "0"),
    ([0x4479, 0xC000], DataType.F32, B, "0.001", "0.999"),
    ([0x0000, 0x0000, 0x0001, 0x0000], DataType.U64, B, "1", "65536"),
    ([0x0000, 0x0001, 0x0000, 0x0000], DataType.U64, L, "1", "65536"),
    ([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF], DataType.U64, B, "1", "18446744073709551615"),
    ([0x0000, 0x0000, 0x0098, 0x9680], DataType.U64, B, "0.01", "100000.00"),  # ABB-style kWh*100 counter
    ([0xFFFF, 0xFFFF, 0xFFFF, 0xFF9C], DataType.S64, B, "1", "-100"),
    ([0xFF9C, 0xFFFF, 0xFFFF, 0xFFFF], DataType.S64, L, "0.1", "-10.0"),
]


@pytest.mark.parametrize(("words", "dtype", "order", "scale", "expected"), CASES)
def test_decode_value(words: list[int], dtype: DataType, order: WordOrder, scale: str, expected: str) -> None:
    value = decode_value(words, dtype, order, Decimal(scale))
    assert isinstance(value, Decimal)
    assert value == Decimal(expected)


@pytest.mark.parametrize(
    "words",
    [
        [0x7FC0, 0x0000],  # quiet NaN
        [0x7F80, 0x0001],  # signalling NaN
        [0x7F80, 0x0000],  # +inf
        [0xFF80, 0x0000],  # -inf
    ],
)
@pytest.mark.parametrize("order", [B, L])
def test_non_finite_floats_are_decode_errors(words: list[int], order: WordOrder) -> None:
    ordered = words if order is B else words[::-1]
    with pytest.raises(DecodeError):
        decode_value(ordered, DataType.F32, order)


@pytest.mark.parametrize(
    ("words", "dtype"),
    [([1], DataType.U32), ([1, 2, 3], DataType.F32), ([1, 2], DataType.U64), ([0x1_0000], DataType.U16)],
)
def test_wrong_register_count_or_range_is_a_decode_error(words: list[int], dtype: DataType) -> None:
    with pytest.raises(DecodeError):
        decode_value(words, dtype, B)


def test_text_serial_strips_padding() -> None:
    assert decode_text([0x5349, 0x4D31, 0x3233, 0x0000]) == "SIM123"
    with pytest.raises(DecodeError):
        decode_text([0xFFFF])

"""Register layouts of the simulated Modbus meters, transcribed from the datasheets independently of the maps.

Must not read drivers/modbus/maps: if a map is wrong, the tests must see the simulator disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass

HOLDING, INPUT = 3, 4


@dataclass(frozen=True, slots=True)
class Slot:
    """Where the simulator puts a quantity: function table, address, encoding, divisor of the raw integer."""

    obis: str
    table: int
    address: int
    kind: str  # '>f' float, '>i'/'>I' int32, '>h'/'>H' int16, '>Q' uint64 (struct codes, one value, big-endian)
    low_word_first: bool = False
    resolution: float = 1.0  # value = raw * resolution for integer kinds


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    phases: int
    slots: tuple[Slot, ...]
    readable: dict[int, tuple[tuple[int, int], ...]]  # table -> [start, end) ranges the meter answers
    max_registers: int
    serial_table: int
    serial_address: int
    serial_text_words: int  # 0: serial is an unsigned 32-bit number in two registers


def _eastron_floats(pairs: list[tuple[str, int]]) -> tuple[Slot, ...]:
    return tuple(Slot(obis, INPUT, address, ">f") for obis, address in pairs)


SDM630 = Model(
    name="SDM630",
    phases=3,
    slots=_eastron_floats(
        [
            ("1.0.32.7.0.255", 0x00),
            ("1.0.52.7.0.255", 0x02),
            ("1.0.72.7.0.255", 0x04),
            ("1.0.31.7.0.255", 0x06),
            ("1.0.51.7.0.255", 0x08),
            ("1.0.71.7.0.255", 0x0A),
            ("1.0.36.7.0.255", 0x0C),
            ("1.0.56.7.0.255", 0x0E),
            ("1.0.76.7.0.255", 0x10),
            ("1.0.16.7.0.255", 0x34),
            ("1.0.13.7.0.255", 0x3E),
            ("1.0.14.7.0.255", 0x46),
            ("1.0.1.8.0.255", 0x48),
            ("1.0.2.8.0.255", 0x4A),
            ("1.0.3.8.0.255", 0x4C),
            ("1.0.4.8.0.255", 0x4E),
        ]
    ),
    readable={INPUT: ((0x0000, 0x0180),), HOLDING: ((0x0000, 0x0100), (0xFC00, 0xFC02))},
    max_registers=80,
    serial_table=HOLDING,
    serial_address=0xFC00,
    serial_text_words=0,
)

SDM120 = Model(
    name="SDM120",
    phases=1,
    slots=_eastron_floats(
        [
            ("1.0.12.7.0.255", 0x00),
            ("1.0.11.7.0.255", 0x06),
            ("1.0.16.7.0.255", 0x0C),
            ("1.0.9.7.0.255", 0x12),
            ("1.0.13.7.0.255", 0x1E),
            ("1.0.14.7.0.255", 0x46),
            ("1.0.1.8.0.255", 0x48),
            ("1.0.2.8.0.255", 0x4A),
            ("1.0.3.8.0.255", 0x4C),
            ("1.0.4.8.0.255", 0x4E),
        ]
    ),
    readable={INPUT: ((0x0000, 0x0160),), HOLDING: ((0x0000, 0x0040), (0xFC00, 0xFC02))},
    max_registers=80,
    serial_table=HOLDING,
    serial_address=0xFC00,
    serial_text_words=0,
)


def _em24(obis: str, address: int, kind: str, resolution: float) -> Slot:
    return Slot(obis, HOLDING, address, kind, low_word_first=kind == ">i", resolution=resolution)


EM24 = Model(
    name="EM24",
    phases=3,
    slots=(
        _em24("1.0.32.7.0.255", 0x00, ">i", 0.1),
        _em24("1.0.52.7.0.255", 0x02, ">i", 0.1),
        _em24("1.0.72.7.0.255", 0x04, ">i", 0.1),
        _em24("1.0.31.7.0.255", 0x0C, ">i", 0.001),
        _em24("1.0.51.7.0.255", 0x0E, ">i", 0.001),
        _em24("1.0.71.7.0.255", 0x10, ">i", 0.001),
        _em24("1.0.36.7.0.255", 0x12, ">i", 0.1),
        _em24("1.0.56.7.0.255", 0x14, ">i", 0.1),
        _em24("1.0.76.7.0.255", 0x16, ">i", 0.1),
        _em24("1.0.16.7.0.255", 0x28, ">i", 0.1),
        _em24("1.0.13.7.0.255", 0x31, ">h", 0.001),
        _em24("1.0.14.7.0.255", 0x33, ">h", 0.1),
        _em24("1.0.1.8.0.255", 0x34, ">i", 0.1),
        _em24("1.0.3.8.0.255", 0x36, ">i", 0.1),
        _em24("1.0.1.8.1.255", 0x46, ">i", 0.1),
        _em24("1.0.1.8.2.255", 0x48, ">i", 0.1),
        _em24("1.0.1.8.3.255", 0x4A, ">i", 0.1),
        _em24("1.0.1.8.4.255", 0x4C, ">i", 0.1),
        _em24("1.0.2.8.0.255", 0x4E, ">i", 0.1),
        _em24("1.0.4.8.0.255", 0x50, ">i", 0.1),
    ),
    readable={HOLDING: ((0x0000, 0x0080), (0x5000, 0x5007))},
    max_registers=50,
    serial_table=HOLDING,
    serial_address=0x5000,
    serial_text_words=7,
)


def _abb(obis: str, address: int, kind: str, resolution: float) -> Slot:
    return Slot(obis, HOLDING, address, kind, resolution=resolution)


# ABB B23/B24 User Manual 2CMC485003M0201 rev. A, §9.3: every value in holding registers, high word first, integers
# with a fixed resolution; the energy accumulators are 4-register unsigned counters in 0.01 kWh.
B23 = Model(
    name="B23",
    phases=3,
    slots=(
        _abb("1.0.1.8.0.255", 0x5000, ">Q", 0.01),
        _abb("1.0.2.8.0.255", 0x5004, ">Q", 0.01),
        _abb("1.0.3.8.0.255", 0x500C, ">Q", 0.01),
        _abb("1.0.4.8.0.255", 0x5010, ">Q", 0.01),
        _abb("1.0.1.8.1.255", 0x5170, ">Q", 0.01),
        _abb("1.0.1.8.2.255", 0x5174, ">Q", 0.01),
        _abb("1.0.1.8.3.255", 0x5178, ">Q", 0.01),
        _abb("1.0.1.8.4.255", 0x517C, ">Q", 0.01),
        _abb("1.0.32.7.0.255", 0x5B00, ">I", 0.1),
        _abb("1.0.52.7.0.255", 0x5B02, ">I", 0.1),
        _abb("1.0.72.7.0.255", 0x5B04, ">I", 0.1),
        _abb("1.0.31.7.0.255", 0x5B0C, ">I", 0.01),
        _abb("1.0.51.7.0.255", 0x5B0E, ">I", 0.01),
        _abb("1.0.71.7.0.255", 0x5B10, ">I", 0.01),
        _abb("1.0.16.7.0.255", 0x5B14, ">i", 0.01),
        _abb("1.0.36.7.0.255", 0x5B16, ">i", 0.01),
        _abb("1.0.56.7.0.255", 0x5B18, ">i", 0.01),
        _abb("1.0.76.7.0.255", 0x5B1A, ">i", 0.01),
        _abb("1.0.14.7.0.255", 0x5B2C, ">H", 0.01),
        _abb("1.0.13.7.0.255", 0x5B3A, ">h", 0.001),
    ),
    # Mapping tables: energy accumulators, per-tariff accumulators, per-phase accumulators, instantaneous values,
    # product identification (serial 0x8900, firmware 0x8908). Anything else answers 'illegal data address'.
    readable={HOLDING: ((0x5000, 0x5038), (0x5170, 0x51F0), (0x5460, 0x5490), (0x5B00, 0x5B4C), (0x8900, 0x8910))},
    max_registers=125,
    serial_table=HOLDING,
    serial_address=0x8900,
    serial_text_words=0,
)

MODELS: dict[str, Model] = {
    "eastron_sdm630": SDM630,
    "eastron_sdm120": SDM120,
    "carlo_gavazzi_em24": EM24,
    "abb_b23": B23,
}
"""Keyed like drivers.modbus.MAP_NAMES, so a line config names one model for both sides."""

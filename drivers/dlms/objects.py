"""The СПОДЭС objects a head-end reads (DOMAIN.md §3): OBIS codes, interface classes, units, addresses.

Must not do I/O or decode APDUs; a declarative table shared by the driver and the simulated meter.
"""

from __future__ import annotations

from drivers.obis import Obis

CLASS_DATA = 1
CLASS_REGISTER = 3
CLASS_PROFILE = 7
CLASS_CLOCK = 8

CLOCK = Obis(0, 0, 1, 0, 0)
LOAD_PROFILE = Obis(1, 0, 99, 1, 0)
MONTHLY_PROFILE = Obis(1, 0, 98, 1, 0)
DAILY_PROFILE = Obis(1, 0, 98, 2, 0)
SCALER_PROFILES = tuple(Obis(1, 0, 94, 7, n) for n in (1, 2, 3, 4))
CT_RATIO = Obis(1, 0, 0, 4, 2)
VT_RATIO = Obis(1, 0, 0, 4, 3)


def journal(n: int) -> Obis:
    """Event journal 0.0.99.98.n (class 7)."""
    return Obis(0, 0, 99, 98, n)


def event_code_register(n: int) -> Obis:
    """The event code object a journal captures, 0.0.96.11.n."""
    return Obis(0, 0, 96, 11, n)


NAMEPLATE = {
    Obis(0, 0, 96, 1, 0): "serial",
    Obis(0, 0, 96, 1, 1): "model",
    Obis(0, 0, 96, 1, 2): "firmware",
    Obis(0, 0, 96, 1, 3): "manufacturer",
    Obis(0, 0, 96, 1, 4): "manufactured",
    Obis(0, 0, 96, 1, 6): "spodes_version",
}

ENERGY_A_PLUS = tuple(Obis(1, 0, 1, 8, t) for t in range(5))  # total, T1..T4
STANDARD_POINTS: tuple[Obis, ...] = (
    *ENERGY_A_PLUS,
    Obis(1, 0, 2, 8, 0),  # A−
    Obis(1, 0, 3, 8, 0),  # R+
    Obis(1, 0, 4, 8, 0),  # R−
    Obis(1, 0, 32, 7, 0),  # U phase A
    Obis(1, 0, 31, 7, 0),  # I phase A
    Obis(1, 0, 16, 7, 0),  # P total
    Obis(1, 0, 14, 7, 0),  # f
)

# DLMS unit enumeration (Blue Book, class 3 scaler_unit) → the symbol we store.
UNITS = {
    8: "°",
    9: "°C",
    27: "W",
    28: "VA",
    29: "var",
    30: "Wh",
    31: "VAh",
    32: "varh",
    33: "A",
    35: "V",
    44: "Hz",
    56: "%",
    255: "",
}


def unit_symbol(code: int) -> str | None:
    symbol = UNITS.get(code)
    return None if symbol == "" else (symbol if symbol is not None else f"unit#{code}")


def spodes_physical_address(serial: str, *, offset: int = 16, digits: int = 4) -> int:
    """A guess at a meter's HDLC physical address from its serial number: the last `digits` digits plus `offset`.

    Not a СПОДЭС rule: ГОСТ Р 58940-2020 and СТО 34.01-5.1-006 leave the physical address to the manufacturer
    (the public searches of this project found no rule in them). What vendors document differs: Милур 107S uses
    the last 4 digits + 16 (always added, which keeps 0000..0015 out of the reserved range), quoted in a public Home
    Assistant DLMS integration's README; a public collector notes a factory batch with the last 4 digits + 199 and
    other meters with the last 5 digits. So: a starting point for `uchet scan`, never a substitute for the
    address configured or read from the meter's passport.
    """
    tail = "".join(ch for ch in serial if ch.isdigit())[-digits:]
    return (int(tail) if tail else 0) + offset

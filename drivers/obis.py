"""OBIS codes (IEC 62056-6-1): parsing, formatting and the reduced-form aliases meters print.

Must not know about protocols or storage; it only names quantities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FULL = re.compile(r"^(\d{1,3})[-.](\d{1,3})[:.](\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:[.*](\d{1,3}))?$")


@dataclass(frozen=True, order=True, slots=True)
class Obis:
    """A six-group OBIS code A-B:C.D.E*F, stored as six bytes."""

    a: int
    b: int
    c: int
    d: int
    e: int
    f: int = 255

    def __post_init__(self) -> None:
        for group in (self.a, self.b, self.c, self.d, self.e, self.f):
            if not 0 <= group <= 255:
                raise ValueError(f"OBIS group out of range 0..255: {group}")

    @classmethod
    def parse(cls, text: str) -> Obis:
        """Accept '1.0.1.8.0.255', '1-0:1.8.0*255' and '1.0.1.8.0' (F defaults to 255)."""
        match = _FULL.match(text.strip())
        if match is None:
            raise ValueError(f"not an OBIS code: {text!r}")
        groups = [int(g) for g in match.groups() if g is not None]
        return cls(*groups)

    @classmethod
    def from_bytes(cls, raw: bytes) -> Obis:
        if len(raw) != 6:
            raise ValueError(f"OBIS code must be 6 bytes, got {len(raw)}")
        return cls(*raw)

    def to_bytes(self) -> bytes:
        return bytes((self.a, self.b, self.c, self.d, self.e, self.f))

    def __str__(self) -> str:
        return f"{self.a}.{self.b}.{self.c}.{self.d}.{self.e}.{self.f}"

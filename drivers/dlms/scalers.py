"""Scalers and units of a meter's registers, cached across sessions (they change only with a firmware update).

Must not do I/O by itself: the session fills it from СПОДЭС scaler profiles or register attribute 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from drivers.dlms.objects import unit_symbol
from drivers.obis import Obis


@dataclass(frozen=True, slots=True)
class ScalerUnit:
    scaler: int
    unit: str | None

    def apply(self, raw: int | float) -> Decimal:
        return Decimal(str(raw)).scaleb(self.scaler)


@dataclass(slots=True)
class ScalerCache:
    """One per meter; the collector keeps it as long as it polls that meter."""

    known: dict[Obis, ScalerUnit] = field(default_factory=dict)
    profiles_read: bool = False

    def missing(self, points: list[Obis]) -> list[Obis]:
        return [p for p in points if p not in self.known]

    def learn(self, obis: Obis, value: object) -> bool:
        """Take a scaler_unit structure {integer scaler, enum unit}; False if it is not one."""
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
            scaler, unit = value
            assert isinstance(scaler, int)
            assert isinstance(unit, int)
            self.known[obis] = ScalerUnit(scaler, unit_symbol(unit))
            return True
        return False

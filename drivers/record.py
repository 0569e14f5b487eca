"""Typed records a driver returns: one per requested item, each with a quality flag.

Must not scale, convert time zones for display, or store anything: drivers hand these to the collector.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from drivers.obis import Obis


class Quality(enum.StrEnum):
    """Why a value is or is not there (after OpenMUC's Flag)."""

    GOOD = "good"
    TIMEOUT = "timeout"
    DEVICE_ERROR = "device_error"
    DECODE_ERROR = "decode_error"
    NOT_SUPPORTED = "not_supported"


@dataclass(frozen=True, slots=True)
class Reading:
    """One register value at one time. `value` is None unless quality is GOOD."""

    obis: Obis
    value: Decimal | None
    unit: str | None
    ts: datetime
    quality: Quality = Quality.GOOD
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("Reading.ts must be timezone-aware")
        if self.quality is Quality.GOOD and self.value is None:
            raise ValueError("a GOOD reading needs a value")
        if self.quality is not Quality.GOOD and self.value is not None:
            raise ValueError("a reading that is not GOOD must not carry a value")


@dataclass(frozen=True, slots=True)
class ProfileRow:
    """One capture of a profile (load or billing): the capture time and the values of its columns."""

    profile: Obis
    ts: datetime
    values: tuple[Reading, ...]
    status: int | None = None  # the meter's AMR status word for the interval, if the profile has one

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("ProfileRow.ts must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Event:
    """One journal entry: journal number (0..13 of 0.0.99.98.x), time, event code and its decoded text."""

    journal: int
    ts: datetime
    code: int
    text: str
    data: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.ts.tzinfo is None:
            raise ValueError("Event.ts must be timezone-aware")


@dataclass(frozen=True, slots=True)
class ClockReading:
    """The meter's clock as an aware UTC time, with our clock at the same instant and the drift between."""

    meter_time: datetime | None
    host_time: datetime
    quality: Quality = Quality.GOOD

    @property
    def drift_seconds(self) -> float | None:
        """Meter minus host: positive means the meter runs ahead."""
        if self.meter_time is None:
            return None
        return (self.meter_time - self.host_time).total_seconds()


@dataclass(frozen=True, slots=True)
class Nameplate:
    """What a meter says about itself (0.0.96.1.x and friends). Unknown fields stay None."""

    serial: str | None = None
    model: str | None = None
    manufacturer: str | None = None
    firmware: str | None = None
    manufactured: str | None = None
    spodes_version: str | None = None  # СПОДЭС version, 0.0.96.1.6
    ct_ratio: Decimal | None = None
    vt_ratio: Decimal | None = None
    extra: dict[str, str] = field(default_factory=dict)

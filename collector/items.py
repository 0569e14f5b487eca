"""What the collector puts in its spool: typed, validated items, and the converter from drivers' records.

Must not touch the disk or the database; a value that is not GOOD never becomes an item (the caller counts it).
Their text form in the spool is collector.wire's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from drivers.record import Event, Nameplate, ProfileRow, Quality, Reading

Source = Literal["register", "profile", "daily", "monthly"]
SOURCES: frozenset[str] = frozenset(("register", "profile", "daily", "monthly"))
_METER_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")  # the same rule as meters.code and MeterConfig.id
_OBIS = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")  # the same rule as obis.code
_INT32 = (-(2**31), 2**31 - 1)


# Codes already validated: a fleet has a few thousand meters and a few dozen OBIS codes, and every poll makes
# dozens of items, so the regexes run once per code instead of once per value. Bounded against a runaway caller.
_VALID_METERS: set[str] = set()
_VALID_OBIS: set[str] = set()
_VALID_CAP = 200_000


def _remember(valid: set[str], code: str) -> None:
    if len(valid) < _VALID_CAP:
        valid.add(code)  # a set add is atomic under the GIL: line workers may race, both add the same code


def _check_meter(meter: str) -> None:
    if meter in _VALID_METERS:
        return
    if not _METER_CODE.match(meter):
        raise ValueError(f"not a meter code: {meter!r}")
    _remember(_VALID_METERS, meter)


def _utc(ts: datetime, what: str) -> datetime:
    if ts.tzinfo is UTC:
        return ts  # drivers stamp in UTC already: no conversion, no new object
    if ts.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware")
    return ts.astimezone(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingItem:
    """One value to store in `readings`, keyed by (meter, obis, ts). Validated here so no row can poison the store."""

    meter: str  # meters.code (the id in config.yaml)
    obis: str  # six dotted groups, e.g. "1.0.1.8.0.255"
    ts: datetime  # aware; normalised to UTC
    value: Decimal
    source: Source
    estimated: bool = False
    status: int | None = None  # the meter's AMR status word

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        if self.obis not in _VALID_OBIS:
            if not _OBIS.match(self.obis):
                raise ValueError(f"not an OBIS code: {self.obis!r}")
            _remember(_VALID_OBIS, self.obis)
        object.__setattr__(self, "ts", _utc(self.ts, "ReadingItem.ts"))
        if not self.value.is_finite():
            raise ValueError(f"not a finite value: {self.value!r}")
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}")
        if self.status is not None and not _INT32[0] <= self.status <= _INT32[1]:
            raise ValueError(f"status word out of int32 range: {self.status}")


@dataclass(frozen=True, slots=True, kw_only=True)
class EventItem:
    """One journal entry for `events`, keyed by (meter, journal, ts, code)."""

    meter: str
    journal: int  # 0..13 of 0.0.99.98.x
    ts: datetime
    code: int
    data: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        if not 0 <= self.journal <= 13:
            raise ValueError(f"journal out of 0..13: {self.journal}")
        if not _INT32[0] <= self.code <= _INT32[1]:
            raise ValueError(f"event code out of int32 range: {self.code}")
        object.__setattr__(self, "ts", _utc(self.ts, "EventItem.ts"))
        object.__setattr__(self, "data", dict(self.data))


@dataclass(frozen=True, slots=True, kw_only=True)
class MeterStatusItem:
    """The outcome of one session with a meter, for `meter_status`. Replays are harmless: older attempts lose."""

    meter: str
    attempt_at: datetime
    success: bool
    error_class: str | None = None  # timeout, link, auth, framing, device, config
    error: str | None = None
    clock_drift_s: float | None = None  # meter minus host; None when the clock was not read

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        object.__setattr__(self, "attempt_at", _utc(self.attempt_at, "MeterStatusItem.attempt_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class NameplateItem:
    """What the meter says about itself, for the `meters` row (reported_serial, firmware, …). None keeps a field."""

    meter: str
    read_at: datetime
    reported_serial: str | None = None
    firmware: str | None = None
    manufactured: str | None = None
    spodes_version: str | None = None
    ct_ratio: Decimal | None = None
    vt_ratio: Decimal | None = None

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        object.__setattr__(self, "read_at", _utc(self.read_at, "NameplateItem.read_at"))
        for ratio in (self.ct_ratio, self.vt_ratio):
            if ratio is not None and not (ratio.is_finite() and ratio > 0):
                raise ValueError(f"a CT/VT ratio must be positive: {ratio}")


@dataclass(frozen=True, slots=True, kw_only=True)
class CompletenessItem:
    """How many load-profile slots of a local day arrived, for `meter_completeness` (the latest count wins)."""

    meter: str
    day: date  # in the meter's local time zone
    expected: int
    received: int
    permanent_gaps: int = 0

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        if min(self.expected, self.received, self.permanent_gaps) < 0:
            raise ValueError("completeness counts must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestOutcomeItem:
    """How an on-demand read request ended, for its `read_requests` row. Spooled like any item, so an outcome
    survives a database outage and a restart instead of waiting in memory for the next request poll."""

    meter: str
    request_id: int
    done_at: datetime  # when the read was attempted
    ok: bool
    detail: str

    def __post_init__(self) -> None:
        _check_meter(self.meter)
        object.__setattr__(self, "done_at", _utc(self.done_at, "RequestOutcomeItem.done_at"))
        object.__setattr__(self, "detail", self.detail[:200])


Item = ReadingItem | EventItem | MeterStatusItem | NameplateItem | CompletenessItem | RequestOutcomeItem


# ---------------------------------------------------------------- drivers' records → items


@dataclass(frozen=True, slots=True)
class Converted:
    """Items to spool, and the readings refused because their quality is not GOOD (the caller counts them)."""

    items: list[ReadingItem]
    refused: list[Reading]


# The database speaks one unit per quantity (the obis table: kWh, kvarh, kW): meters report Wh or kWh, W or kW
# depending on model and scaler, so base units are converted here, once, before anything is stored.
_TO_KILO = {"Wh": "kWh", "varh": "kvarh", "VAh": "kVAh", "W": "kW", "var": "kvar", "VA": "kVA"}
_THOUSAND = Decimal(1000)


def canonical_value(reading: Reading) -> Decimal:
    """The reading's value in the system's unit for its quantity (Wh → kWh and so on)."""
    assert reading.value is not None
    return reading.value / _THOUSAND if reading.unit in _TO_KILO else reading.value


def readings_to_items(meter: str, readings: Iterable[Reading], *, source: Source = "register") -> Converted:
    """Register reads → items. A garbled, timed-out or refused value is never stored as a value."""
    items: list[ReadingItem] = []
    refused: list[Reading] = []
    for reading in readings:
        if reading.quality is not Quality.GOOD or reading.value is None or not reading.value.is_finite():
            refused.append(reading)
            continue
        items.append(
            ReadingItem(
                meter=meter, obis=str(reading.obis), ts=reading.ts, value=canonical_value(reading), source=source
            )
        )
    return Converted(items, refused)


def profile_to_items(
    meter: str, rows: Iterable[ProfileRow], *, source: Source = "profile", estimated: bool = False
) -> Converted:
    """Profile captures → items at the capture time of each row, with the row's status word."""
    items: list[ReadingItem] = []
    refused: list[Reading] = []
    for row in rows:
        for reading in row.values:
            if reading.quality is not Quality.GOOD or reading.value is None or not reading.value.is_finite():
                refused.append(reading)
                continue
            items.append(
                ReadingItem(
                    meter=meter,
                    obis=str(reading.obis),
                    ts=row.ts,
                    value=canonical_value(reading),
                    source=source,
                    estimated=estimated,
                    status=row.status,
                )
            )
    return Converted(items, refused)


def events_to_items(meter: str, events: Sequence[Event]) -> list[EventItem]:
    """Journal entries → items; the text is not stored per row (event_codes holds it)."""
    return [EventItem(meter=meter, journal=e.journal, ts=e.ts, code=e.code, data=e.data) for e in events]


def nameplate_to_item(meter: str, nameplate: Nameplate, read_at: datetime) -> NameplateItem:
    return NameplateItem(
        meter=meter,
        read_at=read_at,
        reported_serial=nameplate.serial,
        firmware=nameplate.firmware,
        manufactured=nameplate.manufactured,
        spodes_version=nameplate.spodes_version,
        ct_ratio=nameplate.ct_ratio,
        vt_ratio=nameplate.vt_ratio,
    )

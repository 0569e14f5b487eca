"""COSEM date-time (12-byte octet string) to and from aware UTC datetimes, deviation and 'not specified' honoured.

Must not guess a zone silently: a missing deviation uses the configured offset or fails. Our own code because
dlms-cosem 25.1 returns a naive datetime for deviation 0 and crashes on 'not specified' fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from drivers.errors import ProtocolError

NOT_SPECIFIED_DEVIATION = -0x8000
CLOCK_STATUS_INVALID = 0x01
CLOCK_STATUS_DOUBTFUL = 0x02


@dataclass(frozen=True, slots=True)
class CosemDateTime:
    """A decoded date-time: `moment` is aware UTC, or None when the meter left a field unspecified."""

    moment: datetime | None
    deviation_min: int | None  # minutes the Blue Book way: local time + deviation = UTC
    status: int | None

    @property
    def utc_offset_min(self) -> int | None:
        return None if self.deviation_min is None else -self.deviation_min

    @property
    def trustworthy(self) -> bool:
        return self.moment is not None and not (self.status or 0) & (CLOCK_STATUS_INVALID | CLOCK_STATUS_DOUBTFUL)


def decode(
    raw: bytes, *, fallback_utc_offset_min: int | None = None, inverted_deviation: bool = False
) -> CosemDateTime:
    """Decode a COSEM date-time.

    `inverted_deviation`: some meters send the deviation as the UTC offset (+180 for Moscow) instead of the
    Blue Book's 'local to UTC' minutes (-180); the flag is per meter model.
    """
    if len(raw) != 12:
        raise ProtocolError(f"COSEM date-time must be 12 bytes, got {len(raw)}")
    year = int.from_bytes(raw[0:2], "big")
    month, day, hour, minute, second, hundredths = raw[2], raw[3], raw[5], raw[6], raw[7], raw[8]
    deviation = int.from_bytes(raw[9:11], "big", signed=True)
    status = None if raw[11] == 0xFF else raw[11]
    dev: int | None = None if deviation == NOT_SPECIFIED_DEVIATION else deviation
    if dev is not None and inverted_deviation:
        dev = -dev
    unspecified = year == 0xFFFF or month > 12 or day > 31 or hour == 0xFF or minute == 0xFF
    if unspecified:
        return CosemDateTime(None, dev, status)
    offset = -dev if dev is not None else fallback_utc_offset_min
    if offset is None:
        return CosemDateTime(None, None, status)
    try:
        local = datetime(
            year,
            month,
            day,
            hour,
            minute,
            0 if second == 0xFF else second,
            0 if hundredths == 0xFF else hundredths * 10000,
            tzinfo=timezone(timedelta(minutes=offset)),
        )
    except ValueError as exc:
        raise ProtocolError(f"impossible COSEM date-time {raw.hex()}: {exc}") from exc
    return CosemDateTime(local.astimezone(UTC), dev, status)


def encode(moment: datetime, *, utc_offset_min: int = 0, status: int = 0, inverted_deviation: bool = False) -> bytes:
    """Encode an aware datetime as the meter's local time with the given UTC offset."""
    if moment.tzinfo is None:
        raise ValueError("COSEM date-time needs an aware datetime")
    local = moment.astimezone(timezone(timedelta(minutes=utc_offset_min)))
    deviation = -utc_offset_min if not inverted_deviation else utc_offset_min
    return (
        local.year.to_bytes(2, "big")
        + bytes((local.month, local.day, local.isoweekday(), local.hour, local.minute, local.second))
        + bytes((local.microsecond // 10000,))
        + deviation.to_bytes(2, "big", signed=True)
        + bytes((status,))
    )

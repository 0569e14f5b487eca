"""DlmsSession: one association with one DLMS/COSEM meter, fulfilling drivers.session.MeterSession.

Must not retry across sessions, store or schedule. Values come back scaled, timestamps aware UTC, and a value
that cannot be read is a record with a quality flag; only the loss of the link or association raises.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self

from drivers.dlms import cosem_time, objects
from drivers.dlms.apdu import AccessError, AttributeRef, Encode, RangeSelector, Value
from drivers.dlms.client import CosemClient
from drivers.dlms.journal import TIME_CORRECTION, event_text
from drivers.dlms.profile import ProfileReader
from drivers.dlms.scalers import ScalerCache
from drivers.dlms.settings import DlmsSettings
from drivers.errors import DriverError, ProtocolError
from drivers.link import Link
from drivers.obis import Obis
from drivers.record import ClockReading, Event, Nameplate, ProfileRow, Quality, Reading
from drivers.trace import TraceHook

log = logging.getLogger(__name__)

NOT_SUPPORTED_RESULTS = {4, 11, 9}  # object-undefined, object-unavailable, object-class-inconsistent


def quality_of(error: AccessError) -> Quality:
    return Quality.NOT_SUPPORTED if error.code in NOT_SUPPORTED_RESULTS else Quality.DEVICE_ERROR


class DlmsSession:
    """Open with `with DlmsSession(link, settings=...) as s:`; the link must be open, the session does not close it.

    `scalers`: keep one ScalerCache per meter across sessions so scalers are read once.
    `trace`: the raw-frame hook belongs to the link (drivers.link, drivers.trace); accepted here for symmetry
    and attached to the link if it has none.
    """

    def __init__(
        self,
        link: Link,
        *,
        settings: DlmsSettings,
        scalers: ScalerCache | None = None,
        trace: TraceHook | None = None,
    ) -> None:
        if trace is not None and getattr(link, "trace", None) is None:
            link.trace = trace  # type: ignore[attr-defined]
        self.settings = settings
        self.client = CosemClient(link, settings)
        self.scalers = scalers if scalers is not None else ScalerCache()
        self.profiles = ProfileReader(self)
        self.meter_utc_offset_min: int | None = settings.fallback_utc_offset_min

    def __enter__(self) -> Self:
        try:
            self.client.open()
        except BaseException:
            self.client.close()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.client.close()

    # -- helpers --------------------------------------------------------------------------------------------------

    def decode_time(self, raw: Value) -> cosem_time.CosemDateTime:
        """Decode a date-time value; ProtocolError if it is not one (callers make that one value's quality)."""
        if not isinstance(raw, bytes):
            raise ProtocolError(f"expected a date-time octet string, got {raw!r}")
        decoded = cosem_time.decode(
            raw,
            fallback_utc_offset_min=self.settings.fallback_utc_offset_min,
            inverted_deviation=self.settings.inverted_deviation,
        )
        if decoded.utc_offset_min is not None:
            self.meter_utc_offset_min = decoded.utc_offset_min
        return decoded

    def moment_of(self, raw: Value) -> datetime | None:
        """The aware UTC time of a date-time value; None if unspecified, garbled or impossible (one bad value)."""
        try:
            return self.decode_time(raw).moment
        except ProtocolError as exc:
            log.debug("unusable date-time %r: %s", raw, exc)
            return None

    def ensure_scalers(self, points: Sequence[Obis]) -> None:
        missing = self.scalers.missing(list(points))
        if not missing:
            return
        if self.settings.use_scaler_profiles and not self.scalers.profiles_read:
            self.scalers.profiles_read = True
            for profile in objects.SCALER_PROFILES:
                self.profiles.learn_scaler_profile(profile)
            missing = self.scalers.missing(missing)
        if missing:
            refs = [AttributeRef(objects.CLASS_REGISTER, p, 3) for p in missing]
            for point, value in zip(missing, self.client.get_many(refs), strict=True):
                if not isinstance(value, AccessError):
                    self.scalers.learn(point, value)

    def to_reading(self, point: Obis, value: Value | AccessError, ts: datetime) -> Reading:
        if isinstance(value, AccessError):
            return Reading(point, None, None, ts, quality_of(value), value.name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return Reading(point, None, None, ts, Quality.DECODE_ERROR, f"not a number: {value!r}")
        scaler = self.scalers.known.get(point)
        if scaler is None:
            return Reading(point, None, None, ts, Quality.DECODE_ERROR, "no scaler_unit for this register")
        return Reading(point, scaler.apply(value), scaler.unit, ts)

    # -- MeterSession ---------------------------------------------------------------------------------------------

    def read_registers(self, points: Sequence[Obis] | None = None) -> list[Reading]:
        wanted = list(points) if points is not None else list(objects.STANDARD_POINTS)
        self.ensure_scalers(wanted)
        values = self.client.get_many([AttributeRef(objects.CLASS_REGISTER, p, 2) for p in wanted])
        now = datetime.now(UTC)
        return [self.to_reading(p, v, now) for p, v in zip(wanted, values, strict=True)]

    def read_clock(self) -> ClockReading:
        before = datetime.now(UTC)
        value = self.client.get(AttributeRef(objects.CLASS_CLOCK, objects.CLOCK, 2))
        after = datetime.now(UTC)
        host = before + (after - before) / 2  # the meter read its clock somewhere in between
        if isinstance(value, AccessError):
            return ClockReading(None, host, quality_of(value))
        moment = self.moment_of(value)
        if moment is None:
            return ClockReading(None, host, Quality.DECODE_ERROR)
        return ClockReading(moment, host)

    def set_clock(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("set_clock needs an aware datetime")
        offset = self.meter_utc_offset_min
        if offset is None:
            self.read_clock()
            offset = self.meter_utc_offset_min if self.meter_utc_offset_min is not None else 0
        raw = cosem_time.encode(when, utc_offset_min=offset, inverted_deviation=self.settings.inverted_deviation)
        error = self.client.set(AttributeRef(objects.CLASS_CLOCK, objects.CLOCK, 2), Encode.octets(raw))
        if error is not None:
            raise DriverError(f"meter refused the clock setting: {error.name}")

    def read_nameplate(self) -> Nameplate:
        codes = [*objects.NAMEPLATE, objects.CT_RATIO, objects.VT_RATIO]
        values = self.client.get_many([AttributeRef(objects.CLASS_DATA, c, 2) for c in codes])
        text = {objects.NAMEPLATE[c]: _text(v) for c, v in zip(objects.NAMEPLATE, values, strict=False)}
        return Nameplate(
            serial=text["serial"],
            model=text["model"],
            manufacturer=text["manufacturer"],
            firmware=text["firmware"],
            manufactured=text["manufactured"],
            spodes_version=text["spodes_version"],
            ct_ratio=_ratio(values[-2]),
            vt_ratio=_ratio(values[-1]),
        )

    def read_profile(self, profile: Obis, start: datetime, end: datetime) -> list[ProfileRow]:
        return self.profiles.read(profile, start, end)

    def capture_period_s(self, profile: Obis) -> int:
        return self.profiles.capture_period_s(profile)

    def read_journal(self, journal: int, since: datetime | None = None) -> list[Event]:
        start = since or datetime(2000, 1, 1, tzinfo=UTC)
        end = datetime.now(UTC) + timedelta(days=1)
        rows = self.profiles.read_raw(objects.journal(journal), RangeSelector(start, end))
        events = []
        for ts, values in rows:
            if ts < start:
                continue
            if journal == TIME_CORRECTION:  # no code column: the row says when, and what the clock said before
                old = next((v for v in values if isinstance(v, bytes) and len(v) == 12), None)
                moment = self.moment_of(old) if old is not None else None
                data = {"old_time": moment.isoformat()} if moment is not None else {}
                events.append(Event(journal, ts, 1, event_text(journal, 1), data))
                continue
            code = next((v for v in values if isinstance(v, int) and not isinstance(v, bool)), None)
            if code is not None:
                events.append(Event(journal, ts, code, event_text(journal, code)))
        return events


def _text(value: Value | AccessError) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8").strip("\x00 ")
        except UnicodeDecodeError:
            return value.hex()
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return str(value)
    return None


def _ratio(value: Value | AccessError) -> Decimal | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    return None

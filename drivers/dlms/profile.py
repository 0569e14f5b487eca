"""Profile generic (class 7) reading: capture objects, capture period (seconds), buffer by time range in chunks,
СПОДЭС scaler profiles. Used for load and billing profiles and for the event journals.

Must not trust dlms-cosem's profile parser (it takes the capture period in minutes); rows are decoded here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from drivers.dlms import objects
from drivers.dlms.apdu import AccessError, AttributeRef, RangeSelector, Value
from drivers.errors import ProtocolError
from drivers.obis import Obis
from drivers.record import ProfileRow, Quality, Reading

if TYPE_CHECKING:
    from drivers.dlms.session import DlmsSession


@dataclass(frozen=True, slots=True)
class CaptureObject:
    class_id: int
    obis: Obis
    attribute: int

    @property
    def is_clock(self) -> bool:
        return self.class_id == objects.CLASS_CLOCK and self.attribute == 2


def _capture_objects(value: Value | AccessError) -> list[CaptureObject]:
    if not isinstance(value, list):
        raise ProtocolError(f"capture_objects is not an array: {value!r}")
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 4 and isinstance(item[1], bytes) and len(item[1]) == 6):
            raise ProtocolError(f"bad capture object definition {item!r}")
        class_id, name, attribute = item[0], item[1], item[2]
        if not isinstance(class_id, int) or not isinstance(attribute, int):
            raise ProtocolError(f"bad capture object definition {item!r}")
        out.append(CaptureObject(class_id, Obis.from_bytes(name), attribute))
    return out


class ProfileReader:
    def __init__(self, session: DlmsSession) -> None:
        self.session = session
        self._columns: dict[Obis, list[CaptureObject]] = {}
        self._periods: dict[Obis, int] = {}

    def columns(self, profile: Obis) -> list[CaptureObject]:
        if profile not in self._columns:
            value = self.session.client.get(AttributeRef(objects.CLASS_PROFILE, profile, 3))
            self._columns[profile] = _capture_objects(value)
        return self._columns[profile]

    def capture_period_s(self, profile: Obis) -> int:
        """Attribute 4, in seconds (0 for journals and other asynchronous profiles)."""
        if profile not in self._periods:
            value = self.session.client.get(AttributeRef(objects.CLASS_PROFILE, profile, 4))
            self._periods[profile] = value if isinstance(value, int) and not isinstance(value, bool) else 0
        return self._periods[profile]

    def read_raw(self, profile: Obis, selector: RangeSelector | None) -> list[tuple[datetime, list[Value]]]:
        """Rows of the buffer with decoded capture times; compressed (null) times follow the capture period."""
        columns = self.columns(profile)
        clock_index = next((i for i, c in enumerate(columns) if c.is_clock), None)
        if clock_index is None:
            raise ProtocolError(f"profile {profile} has no clock column")
        buffer = self.session.client.get(AttributeRef(objects.CLASS_PROFILE, profile, 2), selector)
        if isinstance(buffer, AccessError):
            raise ProtocolError(f"profile {profile} buffer refused: {buffer.name}")
        if not isinstance(buffer, list):
            raise ProtocolError(f"profile {profile} buffer is not an array")
        rows: list[tuple[datetime, list[Value]]] = []
        previous: datetime | None = None
        for entry in buffer:
            if not isinstance(entry, list) or len(entry) != len(columns):
                raise ProtocolError(f"profile {profile} row does not match its {len(columns)} columns")
            stamp = entry[clock_index]
            if stamp is None and previous is not None:
                moment: datetime | None = previous + timedelta(seconds=self.capture_period_s(profile))
            else:
                moment = self.session.moment_of(stamp)
            if moment is None:
                continue  # a row without a usable (or with a garbled) time cannot be stored under its natural key
            previous = moment
            rows.append((moment, [v for i, v in enumerate(entry) if i != clock_index]))
        return rows

    def read(self, profile: Obis, start: datetime, end: datetime) -> list[ProfileRow]:
        """Rows in [start, end), oldest first, asked in chunks so each answer stays a bounded number of blocks."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("profile range needs aware datetimes")
        columns = [c for c in self.columns(profile) if not c.is_clock]
        registers = [c.obis for c in columns if c.class_id in (objects.CLASS_REGISTER, 4)]
        self.session.ensure_scalers(registers)
        # Chunks by rows, not by hours: a day of a 30-minute profile and 48 days of a daily billing profile cost the
        # same; a profile without a period (monthly billing, asynchronous) is asked in one go.
        period = self.capture_period_s(profile)
        chunk = timedelta(seconds=period * self.session.settings.profile_chunk_rows) if period > 0 else end - start
        seen: set[datetime] = set()
        out: list[ProfileRow] = []
        cursor = start
        while cursor < end:
            upper = min(cursor + chunk, end)
            for moment, values in self.read_raw(profile, RangeSelector(cursor, upper)):
                if not start <= moment < end or moment in seen:
                    continue  # meters include both range ends; the next chunk repeats the boundary row
                seen.add(moment)
                out.append(ProfileRow(profile, moment, tuple(self._cells(columns, values, moment))))
            cursor = upper
        out.sort(key=lambda row: row.ts)
        return out

    def _cells(self, columns: list[CaptureObject], values: list[Value], moment: datetime) -> list[Reading]:
        cells = []
        for column, value in zip(columns, values, strict=True):
            if column.class_id in (objects.CLASS_REGISTER, 4):
                cells.append(self.session.to_reading(column.obis, value, moment))
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(Reading(column.obis, Decimal(value), None, moment))
            else:
                cells.append(Reading(column.obis, None, None, moment, Quality.DECODE_ERROR, repr(value)[:40]))
        return cells

    def learn_scaler_profile(self, profile: Obis) -> None:
        """СПОДЭС scaler profile: capture objects are (class 3, register, attribute 3), one row of scaler_units."""
        try:
            columns = self.columns(profile)
        except ProtocolError:
            return  # the meter has no such profile: the registers will be asked one by one
        buffer = self.session.client.get(AttributeRef(objects.CLASS_PROFILE, profile, 2))
        if not isinstance(buffer, list) or not buffer or not isinstance(buffer[-1], list):
            return
        for column, value in zip(columns, buffer[-1], strict=False):
            if column.attribute == 3:
                self.session.scalers.learn(column.obis, value)

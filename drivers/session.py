"""The contract every protocol driver fulfils: one open session with one meter, typed records out.

Must not schedule, retry across sessions or store: the collector does that. Written as a typing.Protocol so
DLMS and Modbus sessions are interchangeable for the collector and the CLI without a common base class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from drivers.obis import Obis
from drivers.record import ClockReading, Event, Nameplate, ProfileRow, Reading


class MeterSession(Protocol):
    """An open association with one meter. Use as a context manager: leaving it always releases the link.

    Every read method returns one record per requested item with a quality flag; it raises a DriverError
    only when the whole link or association is gone (the caller then reconnects with backoff).
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def read_registers(self, points: Sequence[Obis] | None = None) -> list[Reading]:
        """Read the given points (None: the meter's standard set). Values are already scaled."""
        ...

    def read_clock(self) -> ClockReading: ...

    def set_clock(self, when: datetime) -> None:
        """Set the meter clock to an aware datetime. Raises NotSupported-quality errors as DriverError."""
        ...

    def read_nameplate(self) -> Nameplate: ...

    def read_profile(self, profile: Obis, start: datetime, end: datetime) -> list[ProfileRow]:
        """Rows captured in [start, end), oldest first, timestamps aware UTC. Empty if the meter has none."""
        ...

    def read_journal(self, journal: int, since: datetime | None = None) -> list[Event]:
        """Events of journal 0.0.99.98.<journal> at or after `since`, oldest first, decoded in Russian."""
        ...

    def capture_period_s(self, profile: Obis) -> int:
        """The profile's capture period in seconds as the meter states it (DLMS attribute 4); 0 when the meter
        keeps no such profile or captures asynchronously (journals). The caller picks a default for 0."""
        ...

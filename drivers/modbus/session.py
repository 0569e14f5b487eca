"""A session with one Modbus meter: reads the points of its register map and returns one Reading per point.

Must not open or close the link (the line owns it and shares it between meters), schedule, or store. Raises only
when the whole link fails (LinkError); every per-point problem is a quality flag on that point's Reading.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from drivers.errors import FramingError, LinkTimeout, ProtocolError
from drivers.link import Link
from drivers.modbus.codec import DataType, DecodeError, decode_text, decode_value
from drivers.modbus.pdu import ExceptionReply, parse_read_reply, read_request
from drivers.modbus.plan import Block, plan_blocks
from drivers.modbus.regmap import Point, RegisterMap, Table
from drivers.modbus.splits import SplitMemory
from drivers.modbus.transport import Framing, ModbusTransport
from drivers.obis import Obis
from drivers.record import ClockReading, Event, Nameplate, ProfileRow, Quality, Reading
from drivers.trace import TraceHook

log = logging.getLogger(__name__)

_RETRY_EXCEPTIONS = {5, 6}  # acknowledge / device busy: the meter asks us to come back
_ILLEGAL_ADDRESS = 2
MAX_SPLIT_REQUESTS = 32  # a refused group is re-read one point per request, but never more requests than this


@dataclass(frozen=True, slots=True)
class _Outcome:
    registers: list[int] | None
    quality: Quality
    detail: str | None
    exception: int | None = None  # the Modbus exception code, when the meter sent one


class ModbusSession:
    """One Modbus meter on an open link; fulfils drivers.session.MeterSession.

    Keyword-only options:
      unit_id      -- Modbus slave id 1..247 (on Modbus TCP the unit identifier the device or gateway expects).
      register_map -- the model's RegisterMap (drivers.modbus.load_map(name)).
      framing      -- Framing.RTU for a serial line or an RTU-over-TCP gateway, Framing.TCP for Modbus TCP.
      timeout_s    -- how long to wait for each reply after the request left; a deadline, not an idle timeout.
      retries      -- extra attempts of a read after a timeout or a corrupted reply (reads are idempotent; busy
                      replies too). Exceptions such as 'illegal address' are never retried.
      trace        -- raw-frame hook installed on the link for this session (None keeps the link's own).
      splits       -- SplitMemory of groups this meter refuses whole (exception 02); pass one per meter to keep it
                      across sessions, None starts an empty one.
    Modbus energy meters here have no clock, profiles or journals: read_clock gives a NOT_SUPPORTED reading,
    read_profile and read_journal give empty lists, set_clock raises ProtocolError.
    """

    def __init__(
        self,
        link: Link,
        *,
        unit_id: int,
        register_map: RegisterMap,
        framing: Framing = Framing.RTU,
        timeout_s: float = 0.5,
        retries: int = 1,
        trace: TraceHook | None = None,
        splits: SplitMemory | None = None,
    ) -> None:
        if not 0 < unit_id <= 255:
            raise ValueError(f"Modbus unit id out of range: {unit_id}")
        self.link = link
        self.unit_id = unit_id
        self.register_map = register_map
        self.timeout_s = timeout_s
        self.retries = retries
        self.transport = ModbusTransport(link, framing=framing)
        self.splits = SplitMemory() if splits is None else splits
        self.max_split_requests = MAX_SPLIT_REQUESTS
        self._trace = trace
        self._saved_trace: TraceHook | None = None

    def __enter__(self) -> Self:
        if self._trace is not None and hasattr(self.link, "trace"):
            self._saved_trace = self.link.trace
            self.link.trace = self._trace
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._trace is not None and hasattr(self.link, "trace"):
            self.link.trace = self._saved_trace

    # -- registers -------------------------------------------------------------------------------------------

    def read_registers(self, points: Sequence[Obis] | None = None) -> list[Reading]:
        """One Reading per requested OBIS code, in the order asked (None: every point of the map).

        A point the map does not have is NOT_SUPPORTED. When a meter does not answer one request at all, its
        remaining requests are not sent: they are TIMEOUT too, so a dead meter costs the line one deadline.
        A group refused with 'illegal data address' is re-read point by point: the points that answer are GOOD,
        the register the meter lacks is NOT_SUPPORTED, and self.splits remembers both for the next poll.
        """
        wanted = [p.obis for p in self.register_map.points] if points is None else list(points)
        known = [point for obis in wanted if (point := self.register_map.point(obis)) is not None]
        model, unit = self.register_map.model, self.unit_id
        by_obis = {p.obis: _absent(p) for p in known if self.splits.is_absent(unit, model, p)}
        blocks = plan_blocks(
            [p for p in known if p.obis not in by_obis],
            max_registers=self.register_map.max_registers,
            max_gap=self.register_map.max_gap,
            barriers=self.splits.absent(unit, model),
        )
        silent = False
        for block in blocks:
            if silent:
                outcome = _Outcome(None, Quality.TIMEOUT, "meter did not answer an earlier request")
            elif self.splits.must_split(unit, model, block):
                silent = self._read_split(block, by_obis)
                continue
            else:
                outcome = self._read_block(block.table, block.address, block.count)
                silent = outcome.quality is Quality.TIMEOUT
                if outcome.exception == _ILLEGAL_ADDRESS and len(block.points) > 1:
                    # Firmware without one register of the group refuses the whole read; the rest still answer.
                    self.splits.remember_split(unit, model, block)
                    silent = self._read_split(block, by_obis)
                    continue
            by_obis.update(self._readings(block, outcome))
        now = datetime.now(UTC)
        return [
            by_obis.get(obis)
            or Reading(obis, None, None, now, Quality.NOT_SUPPORTED, f"not in the {self.register_map.model} map")
            for obis in wanted
        ]

    def _read_split(self, block: Block, into: dict[Obis, Reading]) -> bool:
        """Read a refused group one point per request (bounded); True if the meter fell silent meanwhile."""
        for index, point in enumerate(block.points):
            if index >= self.max_split_requests:
                detail = f"group refused (illegal data address), not split beyond {self.max_split_requests} requests"
                into[point.obis] = Reading(
                    point.obis, None, point.unit, datetime.now(UTC), Quality.DEVICE_ERROR, detail
                )
                continue
            single = Block.single(point)
            outcome = self._read_block(single.table, single.address, single.count)
            if outcome.quality is Quality.TIMEOUT:
                for rest in block.points[index:]:
                    into[rest.obis] = Reading(
                        rest.obis, None, rest.unit, datetime.now(UTC), outcome.quality, outcome.detail
                    )
                return True
            if outcome.exception == _ILLEGAL_ADDRESS:
                self.splits.remember_absent(self.unit_id, self.register_map.model, point)
                into[point.obis] = _absent(point)
                continue
            into.update(self._readings(single, outcome))
        return False

    def _readings(self, block: Block, outcome: _Outcome) -> dict[Obis, Reading]:
        now = datetime.now(UTC)
        result: dict[Obis, Reading] = {}
        for point in block.points:
            if outcome.registers is None:
                result[point.obis] = Reading(point.obis, None, point.unit, now, outcome.quality, outcome.detail)
                continue
            words = block.words_of(point, outcome.registers)
            if self.register_map.all_ones_is_absent and all(word == 0xFFFF for word in words):
                result[point.obis] = Reading(
                    point.obis, None, point.unit, now, Quality.NOT_SUPPORTED, "the meter reports it as not available"
                )
                continue
            try:
                value = decode_value(words, point.dtype, point.word_order, point.scale)
            except DecodeError as exc:
                result[point.obis] = Reading(point.obis, None, point.unit, now, Quality.DECODE_ERROR, str(exc))
            else:
                result[point.obis] = Reading(point.obis, value, point.unit, now)
        return result

    def _read_block(self, table: Table, address: int, count: int) -> _Outcome:
        """Read `count` registers, retrying what a retry cannot harm. LinkError propagates."""
        pdu = read_request(table.function_code, address, count)
        outcome = _Outcome(None, Quality.TIMEOUT, "no answer")
        for attempt in range(self.retries + 1):
            try:
                reply = parse_read_reply(
                    self.transport.transact(self.unit_id, pdu, self.timeout_s), table.function_code, count
                )
            except LinkTimeout as exc:
                outcome = _Outcome(None, Quality.TIMEOUT, str(exc))
                continue
            except FramingError as exc:
                # A corrupted reply is never a value; the request is a read, so asking again is harmless.
                outcome = _Outcome(None, Quality.DECODE_ERROR, str(exc))
                continue
            if isinstance(reply, ExceptionReply):
                outcome = _Outcome(None, Quality.DEVICE_ERROR, reply.text, reply.code)
                if reply.code in _RETRY_EXCEPTIONS and attempt < self.retries:
                    time.sleep(min(self.timeout_s, 0.1))
                    continue
                return outcome
            return _Outcome(reply, Quality.GOOD, None)
        log.debug("unit %s registers %s+%s: %s", self.unit_id, address, count, outcome.detail)
        return outcome

    # -- nameplate and the parts Modbus meters do not have ----------------------------------------------------

    def read_nameplate(self) -> Nameplate:
        """Model and manufacturer from the map; the serial number from the meter where the model has one.

        If the serial cannot be read, `serial` is None and extra['serial_error'] says why.
        """
        spec = self.register_map.serial
        model, maker = self.register_map.model, self.register_map.manufacturer
        if spec is None:
            return Nameplate(
                model=model, manufacturer=maker, extra={"serial_error": "the model has no serial register"}
            )
        outcome = self._read_block(spec.table, spec.address, spec.words)
        if outcome.registers is None:
            why = outcome.detail or outcome.quality.value
            return Nameplate(model=model, manufacturer=maker, extra={"serial_error": why})
        try:
            if spec.dtype is DataType.TEXT:
                serial = decode_text(outcome.registers)
            else:
                serial = str(decode_value(outcome.registers, spec.dtype, spec.word_order))
        except DecodeError as exc:
            return Nameplate(model=model, manufacturer=maker, extra={"serial_error": str(exc)})
        return Nameplate(model=model, manufacturer=maker, serial=serial)

    def read_clock(self) -> ClockReading:
        return ClockReading(meter_time=None, host_time=datetime.now(UTC), quality=Quality.NOT_SUPPORTED)

    def set_clock(self, when: datetime) -> None:
        raise ProtocolError(f"{self.register_map.model} has no clock over Modbus")

    def read_profile(self, profile: Obis, start: datetime, end: datetime) -> list[ProfileRow]:
        return []

    def read_journal(self, journal: int, since: datetime | None = None) -> list[Event]:
        return []

    def capture_period_s(self, profile: Obis) -> int:
        return 0  # Modbus energy meters keep no profiles


def _absent(point: Point) -> Reading:
    detail = "the meter lacks this register (exception 0x02, illegal data address)"
    return Reading(point.obis, None, point.unit, datetime.now(UTC), Quality.NOT_SUPPORTED, detail)

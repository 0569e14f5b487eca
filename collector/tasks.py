"""What each task kind reads from an open session, and which items and cursor moves come of it.

Must not open links, retry, log failures or decide when to run: the runner does. Durable writes go through the
SpoolWriter; a cursor is handed over with the rows it covers, so it moves only when they are in the spool.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from collector.commit import SpoolWriter
from collector.config import ClockPolicy
from collector.gaps import GapLedger, Window, expected_slots, slot_day
from collector.health import quality_failure
from collector.items import (
    CompletenessItem,
    Item,
    events_to_items,
    nameplate_to_item,
    profile_to_items,
    readings_to_items,
)
from collector.lanes import Task
from collector.meters import MeterPlan
from collector.spool import Spool
from drivers.dlms import objects
from drivers.dlms.journal import JOURNAL_NAMES
from drivers.errors import ProtocolError
from drivers.obis import Obis
from drivers.record import ProfileRow, Quality
from drivers.session import MeterSession

log = logging.getLogger(__name__)

LOAD_PROFILE = objects.LOAD_PROFILE
BILLING = ((objects.DAILY_PROFILE, "daily"), (objects.MONTHLY_PROFILE, "monthly"))
JOURNALS = tuple(sorted(JOURNAL_NAMES))  # СПОДЭС journals 0.0.99.98.x the driver knows (11 and 12 are reserved)
DEFAULT_PERIOD_S = 1800


def object_key(profile: Obis) -> str:
    return f"profile:{profile}"


def journal_key(journal: int) -> str:
    return f"journal:{journal}"


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    """How far and how much to read: first backfill, one read's span, what a meter holds, when a slot is due."""

    backfill: timedelta = timedelta(days=7)
    chunk: timedelta = timedelta(days=1)
    profile_depth: timedelta = timedelta(days=180)  # a real СПОДЭС meter holds ~182 days of 30-minute slots
    settle: timedelta = timedelta(seconds=60)  # a slot is expected once its capture time is this far behind us
    gap_attempts: int = 3


@dataclass(slots=True)
class TaskResult:
    """Outcome of one task; `failure` is an error class when nothing usable came back."""

    values: int = 0
    refused: int = 0
    failure: str | None = None
    detail: str | None = None
    clock_drift_s: float | None = None
    more: bool = False  # a profile is still behind: continue in the backfill lane
    status_items: list[Item] = field(default_factory=list)


class Tasks:
    """Carries out task kinds on a session; one instance serves every line worker (it holds no per-task state)."""

    def __init__(
        self, *, spool: Spool, writer: SpoolWriter, gaps: GapLedger, clock: ClockPolicy, policy: ReadPolicy
    ) -> None:
        self.spool, self.writer, self.gaps, self.clock, self.policy = spool, writer, gaps, clock, policy
        self._unsupported: set[tuple[str, str]] = set()  # (meter, object) the meter refused: do not ask again
        self._kinds: dict[str, Callable[[MeterPlan, MeterSession, Task], TaskResult]] = {
            "registers": self.registers,
            "load_profile": self.load_profile,
            "billing": self.billing,
            "journals": self.journals,
            "clock": self.clock_check,
            "nameplate": self.nameplate,
        }

    def run(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        return self._kinds[task.kind](plan, session, task)

    # -- registers and nameplate --------------------------------------------------------------------------------

    def registers(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        readings = session.read_registers()
        converted = readings_to_items(plan.id, readings)
        # Instant values are not behind a cursor: the next poll reads them again, so no need to wait for the fsync.
        self.writer.write(converted.items)
        failure = quality_failure(r.quality for r in readings)
        detail = next((r.detail for r in converted.refused if r.detail), None)
        return TaskResult(len(converted.items), len(converted.refused), failure, detail)

    def nameplate(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        plate = session.read_nameplate()
        if plate.serial is None:
            return TaskResult(failure="device", detail=plate.extra.get("serial_error", "no serial reported"))
        configured = plan.config.serial
        if configured and plate.serial.lstrip("0") != configured.lstrip("0") and configured not in plate.serial:
            log.warning("meter %s reports serial %r, the config says %r", plan.id, plate.serial, configured)
        self.writer.write([nameplate_to_item(plan.id, plate, datetime.now(UTC))])
        return TaskResult(values=1)

    # -- clock --------------------------------------------------------------------------------------------------

    def clock_check(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        reading = session.read_clock()
        drift = reading.drift_seconds
        if reading.quality is Quality.NOT_SUPPORTED:
            return TaskResult()  # a Modbus meter has no clock: nothing to check, nothing wrong
        if drift is None:
            return TaskResult(failure="device", detail=f"clock unreadable: {reading.quality}")
        size = abs(drift)
        if self.clock.correct and self.clock.min_drift.total_seconds() <= size:
            if size <= self.clock.max_correction.total_seconds():
                session.set_clock(datetime.now(UTC))
                log.info("meter %s: clock corrected by %+.1f s", plan.id, -drift)
            else:
                log.warning(
                    "meter %s: clock off by %+.1f s, beyond the %s correction limit: recorded, not set",
                    plan.id,
                    drift,
                    self.clock.max_correction,
                )
        return TaskResult(values=1, clock_drift_s=drift)

    # -- load profile: incremental from the cursor, gaps into the ledger -----------------------------------------

    def load_profile(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        if task.start is not None and task.end is not None:
            return self._reread(plan, session, task)
        obj = object_key(LOAD_PROFILE)
        period = capture_period_s(session, LOAD_PROFILE)
        now = datetime.now(UTC)
        cursor = self.spool.cursor(plan.id, obj)
        if cursor is None:
            cursor = expected_slots(now - self.policy.backfill - timedelta(seconds=period), now, period)[0]
        self.gaps.track(plan.id, obj, cursor, period)
        end = min(now, cursor + self.policy.chunk)
        rows = session.read_profile(LOAD_PROFILE, cursor + timedelta(seconds=1), end + timedelta(seconds=1))
        converted = profile_to_items(plan.id, rows)
        received = _received(rows)
        expected = expected_slots(cursor, min(end, now - self.policy.settle), period)
        # The cursor passes every expected slot: a slot the meter did not give is a gap to re-read, not a wall.
        new_cursor = expected[-1] if expected else max([cursor, *received])
        missing = [slot for slot in expected if slot not in received]
        self.gaps.record(plan.id, obj, missing)
        self.writer.write(converted.items, {(plan.id, obj): new_cursor})
        self.gaps.filled(plan.id, obj, received)
        self._completeness(plan, obj, new_cursor, [*expected, *received], period)
        failure = "device" if rows and not converted.items else None
        more = end < now - self.policy.settle - timedelta(seconds=period)
        return TaskResult(len(converted.items), len(converted.refused), failure, more=more)

    def _reread(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        assert task.start is not None
        assert task.end is not None
        obj = object_key(LOAD_PROFILE)
        rows = session.read_profile(LOAD_PROFILE, task.start, task.end)
        converted = profile_to_items(plan.id, rows)
        received = _received(rows)
        self.gaps.attempted(Window(plan.id, obj, task.start, task.end, 0))
        self.writer.write(converted.items, {})
        self.writer.flush()  # durable before the ledger forgets the gap
        self.gaps.filled(plan.id, obj, received)
        cursor = self.spool.cursor(plan.id, obj)
        tracking = self.gaps.tracking(plan.id, obj)
        if cursor is not None and tracking is not None:
            self._completeness(plan, obj, cursor, [task.start + timedelta(seconds=1), task.end], tracking[1])
        return TaskResult(len(converted.items), len(converted.refused))

    def _completeness(self, plan: MeterPlan, obj: str, upto: datetime, slots: list[datetime], period: int) -> None:
        zone = ZoneInfo(plan.config.timezone)
        days = {slot_day(slot, period, zone) for slot in slots}
        counts = self.gaps.days(plan.id, obj, upto, zone, days)
        items: list[Item] = [
            CompletenessItem(
                meter=plan.id, day=c.day, expected=c.expected, received=c.received, permanent_gaps=c.permanent
            )
            for c in counts
        ]
        self.writer.write(items)

    # -- billing profiles and journals: incremental from their cursors --------------------------------------------

    def billing(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        result = TaskResult()
        now = datetime.now(UTC)
        for profile, source in BILLING:
            obj = object_key(profile)
            if (plan.id, obj) in self._unsupported:
                continue
            since = self.spool.cursor(plan.id, obj)
            start = since + timedelta(seconds=1) if since else now - max(self.policy.backfill, timedelta(days=62))
            try:
                rows = session.read_profile(profile, start, now + timedelta(seconds=1))
            except ProtocolError as exc:
                self._refused(plan, obj, exc)
                continue
            converted = profile_to_items(plan.id, rows, source=source)  # type: ignore[arg-type]
            # Only past rows that gave a value: a garbled or timed-out last row is read again next time.
            received = _received(rows)
            cursors = {(plan.id, obj): max(received)} if received else {}
            self.writer.write(converted.items, cursors)
            result.values += len(converted.items)
            result.refused += len(converted.refused)
        return result

    def journals(self, plan: MeterPlan, session: MeterSession, task: Task) -> TaskResult:
        result = TaskResult()
        now = datetime.now(UTC)
        for journal in JOURNALS:
            obj = journal_key(journal)
            if (plan.id, obj) in self._unsupported:
                continue
            since = self.spool.cursor(plan.id, obj) or now - self.policy.backfill
            try:
                events = session.read_journal(journal, since)
            except ProtocolError as exc:
                self._refused(plan, obj, exc)
                continue
            cursors = {(plan.id, obj): max(e.ts for e in events)} if events else {}
            # Events at the cursor itself come again next time: (meter, journal, ts, code) keeps them single.
            self.writer.write(events_to_items(plan.id, events), cursors)
            result.values += len(events)
        return result

    def _refused(self, plan: MeterPlan, obj: str, exc: Exception) -> None:
        log.info("meter %s does not offer %s (%s): not asked again until restart", plan.id, obj, exc)
        self._unsupported.add((plan.id, obj))


def _received(rows: list[ProfileRow]) -> set[datetime]:
    return {row.ts for row in rows if any(v.quality is Quality.GOOD for v in row.values)}


def capture_period_s(session: MeterSession, profile: Obis) -> int:
    """The profile's capture period from the meter (DLMS attribute 4, seconds); 30 minutes if it cannot say (0)."""
    period = session.capture_period_s(profile)
    return period if period > 0 else DEFAULT_PERIOD_S

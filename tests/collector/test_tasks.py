"""Task kinds against a session that answers from a script: what reaches the spool and where the cursors stop."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from collector.commit import SpoolWriter
from collector.config import ClockPolicy, MeterConfig, SimulatedLine
from collector.gaps import GapLedger
from collector.lanes import Task
from collector.meters import MeterPlan
from collector.spool import Spool
from collector.tasks import ReadPolicy, Tasks, object_key
from drivers.dlms import objects
from drivers.errors import ProtocolError
from drivers.obis import Obis
from drivers.record import ProfileRow, Quality, Reading

A_PLUS = Obis.parse("1.0.1.8.0.255")
DAY_1 = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # local midnights of Europe/Moscow
DAY_2 = datetime(2026, 12, 2, 21, 0, tzinfo=UTC)


class BillingMeter:
    """Daily billing profile: day 1 read well, day 2's row garbled; no monthly profile at all."""

    def read_profile(self, profile: Obis, start: datetime, end: datetime) -> list[ProfileRow]:
        if profile == objects.MONTHLY_PROFILE:
            raise ProtocolError("object undefined")
        good = Reading(A_PLUS, Decimal("1234.5"), "kWh", DAY_1)
        garbled = Reading(A_PLUS, None, "kWh", DAY_2, Quality.DECODE_ERROR, "bad frame")
        return [ProfileRow(profile, DAY_1, (good,)), ProfileRow(profile, DAY_2, (garbled,))]


def test_a_billing_cursor_stops_at_the_last_row_that_gave_a_value(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    writer = SpoolWriter(spool)
    gaps = GapLedger(tmp_path)
    tasks = Tasks(spool=spool, writer=writer, gaps=gaps, clock=ClockPolicy(), policy=ReadPolicy())
    line = SimulatedLine(name="sim", kind="simulated", protocol="dlms")
    plan = MeterPlan(MeterConfig(id="dl-1", line="sim", protocol="dlms", address=17, model="sim"), line)
    session: Any = BillingMeter()
    try:
        result = tasks.billing(plan, session, Task("dl-1", "billing"))
        writer.flush()
        assert (result.values, result.refused) == (1, 1)
        # The garbled day 2 is read again next time instead of being skipped for good.
        assert spool.cursor("dl-1", object_key(objects.DAILY_PROFILE)) == DAY_1
        assert spool.cursor("dl-1", object_key(objects.MONTHLY_PROFILE)) is None
        assert [item.ts for batch in spool.pending() for item in batch.items] == [DAY_1]
    finally:
        writer.stop()
        gaps.close()
        spool.close()

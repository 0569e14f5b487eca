"""Meter faults seen through the whole collector: a silent meter is logged once and its recovery once while its
line neighbours keep their schedule; garbled frames never become rows."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from drivers.sim.modbus_meter import Fault
from tests.fixtures.meters import Fleet, wait_for

pytestmark = pytest.mark.slow


def _failures(fleet: Fleet, meter: str) -> int:
    value = fleet.value(
        "SELECT s.consecutive_failures FROM meter_status s JOIN meters m ON m.id = s.meter_id WHERE m.code = %s", meter
    )
    return int(value or 0)


def _registers_since(fleet: Fleet, meter: str, since: datetime) -> int:
    return int(
        fleet.value(
            "SELECT count(DISTINCT r.ts) FROM readings r JOIN meters m ON m.id = r.meter_id"
            " WHERE m.code = %s AND r.source = 'register' AND r.ts >= %s",
            meter,
            since,
        )
    )


def test_a_silent_meter_logs_twice_in_total_and_its_neighbours_keep_their_schedule(fleet: Fleet) -> None:
    proc = fleet.start()
    wait_for(lambda: _registers_since(fleet, "mb-2", datetime(2000, 1, 1, tzinfo=UTC)) > 0, what="mb-2 read")
    silent_from = datetime.now(UTC)
    fleet.simulation.modbus["mb-2"].fault = Fault.NO_ANSWER
    wait_for(lambda: _failures(fleet, "mb-2") >= 3, timeout=90, what="mb-2 failing")
    # Its neighbours on the same RS-485 line were read meanwhile, about once per second each.
    elapsed = (datetime.now(UTC) - silent_from).total_seconds()
    for neighbour in ("mb-1", "mb-3"):
        assert _registers_since(fleet, neighbour, silent_from) >= max(2, int(elapsed / 4))
    fleet.simulation.modbus["mb-2"].fault = Fault.NONE
    wait_for(lambda: _failures(fleet, "mb-2") == 0, timeout=90, what="mb-2 recovered")
    assert fleet.stop(proc) == 0
    log = fleet.log_text()
    lines = [line for line in log.splitlines() if "meter mb-2 " in line and "collector.health" in line]
    assert len(lines) == 2, lines
    assert "is failing" in lines[0]
    assert "recovered" in lines[1]


def test_garbled_frames_never_reach_the_database(fleet: Fleet) -> None:
    proc = fleet.start()
    wait_for(lambda: _registers_since(fleet, "mb-3", datetime(2000, 1, 1, tzinfo=UTC)) > 0, what="mb-3 read")
    wait_for(lambda: _registers_since(fleet, "dl-2", datetime(2000, 1, 1, tzinfo=UTC)) > 0, what="dl-2 read")
    fleet.simulation.modbus["mb-3"].fault = Fault.BAD_CRC
    fleet.simulation.dlms_ports["dl-2"].faults.bad_fcs_frames = 10**9
    garbled_from = datetime.now(UTC) + timedelta(seconds=1)  # a good reply already in flight may land just after
    wait_for(lambda: _failures(fleet, "mb-3") >= 2 and _failures(fleet, "dl-2") >= 2, timeout=90, what="failures")
    garbled_until = datetime.now(UTC)
    classes = dict(
        fleet.rows(
            "SELECT m.code, s.last_error_class FROM meter_status s JOIN meters m ON m.id = s.meter_id"
            " WHERE m.code IN ('mb-3', 'dl-2')"
        )
    )
    assert classes["mb-3"] == "framing"
    assert classes["dl-2"] in ("framing", "timeout")
    fleet.simulation.modbus["mb-3"].fault = Fault.NONE
    fleet.simulation.dlms_ports["dl-2"].faults.bad_fcs_frames = 0
    time.sleep(0.5)
    assert fleet.stop(proc) == 0
    for meter in ("mb-3", "dl-2"):
        stored = fleet.value(
            "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_id"
            " WHERE m.code = %s AND r.source = 'register' AND r.ts > %s AND r.ts < %s",
            meter,
            garbled_from,
            garbled_until,
        )
        assert stored == 0, f"{meter}: {stored} register value(s) stored from garbled frames"

"""The collector daemon as a process: kill -9 and restart loses nothing and doubles nothing; SIGTERM exits 0 with
the spool flushed; a bad config never starts it. Real database, simulated meters on real ptys and sockets."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from collector.spool import Spool
from tests.fixtures.meters import Fleet, wait_for

pytestmark = pytest.mark.slow

PROFILE_SOURCE = "profile"
A_PLUS_INTERVAL = "1.0.1.29.0.255"


def _profile(fleet: Fleet, meter: str) -> dict[datetime, Decimal]:
    rows = fleet.rows(
        "SELECT r.ts, r.value FROM readings r JOIN meters m ON m.id = r.meter_id JOIN obis o ON o.id = r.obis_id"
        " WHERE m.code = %s AND r.source = 'profile' AND o.code = %s ORDER BY r.ts",
        meter,
        A_PLUS_INTERVAL,
    )
    return {ts: value for ts, value in rows}


def _expected_profile(fleet: Fleet, meter: str, start: datetime, end: datetime) -> dict[datetime, Decimal]:
    model = fleet.simulation.dlms[meter].model
    # The meter keeps A+ increments in Wh; the database speaks kWh (collector.items.canonical_value).
    return {ts: Decimal(values[0]) / 1000 for ts, values in model.load_rows(start, end)}


def _registers(fleet: Fleet, meter: str) -> int:
    return int(
        fleet.value(
            "SELECT count(*) FROM readings r JOIN meters m ON m.id = r.meter_id"
            " WHERE m.code = %s AND r.source = 'register'",
            meter,
        )
    )


def test_kill_9_and_restart_loses_nothing_and_doubles_nothing(fleet: Fleet) -> None:
    first = fleet.start()
    # Kill while the backfill of two days of profile is under way (one day per read), registers flowing.
    wait_for(lambda: len(_profile(fleet, "dl-1")) > 0 and _registers(fleet, "mb-1") > 0, what="first data")
    first.kill()
    first.wait(timeout=10)
    killed_at = datetime.now(UTC)

    second = fleet.start()
    newest_due = datetime.now(UTC) - timedelta(seconds=90)  # slots the meters have certainly captured by now

    def complete(meter: str) -> bool:
        got = _profile(fleet, meter)
        return (
            bool(got)
            and max(got) >= newest_due.replace(second=0, microsecond=0) - timedelta(minutes=30)
            and (min(got) <= killed_at - timedelta(days=2) + timedelta(hours=1))
        )

    for meter in ("dl-1", "dl-2"):
        wait_for(lambda meter=meter: complete(meter), timeout=90, what=f"{meter} profile backfilled")
    assert fleet.stop(second) == 0

    for meter in ("dl-1", "dl-2"):
        got = _profile(fleet, meter)
        expected = _expected_profile(fleet, meter, min(got), max(got))
        # Every slot between the first and the last stored one, each with the meter's own value: nothing lost
        # (the downtime included), nothing invented. Doubles are impossible by key; the count proves none slipped.
        assert got == expected, f"{meter}: {len(got)} stored vs {len(expected)} expected"
    events = fleet.rows(
        "SELECT meter_id, journal, ts, code, count(*) FROM events GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
    )
    assert events == []
    status = dict(
        fleet.rows("SELECT m.code, s.consecutive_failures FROM meter_status s JOIN meters m ON m.id = s.meter_id")
    )
    assert set(status) >= {"mb-1", "mb-2", "mb-3", "dl-1", "dl-2"}
    complete_days = fleet.value(
        "SELECT count(*) FROM meter_completeness c JOIN meters m ON m.id = c.meter_id"
        " WHERE m.code = 'dl-1' AND c.received = c.expected AND c.expected > 0"
    )
    assert complete_days >= 1
    assert fleet.value("SELECT reported_serial FROM meters WHERE code = 'dl-1'") == "013000301"


def test_sigterm_exits_0_with_the_spool_flushed(fleet: Fleet) -> None:
    proc = fleet.start()
    wait_for(lambda: _registers(fleet, "dl-1") > 0 and _registers(fleet, "mb-3") > 0, what="registers stored")
    assert fleet.stop(proc) == 0
    spool = Spool(fleet.data_dir)
    try:
        assert spool.depth() == 0
        assert spool.quarantined() == 0
    finally:
        spool.close()
    assert "collector stopped" in fleet.log_text()


def test_a_bad_config_never_starts_the_daemon(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("collector:\n  workers: 4\n  poll_faster: true\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", "from collector.cli import main; main()", "collector", "run", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "collector.poll_faster" in done.stderr
    assert not (tmp_path / "var").exists()

"""Scheduler: every trigger kind of the sample config builds; cron fires at its minute; a schedule's jitter spreads
the job's meters over the window, each at its own fixed offset, instead of moving the whole job."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.triggers.interval import IntervalTrigger

from collector.breaker import Breakers
from collector.config import Config, Schedule, load_config
from collector.lanes import Task
from collector.scheduler import Scheduler, plan_jobs, spread_window_s, trigger_of
from collector.spread import Meters, Spreader, buckets

SAMPLE = Path(__file__).resolve().parents[2] / "config.yaml"
FLEET = [(f"m{n}-1", f"line-{n % 7}") for n in range(1, 1001)]


def test_cron_trigger_fires_at_its_minute_and_carries_no_jitter() -> None:
    trigger = trigger_of(Schedule(cron="5 0 * * *", jitter=timedelta(minutes=2)))
    assert getattr(trigger, "jitter", "missing") is None  # the spread is per meter, not on the trigger
    now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    assert trigger.get_next_fire_time(None, now) == datetime(2026, 12, 5, 0, 5, tzinfo=UTC)


def test_buckets_give_every_meter_one_fixed_offset_inside_the_window() -> None:
    groups = buckets(FLEET, 60.0)
    offsets = [offset for offset, _ in groups]
    assert all(0.0 <= offset < 60.0 for offset in offsets)
    assert sorted(m for _, meters in groups for m in meters) == sorted(FLEET)  # each meter once
    assert len(groups) > 32
    assert max(len(meters) for _, meters in groups) < 3 * len(FLEET) / len(groups)
    assert buckets(FLEET, 60.0) == groups  # the same offsets every run: a meter's interval stays regular
    assert buckets(FLEET, 0.0) == [(0.0, tuple(FLEET))]  # no jitter: all at once


def test_the_window_never_exceeds_the_interval() -> None:
    assert spread_window_s(Schedule(every=timedelta(seconds=30), jitter=timedelta(minutes=5))) == 30.0
    assert spread_window_s(Schedule(cron="5 0 * * *", jitter=timedelta(minutes=5))) == 300.0


def test_the_spreader_releases_each_bucket_at_its_offset_not_before() -> None:
    released: list[tuple[float, str, Meters]] = []
    done = threading.Event()
    groups = buckets(FLEET, 1.0)

    def release(kind: str, meters: Meters) -> None:
        released.append((time.monotonic(), kind, meters))
        if sum(len(m) for _, _, m in released) == len(FLEET):
            done.set()

    spreader = Spreader(release)
    spreader.start()
    try:
        started = time.monotonic()
        spreader.fan_out("registers", groups)
        assert [meters for _, _, meters in released] == [groups[0][1]]  # offset 0 goes at once, in the caller
        assert done.wait(5)
    finally:
        spreader.stop()
    due = {meters: offset for offset, meters in groups}
    for at, kind, meters in released:
        assert kind == "registers"
        assert at - started >= due[meters] - 0.01, (at - started, due[meters])
    assert released[-1][0] - started >= groups[-1][0] - 0.01 > 0.7  # the last bucket waits most of the window


def test_a_jittered_job_hands_its_meters_to_the_spreader_in_buckets() -> None:
    schedule = Schedule(every=timedelta(minutes=1), jitter=timedelta(seconds=20))
    config = Config.model_validate(
        {
            "schedules": {"registers": schedule.model_dump(), "nameplate": {"enabled": False}},
            "lines": [{"name": "tcp", "kind": "simulated", "protocol": "modbus", "transport": "tcp"}],
            "meters": [
                {"id": f"mb-{n}", "line": "tcp", "protocol": "modbus", "address": n, "model": "eastron_sdm630"}
                for n in range(1, 201)
            ],
        }
    )
    submitted: list[tuple[str, Task]] = []
    scheduler = Scheduler(config, lambda line, task: submitted.append((line, task)) is None, Breakers())
    (job,) = scheduler._aps.get_jobs()
    assert isinstance(job.trigger, IntervalTrigger)
    assert job.trigger.jitter is None
    kind, groups = job.args
    assert kind == "registers"
    assert groups == buckets([(f"mb-{n}", "tcp") for n in range(1, 201)], 20.0)
    assert max(offset for offset, _ in groups) > 15.0


def test_sample_config_schedules_every_meter_and_kind() -> None:
    config = load_config(SAMPLE)
    submitted: list[tuple[str, Task]] = []
    scheduler = Scheduler(config, lambda line, task: submitted.append((line, task)) is None, Breakers())
    planned = plan_jobs(config)
    assert scheduler.job_count == len(planned)
    kinds_of = {meter.id: set() for meter in config.meters}  # type: dict[str, set[str]]
    for (kind, _schedule), meters in planned.items():
        for meter, _line in meters:
            kinds_of[meter].add(kind)
    for meter in config.meters:
        expected = {"registers", "nameplate"} if meter.protocol == "modbus" else {
            "registers", "load_profile", "billing", "journals", "clock", "nameplate"
        }  # fmt: skip
        assert kinds_of[meter.id] == expected, meter.id

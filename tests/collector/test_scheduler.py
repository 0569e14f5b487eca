"""Scheduler: every trigger kind of the sample config builds; cron fires at its minute, with jitter kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from collector.breaker import Breakers
from collector.config import Schedule, load_config
from collector.lanes import Task
from collector.scheduler import Scheduler, plan_jobs, trigger_of

SAMPLE = Path(__file__).resolve().parents[2] / "config.yaml"


def test_cron_trigger_fires_at_its_minute_with_jitter() -> None:
    trigger = trigger_of(Schedule(cron="5 0 * * *", jitter=timedelta(minutes=2)))
    assert getattr(trigger, "jitter", None) == 120
    now = datetime(2026, 12, 4, 16, 0, tzinfo=UTC)
    # APScheduler applies jitter on top of the nominal time; the nominal one is what we check.
    trigger.jitter = None  # type: ignore[attr-defined]
    assert trigger.get_next_fire_time(None, now) == datetime(2026, 12, 5, 0, 5, tzinfo=UTC)


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

"""When tasks are due: APScheduler 3 jobs per task kind and schedule, each fanning out over its meters.

Must not run tasks or touch lines: a job only queues tasks with the dispatcher. One job per (task kind, schedule)
rather than one per meter and kind: 10,000 meters make 60,000 jobs, and the jobstore is most of the daemon's memory
and CPU then (bench/fleet.py measures the fan-out way). Coalescing: a missed run is run once; max_instances=1.
A schedule's jitter spreads the job's meters over that window (collector.spread), not the whole job at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collector.breaker import Breakers
from collector.config import TASK_KINDS, Config, Schedule
from collector.lanes import Task
from collector.spread import Meters, Spreader, buckets

log = logging.getLogger(__name__)

# Modbus energy meters have registers and a serial number, nothing else (no clock, profiles or journals).
KINDS_BY_PROTOCOL = {"modbus": ("registers", "nameplate"), "dlms": TASK_KINDS}
Submit = Callable[[str, Task], bool]
SubmitMany = Callable[[Iterable[tuple[str, Task]]], int]


def trigger_of(schedule: Schedule) -> BaseTrigger:
    """The job's trigger, without jitter: the schedule's jitter spreads the job's meters one by one instead
    (collector.spread), so APScheduler's own jitter, which would move the whole job at once, is never set."""
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=UTC)
    assert schedule.every is not None
    return IntervalTrigger(seconds=schedule.every.total_seconds(), timezone=UTC)


def spread_window_s(schedule: Schedule) -> float:
    """The jitter window, never longer than the interval: a meter must not slide into its next run."""
    window = schedule.jitter.total_seconds()
    if schedule.every is not None:
        window = min(window, schedule.every.total_seconds())
    return max(0.0, window)


def plan_jobs(config: Config) -> dict[tuple[str, Schedule], list[tuple[str, str]]]:
    """(task kind, schedule) → [(meter, line)]: meters sharing a schedule share a job."""
    groups: dict[tuple[str, Schedule], list[tuple[str, str]]] = defaultdict(list)
    for meter in config.meters:
        for kind in KINDS_BY_PROTOCOL[meter.protocol]:
            schedule = meter.schedules.get(kind) or config.schedules.get(kind)
            if schedule is None or not schedule.enabled:
                continue
            groups[(kind, schedule)].append((meter.id, meter.line))
    return groups


class Scheduler:
    def __init__(
        self, config: Config, submit: Submit, breakers: Breakers, *, submit_many: SubmitMany | None = None
    ) -> None:
        self._submit = submit
        self._submit_many = submit_many
        self._breakers = breakers
        self._spreader = Spreader(self._release)
        # The jobs only queue tasks (microseconds per meter): one executor thread is plenty and keeps them ordered.
        self._aps = BackgroundScheduler(
            timezone=UTC,
            executors={"default": {"type": "threadpool", "max_workers": 2}},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        self.job_count = 0
        for (kind, schedule), meters in plan_jobs(config).items():
            first = datetime.now(UTC) + timedelta(seconds=0.2)
            # Interval jobs also run at start, so a (re)started collector reads at once and resumes its cursors.
            next_run = first if schedule.every is not None else None
            kwargs: dict[str, object] = {"next_run_time": next_run} if next_run else {}
            self._aps.add_job(
                self._spreader.fan_out,
                trigger_of(schedule),
                args=(kind, buckets(meters, spread_window_s(schedule))),
                name=f"{kind} x{len(meters)}",
                **kwargs,
            )
            self.job_count += 1
        log.info("scheduler: %d job(s) for %d meter(s)", self.job_count, len(config.meters))

    def _release(self, kind: str, meters: Meters) -> None:
        # A meter whose breaker is open is not even queued: its line's time goes to the others.
        allows = self._breakers.allows
        tasks = [(line, Task(meter, kind)) for meter, line in meters if allows(meter)]
        if self._submit_many is not None:
            self._submit_many(tasks)  # one dispatcher lock for the whole bucket
        else:
            for line, task in tasks:
                self._submit(line, task)

    def every(self, seconds: float, func: Callable[[], None], name: str) -> None:
        """A housekeeping job (on-demand requests, gap re-reads) on the same scheduler."""
        self._aps.add_job(func, IntervalTrigger(seconds=seconds, timezone=UTC), name=name)

    def start(self) -> None:
        self._spreader.start()
        self._aps.start()

    def stop(self) -> None:
        self._aps.shutdown(wait=True)
        self._spreader.stop()

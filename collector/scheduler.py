"""When tasks are due: APScheduler 3 jobs per task kind and schedule, each fanning out over its meters.

Must not run tasks or touch lines: a job only queues tasks with the dispatcher. One job per (task kind, schedule)
rather than one per meter and kind: 10,000 meters make 60,000 jobs, and the jobstore is most of the daemon's memory
and CPU then (bench/fleet.py measures the fan-out way). Coalescing: a missed run is run once; max_instances=1.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from collector.breaker import Breakers
from collector.config import TASK_KINDS, Config, Schedule
from collector.lanes import Task

log = logging.getLogger(__name__)

# Modbus energy meters have registers and a serial number, nothing else (no clock, profiles or journals).
KINDS_BY_PROTOCOL = {"modbus": ("registers", "nameplate"), "dlms": TASK_KINDS}
Submit = Callable[[str, Task], bool]


def trigger_of(schedule: Schedule) -> BaseTrigger:
    jitter = int(schedule.jitter.total_seconds()) or None
    if schedule.cron is not None:
        # from_crontab() takes no jitter in APScheduler 3.11: build the trigger, then set it.
        cron = CronTrigger.from_crontab(schedule.cron, timezone=UTC)
        cron.jitter = jitter
        return cron
    assert schedule.every is not None
    return IntervalTrigger(seconds=schedule.every.total_seconds(), timezone=UTC, jitter=jitter)


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
    def __init__(self, config: Config, submit: Submit, breakers: Breakers) -> None:
        self._submit = submit
        self._breakers = breakers
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
                self._fan_out,
                trigger_of(schedule),
                args=(kind, tuple(meters)),
                name=f"{kind} x{len(meters)}",
                **kwargs,
            )
            self.job_count += 1
        log.info("scheduler: %d job(s) for %d meter(s)", self.job_count, len(config.meters))

    def _fan_out(self, kind: str, meters: tuple[tuple[str, str], ...]) -> None:
        queued = 0
        for meter, line in meters:
            # A meter whose breaker is open is not even queued: its line's time goes to the others.
            if self._breakers.allows(meter) and self._submit(line, Task(meter, kind)):
                queued += 1
        log.debug("%s: %d of %d meter(s) queued", kind, queued, len(meters))

    def every(self, seconds: float, func: Callable[[], None], name: str) -> None:
        """A housekeeping job (on-demand requests, gap re-reads) on the same scheduler."""
        self._aps.add_job(func, IntervalTrigger(seconds=seconds, timezone=UTC), name=name)

    def start(self) -> None:
        self._aps.start()

    def stop(self) -> None:
        self._aps.shutdown(wait=True)

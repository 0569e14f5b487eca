"""One task on one line, start to end: breaker check, the line's open link, a session, the task, the outcome.

Must not decide what a task reads (collector.tasks) or when it runs (collector.scheduler); it turns driver
exceptions into health, breaker, status and metrics, so a failing meter costs its line one deadline, then nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from collector.breaker import Breakers
from collector.commit import SpoolWriter
from collector.health import Health, error_class
from collector.items import MeterStatusItem
from collector.lanes import Lane, Task
from collector.lines import LineLink
from collector.meters import MeterPlan
from collector.metrics import Metrics
from collector.tasks import TaskResult, Tasks
from drivers.errors import AuthenticationError, DriverError, LinkError, LinkTimeout

log = logging.getLogger(__name__)

STATUS_EVERY_S = 10.0  # a healthy meter's status row is refreshed at most this often; changes go at once

Done = Callable[[Task, bool, str], None]
Resubmit = Callable[[str, Task], bool]


class Runner:
    def __init__(
        self,
        *,
        plans: dict[str, MeterPlan],
        links: dict[str, LineLink],
        tasks: Tasks,
        writer: SpoolWriter,
        health: Health,
        breakers: Breakers,
        metrics: Metrics,
        resubmit: Resubmit,
        on_done: Done | None = None,
    ) -> None:
        self.plans, self.links, self.tasks, self.writer = plans, links, tasks, writer
        self.health, self.breakers, self.metrics = health, breakers, metrics
        self.resubmit, self.on_done = resubmit, on_done
        self._status_at: dict[str, float] = {}

    def __call__(self, line: str, task: Task) -> None:
        plan = self.plans[task.meter]
        if task.lane is not Lane.ON_DEMAND and not self.breakers.allows(task.meter):
            self.metrics.polls.labels(task.kind, "skipped").inc()
            return
        link = self.links[line]
        started = time.monotonic()
        attempt_at = datetime.now(UTC)
        result: TaskResult | None = None
        try:
            session = plan.session(link.acquire(), link.timeout_s)
            with session:
                result = self.tasks.run(plan, session, task)
        except DriverError as exc:
            self._link_failed(link, exc)
            self._failed(task, attempt_at, error_class(exc), str(exc) or type(exc).__name__)
        except Exception as exc:
            log.exception("meter %s: %s task failed", task.meter, task.kind)
            self._failed(task, attempt_at, "internal", f"{type(exc).__name__}: {exc}")
        else:
            if result.failure is not None:
                self._failed(task, attempt_at, result.failure, result.detail or result.failure)
            else:
                self._succeeded(task, attempt_at, result)
        finally:
            link.release()
            self.metrics.line_busy.labels(line).inc(time.monotonic() - started)

    def _link_failed(self, link: LineLink, exc: DriverError) -> None:
        """Close the link when it is no longer trustworthy; a silent meter on a shared serial bus is not a dead bus."""
        if isinstance(exc, AuthenticationError):
            return
        if isinstance(exc, LinkTimeout) and not link.is_tcp:
            return
        if isinstance(exc, LinkError) or link.is_tcp:
            link.broken()

    def _succeeded(self, task: Task, at: datetime, result: TaskResult) -> None:
        was_failing = self.health.of(task.meter).failing
        self.health.success(task.meter, at)
        self.breakers.succeeded(task.meter)
        self.metrics.polls.labels(task.kind, "ok").inc()
        self.metrics.values.labels(task.kind).inc(result.values)
        if result.refused:
            self.metrics.refused.inc(result.refused)
        now = time.monotonic()
        due = now - self._status_at.get(task.meter, 0.0) >= STATUS_EVERY_S
        if was_failing or due or result.clock_drift_s is not None:
            self._status_at[task.meter] = now
            item = MeterStatusItem(meter=task.meter, attempt_at=at, success=True, clock_drift_s=result.clock_drift_s)
            self.writer.write([item])
        if result.more:
            self.resubmit(self.plans[task.meter].config.line, Task(task.meter, task.kind, Lane.BACKFILL))
        if self.on_done is not None and task.request_id is not None:
            self.on_done(task, True, f"{result.values} value(s)")

    def _failed(self, task: Task, at: datetime, cls: str, detail: str) -> None:
        self.health.failure(task.meter, at, cls, detail)
        open_s = self.breakers.failed(task.meter)
        if open_s:
            log.debug("meter %s: breaker open for %.0f s", task.meter, open_s)
        self.metrics.polls.labels(task.kind, "failed").inc()
        self.metrics.errors.labels(cls).inc()
        self._status_at[task.meter] = 0.0
        self.writer.write(
            [MeterStatusItem(meter=task.meter, attempt_at=at, success=False, error_class=cls, error=detail[:500])]
        )
        if self.on_done is not None and task.request_id is not None:
            self.on_done(task, False, f"{cls}: {detail}")

"""One task on one line, start to end: breaker check, the line's open link, a session, the task, the outcome.

Must not decide what a task reads (collector.tasks) or when it runs (collector.scheduler); it turns driver
exceptions into health, breaker, status and metrics, so a failing meter costs its line one deadline, then nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from prometheus_client import Counter

from collector.breaker import Breakers
from collector.commit import SpoolWriter
from collector.health import Health, error_class
from collector.items import Item, MeterStatusItem, RequestOutcomeItem
from collector.lanes import Lane, Task
from collector.lines import LineLink
from collector.meters import MeterPlan
from collector.metrics import Metrics
from collector.tasks import TaskResult, Tasks
from drivers.errors import AuthenticationError, DriverError, LinkError, LinkTimeout

log = logging.getLogger(__name__)

# A healthy meter's status row is refreshed at most this often; a failure or a recovery goes at once. Each refresh
# is an upsert in the database: at 10 s, 1,000 meters polled every second made 100 upserts/s of unchanged rows.
STATUS_EVERY_S = 60.0

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
    ) -> None:
        self.plans, self.links, self.tasks, self.writer = plans, links, tasks, writer
        self.health, self.breakers, self.metrics = health, breakers, metrics
        self.resubmit = resubmit
        self._status_at: dict[str, float] = {}
        # labels() takes the metric's lock and builds a key on every call: resolve each child once.
        self._polls: dict[tuple[str, str], Counter] = {}
        self._values: dict[str, Counter] = {}
        self._busy: dict[str, Counter] = {}

    def _poll(self, kind: str, outcome: str) -> Counter:
        child = self._polls.get((kind, outcome))
        if child is None:
            child = self._polls[(kind, outcome)] = self.metrics.polls.labels(kind, outcome)
        return child

    def __call__(self, line: str, task: Task) -> None:
        plan = self.plans[task.meter]
        if task.lane is not Lane.ON_DEMAND and not self.breakers.allows(task.meter):
            self._poll(task.kind, "skipped").inc()
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
            busy = self._busy.get(line)
            if busy is None:
                busy = self._busy[line] = self.metrics.line_busy.labels(line)
            busy.inc(time.monotonic() - started)

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
        self._poll(task.kind, "ok").inc()
        values = self._values.get(task.kind)
        if values is None:
            values = self._values[task.kind] = self.metrics.values.labels(task.kind)
        values.inc(result.values)
        if result.refused:
            self.metrics.refused.inc(result.refused)
        now = time.monotonic()
        due = now - self._status_at.get(task.meter, 0.0) >= STATUS_EVERY_S
        items: list[Item] = []
        if was_failing or due or result.clock_drift_s is not None or task.request_id is not None:
            self._status_at[task.meter] = now
            items.append(
                MeterStatusItem(meter=task.meter, attempt_at=at, success=True, clock_drift_s=result.clock_drift_s)
            )
        if result.more:
            self.resubmit(self.plans[task.meter].config.line, Task(task.meter, task.kind, Lane.BACKFILL))
        self._write(task, at, items, True, f"{result.values} value(s)")

    def _failed(self, task: Task, at: datetime, cls: str, detail: str) -> None:
        self.health.failure(task.meter, at, cls, detail)
        open_s = self.breakers.failed(task.meter)
        if open_s:
            log.debug("meter %s: breaker open for %.0f s", task.meter, open_s)
        self._poll(task.kind, "failed").inc()
        self.metrics.errors.labels(cls).inc()
        self._status_at[task.meter] = 0.0
        status = MeterStatusItem(meter=task.meter, attempt_at=at, success=False, error_class=cls, error=detail[:500])
        self._write(task, at, [status], False, f"{cls}: {detail}")

    def _write(self, task: Task, at: datetime, items: list[Item], ok: bool, detail: str) -> None:
        """Status items; for an on-demand task also its outcome, and then wait until both are in the spool: the
        person who asked sees the answer even if the database is away now or the collector stops next."""
        if task.request_id is None:
            self.writer.write(items)
            return
        items.append(RequestOutcomeItem(meter=task.meter, request_id=task.request_id, done_at=at, ok=ok, detail=detail))
        self.writer.write(items, durable=True)

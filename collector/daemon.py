"""The collector daemon: wires spool, store, registry, lines, dispatcher, scheduler, on-demand inbox and metrics,
and stops them in the order that loses nothing.

Must not read meters, store rows or hold a poll loop: each part does its one job; this only starts and stops them.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime

import psycopg

from collector import registry
from collector.breaker import Breakers
from collector.commit import SpoolWriter
from collector.config import Config
from collector.dispatch import Dispatcher
from collector.gaps import GapLedger
from collector.health import Health
from collector.lanes import Lane, Task
from collector.lines import Endpoint, line_links
from collector.meters import meter_plans
from collector.metrics import Metrics, Probes
from collector.ondemand import ReadRequests
from collector.runner import Runner
from collector.scheduler import Scheduler
from collector.spool import Spool
from collector.store import Store
from collector.tasks import ReadPolicy, Tasks

log = logging.getLogger(__name__)

GAP_SWEEP_S = 30.0
READ_REQUEST_POLL_S = 1.0


class Daemon:
    def __init__(self, config: Config, dsn: str, endpoints: dict[str, Endpoint] | None = None) -> None:
        self.config, self.dsn = config, dsn
        data_dir = config.collector.data_dir
        self.spool = Spool(data_dir)
        self.gaps = GapLedger(data_dir)
        self.writer = SpoolWriter(self.spool)
        self.store = Store(dsn, self.spool)
        self.policy = ReadPolicy(backfill=config.collector.backfill)
        self.plans = meter_plans(config)
        self.links = line_links(config, endpoints or {})
        self.health = Health()
        self.breakers = Breakers()
        self.metrics = Metrics()
        self._line_of = {m.id: m.line for m in config.meters}
        tasks = Tasks(spool=self.spool, writer=self.writer, gaps=self.gaps, clock=config.clock, policy=self.policy)
        self.requests = ReadRequests(dsn, self._line_of.items(), self.submit)
        runner = Runner(
            plans=self.plans,
            links=self.links,
            tasks=tasks,
            writer=self.writer,
            health=self.health,
            breakers=self.breakers,
            metrics=self.metrics,
            resubmit=self.submit,
        )
        self.dispatcher = Dispatcher(self.links, runner, workers=config.collector.workers)
        self.scheduler = Scheduler(config, self.submit, self.breakers, submit_many=self.dispatcher.submit_many)
        self.scheduler.every(READ_REQUEST_POLL_S, self.requests.poll, "read requests")
        self.scheduler.every(GAP_SWEEP_S, self.sweep_gaps, "gap re-reads")
        self._registered = threading.Event()
        self._stopping = threading.Event()
        self._start_lock = threading.Lock()

    def submit(self, line: str, task: Task) -> bool:
        return self.dispatcher.submit(line, task)

    # -- start --------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.metrics.observe(self._probes())
        if self.config.collector.metrics_bind:
            self.metrics.serve(self.config.collector.metrics_bind)
        # Meters go into the registry before the store drains: an item of an unknown meter would be quarantined.
        threading.Thread(target=self._register, name="registry-sync", daemon=True).start()
        self.scheduler.start()
        log.info(
            "collector: %d meter(s) on %d line(s), %d worker(s), spool %s",
            len(self.plans),
            len(self.links),
            self.config.collector.workers,
            self.spool.path,
        )

    def _register(self) -> None:
        delay = 0.5
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.dsn, connect_timeout=5) as conn:
                    registry.sync_meters(conn, self.config.meters)
                    registry.load_event_codes(conn)
                    conn.commit()
            except psycopg.Error as exc:
                log.warning("registry: database unavailable (%s); polling into the spool meanwhile", exc)
                self._stopping.wait(delay)
                delay = min(30.0, delay * 2)
                continue
            with self._start_lock:
                # stop() may have run while we were syncing: a store started now would drain a closed spool.
                if not self._stopping.is_set():
                    self.store.start()
                    self._registered.set()
            return

    def sweep_gaps(self) -> None:
        """Mark what meters no longer hold as permanent; queue re-reads of the rest in the backfill lane."""
        held_since = datetime.now(UTC) - self.policy.profile_depth
        expired = self.gaps.expire(held_since=held_since, max_attempts=self.policy.gap_attempts)
        if expired:
            log.info("gaps: %d profile slot(s) marked permanent", expired)
        for window in self.gaps.windows(limit=500):
            line = self._line_of.get(window.meter)
            if line is not None:
                self.submit(line, Task(window.meter, "load_profile", Lane.BACKFILL, start=window.start, end=window.end))

    def _probes(self) -> Probes:
        store = self.store.metrics
        return Probes(
            spool_depth=self.spool.depth,
            spool_oldest_age=self.spool.oldest_age,
            store_batches=lambda: store.batches_written,
            store_batch_seconds_total=lambda: store.batch_seconds_total,
            store_last_batch_seconds=lambda: store.last_batch_seconds,
            store_database_up=lambda: store.database_up,
            queue_depth=lambda: {lane.name.lower(): self.dispatcher.depth(lane) for lane in Lane},
            meters_failing=self.health.failing_count,
            gaps_open=self.gaps.open_count,
        )

    # -- stop ---------------------------------------------------------------------------------------------------

    def stop(self, drain_timeout: float = 20.0) -> None:
        """No new tasks; the transactions in progress finish; their items reach the spool, then the database if it
        is there within `drain_timeout`. What is left stays in the spool for the next start."""
        with self._start_lock:
            self._stopping.set()
        self.scheduler.stop()
        self.dispatcher.stop()
        self.writer.stop()
        if self._registered.is_set():
            self.store.wake()
            deadline = time.monotonic() + drain_timeout
            while self.spool.depth() and time.monotonic() < deadline:
                time.sleep(0.05)
        self.store.stop()
        left = self.spool.depth()
        if left:
            log.warning("collector: %d item(s) stay in the spool for the next start", left)
        for link in self.links.values():
            link.close()
        self.requests.close()
        self.metrics.stop()
        self.gaps.close()
        self.spool.close()
        log.info("collector stopped")

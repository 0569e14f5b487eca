"""A bounded pool of worker threads serving per-line queues: one transaction at a time per line, many lines at once.

Must not know what a task does (the runner does) or when it is due (the scheduler decides). Lines never get a
thread of their own: 1,000 TCP meters share `workers` threads, and a turn is one task, so lines take turns fairly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from collector.lanes import Lane, LineQueue, Task

log = logging.getLogger(__name__)

Runner = Callable[[str, Task], None]
"""Carries out one task on the named line. It must not raise for meter failures; anything it raises is logged."""


class Dispatcher:
    def __init__(self, lines: Iterable[str], runner: Runner, *, workers: int) -> None:
        self._queues = {name: LineQueue(name) for name in lines}
        self._runner = runner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="line-worker")
        self._lock = threading.Lock()
        self._stopping = False
        self._running = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, line: str, task: Task) -> bool:
        """Queue `task` on `line`; False if the same task is already waiting (or the dispatcher is stopping)."""
        with self._lock:
            if self._stopping:
                return False
            queue = self._queues[line]
            if not queue.put(task):
                return False
            if not queue.busy:
                queue.busy = True
                self._pool.submit(self._turn, queue)
            return True

    def submit_many(self, tasks: Iterable[tuple[str, Task]]) -> int:
        """Queue (line, task) pairs under one lock (a scheduler fan-out); return how many were new."""
        queued = 0
        with self._lock:
            if self._stopping:
                return 0
            for line, task in tasks:
                queue = self._queues[line]
                if queue.put(task):
                    queued += 1
                    if not queue.busy:
                        queue.busy = True
                        self._pool.submit(self._turn, queue)
        return queued

    def _turn(self, queue: LineQueue) -> None:
        with self._lock:
            task = None if self._stopping else queue.take()
            if task is None:
                queue.busy = False
                self._idle.notify_all()
                return
            self._running += 1
        try:
            self._runner(queue.name, task)
        except Exception:
            log.exception("task %s/%s on line %s failed unexpectedly", task.meter, task.kind, queue.name)
        finally:
            with self._lock:
                self._running -= 1
                # Back of the pool's queue rather than looping here: the other lines get their turn first.
                if queue and not self._stopping:
                    self._pool.submit(self._turn, queue)
                else:
                    queue.busy = False
                self._idle.notify_all()

    def depth(self, lane: Lane | None = None) -> int:
        with self._lock:
            return sum(q.depth(lane) for q in self._queues.values())

    def wait_idle(self, timeout: float) -> bool:
        """Until nothing is queued or running (tests and the benchmark's bare-loop comparison)."""
        with self._lock:
            return self._idle.wait_for(
                lambda: self._running == 0 and not any(q.busy for q in self._queues.values()), timeout
            )

    def stop(self) -> None:
        """Finish the transactions in progress, drop what is queued (the schedule brings it back), join the pool."""
        with self._lock:
            self._stopping = True
        self._pool.shutdown(wait=True, cancel_futures=True)

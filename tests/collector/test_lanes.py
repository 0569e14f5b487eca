"""Lanes and the dispatcher: on-demand first, backfill last, no duplicates, one task at a time per line."""

from __future__ import annotations

import threading
import time

from collector.dispatch import Dispatcher
from collector.lanes import Lane, LineQueue, Task


def test_lanes_are_taken_in_priority_order_and_a_waiting_task_is_not_queued_twice() -> None:
    queue = LineQueue("l")
    assert queue.put(Task("m1", "load_profile", Lane.BACKFILL))
    assert queue.put(Task("m1", "registers"))
    assert not queue.put(Task("m1", "registers"))
    assert queue.put(Task("m2", "registers", Lane.ON_DEMAND, request_id=7))
    order = [queue.take() for _ in range(3)]
    assert [t.lane for t in order if t] == [Lane.ON_DEMAND, Lane.ROUTINE, Lane.BACKFILL]
    assert queue.take() is None
    assert queue.put(Task("m1", "registers"))  # taken tasks may come again


def test_one_transaction_at_a_time_per_line_many_lines_at_once() -> None:
    active: dict[str, int] = {}
    overlap: list[str] = []
    peak = [0]
    lock = threading.Lock()

    def runner(line: str, task: Task) -> None:
        with lock:
            active[line] = active.get(line, 0) + 1
            if active[line] > 1:
                overlap.append(line)
            peak[0] = max(peak[0], sum(active.values()))
        time.sleep(0.01)
        with lock:
            active[line] -= 1

    lines = [f"l{n}" for n in range(8)]
    dispatcher = Dispatcher(lines, runner, workers=4)
    for line in lines:
        for meter in range(5):
            assert dispatcher.submit(line, Task(f"{line}-m{meter}", "registers"))
    assert dispatcher.wait_idle(30)
    dispatcher.stop()
    assert overlap == []
    assert 1 < peak[0] <= 4

"""The work of one line: three lanes (on-demand, routine, backfill) taken strictly in that order, no duplicates.

Must not run anything or know about threads: the dispatcher takes tasks from here one at a time per line.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass
from datetime import datetime


class Lane(enum.IntEnum):
    """Lower value goes first: an engineer waiting at a meter beats the routine, the routine beats history."""

    ON_DEMAND = 0
    ROUTINE = 1
    BACKFILL = 2


@dataclass(frozen=True, slots=True)
class Task:
    """One transaction with one meter: a session opened, one kind of reading done, the session closed."""

    meter: str
    kind: str  # one of collector.config.TASK_KINDS
    lane: Lane = Lane.ROUTINE
    request_id: int | None = None  # read_requests.id for the on-demand lane
    # Backfill re-reads a window the routine read missed (a gap): [start, end) of the meter's profile.
    start: datetime | None = None
    end: datetime | None = None

    @property
    def key(self) -> tuple[str, str, Lane, datetime | None, int | None]:
        # The request id is part of it: two people asking for the same meter each get their request closed.
        return (self.meter, self.kind, self.lane, self.start, self.request_id)


class LineQueue:
    """Pending tasks of one line. A task already waiting is not queued again: a late line coalesces ticks.

    `busy` is owned by the dispatcher (under its lock): True while a turn of this line is queued or running.
    """

    __slots__ = ("_keys", "_lanes", "busy", "name")

    def __init__(self, name: str) -> None:
        self.name = name
        self._lanes: tuple[deque[Task], deque[Task], deque[Task]] = (deque(), deque(), deque())
        self._keys: set[tuple[str, str, Lane, datetime | None, int | None]] = set()
        self.busy = False

    def put(self, task: Task) -> bool:
        if task.key in self._keys:
            return False
        self._keys.add(task.key)
        self._lanes[task.lane].append(task)
        return True

    def take(self) -> Task | None:
        for lane in self._lanes:
            if lane:
                task = lane.popleft()
                self._keys.discard(task.key)
                return task
        return None

    def depth(self, lane: Lane | None = None) -> int:
        if lane is not None:
            return len(self._lanes[lane])
        return sum(len(q) for q in self._lanes)

    def __len__(self) -> int:
        return self.depth()

"""Spread the meters of one scheduled job over its jitter window, so 1,000 meters do not hit their lines at once.

Must not decide when a job is due (APScheduler does) nor run tasks (the dispatcher does): it only delays the
hand-over of each meter's task by that meter's fixed offset. Offsets are grouped into a few buckets per job, so
a fan-out costs one heap entry per bucket, not one timer per meter.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
import zlib
from collections.abc import Callable, Sequence

Meters = tuple[tuple[str, str], ...]  # (meter, line)
Release = Callable[[str, Meters], None]  # (task kind, meters) → queue their tasks now

MAX_BUCKETS = 64
MIN_BUCKET_S = 0.25  # finer steps would cost heap entries without spreading the lines any better


def buckets(meters: Sequence[tuple[str, str]], window_s: float) -> list[tuple[float, Meters]]:
    """(offset seconds, meters) groups, offsets in [0, window_s), by a hash of the meter id.

    A fixed offset per meter (not a fresh random one per run) keeps each meter's interval regular, so its load
    profile and journal reads come at the same phase every time; crc32 spreads ids like m1-1 … m999-1 evenly.
    """
    count = max(1, min(MAX_BUCKETS, int(window_s / MIN_BUCKET_S))) if window_s > 0 else 1
    groups: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for meter, line in meters:
        groups[zlib.crc32(meter.encode()) % count].append((meter, line))
    step = window_s / count
    return [(k * step, tuple(group)) for k, group in enumerate(groups) if group]


class Spreader:
    """One thread releasing delayed buckets at their due time (monotonic clock); bucket 0 goes at once."""

    def __init__(self, release: Release) -> None:
        self._release = release
        self._heap: list[tuple[float, int, str, Meters]] = []
        self._order = itertools.count()  # ties never compare the payloads
        self._cond = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    def fan_out(self, kind: str, groups: Sequence[tuple[float, Meters]]) -> None:
        now = time.monotonic()
        later = []
        for offset, meters in groups:
            if offset <= 0:
                self._release(kind, meters)
            else:
                later.append((now + offset, next(self._order), kind, meters))
        if later:
            with self._cond:
                for entry in later:
                    heapq.heappush(self._heap, entry)
                self._cond.notify()

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="scheduler-spread", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Forget what is not yet released (the schedule brings it back) and join the thread."""
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopping:
                    return
                _due, _n, kind, meters = heapq.heappop(self._heap)
            self._release(kind, meters)

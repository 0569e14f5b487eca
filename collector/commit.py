"""Group commit into the spool: many line workers hand over their items, one thread appends them in one fsync.

Must not decide what is read or stored; it only batches appends. A hand-over with cursors waits until its batch is
durable (a cursor never runs ahead of its rows, and the next read starts from it); plain register values do not wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from collector.items import Item
from collector.spool import CursorKey, Spool

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Handover:
    items: Sequence[Item]
    cursors: Mapping[CursorKey, datetime]
    done: threading.Event | None = None
    error: BaseException | None = field(default=None)


class SpoolWriter:
    """`write()` from any thread; `flush()` and `stop()` on shutdown. `max_pending` items bound the memory."""

    def __init__(self, spool: Spool, *, max_pending: int = 200_000) -> None:
        self.spool = spool
        self._pending: list[_Handover] = []
        self._pending_items = 0
        self._max_pending = max_pending
        self._cond = threading.Condition()
        self._stopping = False
        self._inflight = False
        self.appends = 0
        self.items_written = 0
        self._thread = threading.Thread(target=self._run, name="spool-writer", daemon=True)
        self._thread.start()

    def write(
        self, items: Sequence[Item], cursors: Mapping[CursorKey, datetime] | None = None, *, durable: bool = False
    ) -> None:
        """Hand items over. With cursors or `durable`: return once they are in the spool, or raise what the append
        raised."""
        if not items and not cursors:
            return
        handover = _Handover(items, cursors or {}, threading.Event() if cursors or durable else None)
        with self._cond:
            # Back-pressure: a spool that cannot keep up slows the line workers instead of growing memory.
            self._cond.wait_for(lambda: self._pending_items < self._max_pending or self._stopping)
            self._pending.append(handover)
            self._pending_items += len(items)
            self._cond.notify_all()
        if handover.done is not None:
            handover.done.wait()
            if handover.error is not None:
                raise handover.error

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._pending) or self._stopping)
                if not self._pending and self._stopping:
                    return
                batch, self._pending, self._pending_items = self._pending, [], 0
                self._inflight = True
                self._cond.notify_all()
            self._commit(batch)
            with self._cond:
                self._inflight = False
                self._cond.notify_all()

    def _commit(self, batch: list[_Handover]) -> None:
        items: list[Item] = []
        cursors: dict[CursorKey, datetime] = {}
        for handover in batch:
            items.extend(handover.items)
            # One transaction per line at a time means two hand-overs never move the same cursor; if they did,
            # the later one (in hand-over order) is the newer read.
            cursors.update(handover.cursors)
        error: BaseException | None = None
        try:
            self.spool.append(items, cursors)
            self.appends += 1
            self.items_written += len(items)
        except Exception as exc:  # the disk is full or gone: the waiting tasks fail, their cursors stay put
            log.exception("spool append of %d item(s) failed", len(items))
            error = exc
        for handover in batch:
            if handover.done is not None:
                handover.error = error
                handover.done.set()

    def flush(self, timeout: float = 30.0) -> bool:
        """Until everything handed over so far is in the spool."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._inflight, timeout)

    def stop(self) -> None:
        self.flush()
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self._thread.join(timeout=30)

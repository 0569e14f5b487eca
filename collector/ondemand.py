"""The on-demand lane's inbox: read requests from the portal or an engineer (table read_requests), polled.

Must not read meters nor write outcomes: it picks open requests for this collector's meters and queues them ahead
of the routine; the runner spools each outcome (collector.items.RequestOutcomeItem) and the store writes it.
Database trouble only delays requests (logged once); polling never blocks a line worker. A request picked but not
closed within STALE_AFTER (the collector was killed, or stopped before the read) is picked again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

import psycopg

from collector.lanes import Lane, Task

log = logging.getLogger(__name__)

Submit = Callable[[str, Task], bool]

# An on-demand read takes seconds; its outcome is durable in the spool at once and reaches the row when the store
# drains. A request still open this long after its pick was lost (kill -9 between pick and spool, or a stop before
# its turn): it is read again. Were the outcome only delayed (database away), the replay finds the row closed.
STALE_AFTER = timedelta(minutes=5)


class ReadRequests:
    def __init__(self, dsn: str, meters: Iterable[tuple[str, str]], submit: Submit) -> None:
        self.dsn = dsn
        self._line_of = dict(meters)
        self._codes = list(self._line_of)
        self._submit = submit
        self._conn: psycopg.Connection[Any] | None = None
        self._down = False

    def poll(self) -> None:
        try:
            conn = self._connection()
            picked = conn.execute(
                """
                UPDATE read_requests r SET picked_at = now()
                  FROM meters m
                 WHERE r.meter_id = m.id AND m.code = ANY(%s) AND r.done_at IS NULL
                   AND (r.picked_at IS NULL OR r.picked_at < now() - %s)
                RETURNING r.id, m.code
                """,
                (self._codes, STALE_AFTER),
            ).fetchall()
            conn.commit()
        except psycopg.Error as exc:
            if not self._down:
                log.warning("read requests: database unavailable (%s); retrying quietly", exc)
            self._down = True
            self.close()
            return
        if self._down:
            log.info("read requests: database reachable again")
        self._down = False
        for request_id, code in picked:
            meter = str(code)
            self._submit(self._line_of[meter], Task(meter, "registers", Lane.ON_DEMAND, request_id=int(request_id)))

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.dsn, connect_timeout=5)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

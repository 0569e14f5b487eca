"""Physical lines as the collector sees them: which link a line needs, and keeping it open between transactions.

Must not decide what to read or when: a line only hands out its open link and takes it back (closing it after a
link failure, reopening after a backoff). One transaction at a time is the dispatcher's guarantee, not this one's.
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from dataclasses import dataclass
from typing import Literal

from collector.config import Config, SerialLine, SimulatedLine, TcpLine
from drivers.errors import LinkError
from drivers.link import Link, SerialLink, TcpLink

log = logging.getLogger(__name__)

Framing = Literal["rtu", "mbap", "hdlc", "wrapper"]
LineConfig = SerialLine | TcpLine | SimulatedLine


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where a simulated line is served (collector.simulation fills these in): a pty path or a local TCP port."""

    pty: str | None = None
    tcp_port: int | None = None


def framing_of(line: LineConfig) -> Framing | None:
    """What travels on the line; None for a serial line, where the meter's protocol decides (rtu or hdlc)."""
    if isinstance(line, TcpLine):
        return line.framing
    if isinstance(line, SimulatedLine):
        if line.framing is not None:
            return line.framing
        if line.protocol == "modbus":
            return "rtu" if line.transport == "pty" else "mbap"
        return "hdlc" if line.transport == "pty" else "wrapper"
    return None


def is_optical(line: LineConfig) -> bool:
    return not isinstance(line, TcpLine) and line.optical


def make_link(line: LineConfig, endpoint: Endpoint | None = None) -> Link:
    if isinstance(line, SerialLine):
        return SerialLink(
            port=line.port, baud=line.baud, parity=line.parity, bytesize=line.bytesize, stopbits=line.stopbits
        )
    if isinstance(line, TcpLine):
        return TcpLink(host=line.host, port=line.port, connect_timeout_s=line.timeout.total_seconds())
    if endpoint is None:
        raise LinkError(f"simulated line {line.name!r} is not running")
    if endpoint.pty is not None:
        return SerialLink(port=endpoint.pty, baud=line.baud)
    if endpoint.tcp_port is None:
        raise LinkError(f"simulated line {line.name!r} has no endpoint")
    return TcpLink(host="127.0.0.1", port=endpoint.tcp_port, connect_timeout_s=line.timeout.total_seconds())


# Descriptors kept back from the link budget: the spool and gap ledger (SQLite, WAL), database connections, the
# metrics server and its clients, log files, and lines that open per transaction when the budget is spent.
RESERVED_FDS = 256


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (the default soft 1,024 is below a 1,000-meter fleet's
    needs); return the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = max(soft, 65_536)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:  # a container may forbid it: keep the soft limit, budget within it
            log.warning("cannot raise the open-file limit from %d to %d: %s", soft, hard, exc)
    return soft


class OpenLinkBudget:
    """How many links may stay open between transactions; lines beyond it open their link per transaction.

    Links wait with poll(), so descriptor numbers above 1023 are fine: the limit is the process's open-file limit
    less a reserve. A line beyond it pays a connect per transaction, so the budget is sized to the fleet.
    Not an LRU: under round-robin polling an LRU smaller than the fleet evicts every link before its reuse.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept = 0
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self._kept >= self.limit:
                return False
            self._kept += 1
            return True

    def give(self) -> None:
        with self._lock:
            self._kept -= 1


class LineLink:
    """The open link of one line, kept across transactions; reopened with a growing backoff after link failures."""

    __slots__ = ("_backoff_s", "_budget", "_kept", "_link", "_opened", "_retry_at", "config", "endpoint")

    MAX_BACKOFF_S = 60.0

    def __init__(
        self, config: LineConfig, endpoint: Endpoint | None = None, budget: OpenLinkBudget | None = None
    ) -> None:
        self.config = config
        self.endpoint = endpoint
        self._budget = budget
        self._kept = False
        self._link: Link | None = None
        self._opened = False
        self._retry_at = 0.0
        self._backoff_s = 0.5

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def is_tcp(self) -> bool:
        """A socket: after a timeout or a garbled frame it may carry stale bytes, so it is reopened."""
        return isinstance(self.config, TcpLine) or (self.endpoint is not None and self.endpoint.tcp_port is not None)

    @property
    def timeout_s(self) -> float:
        return self.config.timeout.total_seconds()

    def acquire(self) -> Link:
        """The open link; LinkError while the line is backing off or cannot be opened."""
        if self._opened and self._link is not None:
            return self._link
        now = time.monotonic()
        if now < self._retry_at:
            raise LinkError(f"line {self.name}: reconnecting in {self._retry_at - now:.1f}s")
        link = self._link or make_link(self.config, self.endpoint)
        self._link = link
        try:
            link.open()
        except LinkError:
            self._retry_at = now + self._backoff_s
            self._backoff_s = min(self.MAX_BACKOFF_S, self._backoff_s * 2)
            raise
        self._opened = True
        self._backoff_s = 0.5
        return link

    def release(self) -> None:
        """After a transaction: keep the link open if the budget allows, else close it until the next one."""
        if not self._opened or self._kept or self._budget is None:
            return
        if self._budget.take():
            self._kept = True
        else:
            self.broken()

    def broken(self) -> None:
        """The link failed (peer closed, port gone): close it, the next acquire reopens it."""
        if self._link is not None:
            self._link.close()
        self._opened = False
        if self._kept and self._budget is not None:
            self._budget.give()
        self._kept = False

    def close(self) -> None:
        self.broken()
        self._link = None


def line_links(config: Config, endpoints: dict[str, Endpoint]) -> dict[str, LineLink]:
    limit = max(0, raise_open_file_limit() - RESERVED_FDS)
    if limit < len(config.lines):
        log.warning("%d line(s), open-file budget %d: the rest reconnect per transaction", len(config.lines), limit)
    budget = OpenLinkBudget(limit)
    return {line.name: LineLink(line, endpoints.get(line.name), budget) for line in config.lines}

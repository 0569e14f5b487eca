"""Meter health: classify failures, count them, and log a failing meter once and its recovery once.

Must not retry, schedule or write to the database: it keeps the state the status rows and the log are made of
(after Home Assistant's update_coordinator, which logs the first failure and the recovery, not every interval).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from drivers.errors import (
    AuthenticationError,
    ConfigurationError,
    DriverError,
    FramingError,
    LinkError,
    LinkTimeout,
    ProtocolError,
)
from drivers.record import Quality

log = logging.getLogger("collector.health")

ERROR_CLASSES = ("timeout", "link", "auth", "framing", "device", "config", "internal")


def error_class(exc: BaseException) -> str:
    """The meter_status.last_error_class of an exception (order matters: LinkTimeout is a LinkError)."""
    if isinstance(exc, LinkTimeout):
        return "timeout"
    if isinstance(exc, LinkError):
        return "link"
    if isinstance(exc, AuthenticationError):
        return "auth"
    if isinstance(exc, FramingError):
        return "framing"
    if isinstance(exc, ProtocolError):
        return "device"
    if isinstance(exc, ConfigurationError):
        return "config"
    if isinstance(exc, DriverError):
        return "device"
    return "internal"


_QUALITY_CLASS = {
    Quality.TIMEOUT: "timeout",
    Quality.DECODE_ERROR: "framing",
    Quality.DEVICE_ERROR: "device",
    Quality.NOT_SUPPORTED: "config",
}


def quality_failure(qualities: Iterable[Quality]) -> str | None:
    """A read whose values all failed is a failed read (a silent Modbus meter raises nothing: every value TIMEOUT).

    Returns the error class of the first failure, or None if any value was GOOD or nothing was asked.
    """
    first: Quality | None = None
    for quality in qualities:
        if quality is Quality.GOOD:
            return None
        first = first or quality
    return None if first is None else _QUALITY_CLASS[first]


@dataclass(slots=True)
class MeterHealth:
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_error_class: str | None = None
    last_error: str | None = None
    consecutive_failures: int = 0

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


class Health:
    """Every meter's health; the one place that decides what is worth a warning."""

    def __init__(self) -> None:
        self._meters: dict[str, MeterHealth] = {}
        # Line workers add meters while the metrics thread counts them: iterating a dict that grows raises.
        # A meter's own record is touched by one line worker at a time (one transaction per line).
        self._lock = threading.Lock()

    def of(self, meter: str) -> MeterHealth:
        health = self._meters.get(meter)
        if health is None:
            with self._lock:
                health = self._meters.setdefault(meter, MeterHealth())
        return health

    def success(self, meter: str, at: datetime) -> MeterHealth:
        health = self.of(meter)
        if health.failing:
            log.info(
                "meter %s recovered after %d failed attempt(s) (last error: %s)",
                meter,
                health.consecutive_failures,
                health.last_error_class,
            )
        health.last_attempt = health.last_success = at
        health.consecutive_failures = 0
        health.last_error_class = health.last_error = None
        return health

    def failure(self, meter: str, at: datetime, error_class: str, detail: str) -> MeterHealth:
        health = self.of(meter)
        if not health.failing:
            log.warning("meter %s is failing: %s: %s (logged once until it recovers)", meter, error_class, detail)
        else:
            log.debug("meter %s still failing (%d): %s: %s", meter, health.consecutive_failures, error_class, detail)
        health.last_attempt = at
        health.consecutive_failures += 1
        health.last_error_class, health.last_error = error_class, detail[:500]
        return health

    def failing_count(self) -> int:
        with self._lock:
            meters = list(self._meters.values())
        return sum(1 for h in meters if h.failing)

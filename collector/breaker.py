"""Circuit breaker per meter: after failures a dead meter is skipped for a growing time, so it does not eat its line.

Must not log, sleep or touch the line: it only answers "may this meter be tried now?" and records outcomes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(slots=True)
class Breaker:
    """Closed while the meter answers; open for `base_s · factor^(n-threshold)` (capped) after n failures.

    One trial is let through when the open time has passed (half-open): success closes it, failure reopens it
    for longer. `slots` keep 10,000 of these small.
    """

    threshold: int = 2
    base_s: float = 5.0
    factor: float = 2.0
    max_s: float = 900.0
    failures: int = 0
    open_until: float = 0.0

    def allows(self, now: float) -> bool:
        return self.failures < self.threshold or now >= self.open_until

    def succeeded(self) -> None:
        self.failures = 0
        self.open_until = 0.0

    def failed(self, now: float) -> float:
        """Record a failure; return the open time (0 while still under the threshold)."""
        self.failures += 1
        if self.failures < self.threshold:
            return 0.0
        open_s = min(self.max_s, self.base_s * self.factor ** (self.failures - self.threshold))
        self.open_until = now + open_s
        return open_s


class Breakers:
    """One breaker per meter, created on first use with the fleet's settings."""

    def __init__(
        self,
        *,
        threshold: int = 2,
        base_s: float = 5.0,
        max_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = (threshold, base_s, max_s)
        self._clock = clock
        self._by_meter: dict[str, Breaker] = {}

    def of(self, meter: str) -> Breaker:
        breaker = self._by_meter.get(meter)
        if breaker is None:
            threshold, base_s, max_s = self._settings
            breaker = self._by_meter[meter] = Breaker(threshold=threshold, base_s=base_s, max_s=max_s)
        return breaker

    def allows(self, meter: str) -> bool:
        breaker = self._by_meter.get(meter)
        return breaker is None or breaker.allows(self._clock())

    def succeeded(self, meter: str) -> None:
        breaker = self._by_meter.get(meter)
        if breaker is not None:
            breaker.succeeded()

    def failed(self, meter: str) -> float:
        return self.of(meter).failed(self._clock())

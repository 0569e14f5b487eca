"""What a simulated DLMS meter measures: clock, registers, a 30-minute load profile, billing profiles, journals,
all computed lazily and deterministically from a seed (no big precomputed lists).

Must not encode APDUs or frames (drivers/sim/dlms_meter.py does); numbers only, timestamps aware UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

SLOT = timedelta(minutes=30)
# Cumulative energy is C0 + i·MEAN + wiggle(i): any slot is O(1) and every increment stays positive.
MEAN_WH = 150
DAILY_SWING_WH = 600
NOISE_WH = 30
TARIFF_SHARES = (0.55, 0.30, 0.10, 0.05)  # T1..T4 of the total, at any moment

# (journal, period between events, codes cycled through): plausible, not a fault story.
JOURNAL_PLAN = {
    0: (timedelta(hours=37), (1, 2, 3, 4, 7, 8)),
    2: (timedelta(hours=71), (1, 2)),
    3: (timedelta(days=9), (3, 68)),
    4: (timedelta(days=23), (1, 2, 3)),
    5: (timedelta(hours=13), (1, 2)),
    6: (timedelta(days=17), (1,)),
    7: (timedelta(days=29), (1,)),
    9: (timedelta(hours=53), (1, 16, 9)),  # status bit masks (09_quality.yaml): 9 = voltage low and high
    13: (timedelta(days=11), (1,)),  # time corrections: rows carry the old time, not a code
}
TIME_CORRECTION_S = 42  # how far each simulated time correction moved the clock


def _noise(seed: int, index: int) -> float:
    """Deterministic value in [-1, 1) for (seed, index): an integer hash, no random state to keep."""
    h = (seed * 0x9E3779B1 + index * 0x85EBCA77) & 0xFFFFFFFF
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) & 0xFFFFFFFF
    h ^= h >> 12
    return h / 0x80000000 - 1.0


@dataclass
class MeterModel:
    serial: str
    seed: int = 1
    utc_offset_min: int = 180  # the meter's zone (Moscow by default)
    depth_days: int = 200
    clock_offset_s: float = 0.0  # fault switch: the meter's clock runs this far from ours
    epoch: datetime = field(default_factory=lambda: datetime(2025, 1, 1, tzinfo=UTC))

    @property
    def zone(self) -> timezone:
        return timezone(timedelta(minutes=self.utc_offset_min))

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_s)

    def slot_index(self, moment: datetime) -> int:
        return int((moment - self.epoch) // SLOT)

    def slot_time(self, index: int) -> datetime:
        return self.epoch + index * SLOT

    def energy_wh(self, index: int) -> int:
        """Cumulative A+ at the end of slot `index` (Wh)."""
        wiggle = DAILY_SWING_WH * math.sin(2 * math.pi * index / 48) + NOISE_WH * _noise(self.seed, index)
        return 5_000_000 + self.seed * 1000 + index * MEAN_WH + int(wiggle)

    def increment_wh(self, index: int) -> int:
        return self.energy_wh(index) - self.energy_wh(index - 1)

    def registers(self, moment: datetime) -> dict[str, int]:
        """Raw register values at `moment` (Wh, varh; instantaneous values in the scalers' units)."""
        total = self.energy_wh(self.slot_index(moment))
        values = {"A+": total, "A-": 0, "R+": total * 3 // 10, "R-": total // 20}
        for n, share in enumerate(TARIFF_SHARES, start=1):
            values[f"A+T{n}"] = int(total * share)
        values["A+T4"] = total - sum(values[f"A+T{n}"] for n in (1, 2, 3))
        second = int(moment.timestamp())
        values["U"] = 2300 + int(40 * _noise(self.seed, second))  # 0.1 V
        values["I"] = 5200 + int(900 * _noise(self.seed + 1, second))  # mA
        values["P"] = 1150 + int(200 * _noise(self.seed + 2, second))  # W
        values["f"] = 5000 + int(5 * _noise(self.seed + 3, second))  # 0.01 Hz
        return values

    # -- profiles: generators over a range, oldest first --------------------------------------------------------

    def oldest(self) -> datetime:
        return self.slot_time(self.slot_index(self.now() - timedelta(days=self.depth_days)) + 1)

    def load_rows(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, tuple[int, int, int, int]]]:
        """Slots whose end time lies in [start, end] (both inclusive, as meters answer a range)."""
        first = max(self.slot_index(start - timedelta(microseconds=1)) + 1, self.slot_index(self.oldest()))
        last = min(self.slot_index(end), self.slot_index(self.now()))
        for index in range(first, last + 1):
            inc = self.increment_wh(index)
            yield self.slot_time(index), (inc, 0, inc * 3 // 10, inc // 20)

    def billing_rows(
        self, start: datetime, end: datetime, *, monthly: bool
    ) -> Iterator[tuple[datetime, dict[str, int]]]:
        local = max(start, self.oldest()).astimezone(self.zone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if monthly:
            day = day.replace(day=1)
        while day <= end.astimezone(self.zone) and day <= self.now():
            moment = day.astimezone(UTC)
            if moment >= start:
                yield moment, self.registers(moment)
            day = (day + timedelta(days=32)).replace(day=1) if monthly else day + timedelta(days=1)

    def events(self, journal: int, start: datetime, end: datetime) -> Iterator[tuple[datetime, int]]:
        plan = JOURNAL_PLAN.get(journal)
        if plan is None:
            return
        period, codes = plan
        origin = self.oldest()
        k = max(0, int((start - origin) / period) - 1)
        while True:
            moment = origin + k * period + timedelta(minutes=int(30 * (1 + _noise(self.seed + journal, k))))
            moment = moment.replace(microsecond=0)
            if moment > end or moment > self.now():
                return
            if moment >= start:
                yield moment, codes[k % len(codes)]
            k += 1

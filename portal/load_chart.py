"""The load-profile chart as server-side SVG geometry (no script, no CDN): one line per run of present buckets,
a min/max band for day buckets, shaded gaps, marks on estimated and incomplete buckets.

Must not query or format tables. Plots the mean half-hour value of each bucket, so the axis means the same at
every resolution; a missing bucket breaks the line and is never drawn as if its energy came later.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

W, H = 960, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 12, 14, 30
STEP = {"halfhour": dt.timedelta(minutes=30), "hour": dt.timedelta(hours=1), "day": dt.timedelta(days=1)}
FULL = {"halfhour": 1, "hour": 2, "day": 48}  # half-hours in a complete bucket
MAX_MARKS = 400


@dataclass
class Chart:
    width: int = W
    height: int = H
    lines: list[str] = field(default_factory=list)  # SVG path data, one per run of present buckets
    bands: list[str] = field(default_factory=list)
    gaps: list[tuple[float, float]] = field(default_factory=list)  # x, width of shaded missing spans
    marks: list[tuple[float, float, str]] = field(default_factory=list)  # x, y, kind (estimated|partial)
    yticks: list[tuple[float, str]] = field(default_factory=list)
    xticks: list[tuple[float, str]] = field(default_factory=list)
    plot: tuple[int, int, int, int] = (LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM)
    empty: bool = True


def _nice_top(value: float) -> float:
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def _fmt(value: float) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",")


def _xticks(start: dt.datetime, end: dt.datetime, tz: str, x_of: Any) -> list[tuple[float, str]]:
    zone = ZoneInfo(tz)
    first = start.astimezone(zone).date()
    days = max(1, round((end - start) / dt.timedelta(days=1)))
    every = next(n for n in (1, 2, 7, 14, 30, 61, 92) if days / n <= 12)
    ticks = []
    for k in range(0, days + 1, every):
        day = first + dt.timedelta(days=k)
        moment = dt.datetime.combine(day, dt.time(), zone)
        label = day.strftime("%d.%m") if every < 30 else day.strftime("%m.%Y")
        ticks.append((x_of(moment), label))
    return ticks


def build_chart(
    rows: list[dict[str, Any]], resolution: str, start: dt.datetime, end: dt.datetime, stop: dt.datetime, tz: str
) -> Chart:
    """`rows`: ts (bucket start or slot time), value (sum), low/high (half-hour extremes), slots, estimated.
    `stop`: where data can exist (now, or the range end), so the future is not shaded as missing."""
    chart = Chart()
    px, py, pw, ph = chart.plot
    span = (end - start).total_seconds() or 1.0
    step = STEP[resolution]
    full = FULL[resolution]

    def x_of(moment: dt.datetime) -> float:
        return round(px + pw * (moment - start).total_seconds() / span, 1)

    top = _nice_top(max((float(r["high"]) for r in rows), default=0.0))

    def y_of(value: float) -> float:
        return round(py + ph - ph * value / top, 1)

    chart.yticks = [(y_of(top * k / 4), _fmt(top * k / 4)) for k in range(5)]
    chart.xticks = _xticks(start, end, tz, x_of)
    chart.empty = not rows
    line: list[str] = []
    band_hi: list[str] = []
    band_lo: list[str] = []
    previous: dt.datetime | None = None

    def close_run() -> None:
        if line:
            chart.lines.append("M" + " L".join(line))
        if band_hi and resolution == "day":
            chart.bands.append("M" + " L".join(band_hi + band_lo[::-1]) + " Z")
        line.clear()
        band_hi.clear()
        band_lo.clear()

    expected_next = start
    for row in rows:
        ts: dt.datetime = row["ts"]
        if ts > expected_next:  # a hole before this bucket: break the line and shade the hole
            close_run()
            chart.gaps.append((x_of(expected_next), round(x_of(ts) - x_of(expected_next), 1)))
        slots = int(row["slots"]) or 1
        x = x_of(ts + step / 2) if resolution != "halfhour" else x_of(ts)
        y = y_of(float(row["value"]) / slots)
        line.append(f"{x} {y}")
        if resolution == "day":
            band_hi.append(f"{x} {y_of(float(row['high']))}")
            band_lo.append(f"{x} {y_of(float(row['low']))}")
        if len(chart.marks) < MAX_MARKS:
            if row["estimated"]:
                chart.marks.append((x, y, "estimated"))
            elif slots < full and ts + step <= stop:
                chart.marks.append((x, y, "partial"))
        previous = ts
        expected_next = ts + step
    close_run()
    if previous is None:
        expected_next = start
    if expected_next < stop:
        chart.gaps.append((x_of(expected_next), round(x_of(min(stop, end)) - x_of(expected_next), 1)))
    return chart

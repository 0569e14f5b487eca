"""How diagnostic commands show things: aligned tables, one JSON object per line, frame traces, times in UTC
and local, ✓/✗ marks.

Must not talk to meters or decide exit codes; results go to stdout, traces and progress to stderr.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import click

from drivers.record import Reading
from drivers.trace import Direction, Frame

OK, FAIL, SKIP = "✓", "✗", "–"
FRAME_GAP_MS = 3.0  # longer than 3.5 characters at 9600 Bd and above: a new frame


@dataclass
class Output:
    """The --json and --trace switches of one command, and the command's start time for the trace clock."""

    as_json: bool = False
    trace: bool = False
    started: float = field(default_factory=time.monotonic)
    _pending: bytearray = field(default_factory=bytearray)
    _pending_at: float = 0.0
    _last_rx: float = 0.0

    def frame(self, frame: Frame) -> None:
        """Trace hook: `   12.3 ms tx 7e a0 ... (n bytes)` on stderr, milliseconds since the command started.

        A paced serial line delivers a reply a few bytes at a time: received chunks are joined until we send
        again or the line has been quiet longer than an RTU inter-frame gap, so one line is one frame.
        """
        now = (time.monotonic() - self.started) * 1000.0
        if frame.direction is Direction.RX and not frame.note:
            if self._pending and now - self._last_rx > FRAME_GAP_MS:
                self.flush()
            if not self._pending:
                self._pending_at = now
            self._pending += frame.data
            self._last_rx = now
            return
        self.flush()
        self._line(now, frame.direction.value, frame.data, frame.note)

    def flush(self) -> None:
        if self._pending:
            self._line(self._pending_at, Direction.RX.value, bytes(self._pending), None)
            self._pending.clear()

    def _line(self, at_ms: float, direction: str, data: bytes, note: str | None) -> None:
        extra = f", {note}" if note else ""
        click.echo(f"{at_ms:9.1f} ms {direction} {data.hex(' ')}  ({len(data)} bytes{extra})", err=True)

    def hook(self) -> Any:
        return self.frame if self.trace else None

    def record(self, obj: dict[str, Any]) -> None:
        click.echo(json.dumps(obj, ensure_ascii=False, default=_json_default))

    def info(self, text: str) -> None:
        """A human line that must not spoil JSON output: to stderr when --json is on."""
        click.echo(text, err=self.as_json)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return utc_iso(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def utc_iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def utc_text(ts: datetime) -> str:
    """'2025-06-01T10:30:00Z' for tables: whole seconds are what an engineer compares."""
    return f"{ts.astimezone(UTC):%Y-%m-%dT%H:%M:%S}Z"


def local_text(ts: datetime, tz: ZoneInfo) -> str:
    """'2025-06-01 15:30:00 +05' — what the engineer sees on the meter's display."""
    local = ts.astimezone(tz)
    offset = local.strftime("%z")
    short = offset[:3] if offset.endswith("00") else f"{offset[:3]}:{offset[3:]}"
    return f"{local:%Y-%m-%d %H:%M:%S} {short}"


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def reading_json(reading: Reading) -> dict[str, Any]:
    return {
        "obis": str(reading.obis),
        "value": reading.value,
        "unit": reading.unit,
        "quality": reading.quality.value,
        "ts": reading.ts,
    }


def table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell; columns listed in `right` (numbers) are right-aligned."""
    cells = [[str(c) for c in headers], *[["" if c is None else str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  ".join(parts).rstrip()

    rule = "  ".join("─" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def mark(ok: bool | None) -> str:
    return SKIP if ok is None else (OK if ok else FAIL)


def drift_text(seconds: float) -> str:
    if abs(seconds) < 0.05:
        return "0.0 s"
    sign = "+" if seconds >= 0 else "−"
    size = abs(seconds)
    if size < 120:
        return f"{sign}{size:.1f} s"
    if size < 7200:
        return f"{sign}{size / 60:.1f} min"
    return f"{sign}{size / 3600:.1f} h"

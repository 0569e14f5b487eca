"""The raw-frame trace hook shared by every driver: direction, bytes, time since the link opened.

Must not print or log by itself: the CLI decides how to show frames, the collector whether to keep them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class Direction(enum.StrEnum):
    TX = "tx"
    RX = "rx"


@dataclass(frozen=True, slots=True)
class Frame:
    direction: Direction
    data: bytes
    elapsed_ms: float  # since the link was opened (monotonic clock)
    note: str | None = None  # e.g. "bad CRC", "mode E sign-on"


TraceHook = Callable[[Frame], None]
"""Called for every frame sent or received, before it is parsed. Must be cheap and must not raise."""

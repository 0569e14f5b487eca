"""The spool's text form of collector items: one line per item, readings already in PostgreSQL COPY text format.

Must not touch the disk or the database, nor validate (the items validate themselves when built or decoded).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from collector.items import (
    CompletenessItem,
    EventItem,
    Item,
    MeterStatusItem,
    NameplateItem,
    ReadingItem,
    RequestOutcomeItem,
)

# A reading is the hot path (a million rows a day per few thousand meters), so its line is
# "R<TAB>meter<TAB>obis<TAB>" followed by the rest of the `readings` row already in PostgreSQL COPY text
# format (ts, value, source, estimated, status). The store only swaps the two codes for ids and streams the
# line to COPY: no Python objects are rebuilt. Meter codes and OBIS codes cannot hold a tab (collector.items
# validates them). Every other kind is rare and travels as JSON.

_NULL = "\\N"


def encode_reading(item: ReadingItem) -> str:
    status = _NULL if item.status is None else str(item.status)
    return (
        f"R\t{item.meter}\t{item.obis}\t{item.ts.isoformat()}\t{item.value}\t{item.source}\t"
        f"{'t' if item.estimated else 'f'}\t{status}"
    )


def encode(items: Iterable[Item]) -> str:
    """Items as lines of text (no trailing newline), the spool's payload."""
    lines: list[str] = []
    for item in items:
        if isinstance(item, ReadingItem):
            lines.append(encode_reading(item))
        elif isinstance(item, EventItem):
            doc = [item.meter, item.journal, item.ts.isoformat(), item.code, dict(item.data)]
            lines.append("E\t" + json.dumps(doc, ensure_ascii=False))
        elif isinstance(item, MeterStatusItem):
            doc = [
                item.meter,
                item.attempt_at.isoformat(),
                item.success,
                item.error_class,
                item.error,
                item.clock_drift_s,
            ]
            lines.append("S\t" + json.dumps(doc, ensure_ascii=False))
        elif isinstance(item, NameplateItem):
            doc = [
                item.meter,
                item.read_at.isoformat(),
                item.reported_serial,
                item.firmware,
                item.manufactured,
                item.spodes_version,
                None if item.ct_ratio is None else str(item.ct_ratio),
                None if item.vt_ratio is None else str(item.vt_ratio),
            ]
            lines.append("N\t" + json.dumps(doc, ensure_ascii=False))
        elif isinstance(item, RequestOutcomeItem):
            doc = [item.meter, item.request_id, item.done_at.isoformat(), item.ok, item.detail]
            lines.append("Q\t" + json.dumps(doc, ensure_ascii=False))
        else:
            doc = [item.meter, item.day.isoformat(), item.expected, item.received, item.permanent_gaps]
            lines.append("C\t" + json.dumps(doc, ensure_ascii=False))
    return "\n".join(lines)


def decode_line(line: str) -> Item:
    """One line back to its item (the store decodes only the rare kinds; readings stay text)."""
    kind, _, rest = line.partition("\t")
    if kind == "R":
        meter, obis, ts, value, source, estimated, status = rest.split("\t")
        return ReadingItem(
            meter=meter,
            obis=obis,
            ts=datetime.fromisoformat(ts),
            value=Decimal(value),
            source=source,  # type: ignore[arg-type]  # checked in __post_init__
            estimated=estimated == "t",
            status=None if status == _NULL else int(status),
        )
    doc = json.loads(rest)
    if kind == "E":
        return EventItem(meter=doc[0], journal=doc[1], ts=datetime.fromisoformat(doc[2]), code=doc[3], data=doc[4])
    if kind == "S":
        return MeterStatusItem(
            meter=doc[0],
            attempt_at=datetime.fromisoformat(doc[1]),
            success=doc[2],
            error_class=doc[3],
            error=doc[4],
            clock_drift_s=doc[5],
        )
    if kind == "N":
        return NameplateItem(
            meter=doc[0],
            read_at=datetime.fromisoformat(doc[1]),
            reported_serial=doc[2],
            firmware=doc[3],
            manufactured=doc[4],
            spodes_version=doc[5],
            ct_ratio=None if doc[6] is None else Decimal(doc[6]),
            vt_ratio=None if doc[7] is None else Decimal(doc[7]),
        )
    if kind == "C":
        return CompletenessItem(
            meter=doc[0], day=date.fromisoformat(doc[1]), expected=doc[2], received=doc[3], permanent_gaps=doc[4]
        )
    if kind == "Q":
        return RequestOutcomeItem(
            meter=doc[0], request_id=doc[1], done_at=datetime.fromisoformat(doc[2]), ok=doc[3], detail=doc[4]
        )
    raise ValueError(f"unknown spool line kind {kind!r}")


def decode(payload: str) -> list[Item]:
    return [decode_line(line) for line in payload.split("\n") if line]

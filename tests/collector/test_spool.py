"""The spool: items and cursors commit together, survive kill -9, and several producers may append at once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from collector.items import (
    CompletenessItem,
    EventItem,
    MeterStatusItem,
    NameplateItem,
    ReadingItem,
)
from collector.spool import Spool
from collector.wire import decode, encode

T0 = datetime(2026, 3, 1, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def readings(meter: str, start: int, count: int) -> list[ReadingItem]:
    return [
        ReadingItem(
            meter=meter, obis="1.0.1.29.0.255", ts=T0 + timedelta(minutes=30 * i), value=Decimal(i), source="profile"
        )
        for i in range(start, start + count)
    ]


def test_every_kind_of_item_survives_its_wire_form() -> None:
    items = [
        ReadingItem(
            meter="a", obis="1.0.1.8.0.255", ts=T0, value=Decimal("-1.5E+3"), source="daily", estimated=True, status=7
        ),
        EventItem(meter="a", journal=4, ts=T0, code=33, data={"note": "магнит\nрядом\t\\"}),
        MeterStatusItem(meter="a", attempt_at=T0, success=False, error_class="timeout", error="x", clock_drift_s=-2.5),
        NameplateItem(meter="a", read_at=T0, reported_serial="012345678", ct_ratio=Decimal("40"), firmware="1.2"),
        CompletenessItem(meter="a", day=date(2026, 3, 1), expected=48, received=47, permanent_gaps=1),
    ]
    assert decode(encode(items)) == items


def test_items_refuse_what_the_database_would_refuse() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ReadingItem(meter="a", obis="1.0.1.8.0.255", ts=datetime(2026, 1, 1), value=Decimal(1), source="profile")
    with pytest.raises(ValueError, match="finite"):
        ReadingItem(meter="a", obis="1.0.1.8.0.255", ts=T0, value=Decimal("NaN"), source="profile")
    with pytest.raises(ValueError, match="journal"):
        EventItem(meter="a", journal=14, ts=T0, code=1)
    with pytest.raises(ValueError, match="meter code"):
        ReadingItem(meter="a\tb", obis="1.0.1.8.0.255", ts=T0, value=Decimal(1), source="profile")


def test_append_pending_ack(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    assert spool.depth() == 0
    assert spool.oldest_age() == 0.0
    first = spool.append(readings("m1", 0, 3))
    second = spool.append(readings("m1", 3, 4))
    assert spool.depth() == 7
    assert spool.oldest_age() >= 0.0
    batches = spool.pending(limit=5)  # the first batch fits; the second would pass the limit
    assert [b.seq for b in batches] == [first]
    assert batches[0].items == readings("m1", 0, 3)
    spool.ack(first)
    assert [b.seq for b in spool.pending()] == [second]
    spool.ack(second)
    assert spool.depth() == 0
    spool.close()


def test_cursors_move_with_their_items_and_not_without_them(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    key = ("dl-201", "profile:1.0.99.1.0.255")
    assert spool.cursor(*key) is None
    spool.append(readings("dl-201", 0, 4), cursors={key: T0 + timedelta(minutes=90)})
    assert spool.cursor(*key) == T0 + timedelta(minutes=90)
    bad = readings("dl-201", 4, 1)
    with pytest.raises(ValueError, match="aware"):
        spool.append(bad, cursors={key: datetime(2026, 3, 2)})
    assert spool.cursor(*key) == T0 + timedelta(minutes=90)  # neither the cursor nor the item went in
    assert spool.depth() == 4
    spool.ack(spool.pending()[-1].seq)
    assert spool.cursors() == {key: T0 + timedelta(minutes=90)}  # cursors outlive the acked rows
    spool.close()


def test_several_producers_and_one_drainer(tmp_path: Path) -> None:
    spool = Spool(tmp_path)
    seen: list[ReadingItem] = []
    done = threading.Event()

    def produce(meter: str) -> None:
        for start in range(0, 200, 10):
            spool.append(readings(meter, start, 10), cursors={(meter, "profile"): T0 + timedelta(minutes=30 * start)})

    def drain() -> None:
        while not done.is_set() or spool.depth():
            for batch in spool.pending(limit=25):
                seen.extend(item for item in batch.items if isinstance(item, ReadingItem))
                spool.ack(batch.seq)

    producers = [threading.Thread(target=produce, args=(f"m{i}",)) for i in range(4)]
    drainer = threading.Thread(target=drain)
    drainer.start()
    for t in producers:
        t.start()
    for t in producers:
        t.join()
    done.set()
    drainer.join()
    assert len(seen) == 800
    assert len({(r.meter, r.ts) for r in seen}) == 800
    spool.close()


CHILD = """
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from collector.items import ReadingItem
from collector.spool import Spool
from collector.wire import decode, encode

spool = Spool(Path(sys.argv[1]))
t0 = datetime(2026, 3, 1, tzinfo=UTC)
i = 0
while True:
    items = [
        ReadingItem(meter="dl-201", obis="1.0.1.29.0.255", ts=t0 + timedelta(minutes=30 * (i + k)),
                    value=Decimal(i + k), source="profile")
        for k in range(50)
    ]
    seq = spool.append(items, cursors={("dl-201", "profile"): items[-1].ts})
    i += 50
    print(seq, i, flush=True)  # after append returned: this batch must survive
"""


def test_a_kill_9_loses_nothing_append_returned_for_and_no_cursor_runs_ahead(tmp_path: Path) -> None:
    acknowledged: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-c", CHILD, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        while len(acknowledged) < 40:
            line = child.stdout.readline()
            assert line, "the child died before it was killed"
            acknowledged.append(int(line.split()[0]))
        child.send_signal(signal.SIGKILL)  # mid-append, most likely
        acknowledged += [int(line.split()[0]) for line in child.stdout.read().splitlines() if line.strip()]
        child.wait()

    spool = Spool(tmp_path)
    batches = spool.pending(limit=10**9)
    seqs = [b.seq for b in batches]
    assert seqs == list(range(1, len(seqs) + 1))  # no hole, no torn batch
    assert set(seqs) >= set(acknowledged)
    stored = [item for b in batches for item in b.items]
    assert all(b.count == 50 for b in batches)
    assert [item.value for item in stored] == [Decimal(v) for v in range(len(stored))]
    cursor = spool.cursor("dl-201", "profile")
    assert cursor == stored[-1].ts  # the cursor is exactly at the last stored row: never ahead, never behind
    spool.close()

"""The event-code rows the collector loads into `event_codes`: every table entry once, intervals paired."""

from __future__ import annotations

from drivers.dlms.journal import event_code_rows, event_text


def test_rows_cover_every_table_entry_once() -> None:
    rows = event_code_rows()
    keys = [(journal, code) for journal, code, *_ in rows]
    assert len(keys) == len(set(keys))
    for journal, code, text, _en, _pair in rows:
        assert event_text(journal, code) == text


def test_outage_and_restoration_pair_into_an_interval() -> None:
    rows = {(j, c): (text, pair) for j, c, text, _en, pair in event_code_rows()}
    text, pair = rows[(0, 1)]
    assert text == "Фаза А — пропадание напряжения"
    assert pair == 2
    assert rows[(0, 2)][0] == "Фаза А — восстановление напряжения"
    assert rows[(0, 2)][1] is None

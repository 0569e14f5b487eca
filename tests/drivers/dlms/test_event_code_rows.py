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


def test_quality_journal_is_a_bit_mask_and_time_corrections_have_one_code() -> None:
    rows = {(j, c): (text, pair) for j, c, text, _en, pair in event_code_rows()}
    assert {c for j, c in rows if j == 9} == {1, 8, 16, 32, 64, 128}
    assert all(pair is None for (j, _), (_, pair) in rows.items() if j == 9)  # states, not intervals
    assert event_text(9, 9) == "Снижение напряжения более чем на 10 %; Повышение напряжения более чем на 10 %"
    assert rows[(13, 1)] == ("Коррекция времени", None)
    assert not any(j == 10 for j, _ in rows)  # no public source for journal 10's codes was found: none invented
    assert event_text(10, 3) == "Неизвестное событие (журнал 10, код 3)"


def test_simulated_meter_writes_quality_and_time_correction_journals(wrapper_meter) -> None:
    from datetime import UTC, datetime, timedelta

    from drivers.dlms import DlmsSession, DlmsSettings

    _meter, _port, link = wrapper_meter
    since = datetime.now(UTC) - timedelta(days=60)
    with DlmsSession(link, settings=DlmsSettings(transport="wrapper")) as session:
        quality = session.read_journal(9, since)
        corrections = session.read_journal(13, since)
    assert {e.code for e in quality} == {1, 16, 9}
    assert all("Неизвестное" not in e.text for e in quality)
    assert corrections
    for event in corrections:
        assert event.code == 1
        assert event.text == "Коррекция времени"
        old = datetime.fromisoformat(event.data["old_time"])
        assert event.ts - old == timedelta(seconds=42)

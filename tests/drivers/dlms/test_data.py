"""Profiles, billing profiles and journals: whole, in order, aware UTC, decoded in Russian; codec corner cases."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from drivers.dlms import DlmsSession, DlmsSettings, apdu, cosem_time, hdlc
from drivers.dlms.journal import event_text
from drivers.dlms.objects import DAILY_PROFILE, LOAD_PROFILE, MONTHLY_PROFILE, spodes_physical_address
from drivers.errors import FramingError, ProtocolError
from drivers.record import Quality

from .conftest import READER


def test_profile_spanning_many_blocks_arrives_whole_in_order(wrapper_meter) -> None:
    meter, _, link = wrapper_meter
    now = datetime.now(UTC)
    start = (now - timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    end = start + timedelta(days=14)
    settings = DlmsSettings(transport="wrapper", profile_chunk_rows=48 * 7, **READER)
    with DlmsSession(link, settings=settings) as session:
        rows = session.read_profile(LOAD_PROFILE, start, end)
    assert len(rows) == 14 * 48
    stamps = [row.ts for row in rows]
    assert stamps == sorted(stamps)
    assert all(ts.tzinfo is UTC for ts in stamps)
    assert all(b - a == timedelta(minutes=30) for a, b in itertools.pairwise(stamps))
    first = rows[0].values[0]
    assert first.quality is Quality.GOOD
    assert first.unit == "Wh"
    assert first.value is not None
    assert first.value > 0
    assert meter._pdu == 512  # a week of rows is several kilobytes: many GetRequestNext blocks


def test_billing_profiles(wrapper_meter) -> None:
    _, _, link = wrapper_meter
    now = datetime.now(UTC)
    with DlmsSession(link, settings=DlmsSettings(transport="wrapper", **READER)) as session:
        daily = session.read_profile(DAILY_PROFILE, now - timedelta(days=10), now)
        monthly = session.read_profile(MONTHLY_PROFILE, now - timedelta(days=95), now)
    assert 9 <= len(daily) <= 11
    assert 3 <= len(monthly) <= 4
    assert all(row.ts.astimezone(cosem_time.timezone(timedelta(hours=3))).hour == 0 for row in daily)
    totals = [row.values[0].value for row in daily]
    assert totals == sorted(totals)


def test_journal_codes_decode_to_russian(wrapper_meter) -> None:
    _, _, link = wrapper_meter
    since = datetime.now(UTC) - timedelta(days=30)
    with DlmsSession(link, settings=DlmsSettings(transport="wrapper", **READER)) as session:
        events = session.read_journal(0, since)
        access = session.read_journal(4, since - timedelta(days=100))
    assert events
    assert all(e.ts >= since and e.ts.tzinfo is UTC for e in events)
    texts = {e.code: e.text for e in events}
    assert texts[1] == "Фаза А — пропадание напряжения"
    assert texts[2] == "Фаза А — восстановление напряжения"
    assert {e.text for e in access} >= {"Магнитное поле — начало"}


def test_event_tables() -> None:
    assert event_text(4, 3) == "Срабатывание электронной пломбы крышки клеммников"
    assert event_text(7, 5) == "Часы реального времени — ошибка"
    assert "код 250" in event_text(0, 250)


def test_cosem_time_deviation_and_not_specified() -> None:
    moment = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    raw = cosem_time.encode(moment, utc_offset_min=180)
    assert raw[5] == 15
    assert int.from_bytes(raw[9:11], "big", signed=True) == -180
    assert cosem_time.decode(raw).moment == moment
    assert cosem_time.decode(raw[:9] + b"\x00\x00\x00").moment == datetime(2026, 3, 1, 15, 0, tzinfo=UTC)
    unspecified_zone = raw[:9] + b"\x80\x00\x00"
    assert cosem_time.decode(unspecified_zone).moment is None
    assert cosem_time.decode(unspecified_zone, fallback_utc_offset_min=180).moment == moment
    assert cosem_time.decode(b"\xff\xff" + raw[2:]).moment is None
    inverted = raw[:9] + (180).to_bytes(2, "big") + b"\x00"
    assert cosem_time.decode(inverted, inverted_deviation=True).moment == moment


def test_hdlc_addresses() -> None:
    assert hdlc.encode_server_address(1, 17) == bytes((0x02, 0x23))
    four = hdlc.encode_server_address(1, 4321)
    assert len(four) == 4
    assert hdlc.decode_address(four, 0)[0] == (1, 4321)
    assert spodes_physical_address("012345678") == 5694  # Милур 107S: last four digits + 16, always
    assert spodes_physical_address("10005") == 21
    assert spodes_physical_address("201901230001", offset=199) == 200  # a factory batch with its own rule


@pytest.mark.parametrize("payload", [b"", b"\xe6\xe7\x00\x01\x02"])
def test_hdlc_frame_roundtrip(payload: bytes) -> None:
    raw = hdlc.encode_frame(b"\x21", hdlc.encode_server_address(1, 200), hdlc.i_control(3, 5), payload)
    frame = hdlc.decode_frame(raw)
    assert frame.info == payload
    assert frame.send_seq == 3
    assert frame.recv_seq == 5
    assert frame.src == (1, 200)


def test_garbled_frames_and_data_are_driver_errors() -> None:
    # The FCS is right, but the source address runs on into it (its bytes a0 9f happen to close a 4-byte address):
    # there is no control byte left. A babbling station must give a FramingError, not an IndexError.
    body = bytes((0xA0, 0x07, 0x03, 0x04, 0x06))
    assert hdlc.fcs16(body) == b"\xa0\x9f"
    with pytest.raises(FramingError):
        hdlc.decode_frame(bytes((hdlc.FLAG,)) + body + hdlc.fcs16(body) + bytes((hdlc.FLAG,)))
    # Addresses that end just before the FCS: the "control byte" would be the FCS itself.
    body = bytes((0xA0, 0x07, 0x02, 0x03, 0x05))
    with pytest.raises(FramingError):
        hdlc.decode_frame(bytes((hdlc.FLAG,)) + body + hdlc.fcs16(body) + bytes((hdlc.FLAG,)))
    with pytest.raises(ProtocolError):
        apdu.decode_data(b"")
    with pytest.raises(ProtocolError):
        apdu.decode_list_payload(b"\x02\x00", 2)  # two items announced, the first one cut off

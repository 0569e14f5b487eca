"""Faults injected through the simulated meter: an FCS ending in 0x7E, a dead meter, a wrong password, a damaged
frame, a reboot in the middle of a session, a refused association, a clock minutes off, impossible date-times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.dlms import DlmsSession, DlmsSettings
from drivers.dlms.objects import LOAD_PROFILE
from drivers.errors import AuthenticationError, DriverError, LinkTimeout
from drivers.record import Quality
from drivers.trace import Direction, Frame

from .conftest import hdlc_settings


def test_frame_whose_fcs_ends_in_7e_is_read(hdlc_tcp_meter, frames: list[Frame]) -> None:
    _, port, link = hdlc_tcp_meter
    port.faults.fcs_7e = True
    with DlmsSession(link, settings=hdlc_settings(4321)) as session:
        plate = session.read_nameplate()
    assert plate.serial is not None
    assert plate.serial.startswith("00112233-")
    received = b"".join(f.data for f in frames if f.direction is Direction.RX)
    assert b"\x7e\x7e" in received  # the FCS byte 0x7E right before the closing flag was on the wire


def test_dead_meter_times_out_without_hanging(hdlc_tcp_meter) -> None:
    _, port, link = hdlc_tcp_meter
    port.faults.silent = True
    settings = hdlc_settings(4321, retries=1)
    with pytest.raises(LinkTimeout), DlmsSession(link, settings=settings):
        pass


def test_wrong_password_is_an_authentication_error_without_retry_storm(wrapper_meter) -> None:
    meter, _, link = wrapper_meter
    settings = DlmsSettings(transport="wrapper", client_address=32, auth="lls", password=b"wrong", retries=3)
    with pytest.raises(AuthenticationError, match="authentication_failed"), DlmsSession(link, settings=settings):
        pass
    assert meter.aarq_count == 1


def test_refused_association(wrapper_meter) -> None:
    meter, _, link = wrapper_meter
    meter.faults.refuse_association = True
    with pytest.raises(AuthenticationError), DlmsSession(link, settings=DlmsSettings(transport="wrapper")):
        pass
    assert meter.aarq_count == 1


def test_bad_fcs_is_repeated_and_recovered(hdlc_tcp_meter) -> None:
    _, port, link = hdlc_tcp_meter
    with DlmsSession(link, settings=hdlc_settings(4321)) as session:
        port.faults.bad_fcs_frames = 1
        readings = session.read_registers()
    assert readings[0].quality is Quality.GOOD
    assert port.faults.bad_fcs_frames == 0


def test_reboot_mid_session_is_a_link_error_and_the_next_session_works(hdlc_tcp_meter) -> None:
    meter, _, link = hdlc_tcp_meter
    meter.faults.reboot_after_requests = 2  # AARQ, one GET, then the meter restarts
    with DlmsSession(link, settings=hdlc_settings(4321, retries=1)) as session:
        session.read_clock()
        with pytest.raises(DriverError):
            session.read_registers()
    link.discard_input()
    with DlmsSession(link, settings=hdlc_settings(4321)) as session:
        assert session.read_clock().quality is Quality.GOOD


def test_clock_minutes_off_shows_as_drift_and_can_be_set(hdlc_tcp_meter) -> None:
    meter, _, link = hdlc_tcp_meter
    meter.model.clock_offset_s = -7 * 60
    with DlmsSession(link, settings=hdlc_settings(4321)) as session:
        drift = session.read_clock().drift_seconds
        assert drift is not None
        assert -430 < drift < -410
        session.set_clock(session.read_clock().host_time)
        drift = session.read_clock().drift_seconds
    assert drift is not None
    assert abs(drift) < 5


def test_impossible_date_times_are_bad_values_not_a_lost_association(wrapper_meter) -> None:
    meter, _, link = wrapper_meter
    meter.faults.impossible_clock = True  # hour 24 in the clock and in every profile and journal row
    now = datetime.now(UTC)
    with DlmsSession(link, settings=DlmsSettings(transport="wrapper")) as session:
        clock = session.read_clock()
        rows = session.read_profile(LOAD_PROFILE, now - timedelta(hours=3), now)
        events = session.read_journal(0, now - timedelta(days=30))
        readings = session.read_registers()
    assert clock.quality is Quality.DECODE_ERROR
    assert clock.meter_time is None
    assert rows == []  # a row without a real capture time cannot be stored under its natural key
    assert events == []
    assert {r.quality for r in readings} == {Quality.GOOD}  # the association went on

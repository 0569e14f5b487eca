"""HLS-GMAC (security suite 0) end to end: the reader associates with a challenge each way, every xDLMS APDU after
the AARQ travels authenticated and encrypted, a wrong key or an impostor meter is refused after one attempt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from drivers.dlms import DlmsSession, DlmsSettings
from drivers.dlms.apdu import Keys
from drivers.dlms.objects import LOAD_PROFILE
from drivers.errors import AuthenticationError, ConfigurationError
from drivers.link import TcpLink
from drivers.record import Quality
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer
from drivers.trace import Direction, Frame

from .conftest import serial_link

AUTH_KEY = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
CIPHER_KEY = bytes.fromhex("101112131415161718191a1b1c1d1e1f")


def hls_meter(serial: str = "00556677") -> SimulatedDlmsMeter:
    return SimulatedDlmsMeter(MeterModel(serial, seed=9), keys=Keys(AUTH_KEY, CIPHER_KEY, b"SIM00042"))


def hls(transport: str = "wrapper", **extra: object) -> DlmsSettings:
    options: dict[str, object] = {
        "transport": transport,
        "client_address": 32,
        "auth": "hls-gmac",
        "auth_key": AUTH_KEY,
        "cipher_key": CIPHER_KEY,
        "response_timeout_s": 2.0,  # a deadline, not an assertion: generous for loaded CI machines
        **extra,
    }
    return DlmsSettings(**options)  # type: ignore[arg-type]


@pytest.fixture
def wrapper_hls(frames: list[Frame]) -> Iterator[tuple[SimulatedDlmsMeter, TcpLink]]:
    meter = hls_meter()
    with SimulatedTcpServer([WrapperPort(meter)], splitter=wrapper_splitter) as server:
        link = TcpLink(host="127.0.0.1", port=server.port, trace=frames.append)
        link.open()
        yield meter, link
        link.close()


def test_hls_session_reads_everything_ciphered(wrapper_hls, frames: list[Frame]) -> None:
    meter, link = wrapper_hls
    now = datetime.now(UTC)
    for _ in range(2):  # the second session must not reuse an invocation counter the meter has seen
        frames.clear()
        with DlmsSession(link, settings=hls()) as session:
            readings = session.read_registers()
            plate = session.read_nameplate()
            rows = session.read_profile(LOAD_PROFILE, now - timedelta(days=2), now)
            session.set_clock(now)
        assert [r.quality for r in readings] == [Quality.GOOD] * len(readings)
        assert plate.serial == "00556677"
        assert 95 <= len(rows) <= 96  # the profile arrives in ciphered blocks longer than 255 bytes
        received = b"".join(f.data for f in frames if f.direction is Direction.RX)
        # The public association (frame counter) says nothing secret; the serial number only ever travels
        # inside the ciphered reader association, so it must not appear in clear on the wire.
        assert b"00556677" not in received
        assert b"\xdb\x08SIM00042" in received  # general-glo-ciphering from the meter's system title
    assert meter.aarq_count == 4  # per session: the public frame-counter read, then the HLS association
    assert meter.refused_count == 0
    assert meter.associated_client is None


def test_hls_on_an_hdlc_pty_line_next_to_an_lls_meter() -> None:
    ports = [HdlcPort(hls_meter(), physical=301), HdlcPort(SimulatedDlmsMeter(MeterModel("00000302")), physical=302)]
    with SimulatedSerialLine(ports, splitter=dlms_splitter, pace=False, turnaround_s=0.0) as line:
        link = serial_link(line)
        try:
            with DlmsSession(link, settings=hls("hdlc", server_physical=301)) as session:
                clock = session.read_clock()
                plate = session.read_nameplate()
            lls = DlmsSettings(server_physical=302, client_address=32, auth="lls", password=b"12345678")
            with DlmsSession(link, settings=lls) as session:
                other = session.read_nameplate()
        finally:
            link.close()
    assert clock.quality is Quality.GOOD
    assert plate.serial == "00556677"
    assert other.serial == "00000302"
    assert line.stats.collisions == 0


def test_wrong_key_is_refused_once_without_retry(wrapper_hls) -> None:
    meter, link = wrapper_hls
    wrong = hls(cipher_key=bytes(16), retries=3)
    with pytest.raises(AuthenticationError, match="authentication_failed"), DlmsSession(link, settings=wrong):
        pass
    assert meter.aarq_count == 2  # the public frame-counter read and one HLS attempt, nothing more
    assert meter.refused_count == 1


def test_a_meter_whose_proof_is_wrong_is_not_trusted(wrapper_hls) -> None:
    meter, link = wrapper_hls
    meter.faults.bad_hls_proof = True
    with pytest.raises(AuthenticationError, match="meter's HLS-GMAC proof"), DlmsSession(link, settings=hls()):
        pass
    assert meter.aarq_count == 2


def test_without_the_frame_counter_a_replayed_counter_is_refused(wrapper_hls) -> None:
    _meter, link = wrapper_hls
    with DlmsSession(link, settings=hls(frame_counter=None)) as session:
        assert session.read_clock().quality is Quality.GOOD
    # A new session starts again at invocation counter 1: the meter has seen it and refuses, as real meters do.
    with pytest.raises(AuthenticationError), DlmsSession(link, settings=hls(frame_counter=None)):
        pass
    with DlmsSession(link, settings=hls()) as session:  # reading the counter first recovers
        assert session.read_clock().quality is Quality.GOOD


def test_hls_settings_need_both_keys_and_hide_them() -> None:
    with pytest.raises(ConfigurationError, match="hls-gmac"):
        DlmsSettings(client_address=32, auth="hls-gmac", auth_key=AUTH_KEY)
    with pytest.raises(ConfigurationError, match="system_title"):
        hls(system_title=b"short")
    shown = repr(hls())
    assert AUTH_KEY.hex() not in shown
    assert repr(AUTH_KEY) not in shown
    assert repr(CIPHER_KEY) not in shown

"""The engineer CLI against simulated СПОДЭС meters: HDLC multi-drop on a pty, the TCP wrapper, and a config.yaml
with a simulated line served in-process: scan, read, profile, journal, clock, doctor, wrong password."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer

PASSWORD_ENV = "UCHET_TEST_CLI_DLMS_PASSWORD"
PASSWORD = "cli-secret"


@pytest.fixture
def ports() -> list[HdlcPort]:
    return [
        HdlcPort(SimulatedDlmsMeter(MeterModel(serial, seed=n), password=PASSWORD.encode()), physical=address)
        for n, (serial, address) in enumerate([("00000017", 17), ("00004321", 21)], start=1)
    ]


@pytest.fixture
def hdlc_line(ports: list[HdlcPort]) -> Iterator[SimulatedSerialLine]:
    with SimulatedSerialLine(ports, splitter=dlms_splitter, baud=9600, pace=False, turnaround_s=0.0) as line:
        yield line


@pytest.fixture
def wrapper() -> Iterator[tuple[SimulatedDlmsMeter, int]]:
    meter = SimulatedDlmsMeter(MeterModel("013000301", seed=5), password=PASSWORD.encode())
    with SimulatedTcpServer([WrapperPort(meter)], splitter=wrapper_splitter) as server:
        yield meter, server.port


def uchet(*args: str, password: str | None = PASSWORD) -> tuple[int, str, str]:
    env = {PASSWORD_ENV: password} if password is not None else {}
    result = CliRunner(env=env).invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def hdlc(line: SimulatedSerialLine, address: int, *args: str, reader: bool = True) -> list[str]:
    auth = ["--password-env", PASSWORD_ENV] if reader else []
    return [*args, "--port", line.port, "--protocol", "dlms", "--address", str(address), "--timeout", "0.5", *auth]


def lines_of(out: str) -> list[dict[str, object]]:
    return [json.loads(row) for row in out.splitlines()]


def test_scan_finds_the_hdlc_addresses_with_serials(hdlc_line: SimulatedSerialLine) -> None:
    code, out, err = uchet("scan", "--port", hdlc_line.port, "--protocol", "dlms", "--range", "15-22", "--json")
    assert code == 0, err
    found = lines_of(out)
    assert [(f["address"], f["serial"]) for f in found] == [(17, "00000017"), (21, "00004321")]


def test_read_registers_equal_the_simulator(hdlc_line: SimulatedSerialLine, ports: list[HdlcPort]) -> None:
    code, out, err = uchet(*hdlc(hdlc_line, 21, "read", "--json"))
    assert code == 0, err
    records = {r["obis"]: r for r in lines_of(out)}
    model = ports[1].meter.model
    # A 30-minute slot may end between our read and this check: either side of it is the simulator's value.
    now = model.slot_index(model.now())
    assert records["1.0.1.8.0.255"]["value"] in {model.energy_wh(now), model.energy_wh(now - 1)}
    assert records["1.0.1.8.0.255"]["unit"] == "Wh"
    tariffs = sum(int(str(records[f"1.0.1.8.{t}.255"]["value"])) for t in range(1, 5))
    assert tariffs == records["1.0.1.8.0.255"]["value"]
    assert all(r["quality"] == "good" for r in records.values())


def test_profile_rows_equal_the_simulator(wrapper: tuple[SimulatedDlmsMeter, int]) -> None:
    meter, port = wrapper
    day = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = day, day + timedelta(hours=3)
    args = ["profile", "--host", "127.0.0.1", "--tcp-port", str(port), "--wrapper", "--protocol", "dlms"]
    code, out, err = uchet(*args, "--from", start.isoformat(), "--to", end.isoformat(), "--json")
    assert code == 0, err
    rows = lines_of(out)
    expected = [(ts, values) for ts, values in meter.model.load_rows(start, end) if ts < end]
    assert [r["ts"] for r in rows] == [ts.isoformat().replace("+00:00", "Z") for ts, _ in expected]
    assert [[v["value"] for v in r["values"]] for r in rows] == [list(values) for _, values in expected]  # type: ignore[index]
    assert rows[0]["local"] == start.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Moscow")).isoformat()
    code, out, _ = uchet(*args, "--from", start.isoformat(), "--to", end.isoformat(), "--tz", "Asia/Yekaterinburg")
    assert code == 0
    assert "1.29.0 Wh" in out
    assert "+05" in out
    assert f"{len(expected)} row(s)" in out


def test_journal_events_decoded_in_russian(wrapper: tuple[SimulatedDlmsMeter, int]) -> None:
    meter, port = wrapper
    since = datetime.now(UTC) - timedelta(days=20)
    args = ["journal", "--host", "127.0.0.1", "--tcp-port", str(port), "--wrapper", "--protocol", "dlms"]
    code, out, err = uchet(*args, "--journal", "0", "--from", since.isoformat(), "--json")
    assert code == 0, err
    events = lines_of(out)
    expected = list(meter.model.events(0, since, datetime.now(UTC)))
    assert [(e["ts"], e["code"]) for e in events] == [(t.isoformat().replace("+00:00", "Z"), c) for t, c in expected]
    assert events
    assert all(e["journal_name"] == "Напряжение" and "напряжени" in str(e["text"]) for e in events)


def test_clock_shows_drift_and_set_needs_confirmation(hdlc_line: SimulatedSerialLine, ports: list[HdlcPort]) -> None:
    ports[0].meter.model.clock_offset_s = 300.0
    code, out, _ = uchet(*hdlc(hdlc_line, 17, "clock", "--json"))
    assert code == 0
    assert 250 < lines_of(out)[0]["drift_s"] < 350  # type: ignore[operator]
    result = CliRunner(env={PASSWORD_ENV: PASSWORD}).invoke(main, hdlc(hdlc_line, 17, "clock", "--set"), input="n\n")
    assert result.exit_code == 0
    assert "not set" in result.stderr
    assert ports[0].meter.model.clock_offset_s == 300.0
    code, out, err = uchet(*hdlc(hdlc_line, 17, "clock", "--set", "--yes"))
    assert code == 0, err
    assert "after setting" in out
    assert abs(ports[0].meter.model.clock_offset_s) < 60


def test_wrong_password_is_refused_with_advice(hdlc_line: SimulatedSerialLine) -> None:
    code, _, err = uchet(*hdlc(hdlc_line, 17, "read"), password="wrong")
    assert code == 1
    assert "association refused" in err
    assert f"${PASSWORD_ENV}" in err


def test_unset_password_is_a_usage_error(hdlc_line: SimulatedSerialLine) -> None:
    code, _, err = uchet(*hdlc(hdlc_line, 17, "read"), password=None)
    assert code == 2
    assert PASSWORD_ENV in err


def test_dead_address_ends_with_advice_and_trace(hdlc_line: SimulatedSerialLine) -> None:
    code, _, err = uchet(*hdlc(hdlc_line, 99, "nameplate", "--trace", reader=False))
    assert code == 1
    assert "HDLC address 99" in err
    assert "uchet scan" in err
    snrm = [row for row in err.splitlines() if " ms tx 7e " in row]
    assert snrm
    assert not any(" ms rx " in row for row in err.splitlines())


def test_doctor_healthy_meter(hdlc_line: SimulatedSerialLine) -> None:
    code, out, err = uchet(*hdlc(hdlc_line, 21, "doctor"))
    assert code == 0, out + err
    for step in ("port opens", "address answers", "association public", "association reader", "clock compared",
                 "nameplate read", "last journal rows", "verdict"):  # fmt: skip
        assert f"✓ {step}" in out


def test_doctor_reports_refused_reader(hdlc_line: SimulatedSerialLine) -> None:
    code, out, _ = uchet(*hdlc(hdlc_line, 17, "doctor", "--json"), password="wrong")
    assert code == 1
    steps = {s.get("step"): s for s in lines_of(out)}
    assert steps["association public"]["ok"] is True
    assert steps["association reader"]["ok"] is False
    assert "password" in str(steps["association reader"]["advice"])


CONFIG = """
lines:
  - {name: sim-dlms, kind: simulated, protocol: dlms, transport: pty, framing: hdlc, pace: false}
  - {name: sim-mb, kind: simulated, protocol: modbus, transport: tcp, framing: mbap}
meters:
  - {id: dl-7, line: sim-dlms, protocol: dlms, address: 17, model: spodes-3ph, serial: "012345617",
     timezone: Asia/Yekaterinburg, dlms: {client: 32, auth: lls, password_env: UCHET_TEST_CLI_DLMS_PASSWORD}}
  - {id: mb-7, line: sim-mb, protocol: modbus, address: 4, model: sdm120, serial: "00021007"}
"""


def test_meter_from_config_on_a_simulated_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    code, out, err = uchet("nameplate", "--meter", "dl-7", "--config", str(path), "--json")
    assert code == 0, err
    assert lines_of(out)[0]["serial"] == "012345617"
    assert lines_of(out)[0]["meter"] == "dl-7"
    code, out, err = uchet("doctor", "--meter", "mb-7", "--config", str(path))
    assert code == 0, out + err
    assert "serial 21007" in out
    code, _, err = uchet("read", "--meter", "nosuch", "--config", str(path))
    assert code == 2
    assert "dl-7, mb-7" in err


AK_ENV, EK_ENV = "UCHET_TEST_CLI_AK", "UCHET_TEST_CLI_EK"
AUTH_KEY, CIPHER_KEY = bytes(range(16)), bytes(range(100, 116))


def hls_meter() -> SimulatedDlmsMeter:
    from drivers.dlms.apdu import Keys

    return SimulatedDlmsMeter(MeterModel("00770077", seed=11), keys=Keys(AUTH_KEY, CIPHER_KEY, b"SIM00077"))


def uchet_hls(*args: str, cipher_key: bytes | None = CIPHER_KEY) -> tuple[int, str, str]:
    env = {AK_ENV: AUTH_KEY.hex()}
    if cipher_key is not None:
        env[EK_ENV] = cipher_key.hex()
    result = CliRunner(env=env).invoke(main, [*args, "--auth", "hls-gmac", "--auth-key-env", AK_ENV,
                                              "--cipher-key-env", EK_ENV])  # fmt: skip
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_hls_gmac_read_over_the_wrapper_and_hdlc() -> None:
    meter = hls_meter()
    with SimulatedTcpServer([WrapperPort(meter)], splitter=wrapper_splitter) as server:
        args = ["read", "--host", "127.0.0.1", "--tcp-port", str(server.port), "--wrapper", "--json"]
        code, out, err = uchet_hls(*args)
        assert code == 0, err
        assert all(r["quality"] == "good" for r in lines_of(out))
        code, _, err = uchet_hls(*args, cipher_key=bytes(16))
        assert code == 1
        assert "association refused" in err
        assert f"${EK_ENV}" in err
        code, _, err = uchet_hls(*args, cipher_key=None)
        assert code == 2
        assert EK_ENV in err
    assert meter.refused_count == 1  # the wrong key: one attempt; the unset one never reached the meter
    port = HdlcPort(hls_meter(), physical=301)
    with SimulatedSerialLine([port], splitter=dlms_splitter, pace=False, turnaround_s=0.0) as line:
        code, out, err = uchet_hls("nameplate", "--port", line.port, "--protocol", "dlms", "--address", "301", "--json")
    assert code == 0, err
    assert lines_of(out)[0]["serial"] == "00770077"


OPTICAL = """
lines:
  - {name: opt, kind: simulated, protocol: dlms, transport: pty, framing: hdlc, optical: true, pace: true, timeout: 2s}
meters:
  - {id: dl-opt, line: opt, protocol: dlms, address: 17, model: spodes-1ph, serial: "012345699",
     dlms: {client: 32, auth: lls, password_env: UCHET_TEST_CLI_DLMS_PASSWORD}}
"""


def test_optical_simulated_line_opens_with_mode_e(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(OPTICAL, encoding="utf-8")
    code, out, err = uchet("read", "--meter", "dl-opt", "--config", str(path), "--json", "--trace", password="12345678")
    assert code == 0, err
    assert all(r["quality"] == "good" for r in lines_of(out))
    assert " ms tx 2f 3f 21 0d 0a" in err  # the 300 Bd sign-on /?! CR LF went out first
    code, out, err = uchet("doctor", "--meter", "dl-opt", "--config", str(path), password="12345678")
    assert code == 0, out + err
    assert "✓ mode E handshake" in out
    assert "HDLC at 9600 Bd" in out
    assert "✓ association reader" in out

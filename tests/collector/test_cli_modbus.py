"""The engineer CLI against simulated Modbus meters on a paced pty RS-485 line and behind Modbus TCP:
scan, read, nameplate, doctor, --json, --trace, a dead address, and one run of the real `uchet` over the pty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from collector.cli import main
from drivers.sim.modbus_frame import split_mbap, split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter, expected_value
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer

ON_LINE = {1: "eastron_sdm630", 2: "eastron_sdm120", 3: "carlo_gavazzi_em24", 6: "eastron_sdm630"}
UCHET = Path(sys.executable).with_name("uchet")


@pytest.fixture
def meters() -> dict[int, SimulatedModbusMeter]:
    out = {unit: SimulatedModbusMeter(model, unit, seed=unit) for unit, model in ON_LINE.items()}
    for meter in out.values():
        meter.frozen = True  # exact comparisons: the physics stands still
    return out


@pytest.fixture
def line(meters: dict[int, SimulatedModbusMeter]) -> Iterator[SimulatedSerialLine]:
    with SimulatedSerialLine(list(meters.values()), splitter=split_rtu_request, baud=19200, turnaround_s=0.005) as bus:
        yield bus


def uchet(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def on_line(line: SimulatedSerialLine, *args: str) -> list[str]:
    return [*args, "--port", line.port, "--baud", "19200", "--protocol", "modbus"]


def assert_simulator_values(records: list[dict[str, object]], meter: SimulatedModbusMeter) -> None:
    values = meter.values()
    slots = {slot.obis: slot for slot in meter.model.slots}
    assert records
    for record in records:
        assert set(record) == {"obis", "value", "unit", "quality", "ts"}
        assert record["quality"] == "good"
        key = str(record["obis"])
        expected = Decimal(repr(expected_value(slots[key], values[key])))
        got = Decimal(str(record["value"]))
        assert abs(got - expected) <= Decimal("1e-6") * max(1, abs(expected)), key


def test_scan_finds_exactly_the_simulated_ids_with_type_and_serial(
    line: SimulatedSerialLine, meters: dict[int, SimulatedModbusMeter]
) -> None:
    code, out, err = uchet(*on_line(line, "scan", "--range", "1-8", "--json"))
    assert code == 0, err
    found = [json.loads(row) for row in out.splitlines()]
    assert [f["address"] for f in found] == sorted(ON_LINE)
    for item in found:
        meter = meters[item["address"]]
        assert item["model"] == ON_LINE[item["address"]]
        assert str(meter.serial) in item["serial"]


def test_scan_table_and_progress(line: SimulatedSerialLine) -> None:
    code, out, err = uchet(*on_line(line, "scan", "--range", "1-4"))
    assert code == 0
    assert "eastron_sdm120" in out
    assert "3 meter(s) answered" in out
    assert "modbus 1..4" in err  # the progress bar's label goes to stderr


@pytest.mark.parametrize("unit", sorted(ON_LINE))
def test_read_json_equals_the_simulator(
    unit: int, line: SimulatedSerialLine, meters: dict[int, SimulatedModbusMeter]
) -> None:
    code, out, err = uchet(*on_line(line, "read", "--address", str(unit), "--model", ON_LINE[unit], "--json"))
    assert code == 0, err
    assert_simulator_values([json.loads(row) for row in out.splitlines()], meters[unit])


def test_read_table_by_alias_and_point_name(line: SimulatedSerialLine, meters: dict[int, SimulatedModbusMeter]) -> None:
    code, out, _ = uchet(*on_line(line, "read", "--address", "1", "--model", "sdm630", "A+", "total export kWh"))
    assert code == 0
    rows = [r for r in out.splitlines() if r.startswith("1.0.")]
    assert [r.split()[0] for r in rows] == ["1.0.1.8.0.255", "1.0.2.8.0.255"]
    assert "kWh" in rows[0]
    assert "✓" in rows[0]


def test_trace_shows_each_frame_in_hex_with_direction(line: SimulatedSerialLine) -> None:
    code, _, err = uchet(*on_line(line, "read", "--address", "2", "--model", "sdm120", "A+", "--trace"))
    assert code == 0
    frames = [row.split() for row in err.splitlines() if " ms " in row]
    assert [f[2] for f in frames] == ["tx", "rx"]
    assert frames[0][3:11] == ["02", "04", "00", "48", "00", "02", "f1", "ee"]  # read input 0x0048, 2 registers
    assert frames[1][3:5] == ["02", "04"]
    assert frames[1][-2] == "(9"


def test_dead_address_exits_1_with_advice(line: SimulatedSerialLine) -> None:
    code, out, err = uchet(*on_line(line, "read", "--address", "9", "--model", "sdm630", "--timeout", "0.2"))
    assert code == 1
    assert "no answer" in err
    assert "unit id 9" in err
    assert "uchet scan" in err
    assert out.count("\n") <= 1  # only the header line, no table of empty values


def test_nameplate_json(line: SimulatedSerialLine, meters: dict[int, SimulatedModbusMeter]) -> None:
    code, out, _ = uchet(*on_line(line, "nameplate", "--address", "3", "--model", "em24", "--json"))
    assert code == 0
    plate = json.loads(out)
    assert plate["manufacturer"] == "Carlo Gavazzi"
    assert str(meters[3].serial) in plate["serial"]


def test_doctor_on_a_healthy_and_a_dead_meter(line: SimulatedSerialLine) -> None:
    code, out, _ = uchet(*on_line(line, "doctor", "--address", "6", "--model", "sdm630"))
    assert code == 0
    assert "✓ address answers" in out
    assert "✓ registers read" in out
    assert "✓ verdict" in out
    code, out, _ = uchet(*on_line(line, "doctor", "--address", "7", "--model", "sdm630", "--timeout", "0.1", "--json"))
    assert code == 1
    steps = [json.loads(row) for row in out.splitlines()]
    assert {k: steps[-2][k] for k in ("step", "ok")} == {"step": "address answers", "ok": False}
    assert steps[-1]["verdict"] == "problem"
    assert "uchet scan" in steps[-1]["suggestion"]


def test_modbus_tcp(meters: dict[int, SimulatedModbusMeter]) -> None:
    tcp = [SimulatedModbusMeter("eastron_sdm630", 1, framing="tcp", seed=1)]
    tcp[0].frozen = True
    with SimulatedTcpServer(tcp, splitter=split_mbap) as server:
        args = ["read", "--host", "127.0.0.1", "--tcp-port", str(server.port), "--address", "1", "--model", "sdm630"]
        code, out, err = uchet(*args, "--json")
    assert code == 0, err
    assert_simulator_values([json.loads(row) for row in out.splitlines()], tcp[0])


def test_usage_errors_exit_2(line: SimulatedSerialLine) -> None:
    assert uchet("read")[0] == 2  # no meter named
    assert uchet(*on_line(line, "read", "--model", "sdm630"))[0] == 2  # no address
    assert uchet(*on_line(line, "read", "--address", "1", "--model", "nosuch"))[0] == 2
    code, _, err = uchet(*on_line(line, "profile", "--address", "1", "--model", "sdm630"))
    assert code == 2
    assert "no profiles" in err.lower()


def test_missing_port_says_what_to_check() -> None:
    code, _, err = uchet(
        "read", "--port", "/dev/ttyNOSUCH0", "--protocol", "modbus", "--address", "1", "--model", "sdm630"
    )
    assert code == 1
    assert "no such port" in err


def test_real_uchet_over_the_pty(line: SimulatedSerialLine, meters: dict[int, SimulatedModbusMeter]) -> None:
    """The installed console script, in its own process, reading through the pseudo-terminal."""
    command = [str(UCHET), *on_line(line, "read", "--address", "1", "--model", "eastron_sdm630", "--json", "--trace")]
    env = {k: v for k, v in os.environ.items() if k != "UCHET_CONFIG"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert_simulator_values([json.loads(row) for row in done.stdout.splitlines()], meters[1])
    assert " tx 01 04 " in done.stderr
    assert " rx 01 04 " in done.stderr

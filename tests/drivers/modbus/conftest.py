"""Fixtures for the Modbus driver tests: simulated meters on a paced pty line and behind a TCP port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.link import SerialLink, TcpLink
from drivers.sim.modbus_frame import split_mbap, split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer

# One meter of each model (test_regmap checks every shipped map is here); ids 4 and 9 are absent from the line.
LINE_METERS = {
    1: "eastron_sdm630",
    2: "eastron_sdm120",
    3: "carlo_gavazzi_em24",
    5: "eastron_sdm630",
    6: "abb_b23",
}
BAUD = 19200


@pytest.fixture
def meters() -> dict[int, SimulatedModbusMeter]:
    return {unit: SimulatedModbusMeter(model, unit, seed=unit) for unit, model in LINE_METERS.items()}


@pytest.fixture
def line(meters: dict[int, SimulatedModbusMeter]) -> Iterator[SimulatedSerialLine]:
    with SimulatedSerialLine(
        list(meters.values()), splitter=split_rtu_request, baud=BAUD, turnaround_s=0.005
    ) as simulated:
        yield simulated


@pytest.fixture
def serial_link(line: SimulatedSerialLine) -> Iterator[SerialLink]:
    link = SerialLink(port=line.port, baud=BAUD)
    link.open()
    yield link
    link.close()


@pytest.fixture
def tcp_meters() -> dict[int, SimulatedModbusMeter]:
    return {unit: SimulatedModbusMeter(model, unit, framing="tcp", seed=unit) for unit, model in LINE_METERS.items()}


@pytest.fixture
def tcp_link(tcp_meters: dict[int, SimulatedModbusMeter]) -> Iterator[TcpLink]:
    with SimulatedTcpServer(list(tcp_meters.values()), splitter=split_mbap) as server:
        link = TcpLink(host="127.0.0.1", port=server.port)
        link.open()
        yield link
        link.close()

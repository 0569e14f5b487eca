"""Simulated DLMS meters on real transports (TCP on 127.0.0.1, a pty line) for the DLMS driver tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.dlms import DlmsSettings
from drivers.link import SerialLink, TcpLink
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer
from drivers.trace import Frame

READER = {"client_address": 32, "auth": "lls", "password": b"12345678"}


def make_meter(serial: str = "00112233", seed: int = 7) -> SimulatedDlmsMeter:
    return SimulatedDlmsMeter(MeterModel(serial, seed=seed))


@pytest.fixture
def frames() -> list[Frame]:
    return []


@pytest.fixture
def wrapper_meter(frames: list[Frame]) -> Iterator[tuple[SimulatedDlmsMeter, WrapperPort, TcpLink]]:
    meter = make_meter()
    port = WrapperPort(meter)
    with SimulatedTcpServer([port], splitter=wrapper_splitter) as server:
        link = TcpLink(host="127.0.0.1", port=server.port, trace=frames.append)
        link.open()
        yield meter, port, link
        link.close()


@pytest.fixture
def hdlc_tcp_meter(frames: list[Frame]) -> Iterator[tuple[SimulatedDlmsMeter, HdlcPort, TcpLink]]:
    meter = make_meter()
    port = HdlcPort(meter, physical=4321)
    with SimulatedTcpServer([port], splitter=dlms_splitter) as server:
        link = TcpLink(host="127.0.0.1", port=server.port, trace=frames.append)
        link.open()
        yield meter, port, link
        link.close()


def hdlc_settings(physical: int, **extra: object) -> DlmsSettings:
    return DlmsSettings(transport="hdlc", server_physical=physical, response_timeout_s=0.5, **READER, **extra)  # type: ignore[arg-type]


@pytest.fixture
def pty_line() -> Iterator[tuple[SimulatedSerialLine, list[HdlcPort]]]:
    ports = [
        HdlcPort(make_meter("00000017", seed=1), physical=17),
        HdlcPort(make_meter("00004321", seed=2), physical=4321),
    ]
    with SimulatedSerialLine(ports, splitter=dlms_splitter, baud=9600, pace=False, turnaround_s=0.0) as line:
        yield line, ports


def serial_link(line: SimulatedSerialLine) -> SerialLink:
    link = SerialLink(port=line.port, baud=9600)
    link.open()
    return link

"""Serve a config.yaml `kind: simulated` line in-process for one diagnostic command, so `uchet read --meter
mb-101` works on the demo config without `uchet run`.

Must not poll or store anything: it only starts the drivers.sim meters of that line and stops them afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from collector.config import MeterConfig, SimulatedLine
from collector.diagnostics.target import LinkSpec, Target, map_name
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.line import SimulatedDevice, SimulatedSerialLine, SimulatedTcpServer, Splitter
from drivers.sim.modbus_frame import split_mbap, split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter


def devices(line: SimulatedLine, framing: str, meters: tuple[MeterConfig, ...]) -> list[SimulatedDevice]:
    """One simulated meter per configured meter of the line, at its configured address."""
    out: list[SimulatedDevice] = []
    for meter in meters:
        if line.protocol == "modbus":
            wire = "tcp" if framing == "mbap" else "rtu"
            serial = int(meter.serial) if meter.serial and meter.serial.isdigit() else None
            sim = SimulatedModbusMeter(
                map_name(meter.model), meter.address, framing=wire, serial=serial, seed=meter.address
            )
            out.append(sim)
            continue
        dlms = meter.dlms
        # The simulated meter accepts whatever password the engineer exported, so the demo config just works.
        secret = os.environ.get(dlms.password_env, "") if dlms and dlms.password_env else ""
        model = MeterModel(meter.serial or f"{meter.address:08d}", seed=meter.address)
        dlms_sim = SimulatedDlmsMeter(model, password=secret.encode() or b"12345678")
        if framing == "wrapper":
            out.append(WrapperPort(dlms_sim, logical=dlms.logical if dlms else 1))
        else:
            out.append(HdlcPort(dlms_sim, physical=meter.address, mode_e=line.optical))
    return out


def _splitter(framing: str) -> Splitter:
    return {"rtu": split_rtu_request, "mbap": split_mbap, "hdlc": dlms_splitter, "wrapper": wrapper_splitter}[framing]


@contextmanager
def reachable(target: Target) -> Iterator[Target]:
    """The target itself, or, for a simulated line, the target pointed at a freshly started simulator."""
    line = target.simulated
    if line is None:
        yield target
        return
    sims = devices(line, target.framing, target.neighbours)
    if line.transport == "pty":
        with SimulatedSerialLine(sims, splitter=_splitter(target.framing), baud=line.baud, pace=line.pace) as bus:
            yield replace(target, link=replace(target.link, port=bus.port))
    else:
        with SimulatedTcpServer(sims, splitter=_splitter(target.framing)) as server:
            yield replace(target, link=LinkSpec("tcp", host="127.0.0.1", tcp_port=server.port))

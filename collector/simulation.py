"""Simulated meters for the `simulated` line kind: builds drivers.sim lines and servers from the config and runs them.

Must not poll or store: it only serves meters on pseudo-terminals and local TCP ports, and says where (Endpoints).
Tests use the same builder to run meters in the test process behind real serial/tcp line configs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from collector.config import Config, MeterConfig, SimulatedLine
from collector.lines import Endpoint, framing_of
from collector.meters import DEFAULT_DLMS_PASSWORD_ENV, utc_offset_min
from drivers.dlms.apdu import Keys
from drivers.modbus import map_name
from drivers.sim.device import SimulatedDevice, Splitter
from drivers.sim.dlms_meter import SimulatedDlmsMeter
from drivers.sim.dlms_model import MeterModel
from drivers.sim.dlms_port import HdlcPort, WrapperPort, dlms_splitter, wrapper_splitter
from drivers.sim.modbus_frame import split_mbap, split_rtu_request
from drivers.sim.modbus_meter import SimulatedModbusMeter
from drivers.sim.serial_line import SimulatedSerialLine
from drivers.sim.tcp_server import SimulatedTcpServer

log = logging.getLogger(__name__)

DEMO_DLMS_PASSWORD = "12345678"  # noqa: S105 - the simulated meters' factory password, for demos only


def dlms_password(meter: MeterConfig) -> bytes:
    env = (meter.dlms.password_env if meter.dlms else None) or DEFAULT_DLMS_PASSWORD_ENV
    return os.environ.get(env, DEMO_DLMS_PASSWORD).encode()


# The simulated meters' factory keys for HLS-GMAC (32 hex digits each), for demos only, like the password above.
DEMO_AUTH_KEY = "000102030405060708090A0B0C0D0E0F"
DEMO_CIPHER_KEY = "101112131415161718191A1B1C1D1E1F"


def hls_keys(meter: MeterConfig) -> Keys | None:
    """The keys a simulated HLS-GMAC meter expects: those the operator exported, else the demo ones."""
    dlms = meter.dlms
    if dlms is None or dlms.auth != "hls-gmac":
        return None
    auth = os.environ.get(dlms.auth_key_env or "", DEMO_AUTH_KEY)
    cipher = os.environ.get(dlms.cipher_key_env or "", DEMO_CIPHER_KEY)
    return Keys(auth_key=bytes.fromhex(auth), cipher_key=bytes.fromhex(cipher), system_title=b"SIM00001")


@dataclass
class Simulation:
    """Running simulated lines; fault switches are on the devices (modbus[...].fault, dlms_ports[...].faults)."""

    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    modbus: dict[str, SimulatedModbusMeter] = field(default_factory=dict)
    dlms: dict[str, SimulatedDlmsMeter] = field(default_factory=dict)
    dlms_ports: dict[str, HdlcPort | WrapperPort] = field(default_factory=dict)
    _running: list[SimulatedSerialLine | SimulatedTcpServer] = field(default_factory=list)

    def add_line(
        self,
        name: str,
        meters: Sequence[MeterConfig],
        *,
        protocol: str,
        framing: str,
        transport: str,
        baud: int = 9600,
        pace: bool = True,
        optical: bool = False,
        turnaround_s: float = 0.02,
        time_scale: float = 1.0,
    ) -> Endpoint:
        """Start one simulated line carrying `meters`; return where a driver reaches it."""
        devices: list[SimulatedDevice] = []
        for meter in meters:
            devices.append(self._device(meter, protocol, framing, optical, time_scale))
        splitter: Splitter = {
            "rtu": split_rtu_request,
            "mbap": split_mbap,
            "hdlc": dlms_splitter,
            "wrapper": wrapper_splitter,
        }[framing]
        if transport == "pty":
            # Only Modbus RTU delimits frames by a 3.5-character silence; HDLC has flags and a length field.
            silence = 3.5 if protocol == "modbus" else 0.0
            line = SimulatedSerialLine(
                devices, splitter=splitter, baud=baud, pace=pace, turnaround_s=turnaround_s, min_silence_chars=silence
            )
            line.start()
            self._running.append(line)
            endpoint = Endpoint(pty=line.port)
        else:
            server = SimulatedTcpServer(devices, splitter=splitter)
            server.start()
            self._running.append(server)
            endpoint = Endpoint(tcp_port=server.port)
        self.endpoints[name] = endpoint
        return endpoint

    def _device(
        self, meter: MeterConfig, protocol: str, framing: str, optical: bool, time_scale: float
    ) -> SimulatedDevice:
        if protocol == "modbus":
            device = SimulatedModbusMeter(
                map_name(meter.model),
                meter.address,
                framing="tcp" if framing == "mbap" else "rtu",
                serial=meter.serial,
                seed=meter.address,
                time_scale=time_scale,
                utc_offset_h=utc_offset_min(meter.timezone) // 60,
            )
            self.modbus[meter.id] = device
            return device
        model = MeterModel(
            serial=meter.serial or f"SIM{meter.address:06d}",
            seed=meter.address,
            utc_offset_min=utc_offset_min(meter.timezone),
        )
        dlms_meter = SimulatedDlmsMeter(model, password=dlms_password(meter), keys=hls_keys(meter))
        logical = meter.dlms.logical if meter.dlms else 1
        port: HdlcPort | WrapperPort
        if framing == "wrapper":
            port = WrapperPort(dlms_meter, logical=logical)
        else:
            port = HdlcPort(dlms_meter, physical=meter.address, logical=logical, mode_e=optical)
        self.dlms[meter.id] = dlms_meter
        self.dlms_ports[meter.id] = port
        return port

    def stop(self) -> None:
        for running in self._running:
            running.stop()
        self._running.clear()


def start_simulation(config: Config) -> Simulation:
    """Serve every meter of the config's `simulated` lines; other lines are left to real hardware."""
    simulation = Simulation()
    try:
        for line in config.lines:
            if not isinstance(line, SimulatedLine):
                continue
            meters = [m for m in config.meters if m.line == line.name]
            framing = framing_of(line)
            assert framing is not None
            endpoint = simulation.add_line(
                line.name,
                meters,
                protocol=line.protocol,
                framing=framing,
                transport=line.transport,
                baud=line.baud,
                pace=line.pace,
                optical=line.optical,
            )
            log.info("simulated line %s: %d meter(s) at %s", line.name, len(meters), endpoint.pty or endpoint.tcp_port)
    except BaseException:
        simulation.stop()
        raise
    return simulation

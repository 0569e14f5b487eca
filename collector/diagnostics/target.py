"""Which meter a diagnostic command talks to: `--meter ID` from config.yaml or explicit link options, resolved
into one typed Target (link settings, protocol settings, time zone).

Must not open ports or talk to meters (connection.py does); problems found here are usage errors (exit 2).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from collector.config import Config, MeterConfig, SerialLine, SimulatedLine, TcpLine
from collector.diagnostics.options import TargetOptions
from drivers.errors import ConfigurationError
from drivers.modbus import map_name as resolve_map_name

Protocol = Literal["dlms", "modbus"]
DEFAULT_TIMEOUT_S = {"modbus": 0.5, "dlms": 2.0}


@dataclass(frozen=True)
class LinkSpec:
    """Where the bytes go: a serial port (RS-485 adapter, optical head, pty) or a TCP host and port."""

    kind: Literal["serial", "tcp"]
    port: str = ""
    baud: int = 9600
    parity: str = "N"
    host: str = ""
    tcp_port: int = 0

    def describe(self) -> str:
        if self.kind == "tcp":
            return f"tcp {self.host}:{self.tcp_port}"
        return f"{self.port} {self.baud} 8{self.parity}1"


@dataclass(frozen=True)
class Target:
    """One meter and how to reach it. `framing`: rtu|mbap (Modbus), hdlc|wrapper (DLMS)."""

    name: str
    protocol: Protocol
    address: int
    link: LinkSpec
    framing: str
    timeout_s: float
    timezone: ZoneInfo
    model: str | None = None  # Modbus register map name (drivers.modbus.MAP_NAMES)
    serial: str | None = None  # what config.yaml expects the meter to say
    client: int = 16
    password_env: str | None = None
    auth: str | None = None  # "hls-gmac"; None: public (client 16) or LLS (password_env)
    auth_key_env: str | None = None
    cipher_key_env: str | None = None
    system_title: str | None = None  # hex
    logical: int = 1
    mode_e: bool = False
    meter_id: str | None = None
    simulated: SimulatedLine | None = None  # config line served by an in-process simulator (simulated.py)
    neighbours: tuple[MeterConfig, ...] = ()  # every configured meter on that simulated line

    def password(self) -> bytes | None:
        if self.password_env is None:
            return None
        value = os.environ.get(self.password_env)
        if not value:
            raise click.UsageError(
                f"${self.password_env} is not set: export the meter password in it (client {self.client} "
                "needs LLS), or use --client 16 for the public client"
            )
        return value.encode()

    def keys(self) -> tuple[bytes, bytes]:
        """HLS-GMAC authentication and block cipher keys from their env vars (32 hex digits each)."""
        keys = []
        for env in (self.auth_key_env, self.cipher_key_env):
            try:
                key = bytes.fromhex(os.environ.get(env or "", "").strip())
            except ValueError:
                key = b""
            if len(key) != 16:
                raise click.UsageError(f"${env} must hold a 16-byte HLS-GMAC key as 32 hex digits")
            keys.append(key)
        return keys[0], keys[1]


def map_name(model: str) -> str:
    """A register map name from a config model ('sdm630' → 'eastron_sdm630'); a usage error when unknown."""
    try:
        return resolve_map_name(model)
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from None


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.UsageError(f"unknown time zone {name!r} (use an IANA name such as Asia/Yekaterinburg)") from None


def resolve(options: TargetOptions, *, need_address: bool = True) -> Target:
    """The Target the options describe; explicit options override what config.yaml says about --meter."""
    base = _from_config(options) if options.meter else _from_options(options, need_address)
    return _override(base, options)


def load(config_path: Path) -> Config:
    from collector.cli import load_or_exit  # at run time: cli imports this package to register the commands

    if not config_path.exists():
        raise click.UsageError(f"{config_path}: no such file (give --config, or address the meter with --port/--host)")
    return load_or_exit(config_path)


def _from_config(options: TargetOptions) -> Target:
    config = load(options.config_path)
    meter = next((m for m in config.meters if m.id == options.meter), None)
    if meter is None:
        known = ", ".join(m.id for m in config.meters) or "none"
        raise click.UsageError(f"no meter {options.meter!r} in {options.config_path} (meters: {known})")
    return target_of(config, meter)


def target_of(config: Config, meter: MeterConfig) -> Target:
    """The Target of a configured meter (used by --meter and by `uchet status` hints)."""
    line = config.line(meter.line)
    dlms = meter.dlms
    common: dict[str, Any] = {
        "name": meter.id,
        "meter_id": meter.id,
        "protocol": meter.protocol,
        "address": meter.address,
        "timeout_s": line.timeout.total_seconds(),
        "timezone": zone(meter.timezone),
        "model": map_name(meter.model) if meter.protocol == "modbus" else meter.model,
        "serial": meter.serial,
        "client": dlms.client if dlms else 16,
        "password_env": dlms.password_env if dlms and dlms.auth == "lls" else None,
        "auth": dlms.auth if dlms and dlms.auth == "hls-gmac" else None,
        "auth_key_env": dlms.auth_key_env if dlms else None,
        "cipher_key_env": dlms.cipher_key_env if dlms else None,
        "system_title": dlms.system_title if dlms else None,
        "logical": dlms.logical if dlms else 1,
    }
    if isinstance(line, SerialLine):
        spec = LinkSpec("serial", port=line.port, baud=line.baud, parity=line.parity)
        framing = "rtu" if meter.protocol == "modbus" else "hdlc"
        return Target(link=spec, framing=framing, mode_e=line.optical, **common)
    if isinstance(line, TcpLine):
        return Target(link=LinkSpec("tcp", host=line.host, tcp_port=line.port), framing=line.framing, **common)
    framing = line.framing or {
        ("modbus", "pty"): "rtu", ("modbus", "tcp"): "mbap", ("dlms", "pty"): "hdlc", ("dlms", "tcp"): "wrapper",
    }[(line.protocol, line.transport)]  # fmt: skip
    # The port is known only once simulated.py has started the line; until then the spec is a placeholder.
    spec = LinkSpec("serial", baud=line.baud) if line.transport == "pty" else LinkSpec("tcp", host="127.0.0.1")
    neighbours = tuple(m for m in config.meters if m.line == line.name)
    return Target(link=spec, framing=framing, mode_e=line.optical, simulated=line, neighbours=neighbours, **common)


def _from_options(options: TargetOptions, need_address: bool) -> Target:
    if options.port and options.host:
        raise click.UsageError("give either --port (serial) or --host/--tcp-port (TCP), not both")
    if options.port:
        spec = LinkSpec("serial", port=options.port)
    elif options.host:
        if options.tcp_port is None:
            raise click.UsageError("--host needs --tcp-port (e.g. 502 Modbus TCP, 4059 DLMS, 4001 a gateway)")
        spec = LinkSpec("tcp", host=options.host, tcp_port=options.tcp_port)
    else:
        raise click.UsageError(
            "which meter? give --meter ID (with --config), or --port DEV / --host H --tcp-port P with --protocol"
        )
    protocol: Protocol | None = _guess_protocol(options) if options.protocol is None else options.protocol  # type: ignore[assignment]
    if protocol is None:
        raise click.UsageError("give --protocol dlms or --protocol modbus")
    if need_address and options.address is None and not (protocol == "dlms" and options.framing == "wrapper"):
        raise click.UsageError("give --address (Modbus unit id, or HDLC physical address; `uchet scan` finds them)")
    if protocol == "modbus":
        framing = "rtu" if spec.kind == "serial" else "mbap"
    else:
        framing = "hdlc" if spec.kind == "serial" else "wrapper"
    return Target(
        name=f"{spec.describe()} address {options.address}",
        protocol=protocol,
        address=options.address or (1 if protocol == "modbus" else 16),
        link=spec,
        framing=framing,
        timeout_s=DEFAULT_TIMEOUT_S[protocol],
        timezone=zone("Europe/Moscow"),
    )


def _guess_protocol(options: TargetOptions) -> Protocol | None:
    if options.framing in ("rtu", "mbap") or options.model:
        return "modbus"
    if (
        options.framing in ("hdlc", "wrapper")
        or options.mode_e
        or options.client
        or options.password_env
        or options.auth
    ):
        return "dlms"
    return None


def _override(target: Target, options: TargetOptions) -> Target:
    link = target.link
    if options.meter and (options.port or options.host):
        raise click.UsageError("--meter takes its link from config.yaml; drop --port/--host, or drop --meter")
    if options.baud is not None:
        link = replace(link, baud=options.baud)
    if options.parity is not None:
        link = replace(link, parity=options.parity)
    changes: dict[str, Any] = {"link": link}
    if options.protocol and options.meter and options.protocol != target.protocol:
        raise click.UsageError(f"meter {options.meter} is a {target.protocol} meter in config.yaml")
    if options.address is not None:
        changes["address"] = options.address
    if options.framing is not None:
        changes["framing"] = options.framing
    if options.mode_e:
        changes["mode_e"] = True
    if options.model is not None:
        changes["model"] = map_name(options.model)
    if options.timeout is not None:
        changes["timeout_s"] = options.timeout
    if options.tz is not None:
        changes["timezone"] = zone(options.tz)
    if options.password_env is not None:
        changes["password_env"] = options.password_env
        changes["client"] = options.client or 32
    elif options.client is not None:
        changes["client"] = options.client
        if options.client == 16:
            changes["password_env"] = None
    changes.update(_auth_changes(target, options))
    result = replace(target, **changes)
    if result.meter_id is None:
        result = replace(result, name=f"address {result.address} on {result.link.describe()}")
    _check(result)
    return result


def _auth_changes(target: Target, options: TargetOptions) -> dict[str, Any]:
    """--auth and the HLS key options; --auth hls-gmac means the reader (32) unless --client says otherwise."""
    changes: dict[str, Any] = {}
    if options.auth_key_env is not None:
        changes["auth_key_env"] = options.auth_key_env
    if options.cipher_key_env is not None:
        changes["cipher_key_env"] = options.cipher_key_env
    if options.auth == "hls-gmac":
        changes.update(auth="hls-gmac", client=options.client or (32 if target.client == 16 else target.client))
        changes["password_env"] = None
    elif options.auth == "none":
        changes.update(auth=None, client=16, password_env=None)
    elif options.auth == "lls":
        changes["auth"] = None
    return changes


def _check(target: Target) -> None:
    allowed = {"modbus": ("rtu", "mbap"), "dlms": ("hdlc", "wrapper")}[target.protocol]
    if target.framing not in allowed:
        raise click.UsageError(f"framing {target.framing} does not fit {target.protocol}: use {' or '.join(allowed)}")
    if target.protocol == "modbus" and not 1 <= target.address <= 247:
        raise click.UsageError(f"Modbus unit id must be 1..247, got {target.address}")
    if target.auth == "hls-gmac" and (target.auth_key_env is None or target.cipher_key_env is None):
        raise click.UsageError("--auth hls-gmac needs --auth-key-env VAR and --cipher-key-env VAR")
    if target.auth == "hls-gmac" and target.client == 16:
        raise click.UsageError("the public client (16) cannot use HLS-GMAC: use --client 32")
    if target.protocol == "dlms" and target.client != 16 and target.password_env is None and target.auth is None:
        raise click.UsageError(f"DLMS client {target.client} needs --password-env VAR (LLS), or use --client 16")
    if target.mode_e and (target.protocol != "dlms" or target.link.kind != "serial"):
        raise click.UsageError("--mode-e opens an optical port: DLMS on a serial port only")
    if target.timeout_s <= 0:
        raise click.UsageError("--timeout must be positive")

"""Open a target's link and a driver session on it, and turn driver failures into what a field engineer checks.

Must not format results or pick what to read: commands do. Meter or link problems exit 1, usage problems exit 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

import click

from collector.diagnostics.output import FAIL, Output
from collector.diagnostics.simulated import reachable
from collector.diagnostics.target import Target
from drivers.dlms import DlmsSession, DlmsSettings
from drivers.errors import (
    AuthenticationError,
    ConfigurationError,
    DriverError,
    FramingError,
    LinkError,
    LinkTimeout,
    ProtocolError,
)
from drivers.link import SerialLink, TcpLink
from drivers.modbus import Framing, ModbusSession, load_map
from drivers.session import MeterSession
from drivers.trace import TraceHook


class MeterProblem(click.ClickException):
    """The meter or the link failed: exit 1 with the reason and what to check."""

    exit_code = 1

    def __init__(self, message: str, advice: str) -> None:
        super().__init__(message)
        self.advice = advice

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"{FAIL} {self.message}", err=True)
        click.echo(f"  check: {self.advice}", err=True)


def silence_advice(target: Target) -> str:
    """What to check when nothing answers."""
    if target.link.kind == "tcp" and target.framing in ("mbap", "wrapper"):
        which = "unit id" if target.protocol == "modbus" else "logical device and client"
        return (
            f"the TCP port opened but the meter stayed silent: check the {which}, "
            "and that no other program holds the meter's only TCP session"
        )
    if target.mode_e:
        return "no mode E identification: is the optical head on the meter's eye, the cable in, the display awake?"
    where = f"at {target.link.baud} Bd" if target.link.kind == "serial" else "behind the gateway"
    if target.protocol == "modbus":
        what = f"unit id {target.address} {where}"
        find = "uchet scan --protocol modbus"
    else:
        what = f"HDLC address {target.address} {where} (often serial digits + 16; vendors differ)"
        find = "uchet scan --protocol dlms"
    return (
        f"no answer from {what}: check the address (`{find}` lists who answers), baud and parity, "
        "the A/B wires and termination, and that the meter is powered"
    )


def advice_for(exc: DriverError, target: Target) -> MeterProblem:
    if isinstance(exc, LinkTimeout):
        return MeterProblem(f"{target.name}: no answer ({exc})", silence_advice(target))
    if isinstance(exc, AuthenticationError) and target.auth == "hls-gmac":
        return MeterProblem(
            f"{target.name}: association refused ({exc})",
            f"wrong HLS-GMAC keys: ${target.auth_key_env} and ${target.cipher_key_env} must hold the reader's "
            "authentication and block cipher keys for this meter (client "
            f"{target.client}); do not retry in a loop: meters lock the port after a few refusals",
        )
    if isinstance(exc, AuthenticationError):
        secret = f"${target.password_env}" if target.password_env else "the password"
        return MeterProblem(
            f"{target.name}: association refused ({exc})",
            f"wrong password or client: {secret} must hold the reader password for client {target.client} "
            "(16 public, 32 reader); do not retry in a loop: meters lock the port after a few refusals",
        )
    if isinstance(exc, FramingError):
        return MeterProblem(
            f"{target.name}: garbled answer ({exc})",
            "wrong baud or parity, a second master polling the same line, or missing termination at the line ends",
        )
    if isinstance(exc, LinkError):
        text = str(exc)
        if "refused" in text.lower():
            hint = f"nothing listens at {target.link.host}:{target.link.tcp_port}: check the IP, port and gateway power"
        elif "busy" in text or "no such port" in text or "permission" in text:
            hint = "the port itself (see above); stop the collector with `systemctl stop uchet` if it holds the port"
        else:
            hint = "the cable, adapter or network path to the meter"
        return MeterProblem(f"{target.name}: link failed: {text}", hint)
    if isinstance(exc, ProtocolError):
        return MeterProblem(
            f"{target.name}: unexpected answer ({exc})",
            "the protocol and framing: --protocol, --hdlc/--wrapper (DLMS), --framing rtu/mbap (Modbus)",
        )
    return MeterProblem(f"{target.name}: {exc}", "the meter settings in config.yaml")


def make_link(target: Target, trace: TraceHook | None) -> SerialLink | TcpLink:
    if target.link.kind == "tcp":
        return TcpLink(host=target.link.host, port=target.link.tcp_port, trace=trace)
    return SerialLink(port=target.link.port, baud=target.link.baud, parity=target.link.parity, trace=trace)


def dlms_settings(target: Target, *, client: int | None = None, password: bytes | None = None) -> DlmsSettings:
    client = target.client if client is None else client
    hls = client != 16 and target.auth == "hls-gmac"
    auth_key = cipher_key = None
    if hls:
        auth_key, cipher_key = target.keys()
    elif client != 16 and password is None:
        password = target.password()
    offset = datetime.now(UTC).astimezone(target.timezone).utcoffset()
    return DlmsSettings(
        transport="wrapper" if target.framing == "wrapper" else "hdlc",
        client_address=client,
        server_logical=target.logical,
        server_physical=target.address if target.framing == "hdlc" else None,
        auth="none" if client == 16 else ("hls-gmac" if hls else "lls"),
        password=None if client == 16 or hls else password,
        auth_key=auth_key,
        cipher_key=cipher_key,
        system_title=bytes.fromhex(target.system_title) if target.system_title else b"UCH00001",
        mode_e=target.mode_e,
        baud=target.link.baud,
        response_timeout_s=target.timeout_s,
        fallback_utc_offset_min=int(offset.total_seconds() // 60) if offset is not None else None,
    )


def make_session(target: Target, link: SerialLink | TcpLink) -> MeterSession:
    if target.protocol == "modbus":
        if target.model is None:
            raise click.UsageError("give --model (the Modbus register map), e.g. --model sdm630")
        try:
            register_map = load_map(target.model)
        except ConfigurationError as exc:
            raise click.UsageError(str(exc)) from exc
        framing = Framing.TCP if target.framing == "mbap" else Framing.RTU
        return ModbusSession(link, unit_id=target.address, register_map=register_map, framing=framing,
                             timeout_s=target.timeout_s, retries=1)  # fmt: skip
    return DlmsSession(link, settings=dlms_settings(target))


@contextmanager
def opened_link(target: Target, trace: TraceHook | None) -> Iterator[tuple[Target, SerialLink | TcpLink]]:
    """The open link (a simulated line started first if the target is one); DriverError becomes MeterProblem."""
    with reachable(target) as reached:
        link = make_link(reached, trace)
        try:
            link.open()
            yield reached, link
        except DriverError as exc:
            raise advice_for(exc, reached) from exc
        finally:
            link.close()


def announce(target: Target, out: Output, what: str) -> None:
    """One line saying which meter, how, and what is being done (stderr under --json)."""
    if out.as_json:
        return
    model = f" {target.model}" if target.model else ""
    simulated = " (simulated line, served in-process)" if target.simulated else ""
    how = f"{target.protocol}{model}, address {target.address}, {target.link.describe()}{simulated}"
    out.info(f"{target.meter_id}: {what} — {how}" if target.meter_id else f"{what} — {how}")


@contextmanager
def meter_session(target: Target, out: Output, what: str) -> Iterator[MeterSession]:
    """An open session with the meter for the body of the with-block; released on the way out."""
    session_target = target
    try:
        with opened_link(target, out.hook()) as (reached, link):
            session_target = reached
            announce(reached, out, what)
            try:
                with make_session(reached, link) as session:
                    yield session
            finally:
                out.flush()
    except ConfigurationError as exc:
        raise click.UsageError(str(exc)) from exc
    except DriverError as exc:  # raised while releasing, after opened_link gave up its handler
        raise advice_for(exc, session_target) from exc

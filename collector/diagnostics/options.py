"""The meter-addressing options every diagnostic command shares (`--meter`, or `--port`/`--host` and the protocol
settings), gathered into one TargetOptions for collector.diagnostics.target to resolve.

Must not resolve, validate across options or open anything: it only declares the options and collects their values.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from drivers.modbus import MAP_NAMES


@dataclass(frozen=True)
class TargetOptions:
    """The raw command-line options; `resolve` turns them into a Target."""

    meter: str | None
    config_path: Path
    port: str | None
    baud: int | None
    parity: str | None
    host: str | None
    tcp_port: int | None
    protocol: str | None
    address: int | None
    client: int | None
    password_env: str | None
    auth: str | None
    auth_key_env: str | None
    cipher_key_env: str | None
    framing: str | None
    mode_e: bool
    model: str | None
    timeout: float | None
    tz: str | None


_OPTIONS: list[Callable[[Any], Any]] = [
    click.option("--meter", metavar="ID", help="Meter id in config.yaml (its line, address and settings)."),
    click.option(
        "--config", "config_path", type=click.Path(path_type=Path, dir_okay=False), default=Path("config.yaml"),
        show_default=True, envvar="UCHET_CONFIG", help="Configuration file, used with --meter (env UCHET_CONFIG).",
    ),
    click.option("--port", metavar="DEV", help="Serial port, e.g. /dev/ttyUSB0 (RS-485 adapter or optical head)."),
    click.option("--baud", type=int, help="Serial speed [9600]."),
    click.option("--parity", type=click.Choice(["N", "E", "O"]), help="Serial parity [N]."),
    click.option("--host", help="TCP host of a meter or an RS-485 gateway."),
    click.option("--tcp-port", type=click.IntRange(1, 65535), help="TCP port of the meter or gateway."),
    click.option("--protocol", type=click.Choice(["dlms", "modbus"]), help="Meter protocol."),
    click.option("--address", type=click.IntRange(1, 16383), help="Modbus unit id or HDLC physical address."),
    click.option("--client", type=click.IntRange(1, 127), help="DLMS client: 16 public, 32 reader [16]."),
    click.option("--password-env", metavar="VAR", help="Env var holding the DLMS LLS password (implies --client 32)."),
    click.option("--auth", type=click.Choice(["none", "lls", "hls-gmac"]), help="DLMS authentication [none/lls]."),
    click.option("--auth-key-env", metavar="VAR", help="Env var with the HLS-GMAC authentication key (32 hex)."),
    click.option("--cipher-key-env", metavar="VAR", help="Env var with the HLS-GMAC block cipher key (32 hex)."),
    click.option("--hdlc", "framing", flag_value="hdlc", help="DLMS over HDLC (serial line or TCP gateway)."),
    click.option("--wrapper", "framing", flag_value="wrapper", help="DLMS over the TCP wrapper (IEC 62056-47)."),
    click.option("--framing", "framing", type=click.Choice(["rtu", "mbap", "hdlc", "wrapper"]), help="Framing."),
    click.option("--mode-e", is_flag=True, default=False, help="Optical port: IEC 62056-21 mode E sign-on first."),
    click.option("--model", help=f"Modbus register map: {', '.join(MAP_NAMES)} (short names such as sdm630 work)."),
    click.option("--timeout", type=float, help="Seconds to wait for each answer [0.5 Modbus, 2 DLMS]."),
    click.option("--tz", help="Time zone for input and local output (IANA name) [the meter's, else Europe/Moscow]."),
]  # fmt: skip
_KEYS = [field for field in TargetOptions.__dataclass_fields__]


def target_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the meter-addressing options to a click command; it receives them as `target: TargetOptions`."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        options = TargetOptions(**{key: kwargs.pop(key) for key in _KEYS})
        return func(target=options, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper

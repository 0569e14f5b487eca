"""`uchet scan`: which Modbus unit ids or DLMS HDLC addresses answer on a line, and what each meter is.

Must not change anything on a meter: probes are reads, DLMS identification uses the public client only.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import click

from collector.diagnostics.connection import MeterProblem, announce, dlms_settings, opened_link
from collector.diagnostics.options import TargetOptions, target_options
from collector.diagnostics.output import Output, table
from collector.diagnostics.readings import output_options
from collector.diagnostics.target import Target, resolve
from drivers.dlms import DlmsSession, probe_hdlc_address
from drivers.errors import DriverError
from drivers.link import Link
from drivers.modbus import MAP_NAMES, Framing, ModbusSession, load_map, scan_unit_ids
from drivers.record import Quality

DEFAULT_RANGE = {"modbus": "1-247", "dlms": "16-127"}


@dataclass(frozen=True)
class Found:
    address: int
    model: str | None = None
    serial: str | None = None
    manufacturer: str | None = None
    note: str = ""


def parse_range(text: str, protocol: str) -> list[int]:
    """'1-247', '16-40,100,4321' → addresses, checked against the protocol's address space."""
    top = 247 if protocol == "modbus" else 16383
    out: list[int] = []
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            out.extend(range(int(low), int(high or low) + 1))
    except ValueError:
        raise click.BadParameter(f"{text!r}: write e.g. 1-247 or 16-40,100", param_hint="--range") from None
    if not out or min(out) < 1 or max(out) > top:
        raise click.BadParameter(f"{text!r}: {protocol} addresses are 1..{top}", param_hint="--range")
    return out


def identify_modbus(link: Link, unit: int, framing: Framing, timeout_s: float) -> Found:
    """Try every register map: the one whose serial register answers and whose points read non-zero wins.

    Models of one maker share the serial register (SDM630, SDM120), so the score prefers the map whose points
    all carry values (a single-phase meter reads 0 V on phases 2 and 3), then the map with more points.
    """
    best: tuple[tuple[float, int], Found] | None = None
    for name in MAP_NAMES:
        register_map = load_map(name)
        session = ModbusSession(
            link, unit_id=unit, register_map=register_map, framing=framing, timeout_s=timeout_s, retries=0
        )
        plate = session.read_nameplate()
        if plate.serial is None:
            continue
        readings = session.read_registers()
        nonzero = sum(1 for r in readings if r.quality is Quality.GOOD and r.value)
        score = (nonzero / max(1, len(readings)), len(readings))
        if best is None or score > best[0]:
            best = (score, Found(unit, name, plate.serial, register_map.manufacturer))
    return best[1] if best else Found(unit, note="answers, but no known register map fits (give --model)")


def identify_dlms(link: Link, target: Target, address: int) -> Found:
    from dataclasses import replace

    public = replace(target, address=address, client=16, password_env=None)
    try:
        with DlmsSession(link, settings=dlms_settings(public, client=16)) as session:
            plate = session.read_nameplate()
    except DriverError as exc:
        return Found(address, note=f"answers HDLC, public association failed: {exc}")
    return Found(address, plate.model, plate.serial, plate.manufacturer)


def _with_bar(ids: list[int], label: str) -> Iterator[int]:
    with click.progressbar(ids, label=label, file=sys.stderr, show_pos=True, item_show_func=_item) as bar:
        yield from bar


def _item(address: int | None) -> str:
    return "" if address is None else f"address {address}"


@click.command("scan")
@click.option("--range", "range_text", metavar="A-B[,C]", help="Addresses to try [Modbus 1-247, DLMS 16-127].")
@click.option("--probe-timeout", type=float, default=None, help="Seconds to wait per address [0.2 Modbus, 0.3 DLMS].")
@target_options
@output_options
def scan_command(
    target: TargetOptions, range_text: str | None, probe_timeout: float | None, as_json: bool, trace: bool
) -> None:
    """Find the meters on a line: Modbus unit ids or DLMS HDLC addresses that answer, with serial and type.

    \b
    uchet scan --port /dev/ttyUSB0 --baud 9600 --protocol modbus
    uchet scan --port /dev/ttyUSB0 --protocol dlms --range 16-200
    uchet scan --meter mb-101 --range 1-10 --json    # the line of a configured meter
    Costs about (number of addresses) × probe timeout on a quiet line.
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target, need_address=False)
    if resolved.framing in ("wrapper", "mbap") and resolved.protocol == "dlms":
        raise click.UsageError("a DLMS wrapper port is one meter: use `uchet nameplate`, not scan")
    ids = parse_range(range_text or DEFAULT_RANGE[resolved.protocol], resolved.protocol)
    timeout_s = probe_timeout or (0.2 if resolved.protocol == "modbus" else 0.3)
    found: list[Found] = []
    with opened_link(resolved, out.hook()) as (reached, link):
        announce(reached, out, f"scanning {len(ids)} address(es)")
        label = f"{reached.protocol} {ids[0]}..{ids[-1]}"
        if reached.protocol == "modbus":
            framing = Framing.TCP if reached.framing == "mbap" else Framing.RTU
            answered = scan_unit_ids(link, _with_bar(ids, label), timeout_s=timeout_s, framing=framing)
            for unit in answered:
                found.append(_modbus_found(link, reached, unit, framing, timeout_s))
        else:
            answered = [a for a in _with_bar(ids, label) if probe_hdlc_address(link, a, timeout_s)]
            found.extend(identify_dlms(link, reached, address) for address in answered)
        out.flush()
    report(out, found, resolved)


def _modbus_found(link: Link, target: Target, unit: int, framing: Framing, timeout_s: float) -> Found:
    if target.model and not target.meter_id:
        plate = ModbusSession(link, unit_id=unit, register_map=load_map(target.model), framing=framing).read_nameplate()
        return Found(unit, target.model, plate.serial, plate.manufacturer)
    return identify_modbus(link, unit, framing, max(timeout_s, 0.3))


def report(out: Output, found: Iterable[Found], target: Target) -> None:
    rows = list(found)
    if out.as_json:
        for item in rows:
            out.record({"address": item.address, "protocol": target.protocol, "serial": item.serial,
                        "model": item.model, "manufacturer": item.manufacturer, "note": item.note or None})  # fmt: skip
    else:
        body = [(f.address, f.model or "?", f.serial or "?", f.manufacturer or "", f.note) for f in rows]
        if body:
            click.echo(table(["address", "type", "serial", "manufacturer", "note"], body, right=[0]))
        click.echo(f"{len(body)} meter(s) answered")
    if not rows:
        raise MeterProblem(
            f"nobody answered on {target.link.describe()}",
            "baud and parity (try --baud 19200 / 2400), the A/B wires (swap them), the adapter's RS-485 mode, "
            "and --range (СПОДЭС HDLC addresses derive from the serial: try --range 16-10015)",
        )

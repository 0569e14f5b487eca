"""`uchet read` and `uchet nameplate`: register values by OBIS or map point name, and what the meter says it is.

Must not store anything or retry: one session, one answer, shown as a table or JSON lines.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import click

from collector.diagnostics.connection import MeterProblem, meter_session, silence_advice
from collector.diagnostics.options import TargetOptions, target_options
from collector.diagnostics.output import FAIL, OK, Output, local_text, number, reading_json, table, utc_text
from collector.diagnostics.target import Target, resolve
from drivers.modbus import load_map
from drivers.obis import Obis
from drivers.record import Nameplate, Quality, Reading

# Short names of the points engineers ask for most (DOMAIN.md §3); a Modbus map names its own points.
OBIS_NAMES = {
    "1.0.1.8.0.255": "A+ total (import)",
    **{f"1.0.1.8.{t}.255": f"A+ tariff T{t}" for t in range(1, 5)},
    "1.0.2.8.0.255": "A− total (export)",
    "1.0.3.8.0.255": "R+ total",
    "1.0.4.8.0.255": "R− total",
    "1.0.32.7.0.255": "voltage L1",
    "1.0.31.7.0.255": "current L1",
    "1.0.16.7.0.255": "active power",
    "1.0.14.7.0.255": "frequency",
    "1.0.13.7.0.255": "power factor",
}
ALIASES = {"A+": "1.0.1.8.0.255", "A-": "1.0.2.8.0.255", "R+": "1.0.3.8.0.255", "R-": "1.0.4.8.0.255",
           "U": "1.0.32.7.0.255", "I": "1.0.31.7.0.255", "P": "1.0.16.7.0.255", "f": "1.0.14.7.0.255"}  # fmt: skip
OUTPUT_OPTIONS = [
    click.option("--json", "as_json", is_flag=True, help="One JSON object per line instead of a table."),
    click.option("--trace", is_flag=True, help="Every frame in hex on stderr: ms since start, tx/rx."),
]


def output_options(func: Any) -> Any:
    for option in reversed(OUTPUT_OPTIONS):
        func = option(func)
    return func


def point_names(target: Target) -> dict[str, str]:
    names = dict(OBIS_NAMES)
    if target.protocol == "modbus" and target.model:
        names.update({str(p.obis): p.name for p in load_map(target.model).points})
    return names


def parse_points(target: Target, texts: tuple[str, ...]) -> list[Obis] | None:
    """OBIS codes ('1.0.1.8.0.255', '1-0:1.8.0'), aliases (A+, U, P) or Modbus map point names."""
    if not texts:
        return None
    by_name = {name.lower(): obis for obis, name in point_names(target).items()}
    points = []
    for text in texts:
        code = ALIASES.get(text) or by_name.get(text.lower()) or text
        try:
            points.append(Obis.parse(code))
        except ValueError:
            raise click.UsageError(
                f"{text!r} is not an OBIS code, an alias ({', '.join(ALIASES)}) or a point name"
            ) from None
    return points


def check_silence(readings: list[Reading], target: Target) -> None:
    if readings and all(r.quality is Quality.TIMEOUT for r in readings):
        raise MeterProblem(f"{target.name}: no answer to any of {len(readings)} point(s)", silence_advice(target))


@click.command("read")
@click.argument("points", nargs=-1, metavar="[POINT]...")
@target_options
@output_options
def read_command(target: TargetOptions, points: tuple[str, ...], as_json: bool, trace: bool) -> None:
    """Read registers now: POINTs by OBIS code, alias (A+ A- R+ R- U I P f) or Modbus map point name;
    none given: the meter's standard set.

    \b
    uchet read --meter dl-201
    uchet read --port /dev/ttyUSB0 --protocol modbus --address 3 --model sdm630 A+ U
    uchet read --host 10.20.0.6 --tcp-port 4059 --wrapper --address 1 1.0.1.8.0.255 --json
    Exit 1 if a point could not be read (timeout, device or decode error).
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    wanted = parse_points(resolved, points)
    what = "registers"
    with meter_session(resolved, out, what) as session:
        readings = session.read_registers(wanted)
    check_silence(readings, resolved)
    names = point_names(resolved)
    if as_json:
        for reading in readings:
            out.record(reading_json(reading))
    else:
        rows = [
            (str(r.obis), names.get(str(r.obis), ""), number(r.value), r.unit or "",
             OK if r.quality is Quality.GOOD else f"{FAIL} {r.quality.value}" + (f": {r.detail}" if r.detail else ""))
            for r in readings
        ]  # fmt: skip
        click.echo(table(["OBIS", "quantity", "value", "unit", "quality"], rows, right=[2]))
        when = readings[0].ts if readings else datetime.now(UTC)
        click.echo(f"read at {utc_text(when)} = {local_text(when, resolved.timezone)} local")
    failed = [r for r in readings if r.quality not in (Quality.GOOD, Quality.NOT_SUPPORTED)]
    if failed:
        raise MeterProblem(
            f"{len(failed)} of {len(readings)} point(s) not read ({failed[0].quality.value}: {failed[0].detail})",
            "a second try (`uchet read` again); if it persists, `uchet doctor` on this meter",
        )


NAMEPLATE_LABELS = {
    "serial": "serial number", "model": "type", "manufacturer": "manufacturer", "firmware": "firmware",
    "manufactured": "manufactured", "spodes_version": "СПОДЭС version", "ct_ratio": "CT ratio", "vt_ratio": "VT ratio",
}  # fmt: skip


def nameplate_fields(plate: Nameplate) -> dict[str, Any]:
    fields = asdict(plate)
    extra = fields.pop("extra")
    return {**fields, **extra}


@click.command("nameplate")
@target_options
@output_options
def nameplate_command(target: TargetOptions, as_json: bool, trace: bool) -> None:
    """What the meter says it is: serial, type, firmware, CT/VT ratios; compared with config.yaml.

    \b
    uchet nameplate --meter dl-201
    uchet nameplate --port /dev/ttyUSB0 --protocol modbus --address 2 --model sdm120 --json
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    what = "nameplate"
    with meter_session(resolved, out, what) as session:
        plate = session.read_nameplate()
    fields = nameplate_fields(plate)
    if resolved.protocol == "modbus" and plate.serial is None and "timeout" in str(fields.get("serial_error", "")):
        raise MeterProblem(f"{resolved.name}: no answer to the serial number request", silence_advice(resolved))
    if as_json:
        out.record({"meter": resolved.meter_id, **fields})
    else:
        rows = [(NAMEPLATE_LABELS.get(k, k), number(v) if not isinstance(v, str) and v is not None else v or "—")
                for k, v in fields.items()]  # fmt: skip
        click.echo(table(["field", "value"], rows))
    expected = resolved.serial
    if expected and plate.serial and plate.serial.lstrip("0") != expected.lstrip("0"):
        raise MeterProblem(
            f"the meter says serial {plate.serial}, config.yaml expects {expected}",
            "that the address belongs to this meter (two meters may share it), or correct config.yaml",
        )

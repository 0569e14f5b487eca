"""`uchet clock`: the meter's clock against ours (drift), and setting it after confirmation.

Must not set a clock without the engineer's yes (or --yes): a wrong clock shifts every profile slot after it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click

from collector.diagnostics.connection import MeterProblem, meter_session, silence_advice
from collector.diagnostics.options import TargetOptions, target_options
from collector.diagnostics.output import Output, drift_text, local_text, table, utc_text
from collector.diagnostics.readings import output_options
from collector.diagnostics.target import resolve
from drivers.errors import DriverError
from drivers.record import ClockReading, Quality


def clock_json(clock: ClockReading, action: str) -> dict[str, object]:
    return {
        "action": action,
        "meter_time": clock.meter_time,
        "host_time": clock.host_time,
        "drift_s": None if clock.drift_seconds is None else round(clock.drift_seconds, 3),
        "quality": clock.quality.value,
    }


@click.command("clock")
@click.option("--set", "set_clock", is_flag=True, help="Set the meter clock to this computer's time (UTC).")
@click.option("--yes", is_flag=True, help="Do not ask before setting.")
@target_options
@output_options
def clock_command(target: TargetOptions, set_clock: bool, yes: bool, as_json: bool, trace: bool) -> None:
    """Show the meter clock and its drift from this computer; --set corrects it (needs the reader client).

    \b
    uchet clock --meter dl-201
    uchet clock --meter dl-201 --set          # asks before writing
    uchet clock --meter dl-201 --set --yes
    Check this computer's own time first (`timedatectl`): the drift is measured against it.
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    if resolved.protocol != "dlms":
        raise click.UsageError("Modbus energy meters here have no clock to read or set")
    if set_clock and resolved.client == 16:
        raise click.UsageError("setting the clock needs the reader client: --client 32 --password-env VAR")
    what = "clock"
    tz = resolved.timezone
    with meter_session(resolved, out, what) as session:
        before = session.read_clock()
        if before.quality is Quality.TIMEOUT:
            raise MeterProblem(f"{resolved.name}: no answer to the clock request", silence_advice(resolved))
        show(out, before, tz, "read")
        if not set_clock:
            return
        if before.meter_time is None:
            raise MeterProblem(f"the meter clock could not be read ({before.quality.value})", "`uchet doctor`")
        if not yes and not click.confirm(
            f"Set the meter clock from {local_text(before.meter_time, tz)} to this computer's time "
            f"(drift {drift_text(before.drift_seconds or 0.0)})?",
            err=True,
        ):
            click.echo("not set", err=True)
            return
        try:
            session.set_clock(datetime.now(UTC))
        except DriverError as exc:
            raise MeterProblem(
                f"the meter refused the clock setting ({exc})",
                "the reader client may not be allowed to set time on this meter (ask for the configurator)",
            ) from exc
        show(out, session.read_clock(), tz, "set")


def show(out: Output, clock: ClockReading, tz: ZoneInfo, action: str) -> None:
    if out.as_json:
        out.record(clock_json(clock, action))
        return
    meter = clock.meter_time
    rows = [
        ("meter", utc_text(meter) if meter else f"— ({clock.quality.value})", local_text(meter, tz) if meter else ""),
        ("this computer", utc_text(clock.host_time), local_text(clock.host_time, tz)),
    ]
    if action == "set":
        click.echo("after setting:")
    click.echo(table(["clock", "UTC", "local"], rows))
    drift = clock.drift_seconds
    if drift is not None:
        state = "in step" if abs(drift) < 1 else ("meter ahead" if drift > 0 else "meter behind")
        click.echo(f"drift {drift_text(drift)} ({state})")

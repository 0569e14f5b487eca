"""`uchet profile` and `uchet journal`: load/billing profile rows and decoded СПОДЭС journal events over a time
range, with times in UTC and in the meter's zone.

Must not keep cursors or store rows: the collector reads incrementally; this is a one-off look for an engineer.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import click

from collector.diagnostics.connection import meter_session
from collector.diagnostics.options import TargetOptions, target_options
from collector.diagnostics.output import Output, local_text, number, table, utc_text
from collector.diagnostics.readings import output_options
from collector.diagnostics.target import Target, resolve
from drivers.dlms.journal import JOURNAL_NAMES, journal_name
from drivers.dlms.objects import DAILY_PROFILE, LOAD_PROFILE, MONTHLY_PROFILE
from drivers.errors import ProtocolError
from drivers.obis import Obis
from drivers.record import Event, ProfileRow, Quality

PROFILES = {"load": LOAD_PROFILE, "daily": DAILY_PROFILE, "monthly": MONTHLY_PROFILE}
DEFAULT_SPAN = {
    LOAD_PROFILE: timedelta(days=1),
    DAILY_PROFILE: timedelta(days=31),
    MONTHLY_PROFILE: timedelta(days=366),
}
_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def parse_when(text: str, tz: ZoneInfo, option: str) -> datetime:
    """'2025-06-01', '2025-06-01 10:30' in the meter's zone, or ISO with an offset ('…T10:30+05:00', '…Z')."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    for fmt in _FORMATS if moment is None else ():
        try:
            moment = datetime.strptime(text, fmt)
            break
        except ValueError:
            continue
    if moment is None:
        raise click.BadParameter(
            f"{text!r}: write 2025-06-01, '2025-06-01 10:30' or 2025-06-01T10:30+05:00", param_hint=option
        )
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def dlms_only(target: Target, what: str) -> None:
    if target.protocol != "dlms":
        raise click.UsageError(f"Modbus meters keep no {what}: `uchet read` shows their registers")


def profile_json(row: ProfileRow, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "profile": str(row.profile),
        "ts": row.ts,
        "local": row.ts.astimezone(tz).isoformat(),
        "status": row.status,
        "values": [
            {"obis": str(v.obis), "value": v.value, "unit": v.unit, "quality": v.quality.value} for v in row.values
        ],
    }


def profile_table(rows: list[ProfileRow], tz: ZoneInfo) -> str:
    columns = [f"{v.obis.c}.{v.obis.d}.{v.obis.e} {v.unit or ''}".strip() for v in rows[0].values]
    body = []
    for row in rows:
        values = [number(v.value) if v.quality is Quality.GOOD else v.quality.value for v in row.values]
        status = "" if row.status is None else f"{row.status:#04x}"
        body.append([utc_text(row.ts), local_text(row.ts, tz), *values, status])
    right = list(range(2, 2 + len(columns)))
    return table(["UTC", "local", *columns, "status"], body, right=right)


@click.command("profile")
@click.option("--profile", "which", default="load", show_default=True,
              help="load (1.0.99.1.0), daily (1.0.98.2.0), monthly (1.0.98.1.0) or an OBIS code.")  # fmt: skip
@click.option("--from", "start_text", metavar="WHEN", help="Start, in the meter's zone unless an offset is given.")
@click.option("--to", "end_text", metavar="WHEN", help="End (exclusive) [now].")
@target_options
@output_options
def profile_command(
    target: TargetOptions, which: str, start_text: str | None, end_text: str | None, as_json: bool, trace: bool
) -> None:
    """Profile rows captured in [--from, --to): default the last day (load), month (daily), year (monthly).

    \b
    uchet profile --meter dl-201 --from 2025-06-01 --to 2025-06-02
    uchet profile --meter dl-201 --profile daily --from '2025-05-01 00:00' --json
    Times: UTC ISO and the meter's local time (--tz to choose another zone).
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    dlms_only(resolved, "profiles")
    try:
        profile = PROFILES.get(which) or Obis.parse(which)
    except ValueError:
        raise click.BadParameter(
            f"{which!r}: use load, daily, monthly or an OBIS code", param_hint="--profile"
        ) from None
    end = parse_when(end_text, resolved.timezone, "--to") if end_text else datetime.now(UTC)
    span = DEFAULT_SPAN.get(profile, timedelta(days=1))
    start = parse_when(start_text, resolved.timezone, "--from") if start_text else end - span
    if start >= end:
        raise click.BadParameter("--from must be before --to", param_hint="--from")
    what = f"profile {profile} from {local_text(start, resolved.timezone)} to {local_text(end, resolved.timezone)}"
    with meter_session(resolved, out, what) as session:
        rows = session.read_profile(profile, start, end)
    if as_json:
        for row in rows:
            out.record(profile_json(row, resolved.timezone))
        return
    if not rows:
        click.echo("no rows in this range (the meter keeps a load profile for about 182 days)")
        return
    click.echo(profile_table(rows, resolved.timezone))
    click.echo(f"{len(rows)} row(s)")


def event_json(event: Event, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "journal": event.journal,
        "journal_name": journal_name(event.journal),
        "ts": event.ts,
        "local": event.ts.astimezone(tz).isoformat(),
        "code": event.code,
        "text": event.text,
        "data": event.data,
    }


@click.command("journal")
@click.option("--journal", "journals", type=click.IntRange(0, 13), multiple=True,
              help="Journal number 0..13 of 0.0.99.98.N (repeatable) [all].")  # fmt: skip
@click.option("--from", "start_text", metavar="WHEN", help="Events at or after this time [7 days ago].")
@target_options
@output_options
def journal_command(
    target: TargetOptions, journals: tuple[int, ...], start_text: str | None, as_json: bool, trace: bool
) -> None:
    """СПОДЭС event journals, decoded in Russian, oldest first.

    \b
    Journals: 0 напряжение, 1 токи, 2 включения/выключения, 3 программирование, 4 внешние воздействия,
    5 соединения, 6 несанкционированный доступ, 7 самодиагностика, 8 тангенс, 9 качество сети, 13 время.
    uchet journal --meter dl-201 --journal 4 --from 2025-05-01
    uchet journal --meter dl-201 --json
    """
    out = Output(as_json=as_json, trace=trace)
    resolved = resolve(target)
    dlms_only(resolved, "journals")
    since = parse_when(start_text, resolved.timezone, "--from") if start_text else datetime.now(UTC) - timedelta(days=7)
    wanted = list(journals) or sorted(JOURNAL_NAMES)
    what = f"journals {','.join(map(str, wanted))} since {local_text(since, resolved.timezone)}"
    events: list[Event] = []
    missing: list[str] = []
    with meter_session(resolved, out, what) as session:
        for number_ in wanted:
            try:
                events.extend(session.read_journal(number_, since))
            except ProtocolError as exc:
                # A meter refuses journals it does not keep; the others are still worth showing.
                missing.append(f"{number_} {journal_name(number_)}: {exc}")
    events.sort(key=lambda e: (e.ts, e.journal, e.code))
    for text in missing:
        click.echo(f"journal {text}", err=True)
    if as_json:
        for event in events:
            out.record(event_json(event, resolved.timezone))
        return
    if not events:
        click.echo("no events in this range")
        return
    tz = resolved.timezone
    rows = [
        (utc_text(e.ts), local_text(e.ts, tz), f"{e.journal} {journal_name(e.journal)}", e.code, e.text) for e in events
    ]
    click.echo(table(["UTC", "local", "journal", "code", "event"], rows, right=[3]))
    click.echo(f"{len(events)} event(s)")

"""`uchet admin …`: РЭС, settlements and meter registry imports, staff accounts, calendar overrides, the outbox.

Must not run SQL of its own: it parses CSV and arguments and calls portal/store; one transaction per command.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import sys
from typing import Any, TextIO

import click
import psycopg
from psycopg.rows import dict_row

from portal import calendar_overrides as overrides
from portal.passwords import hash_password
from portal.rules.account import check_password, normalise_email, normalise_phone
from portal.rules.contract import check_contract
from portal.rules.serial import normalise_serial
from portal.store import accounts, directory, meters
from portal.store.audit import unsent_mail


def _connect(ctx: click.Context) -> psycopg.Connection[dict[str, Any]]:
    obj = ctx.find_root().obj or {}
    dsn = (ctx.obj or {}).get("dsn") or obj.get("dsn")
    if not dsn and callable(obj.get("dsn_factory")):
        # `uchet` provides the database of its config (the embedded server by default) without us importing it.
        dsn = obj["dsn_factory"]()
    if not dsn:
        raise click.UsageError("no database: pass --dsn or set UCHET_DATABASE_URL")
    try:
        return psycopg.connect(dsn, autocommit=True, row_factory=dict_row, connect_timeout=10)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(f"cannot connect to the database: {reason}") from None


@click.group("admin")
@click.option("--dsn", envvar="UCHET_DATABASE_URL", help="PostgreSQL DSN of the uchet database.")
@click.pass_context
def admin(ctx: click.Context, dsn: str | None) -> None:
    """Directory, registry and staff administration of the portal."""
    ctx.ensure_object(dict)
    if dsn:
        ctx.obj["dsn"] = dsn


@admin.command("create-res")
@click.argument("code")
@click.argument("name")
@click.option("--timezone", default="Europe/Moscow", show_default=True, help="IANA zone of the office.")
@click.pass_context
def create_res(ctx: click.Context, code: str, name: str, timezone: str) -> None:
    """Create or rename a РЭС (district office)."""
    with _connect(ctx) as conn:
        res_id = directory.upsert_res(conn, code, name, timezone)
    click.echo(f"РЭС {code}: id {res_id}")


@admin.command("import-settlements")
@click.argument("source", type=click.File(encoding="utf-8-sig"))
@click.pass_context
def import_settlements(ctx: click.Context, source: TextIO) -> None:
    """Import settlements from CSV with columns name, district, res (РЭС code), timezone (may be empty)."""
    rows = list(csv.DictReader(source))
    with _connect(ctx) as conn, conn.transaction():
        res = {r["code"]: int(r["id"]) for r in directory.all_res(conn)}
        for number, row in enumerate(rows, start=2):
            code = (row.get("res") or "").strip()
            if code not in res:
                raise click.ClickException(f"line {number}: unknown РЭС code {code!r}")
            name = " ".join((row.get("name") or "").split())
            if len(name) < 2:
                raise click.ClickException(f"line {number}: empty settlement name")
            zone = (row.get("timezone") or "").strip() or None
            directory.upsert_settlement(conn, name, (row.get("district") or "").strip(), res[code], zone)
    click.echo(f"{len(rows)} settlements imported")


@admin.command("import-meters")
@click.argument("source", type=click.File(encoding="utf-8-sig"))
@click.option("--protocol", type=click.Choice(["dlms", "modbus"]), default="dlms", show_default=True)
@click.pass_context
def import_meters(ctx: click.Context, source: TextIO, protocol: str) -> None:
    """Import the meter registry from CSV: serial, model, contract, address, settlement[, district]."""
    rows = list(csv.DictReader(source))
    with _connect(ctx) as conn, conn.transaction():
        for number, row in enumerate(rows, start=2):
            serial = normalise_serial(row.get("serial") or "")
            if serial.serial is None:
                raise click.ClickException(f"line {number}: {serial.error}")
            contract = check_contract(row.get("contract") or "") if (row.get("contract") or "").strip() else None
            if contract is not None and contract.error:
                raise click.ClickException(f"line {number}: {contract.error}")
            settlement = _find_settlement(conn, row.get("settlement") or "", row.get("district") or "", number)
            meters.upsert_registry_meter(
                conn,
                serial=serial.serial,
                model=(row.get("model") or "").strip(),
                contract=contract.contract if contract else None,
                contract_key=contract.key if contract else None,
                object_address=(row.get("address") or "").strip(),
                settlement_id=int(settlement["id"]) if settlement else None,
                timezone=str(settlement["timezone"] or settlement["res_timezone"]) if settlement else "Europe/Moscow",
                protocol=protocol,
            )
    click.echo(f"{len(rows)} meters imported")


def _find_settlement(conn: Any, name: str, district: str, number: int) -> dict[str, Any] | None:
    if not name.strip():
        return None
    found = [r for r in directory.settlements_named(conn, name) if not district.strip() or r["district"] == district]
    if len(found) != 1:
        raise click.ClickException(f"line {number}: settlement {name!r} is unknown or ambiguous (add a district)")
    return directory.settlement(conn, int(found[0]["id"]))


@admin.command("create-user")
@click.option("--role", type=click.Choice(["staff", "dispatcher", "admin"]), required=True)
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--phone", required=True)
@click.option("--res", "res_codes", multiple=True, help="РЭС code(s) of a staff member's zone.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin instead of prompting.")
@click.pass_context
def create_user(
    ctx: click.Context,
    role: str,
    email: str,
    full_name: str,
    phone: str,
    res_codes: tuple[str, ...],
    password_stdin: bool,
) -> None:
    """Create a staff, dispatcher or admin account (the password never goes on the command line)."""
    email_ok, error = normalise_email(email)
    phone_ok, phone_error = normalise_phone(phone)
    if error or phone_error or email_ok is None or phone_ok is None:
        raise click.ClickException(error or phone_error or "bad input")
    if role == "staff" and not res_codes:
        raise click.ClickException("a staff member needs at least one --res")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass()
    problem = check_password(password, password)
    if problem:
        raise click.ClickException(problem)
    with _connect(ctx) as conn, conn.transaction():
        if accounts.email_taken(conn, email_ok):
            raise click.ClickException("this e-mail is already registered")
        user_id = accounts.create_user(
            conn, role=role, email=email_ok, full_name=full_name, phone=phone_ok, password_hash=hash_password(password)
        )
        for code in res_codes:
            res = directory.res_by_code(conn, code)
            if res is None:
                raise click.ClickException(f"unknown РЭС code {code!r}")
            accounts.assign_staff_res(conn, user_id, int(res["id"]))
    click.echo(f"user {user_id} ({role}) created")


@admin.command("outbox")
@click.pass_context
def outbox(ctx: click.Context) -> None:
    """Print mail waiting in the outbox (development without SMTP)."""
    with _connect(ctx) as conn:
        for mail in unsent_mail(conn):
            click.echo(f"#{mail['id']} to {mail['recipient']}: {mail['subject']}\n{mail['body']}\n")


@admin.command("seed-demo")
@click.pass_context
def seed_demo(ctx: click.Context) -> None:
    """Fill the database with demo РЭС, settlements, meters, people and requests; prints the password."""
    from portal.demo import seed

    with _connect(ctx) as conn:
        result = seed(conn)
    for key, email in result["emails"].items():
        click.echo(f"{key:12} {email}")
    click.echo(f"password for all demo accounts: {result['password']}")


@admin.group("calendar")
def calendar() -> None:
    """Regional days off and working days over the federal production calendar (due dates of reviews)."""


@calendar.command("add")
@click.argument("day")
@click.option("--res", "res_code", default="", help="РЭС code; without it the day applies to every РЭС.")
@click.option("--day-off/--working", "day_off", default=True, show_default=True, help="A day off or a working day.")
@click.option("--note", default="", help="Why (e.g. the regional law), shown to admins.")
@click.pass_context
def calendar_add(ctx: click.Context, day: str, res_code: str, day_off: bool, note: str) -> None:
    """Set DAY (ДД.ММ.ГГГГ or ГГГГ-ММ-ДД) as a day off or a working day; replaces an existing override."""
    with _connect(ctx) as conn:
        try:
            override = overrides.make_override(
                overrides.parse_day(day), overrides.res_id_of(conn, res_code), not day_off, note
            )
        except overrides.OverrideError as exc:
            raise click.ClickException(str(exc)) from None
        overrides.add(conn, None, override, via=f"cli:{getpass.getuser()}")
    kind = "day off" if day_off else "working day"
    click.echo(f"{override.day.isoformat()} {res_code or 'all РЭС'}: {kind}")


@calendar.command("list")
@click.option("--all", "everything", is_flag=True, help="Past overrides too (default: from a year ago).")
@click.pass_context
def calendar_list(ctx: click.Context, everything: bool) -> None:
    """Print the overrides: date, РЭС, kind, note."""
    since = None if everything else dt.date.today() - dt.timedelta(days=365)
    with _connect(ctx) as conn:
        rows = directory.calendar_override_rows(conn, since)
    if not rows:
        click.echo("no overrides")
    for row in rows:
        kind = "working" if row["is_working"] else "day off"
        click.echo(f"{row['day'].isoformat()}  {row['res_code'] or '*':12} {kind:8} {row['note']}")


@calendar.command("remove")
@click.argument("day")
@click.option("--res", "res_code", default="", help="РЭС code; without it the override of every РЭС.")
@click.pass_context
def calendar_remove(ctx: click.Context, day: str, res_code: str) -> None:
    """Remove the override of DAY (for one РЭС or for all)."""
    with _connect(ctx) as conn:
        try:
            removed = overrides.remove(
                conn,
                None,
                overrides.parse_day(day),
                overrides.res_id_of(conn, res_code),
                via=f"cli:{getpass.getuser()}",
            )
        except overrides.OverrideError as exc:
            raise click.ClickException(str(exc)) from None
    if not removed:
        raise click.ClickException("no such override")
    click.echo("removed")

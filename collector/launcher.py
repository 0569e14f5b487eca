"""`uchet run`: start the database, simulated meters, the collector and the portal together; stop them together.

Must not implement any of those parts: it only starts, watches and stops them, in the right order.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from collector.config import Config
from collector.db import Database, apply_schema, open_database, redact
from collector.demo import DemoLogins, seed_demo
from collector.localsecret import kept_secret

log = logging.getLogger(__name__)


def portal_secret(config: Config, var_dir: Path) -> str:
    """The session key from its env var; for a local run, a random key kept in var/ (never in config.yaml)."""
    return os.environ.get(config.portal.secret_key_env) or kept_secret(var_dir / "secret_key", 48)


def start_portal(config: Config, database: Database, secret: str) -> subprocess.Popen[bytes]:
    """The portal under gunicorn (a production WSGI server, not Flask's debug server)."""
    env = dict(os.environ, UCHET_DATABASE_URL=database.dsn, UCHET_PORTAL_SECRET=secret)
    host = config.portal.bind.rpartition(":")[0]
    if host in ("127.0.0.1", "localhost", "[::1]"):
        # Plain http on loopback for a local run: a Secure cookie would never come back. Behind TLS it stays Secure.
        env["UCHET_PORTAL_INSECURE_COOKIES"] = "1"
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", config.portal.bind,
        "--workers", str(config.portal.workers),
        "--access-logfile", "-",
        "--log-level", "warning",
        "portal.wsgi:app",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env)


def demo_environment(config: Config) -> dict[str, str]:
    """The env of the collector: simulated meters' demo password and HLS keys where the operator set none."""
    from collector.simulation import DEMO_AUTH_KEY, DEMO_CIPHER_KEY, DEMO_DLMS_PASSWORD

    env = dict(os.environ)
    for meter in config.meters:
        if meter.dlms is None or config.line(meter.line).kind != "simulated":
            continue
        for name, demo in (
            (meter.dlms.password_env, DEMO_DLMS_PASSWORD),
            (meter.dlms.auth_key_env, DEMO_AUTH_KEY),
            (meter.dlms.cipher_key_env, DEMO_CIPHER_KEY),
        ):
            if name:
                env.setdefault(name, demo)
    return env


def start_collector(config: Config, config_path: Path, database: Database) -> subprocess.Popen[bytes]:
    """`uchet collector run` as a child: it also serves the config's simulated meters, so `make run` shows data."""
    env = dict(demo_environment(config), UCHET_DATABASE_URL=database.dsn)
    command = [
        sys.executable,
        "-c",
        "from collector.cli import main; main()",
        "collector",
        "run",
        "--config",
        str(config_path),
    ]
    return subprocess.Popen(command, env=env)


def print_logins(logins: DemoLogins) -> None:
    """The demo people, so a newcomer can log in at once (the password stays in var/, never in a log)."""
    labels = {
        "individual": "потребитель, физическое лицо",
        "legal": "потребитель, юридическое лицо",
        "staff_north": "сотрудник РЭС (север)",
        "staff_south": "сотрудник РЭС (юг)",
        "dispatcher": "диспетчер",
        "admin": "администратор",
    }
    click.echo("demo logins:")
    for key, label in labels.items():
        if key in logins.emails:
            click.echo(f"  {logins.emails[key]:<28} {label}")
    click.echo(f"  password for all of them: {logins.password}   (kept in {logins.password_file})")


def launch(config: Config, config_path: Path) -> int:
    """Run until Ctrl-C or SIGTERM; return the exit status."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    var_dir = config.database.embedded.data_dir.parent
    database = open_database(config.database.dsn, config.database.embedded.data_dir, config.database.dsn_env)
    children: list[subprocess.Popen[bytes]] = []
    try:
        backend = apply_schema(database.dsn)
        click.echo(f"database: {database.kind} ({backend}) at {redact(database.dsn)}")
        children.append(start_collector(config, config_path, database))
        click.echo(f"collector: {len(config.meters)} meter(s) on {len(config.lines)} line(s)")
        logins = seed_demo(config, database.dsn, var_dir) if config.portal.demo_accounts else None
        children.append(start_portal(config, database, portal_secret(config, var_dir)))
        click.echo(f"portal: http://{config.portal.bind}/   (Ctrl-C stops everything)")
        if logins is not None:
            print_logins(logins)
        while not stop.wait(0.5):
            for child in children:
                if child.poll() is not None:
                    click.echo(f"a component exited with status {child.returncode}; stopping", err=True)
                    return 1
        return 0
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
        database.stop()
        click.echo("stopped")

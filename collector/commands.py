"""`uchet collector …`: run the collector daemon on a config.

Must not hold the daemon's logic: it loads the config, finds the database, starts the simulated lines the config
asks for, and runs collector.daemon until SIGTERM or Ctrl-C (then it finishes the transactions and exits 0).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from collector.cli import config_option, load_or_exit

log = logging.getLogger(__name__)


@click.group("collector")
def collector_group() -> None:
    """The meter polling daemon."""


@collector_group.command("run")
@config_option
def run(config_path: Path) -> None:
    """Poll the configured meters into the spool and the database until SIGTERM (exit 0 with the spool flushed)."""
    config = load_or_exit(config_path)
    if logging.getLogger().level > logging.DEBUG:
        # APScheduler narrates every job run at INFO: twice a second per job is noise, not news.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
    from collector.daemon import Daemon
    from collector.db import apply_schema, open_database, redact
    from collector.simulation import start_simulation

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    database = open_database(config.database.dsn, config.database.embedded.data_dir, config.database.dsn_env)
    simulation = None
    try:
        try:
            apply_schema(database.dsn)
        except Exception as exc:  # the database may be away: the spool takes the data meanwhile
            log.warning("schema not applied (%s): continuing, the store retries", exc)
        log.info("collector database: %s", redact(database.dsn))
        simulation = start_simulation(config)
        daemon = Daemon(config, database.dsn, simulation.endpoints)
        daemon.start()
        stop.wait()
        log.info("collector: stopping (finishing the transactions in progress)")
        daemon.stop()
    finally:
        if simulation is not None:
            simulation.stop()
        database.stop()
    sys.exit(0)

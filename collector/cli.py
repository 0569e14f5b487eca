"""The one console script, `uchet`: a click group whose subcommands live in their own modules.

Must not hold business logic: each subcommand delegates to the module of its concern.
"""

from __future__ import annotations

from importlib.metadata import version

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(version("uchet"), prog_name="uchet")
def main() -> None:
    """uchet: meter polling (DLMS/COSEM, Modbus), storage in PostgreSQL/TimescaleDB and a consumer portal.

    Start everything with `uchet run --config config.yaml`; diagnose a meter with
    `uchet doctor`, `uchet read`, `uchet scan`.
    """

"""The engineer CLI: scan a line, read a meter, profiles, journals, clock, doctor, status — with the drivers.

Must not be imported by the daemon's polling path: these are one-off commands registered on `uchet` (cli.py).
"""

from __future__ import annotations

import click


def commands() -> list[click.Command]:
    """Every diagnostic command, imported when the `uchet` group is built."""
    from collector.diagnostics.clock import clock_command
    from collector.diagnostics.doctor import doctor_command
    from collector.diagnostics.history import journal_command, profile_command
    from collector.diagnostics.readings import nameplate_command, read_command
    from collector.diagnostics.scan import scan_command
    from collector.diagnostics.status import status_command

    return [
        scan_command,
        read_command,
        nameplate_command,
        profile_command,
        journal_command,
        clock_command,
        doctor_command,
        status_command,
    ]

"""Demo accounts for `uchet run` on the sample fleet: the portal's demo people, owning the configured meters.

Must not run unless the config asks for it (portal.demo_accounts): a real installation has no demo people.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from collector import registry
from collector.config import Config
from collector.localsecret import kept_secret

# Who owns which meter of the sample config.yaml: a household with two meters, a company with four.
# Meters not listed belong to nobody in the demo; РЭС staff still see them in their zone.
DEMO_OWNERS = {
    "dl-202": "individual",
    "mb-102": "individual",
    "dl-201": "legal",
    "mb-101": "legal",
    "dl-501": "legal",
    "mb-601": "legal",
}


@dataclass(frozen=True)
class DemoLogins:
    emails: dict[str, str]  # role key → e-mail
    password: str
    password_file: Path


def seed_demo(config: Config, dsn: str, var_dir: Path) -> DemoLogins:
    """Idempotent: people by e-mail, meters by code; the individual and the legal entity share the fleet."""
    # The composition root may wire the portal's seeding in; collector code proper never imports portal.
    from portal import demo

    # One random password for every demo account, made once so a second run prints the same.
    path = var_dir / "demo_password"
    password = kept_secret(path, 9)
    with psycopg.connect(dsn, autocommit=True) as plain:
        meter_ids = registry.sync_meters(plain, config.meters)
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        ids = demo.seed(conn, password)
        fleet = [
            (meter_ids[meter.id], DEMO_OWNERS.get(meter.id), f"ЭС-{3000 + n}") for n, meter in enumerate(config.meters)
        ]
        with conn.transaction():
            demo.attach_meters(conn, ids, fleet)
    return DemoLogins(emails=dict(ids["emails"]), password=password, password_file=path)

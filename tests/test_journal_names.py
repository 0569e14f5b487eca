"""The journal names live twice (the portal may not import drivers): the engineer CLI and the portal must agree."""

from __future__ import annotations

from drivers.dlms.journal import JOURNAL_NAMES
from portal.events_page import JOURNALS


def test_cli_and_portal_name_the_journals_alike() -> None:
    assert JOURNAL_NAMES == JOURNALS

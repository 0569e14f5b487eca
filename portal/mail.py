"""Outgoing mail: every message goes to the outbox table; with no SMTP configured only the log hears of it.

Must not log the recipient or the body (personal data, reset links): only the outbox id and the subject.
"""

from __future__ import annotations

import logging

from portal.db import Conn
from portal.store import audit as audit_store

log = logging.getLogger(__name__)


def send(conn: Conn, recipient: str, subject: str, body: str) -> int:
    mail_id = audit_store.queue_mail(conn, recipient, subject, body)
    # A sender process (or `uchet portal admin outbox`) delivers it; the id is enough to find it.
    log.info("mail #%s queued: %s", mail_id, subject)
    return mail_id

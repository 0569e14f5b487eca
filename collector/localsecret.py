"""Secrets a local run makes for itself (the portal's session key, the demo password), kept in var/ with mode 0600.

Must not be used for secrets an operator provides: those come from environment variables, never from files here.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def kept_secret(path: Path, nbytes: int) -> str:
    """The secret in `path`, made once (random, URL-safe) and read back on every later run."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together must not both write; the loser reads the winner's value.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()

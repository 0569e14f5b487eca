"""Secrets a local run makes for itself (the portal's session key, the demo password), kept in var/ with mode 0600.

Must not be used for secrets an operator provides: those come from environment variables, never from files here.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def kept_secret(path: Path, nbytes: int) -> str:
    """The secret in `path`, made once (random, URL-safe) and read back on every later run."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private file, then linked into place: a process starting at the same time never reads
        # a half-written (or empty) secret, and link() refuses to replace the winner's value.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(nbytes))
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # the other process won: read its value
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()

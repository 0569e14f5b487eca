"""gunicorn entry point: `gunicorn 'portal.wsgi:app'` with UCHET_DATABASE_URL and UCHET_PORTAL_SECRET set.

Must not start servers or seed data; it only builds the app from the environment.
"""

from __future__ import annotations

import os

from portal import create_app

app = create_app(
    {
        "DATABASE_URL": os.environ.get("UCHET_DATABASE_URL", ""),
        "SECRET_KEY": os.environ.get("UCHET_PORTAL_SECRET", ""),
        "SESSION_COOKIE_SECURE": os.environ.get("UCHET_PORTAL_INSECURE_COOKIES") != "1",
    }
)

"""Languages: Russian by default, English selectable (a cookie set by /lang/<code>).

Must not translate domain data (settlement names, reasons stored in rows): only the portal's own texts.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = ("ru", "en")
COOKIE = "uchet_lang"


def _locale() -> str:
    chosen = request.cookies.get(COOKIE)
    return chosen if chosen in LANGUAGES else "ru"


def init_i18n(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "ru")
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Moscow")
    Babel(app, locale_selector=_locale)
    # Reference rows that carry both languages (obis.name_ru / name_en) pick their column by this.
    app.context_processor(lambda: {"locale": _locale()})

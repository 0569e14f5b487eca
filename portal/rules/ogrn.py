"""ОГРН (13 digits) and ОГРНИП (15 digits): check digits, first digit, and the year digits of the record.

Written here because python-stdnum 2.2 is wrong for ОГРНИП remainders 10–12. Must not fetch ЕГРЮЛ.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class OgrnCheck:
    number: str | None
    error: str | None


def check_ogrn(typed: str) -> OgrnCheck:
    """Validate an ОГРН or ОГРНИП; the error is a Russian sentence for the form."""
    text = "".join((typed or "").split())
    if not text:
        return OgrnCheck(None, "Укажите номер записи в ЕГРЮЛ или ЕГРИП")
    if not text.isascii() or not text.isdigit():
        return OgrnCheck(None, "Номер записи должен состоять только из цифр")
    if len(text) == 13:
        if text[0] not in "15":
            return OgrnCheck(None, "ОГРН должен начинаться с цифры 1 или 5")
        if int(text[:12]) % 11 % 10 != int(text[12]):
            return OgrnCheck(None, "Неверный ОГРН: не сходится контрольная цифра")
        return OgrnCheck(text, None)
    if len(text) == 15:
        if text[0] != "3":
            return OgrnCheck(None, "ОГРНИП должен начинаться с цифры 3")
        # Remainders 10, 11, 12 give check digits 0, 1, 2: the "mod 10" matters here.
        if int(text[:14]) % 13 % 10 != int(text[14]):
            return OgrnCheck(None, "Неверный ОГРНИП: не сходится контрольная цифра")
        return OgrnCheck(text, None)
    return OgrnCheck(None, "ОГРН содержит 13 цифр, ОГРНИП — 15 цифр")


# A template (not an f-string) so that the portal can look the same sentence up in its English catalogue.
YEAR_MISMATCH = (
    "Год записи в номере (%(digits)s) не совпадает с годом даты внесения в реестр (%(year)s). Проверьте данные."
)


def year_mismatch_warning(number: str, registry_date: dt.date) -> str | None:
    """Digits 2–3 are the year of the record; a mismatch is a warning only (re-registrations happen)."""
    if registry_date.year % 100 == int(number[1:3]):
        return None
    return YEAR_MISMATCH % {"digits": number[1:3], "year": registry_date.year}


def check_registry_date(typed: str, today: dt.date) -> tuple[dt.date | None, str | None]:
    """Parse ДД.ММ.ГГГГ (or the ISO form a date picker sends); it must be real and not in the future."""
    text = (typed or "").strip()
    if not text:
        return None, "Укажите дату внесения в реестр"
    try:
        if "." in text:
            day, month, year = (int(part) for part in text.split("."))
            value = dt.date(year, month, day)
        else:
            value = dt.date.fromisoformat(text)
    except ValueError:
        return None, "Укажите дату в формате ДД.ММ.ГГГГ"
    if value > today:
        return None, "Дата внесения в реестр не может быть в будущем"
    if value.year < 1991:
        return None, "Дата внесения в реестр слишком ранняя"
    return value, None

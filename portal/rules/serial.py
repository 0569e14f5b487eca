"""Meter serial numbers: normalisation of what a consumer types and the key used to match the registry.

Must not know about forms or the database; returns either a normalised serial or a Russian error.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Cyrillic letters that look like Latin ones: consumers copy serials from nameplates and type them on a
# Russian keyboard, so «А123» and "A123" must be the same meter.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_SEPARATORS = re.compile(r"[\s\-_./]+")
_VALID = re.compile(r"^[0-9A-Z]{4,20}$")


@dataclass(frozen=True)
class SerialCheck:
    serial: str | None
    error: str | None


def normalise_serial(typed: str) -> SerialCheck:
    """Return the serial as stored (leading zeros kept) or a Russian error for the form."""
    # «№» first: NFKC would turn it into "No".
    text = (typed or "").strip().lstrip("№").strip()
    text = unicodedata.normalize("NFKC", text).strip()
    text = text.upper().translate(_LOOKALIKES)
    text = _SEPARATORS.sub("", text)
    if not text:
        return SerialCheck(None, "Укажите серийный номер прибора учета")
    if not re.fullmatch(r"[0-9A-Z]*", text):
        return SerialCheck(None, "Серийный номер может содержать только цифры и латинские буквы")
    if not _VALID.fullmatch(text):
        return SerialCheck(None, "Серийный номер должен содержать от 4 до 20 символов")
    return SerialCheck(text, None)


def serial_key(serial: str) -> str:
    """Match key: polling software often stores serials as integers, so leading zeros are dropped."""
    return serial.lstrip("0") or "0"

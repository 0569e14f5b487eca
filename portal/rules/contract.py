"""Contract (договор энергоснабжения) and personal account (лицевой счёт) numbers.

There is no national format: only a syntax check and a match key. Must not guess which company issued it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_ALLOWED = re.compile(r"^[0-9A-ZА-ЯЁ/.\- ]{3,30}$")
_KEY_DROP = re.compile(r"[\s\-.]+")
# Same look-alike folding as serials: registries mix Cyrillic and Latin letters in contract prefixes.
_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХЁ", "ABEKMHOPCTYXE")


@dataclass(frozen=True)
class ContractCheck:
    contract: str | None
    key: str | None
    error: str | None


def check_contract(typed: str) -> ContractCheck:
    """Return the number as typed (trimmed, without «№») and its match key, or a Russian error."""
    # «№» first: NFKC would turn it into "No".
    text = (typed or "").strip().lstrip("№").strip()
    text = unicodedata.normalize("NFKC", text).strip()
    text = re.sub(r"\s+", " ", text)
    if not text:
        return ContractCheck(None, None, "Укажите номер договора энергоснабжения или номер лицевого счета")
    upper = text.upper()
    if len(upper) < 3 or len(upper) > 30:
        return ContractCheck(None, None, "Номер договора или лицевого счета должен содержать от 3 до 30 символов")
    if not _ALLOWED.fullmatch(upper):
        return ContractCheck(None, None, "Номер может содержать только цифры, буквы, пробел и знаки «/», «.», «-»")
    key = contract_key(upper)
    if len(key) < 3:
        return ContractCheck(None, None, "Номер договора или лицевого счета слишком короткий")
    return ContractCheck(text, key, None)


def contract_key(text: str) -> str:
    """Key for matching the registry: case, spaces, dots, dashes and look-alike letters do not matter."""
    return _KEY_DROP.sub("", text.upper()).translate(_LOOKALIKES)

"""Registration fields: phone, e-mail, names, password strength.

Must not hash or store anything: it only normalises and explains, in Russian, what is wrong.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PASSWORD_MIN = 10


def normalise_phone(typed: str) -> tuple[str | None, str | None]:
    """Return +7XXXXXXXXXX style (digits with a leading plus) or an error; staff will dial it."""
    digits = re.sub(r"[\s()\-.]", "", typed or "")
    if not digits:
        return None, "Укажите номер телефона"
    plus = digits.startswith("+")
    digits = digits.lstrip("+")
    if not digits.isascii() or not digits.isdigit():
        return None, "Номер телефона может содержать только цифры"
    # A Russian number typed the domestic way: 8 (912) … → +7 912 …
    if not plus and len(digits) == 11 and digits[0] == "8":
        digits = "7" + digits[1:]
    elif not plus and len(digits) == 10:
        digits = "7" + digits
    if not 10 <= len(digits) <= 15:
        return None, "Укажите номер телефона полностью, например +7 912 345-67-89"
    return "+" + digits, None


def normalise_email(typed: str) -> tuple[str | None, str | None]:
    text = (typed or "").strip()
    if not text:
        return None, "Укажите адрес электронной почты"
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        return None, "Неверный адрес электронной почты"
    return text, None


def check_name(typed: str, what: str) -> tuple[str | None, str | None]:
    text = re.sub(r"\s+", " ", (typed or "").strip())
    if len(text) < 2:
        return None, f"Укажите {what}"
    if len(text) > 200:
        return None, f"Слишком длинное значение поля «{what}»"
    return text, None


def check_password(password: str, repeated: str) -> str | None:
    if len(password or "") < PASSWORD_MIN:
        return f"Пароль должен содержать не менее {PASSWORD_MIN} символов"
    if len(password) > 200:
        return "Слишком длинный пароль"
    if len(set(password)) < 4:
        return "Пароль слишком простой"
    if password != repeated:
        return "Пароли не совпадают"
    return None

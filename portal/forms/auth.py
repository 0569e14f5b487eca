"""Registration, login and password-reset forms (CSRF through Flask-WTF).

Must not store anything; after validate() the normalised values are in the `clean` dict.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.rules import account

CONSENT_VERSION = "2025-01"


class RegisterForm(FlaskForm):  # type: ignore[misc]  # flask-wtf is untyped
    kind = RadioField(
        lazy_gettext("Тип потребителя"),
        choices=[
            SelectChoice("individual", lazy_gettext("Физическое лицо")),
            SelectChoice("legal", lazy_gettext("Юридическое лицо или ИП")),
        ],
        default="individual",
    )
    full_name = StringField(lazy_gettext("ФИО"))
    organisation = StringField(lazy_gettext("Наименование организации"))
    phone = TelField(lazy_gettext("Телефон"))
    email = EmailField(lazy_gettext("Адрес электронной почты"))
    password = PasswordField(lazy_gettext("Пароль"))
    password2 = PasswordField(lazy_gettext("Пароль ещё раз"))
    consent = BooleanField(lazy_gettext("Даю согласие на обработку персональных данных"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clean: dict[str, Any] = {}

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in ("individual", "legal"):
            raise ValidationError(gettext("Выберите тип потребителя"))
        self.clean["kind"] = field.data

    def validate_full_name(self, field: StringField) -> None:
        what = "ФИО контактного лица" if self.kind.data == "legal" else "фамилию, имя и отчество"
        value, error = account.check_name(field.data or "", what)
        if error:
            raise ValidationError(gettext(error))
        self.clean["full_name"] = value

    def validate_organisation(self, field: StringField) -> None:
        if self.kind.data != "legal":
            self.clean["organisation"] = None
            return
        value, error = account.check_name(field.data or "", "наименование организации")
        if error:
            raise ValidationError(gettext(error))
        self.clean["organisation"] = value

    def validate_phone(self, field: TelField) -> None:
        value, error = account.normalise_phone(field.data or "")
        if error:
            raise ValidationError(gettext(error))
        self.clean["phone"] = value

    def validate_email(self, field: EmailField) -> None:
        value, error = account.normalise_email(field.data or "")
        if error:
            raise ValidationError(gettext(error))
        self.clean["email"] = value

    def validate_password2(self, field: PasswordField) -> None:
        error = account.check_password(self.password.data or "", field.data or "")
        if error:
            raise ValidationError(gettext(error))

    def validate_consent(self, field: BooleanField) -> None:
        if not field.data:
            raise ValidationError(gettext("Без согласия на обработку персональных данных регистрация невозможна"))


class LoginForm(FlaskForm):  # type: ignore[misc]  # flask-wtf is untyped
    email = EmailField(lazy_gettext("Адрес электронной почты"))
    password = PasswordField(lazy_gettext("Пароль"))


class ResetRequestForm(FlaskForm):  # type: ignore[misc]  # flask-wtf is untyped
    email = EmailField(lazy_gettext("Адрес электронной почты"))


class ResetForm(FlaskForm):  # type: ignore[misc]  # flask-wtf is untyped
    password = PasswordField(lazy_gettext("Новый пароль"))
    password2 = PasswordField(lazy_gettext("Новый пароль ещё раз"))

    def validate_password2(self, field: PasswordField) -> None:
        error = account.check_password(self.password.data or "", field.data or "")
        if error:
            raise ValidationError(gettext(error))

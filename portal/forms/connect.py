"""The «Подключить ПУ» form, for individuals and for legal entities (the account's kind picks the fields).

Must not route the request: it only checks the fields of DOMAIN.md §1 and collects warnings. A warning (the
year digits of the ОГРН against the registry date) holds the form back until the applicant confirms it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField
from wtforms.validators import ValidationError

from portal.rules.contract import check_contract
from portal.rules.ogrn import YEAR_MISMATCH, check_ogrn, check_registry_date, year_mismatch_warning
from portal.rules.serial import normalise_serial

SETTLEMENT_PLACEHOLDER = "Выберите из списка или укажите другой населенный пункт"
WARNING_CAUTION = "Будьте внимательны, ошибка при вводе данных приведёт к отклонению заявки."
# Field errors come from portal/rules in Russian; gettext(msgid) looks the same sentence up in the catalogue,
# so English speakers read them in English while the rules stay free of Flask.
# The easternmost zone decides "today": a date is in the future only if it is so everywhere in Russia.
_EASTERNMOST = ZoneInfo("Asia/Kamchatka")


class _RegistryDateField(DateField):  # type: ignore[misc]  # wtforms is untyped
    """Keeps the typed text; parsing and its Russian errors are in rules/ogrn.check_registry_date."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.raw_text = valuelist[0] if valuelist else ""
        self.data = None


class ConnectForm(FlaskForm):  # type: ignore[misc]  # flask-wtf is untyped
    settlement = StringField(lazy_gettext("Населенный пункт"))
    settlement_id = HiddenField()
    serial = StringField(lazy_gettext("Серийный номер прибора учета"))
    contract = StringField(lazy_gettext("Номер договора энергоснабжения или номер лицевого счета"))
    org_name = StringField(lazy_gettext("Наименование организации"))
    ogrn = StringField(lazy_gettext("Номер записи в ЕГРЮЛ или ЕГРИП"))
    registry_date = _RegistryDateField(lazy_gettext("Дата внесения в реестр"))
    # The value is the pair the applicant saw the warning for: a tick carried over to other numbers counts not.
    confirm = StringField(lazy_gettext("Подтверждаю, данные верны"))

    def __init__(self, *args: Any, legal: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.legal = legal
        self.clean: dict[str, Any] = {}
        self.warnings: list[str] = []
        self.confirmed = False
        if not legal:
            del self.org_name
            del self.ogrn
            del self.registry_date
            del self.confirm

    def validate_settlement(self, field: StringField) -> None:
        text = " ".join((field.data or "").split())
        if len(text) < 2:
            raise ValidationError(gettext("Выберите населенный пункт из списка или укажите другой"))
        if len(text) > 200:
            raise ValidationError(gettext("Слишком длинное название населенного пункта"))
        self.clean["settlement"] = text

    def validate_serial(self, field: StringField) -> None:
        check = normalise_serial(field.data or "")
        if check.error:
            raise ValidationError(gettext(check.error))
        self.clean["serial_typed"] = (field.data or "").strip()
        self.clean["serial"] = check.serial

    def validate_contract(self, field: StringField) -> None:
        check = check_contract(field.data or "")
        if check.error:
            raise ValidationError(gettext(check.error))
        self.clean["contract_typed"] = check.contract
        self.clean["contract_key"] = check.key

    def validate_org_name(self, field: StringField) -> None:
        text = " ".join((field.data or "").split())
        if len(text) < 2:
            raise ValidationError(gettext("Укажите наименование организации"))
        if len(text) > 300:
            raise ValidationError(gettext("Слишком длинное наименование организации"))
        self.clean["org_name"] = text

    def validate_ogrn(self, field: StringField) -> None:
        check = check_ogrn(field.data or "")
        if check.error:
            raise ValidationError(gettext(check.error))
        self.clean["ogrn"] = check.number

    def validate_registry_date(self, field: _RegistryDateField) -> None:
        today = dt.datetime.now(_EASTERNMOST).date()
        value, error = check_registry_date(getattr(field, "raw_text", ""), today)
        if error:
            raise ValidationError(gettext(error))
        self.clean["registry_date"] = value

    @property
    def confirm_key(self) -> str:
        """What the «Подтверждаю» box confirms: the number and the date as checked."""
        return f"{self.clean.get('ogrn')}|{self.clean.get('registry_date')}"

    @property
    def shown_warnings(self) -> list[str]:
        """The warnings in the visitor's language (the stored ones stay Russian, for the employee)."""
        if not self.warnings:
            return []
        number, day = self.clean["ogrn"], self.clean["registry_date"]
        return [gettext(YEAR_MISMATCH, digits=number[1:3], year=day.year)]

    @property
    def needs_confirmation(self) -> bool:
        """Valid fields with a warning the applicant has not confirmed yet: show it, do not submit."""
        return bool(self.warnings) and not self.confirmed

    def validate(self, extra_validators: Any = None) -> bool:
        ok = bool(super().validate(extra_validators))
        self.confirmed = False
        if ok and self.legal:
            warning = year_mismatch_warning(self.clean["ogrn"], self.clean["registry_date"])
            if warning:
                self.warnings.append(warning)
                # A warning, not an error (re-registrations happen): the request goes once confirmed, and
                # the warning stays with it for the employee.
                self.confirmed = (self.confirm.data or "") == self.confirm_key
                return self.confirmed
        return ok

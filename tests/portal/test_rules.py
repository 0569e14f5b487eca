"""Every rule of DOMAIN.md §1 with valid and invalid examples, and the working-day calendar."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from portal.rules.account import check_password, normalise_email, normalise_phone
from portal.rules.calendar import due_date, is_working_day, last_decree_year
from portal.rules.contract import check_contract
from portal.rules.ogrn import OgrnCheck, check_ogrn, check_registry_date, year_mismatch_warning
from portal.rules.serial import normalise_serial, serial_key

MSK = ZoneInfo("Europe/Moscow")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("00123456", "00123456"),
        ("№ 0012-3456", "00123456"),
        ("а123 в45", "A123B45"),  # Cyrillic look-alikes typed on a Russian keyboard
        ("ＡＢ１２３４", "AB1234"),  # full-width forms, NFKC
        ("12.34/56_78", "12345678"),
        ("ab12", "AB12"),
    ],
)
def test_serial_normalised(typed: str, expected: str) -> None:
    assert normalise_serial(typed).serial == expected


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Укажите серийный номер прибора учета"),
        ("123", "от 4 до 20 символов"),
        ("1" * 21, "от 4 до 20 символов"),
        ("12Ж456", "только цифры и латинские буквы"),
        ("1234#", "только цифры и латинские буквы"),
    ],
)
def test_serial_errors(typed: str, error: str) -> None:
    check = normalise_serial(typed)
    assert check.serial is None
    assert check.error is not None
    assert error in check.error


def test_serial_key_drops_leading_zeros() -> None:
    assert serial_key("00123456") == "123456"
    assert serial_key("0000") == "0"


@pytest.mark.parametrize(
    ("typed", "contract", "key"),
    [
        ("№ ЭС-1001", "ЭС-1001", "ЭC1001"),
        ("лс 2002/15", "лс 2002/15", "ЛC2002/15"),
        ("  123  ", "123", "123"),
        ("ab.12-3", "ab.12-3", "AB123"),
    ],
)
def test_contract_valid(typed: str, contract: str, key: str) -> None:
    check = check_contract(typed)
    assert (check.contract, check.key, check.error) == (contract, key, None)


def test_contract_key_folds_lookalikes() -> None:
    assert check_contract("ЕК 77").key == check_contract("EK-77").key


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Укажите номер"),
        ("12", "от 3 до 30"),
        ("1" * 31, "от 3 до 30"),
        ("12#4", "только цифры"),
        ("1-2", "короткий"),
    ],
)
def test_contract_invalid(typed: str, error: str) -> None:
    check = check_contract(typed)
    assert check.key is None
    assert check.error is not None
    assert error in check.error


@pytest.mark.parametrize(
    "number",
    ["1027700132195", "1087760000019", "1026600123550", "325665800123452", "398386756508891", "301107043419252"],
)
def test_ogrn_valid(number: str) -> None:
    assert check_ogrn(number) == OgrnCheck(number, None)


def test_ogrnip_remainders_ten_to_twelve() -> None:
    # Remainders 10–12 give check digits 0–2: python-stdnum 2.2 rejects these.
    found = {}
    for body in range(30000000000000, 30000000000400):
        remainder = body % 13
        if remainder >= 10:
            found[remainder] = f"{body}{remainder % 10}"
    assert set(found) == {10, 11, 12}
    for number in found.values():
        assert check_ogrn(number).number == number


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("1027700132196", "контрольная цифра"),
        ("2027700132195", "начинаться с цифры 1 или 5"),
        ("325665800123453", "контрольная цифра"),
        ("425665800123452", "начинаться с цифры 3"),
        ("10277001321", "13 цифр"),
        ("10277OO132195", "только из цифр"),
        ("", "Укажите номер"),
    ],
)
def test_ogrn_invalid(number: str, error: str) -> None:
    check = check_ogrn(number)
    assert check.number is None
    assert check.error is not None
    assert error in check.error


def test_registry_date_rules() -> None:
    today = dt.date(2025, 6, 1)
    assert check_registry_date("01.08.2002", today) == (dt.date(2002, 8, 1), None)
    assert check_registry_date("2002-08-01", today) == (dt.date(2002, 8, 1), None)
    assert "будущем" in (check_registry_date("02.06.2025", today)[1] or "")
    assert "ДД.ММ.ГГГГ" in (check_registry_date("31.02.2020", today)[1] or "")
    assert "Укажите" in (check_registry_date("", today)[1] or "")


def test_year_digits_mismatch_is_a_warning() -> None:
    assert year_mismatch_warning("1027700132195", dt.date(2002, 8, 1)) is None
    warning = year_mismatch_warning("1027700132195", dt.date(2010, 8, 1))
    assert warning is not None
    assert "не совпадает" in warning


def test_account_fields() -> None:
    assert normalise_phone("8 (912) 345-67-89") == ("+79123456789", None)
    assert normalise_phone("912 345 67 89") == ("+79123456789", None)
    assert normalise_phone("+7 343 200-00-00") == ("+73432000000", None)
    assert normalise_phone("12-34")[1] is not None
    assert normalise_email(" a@b.ru ") == ("a@b.ru", None)
    assert normalise_email("a@b")[1] is not None
    assert check_password("short", "short") is not None
    assert check_password("long-enough-1", "long-enough-2") == "Пароли не совпадают"
    assert check_password("long-enough-1", "long-enough-1") is None


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (dt.datetime(2026, 12, 28, 10, 0, tzinfo=MSK), dt.date(2027, 1, 13)),  # New Year holidays
        (dt.datetime(2026, 4, 29, 10, 0, tzinfo=MSK), dt.date(2026, 5, 7)),  # May holidays
        (dt.datetime(2026, 4, 29, 23, 30, tzinfo=MSK), dt.date(2026, 5, 7)),
        (dt.datetime(2025, 6, 2, 9, 0, tzinfo=MSK), dt.date(2025, 6, 9)),  # plain week
    ],
)
def test_due_date(submitted: dt.datetime, due: dt.date) -> None:
    result = due_date(submitted, "Europe/Moscow")
    assert result.day == due
    assert not result.approximate
    assert result.ends_at.tzinfo is not None
    assert result.ends_at.time() == dt.time(23, 59, 59)


def test_due_date_counts_in_the_res_zone() -> None:
    # 20:30 UTC on Tue 2026-04-28 is already Wed 29 in Yekaterinburg (UTC+5), still Tue in Kaliningrad.
    submitted = dt.datetime(2026, 4, 28, 20, 30, tzinfo=dt.UTC)
    assert due_date(submitted, "Asia/Yekaterinburg").day == dt.date(2026, 5, 7)
    assert due_date(submitted, "Europe/Kaliningrad").day == dt.date(2026, 5, 6)


def test_working_saturday_and_overrides() -> None:
    assert is_working_day(dt.date(2027, 2, 20))  # a Saturday made working by the 2027 decree
    assert not is_working_day(dt.date(2027, 2, 22))
    regional = {dt.date(2025, 6, 3): False}
    assert due_date(dt.datetime(2025, 6, 2, 9, tzinfo=MSK), "Europe/Moscow", regional).day == dt.date(2025, 6, 10)


def test_past_last_decree_is_approximate() -> None:
    year = last_decree_year() + 1
    result = due_date(dt.datetime(year, 3, 2, 10, tzinfo=MSK), "Europe/Moscow")
    assert result.approximate


def test_naive_datetime_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_date(dt.datetime(2026, 1, 1), "Europe/Moscow")

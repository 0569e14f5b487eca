"""English next to Russian: every message of the templates and forms is in the English catalogue, and the forms,
their field errors and the meter pages read in English once chosen; Russian stays the default, word for word.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.portal.conftest import Auth
from tests.portal.test_requests import LEGAL_OK, submit

PORTAL = Path(__file__).resolve().parents[2] / "portal"
CATALOGUE = PORTAL / "translations" / "en" / "LC_MESSAGES" / "messages.po"
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def test_every_message_of_the_portal_is_translated() -> None:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PORTAL), method_map, keywords={"_": None, "gettext": None, "lazy_gettext": None}
        )
    }
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    missing = sorted(m for m in found if not (catalogue.get(m) and catalogue.get(m).string))
    assert not missing, f"add to {CATALOGUE.name} and compile (pybabel compile -d portal/translations): {missing}"


def test_connect_form_and_its_errors_in_english(client: Any, auth: Auth, people: Any) -> None:
    client.get("/lang/en")
    auth.login(people["emails"]["legal"])
    page = client.get("/meters/connect").get_data(as_text=True)
    assert "Meter serial number" in page
    assert "OGRN / OGRNIP record number" in page
    bad = {**LEGAL_OK, "serial": "12", "contract": "#", "ogrn": "1027700132196", "registry_date": "2999-01-01"}
    page = submit(auth, bad).get_data(as_text=True)
    errors = re.findall(r'class="field__error">([^<]+)<', page)
    assert "Invalid OGRN: the check digit does not match" in errors
    assert "The registry date cannot be in the future" in errors
    assert len(errors) == 4
    assert not [e for e in errors if CYRILLIC.search(e)], errors
    warned = submit(auth, {**LEGAL_OK, "registry_date": "01.08.2010"}).get_data(as_text=True)
    assert "does not match the year of the registry date (2010)" in warned
    assert "I confirm the data are correct" in warned


def test_register_errors_in_english(client: Any, auth: Auth) -> None:
    client.get("/lang/en")
    data = {"kind": "individual", "full_name": "", "phone": "12", "email": "x", "password": "short", "password2": ""}
    page = auth.post("/register", data).get_data(as_text=True)
    errors = re.findall(r'class="field__error">([^<]+)<', page)
    assert "Enter your full name" in errors
    assert "Registration is not possible without consent to personal data processing" in errors
    assert not [e for e in errors if CYRILLIC.search(e)], errors


def test_meter_page_in_english(client: Any, auth: Auth, collected: dict[str, Any]) -> None:
    client.get("/lang/en")
    auth.login(collected["emails"]["individual"])
    page = client.get(f"/meters/{collected['meter_id']}/readings").get_data(as_text=True)
    for text in ("Current readings", "Load profile", "Consumption by day", "Half-hour intervals:"):
        assert text in page
    device = client.get(f"/meters/{collected['meter_id']}/device").get_data(as_text=True)
    assert "Meter passport" in device


def test_russian_labels_stay_those_of_the_seed(client: Any, auth: Auth, people: Any) -> None:
    auth.login(people["emails"]["legal"])
    page = client.get("/meters/connect").get_data(as_text=True)
    for label in (
        "Серийный номер прибора учета",
        "Номер договора энергоснабжения или номер лицевого счета",
        "Наименование организации",
        "Номер записи в ЕГРЮЛ или ЕГРИП",
        "Дата внесения в реестр",
        "Выберите из списка или укажите другой населенный пункт",
        "Добавить",
    ):
        assert label in page

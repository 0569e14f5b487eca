"""Russian texts of СПОДЭС event codes, per journal 0.0.99.98.n, loaded from the data files in events/.

Must not read meters: it only names codes. The tables are data (events/*.yaml), each citing its source.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml


@functools.cache
def _tables() -> dict[int, dict[int, str]]:
    tables: dict[int, dict[int, str]] = {}
    folder = resources.files("drivers.dlms") / "events"
    for entry in folder.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
        tables[int(doc["journal"])] = {int(code): str(text) for code, text in doc["codes"].items()}
    return tables


def journal_name(journal: int) -> str:
    return JOURNAL_NAMES.get(journal, f"журнал {journal}")


def event_text(journal: int, code: int) -> str:
    """The Russian text of a code; an unknown code says so with its number (a new firmware, a vendor code)."""
    text = _tables().get(journal, {}).get(code)
    return text if text is not None else f"Неизвестное событие (журнал {journal}, код {code})"


JOURNAL_NAMES = {
    0: "Напряжение",
    1: "Токи",
    2: "Включения/выключения, коммутация реле",
    3: "Коррекция данных, программирование",
    4: "Внешние воздействия",
    5: "Соединения",
    6: "Несанкционированный доступ",
    7: "Самодиагностика",
    8: "Превышение тангенса",
    9: "Качество сети",
    10: "Дискретные входы/выходы",
    13: "Коррекция времени",
}

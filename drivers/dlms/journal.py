"""Russian texts of СПОДЭС event codes, per journal 0.0.99.98.n, loaded from the data files in events/.

Must not read meters: it only names codes. The tables are data (events/*.yaml), each citing its source.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

FLAG_JOURNALS: set[int] = set()  # journals whose "code" is a status bit mask (09_quality.yaml says flags: true)
TIME_CORRECTION = 13  # journal without a code column: rows are (clock, old time, uptime), see 13_time.yaml


@functools.cache
def _tables() -> dict[int, dict[int, str]]:
    tables: dict[int, dict[int, str]] = {}
    folder = resources.files("drivers.dlms") / "events"
    for entry in folder.iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        doc = yaml.safe_load(entry.read_text(encoding="utf-8"))
        tables[int(doc["journal"])] = {int(code): str(text) for code, text in doc["codes"].items()}
        if doc.get("flags"):
            FLAG_JOURNALS.add(int(doc["journal"]))
    return tables


def journal_name(journal: int) -> str:
    return JOURNAL_NAMES.get(journal, f"журнал {journal}")


def event_text(journal: int, code: int) -> str:
    """The Russian text of a code; an unknown code says so with its number (a new firmware, a vendor code)."""
    table = _tables().get(journal, {})
    if journal in FLAG_JOURNALS and code not in table and code > 0:
        bits = [1 << n for n in range(16) if code & (1 << n)]
        return "; ".join(table.get(b, f"бит {b:#x}") for b in bits)
    text = table.get(code)
    return text if text is not None else f"Неизвестное событие (журнал {journal}, код {code})"


# Words that open and close an interval in the СТО texts ("Фаза А — пропадание напряжения" ... "восстановление").
_STARTS = ("начало", "пропадание")
_ENDS = ("окончание", "восстановление")


def _interval_role(text: str) -> tuple[str, str] | None:
    """('start'|'end', text without the role word) for interval events; None for single events."""
    lowered = text.lower()
    for role, words in (("start", _STARTS), ("end", _ENDS)):
        for word in words:
            if word in lowered:
                return role, lowered.replace(word, "").strip(" ,—-")
    return None


def event_code_rows() -> list[tuple[int, int, str, str, int | None]]:
    """Every known code as (journal, code, text_ru, text_en, pairs_with): the rows of the `event_codes` table.

    pairs_with is set on a start event when the next code is its end (the tables list them side by side),
    so the portal can show outages and magnet exposure as intervals with a duration.
    """
    rows: list[tuple[int, int, str, str, int | None]] = []
    for journal, table in sorted(_tables().items()):
        for code, text in sorted(table.items()):
            pair: int | None = None
            mine, theirs = _interval_role(text), _interval_role(table.get(code + 1, ""))
            if mine and theirs and mine[0] == "start" and theirs[0] == "end" and mine[1] == theirs[1]:
                pair = code + 1
            rows.append((journal, code, text, "", pair))
    return rows


JOURNAL_NAMES = {
    0: "Напряжение",
    1: "Токи",
    2: "Включения/выключения, коммутация реле",
    3: "Коррекция данных, программирование",
    4: "Внешние воздействия (магнит, пломбы, ВЧ-поле)",
    5: "Соединения",
    6: "Несанкционированный доступ",
    7: "Самодиагностика",
    8: "Превышение тангенса",
    9: "Качество сети",
    10: "Дискретные входы/выходы",
    13: "Коррекция времени",
}

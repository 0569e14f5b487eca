"""Link health of a meter in plain Russian: last read, the last error class as a sentence, clock drift.

Must not query or judge readings: it reads the meter_status columns of the meter row only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

ERROR_SENTENCES = {
    "timeout": "Прибор учета не ответил вовремя: возможно, нет связи на линии или прибор выключен.",
    "link": "Нет связи с прибором учета: линия связи или модем недоступны.",
    "auth": "Прибор учета отказал в доступе: пароль или уровень доступа не совпадают с настройками.",
    "framing": "Ответы прибора учета приходят искаженными: помехи на линии связи.",
    "device": "Прибор учета сообщил о внутренней ошибке при чтении данных.",
    "config": "Ошибка в настройках опроса этого прибора учета.",
}
DRIFT_OK_S = 30.0  # within the usual correction limit of a meter clock
STALE_AFTER = dt.timedelta(hours=6)


@dataclass(frozen=True, slots=True)
class Health:
    state: str  # ok, stale, failing, never
    headline: str
    error: str | None
    drift: str | None
    drift_ok: bool


def error_sentence(error_class: str | None) -> str | None:
    if not error_class:
        return None
    return ERROR_SENTENCES.get(error_class, "Ошибка при опросе прибора учета.")


def _drift(seconds: float | None) -> tuple[str | None, bool]:
    if seconds is None:
        return None, True
    direction = "спешат" if seconds > 0 else "отстают"
    value = abs(seconds)
    if value < 1:
        return "часы прибора идут точно (расхождение меньше секунды)", True
    amount = f"{value:.0f} с" if value < 120 else f"{value / 60:.0f} мин"
    return f"часы прибора {direction} на {amount}", value <= DRIFT_OK_S


def health_of(meter: dict[str, Any], now: dt.datetime) -> Health:
    drift, drift_ok = _drift(meter.get("clock_drift_s"))
    last_success = meter.get("last_success")
    failures = int(meter.get("consecutive_failures") or 0)
    error = error_sentence(meter.get("last_error_class"))
    if meter.get("last_attempt") is None:
        return Health("never", "Прибор учета еще не опрашивался.", None, drift, drift_ok)
    if failures > 0:
        headline = f"Связь нарушена: {failures} неудачных попыток опроса подряд."
        return Health("failing", headline, error, drift, drift_ok)
    if last_success is None or now - last_success > STALE_AFTER:
        return Health("stale", "Данные давно не обновлялись.", error, drift, drift_ok)
    return Health("ok", "Связь в норме.", None, drift, drift_ok)

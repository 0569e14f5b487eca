"""Link health of a meter in plain words (Russian, or the visitor's language through the catalogue): last read,
the last error class as a sentence, clock drift.

Must not query or judge readings: it reads the meter_status columns of the meter row only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext, lazy_gettext

ERROR_SENTENCES = {
    "timeout": lazy_gettext("Прибор учета не ответил вовремя: возможно, нет связи на линии или прибор выключен."),
    "link": lazy_gettext("Нет связи с прибором учета: линия связи или модем недоступны."),
    "auth": lazy_gettext("Прибор учета отказал в доступе: пароль или уровень доступа не совпадают с настройками."),
    "framing": lazy_gettext("Ответы прибора учета приходят искаженными: помехи на линии связи."),
    "device": lazy_gettext("Прибор учета сообщил о внутренней ошибке при чтении данных."),
    "config": lazy_gettext("Ошибка в настройках опроса этого прибора учета."),
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
    return str(ERROR_SENTENCES.get(error_class, lazy_gettext("Ошибка при опросе прибора учета.")))


def _drift(seconds: float | None) -> tuple[str | None, bool]:
    if seconds is None:
        return None, True
    value = abs(seconds)
    if value < 1:
        return gettext("часы прибора идут точно (расхождение меньше секунды)"), True
    amount = gettext("%(n)s с", n=f"{value:.0f}") if value < 120 else gettext("%(n)s мин", n=f"{value / 60:.0f}")
    if seconds > 0:
        return gettext("часы прибора спешат на %(amount)s", amount=amount), value <= DRIFT_OK_S
    return gettext("часы прибора отстают на %(amount)s", amount=amount), value <= DRIFT_OK_S


def health_of(meter: dict[str, Any], now: dt.datetime) -> Health:
    drift, drift_ok = _drift(meter.get("clock_drift_s"))
    last_success = meter.get("last_success")
    failures = int(meter.get("consecutive_failures") or 0)
    error = error_sentence(meter.get("last_error_class"))
    if meter.get("last_attempt") is None:
        return Health("never", gettext("Прибор учета еще не опрашивался."), None, drift, drift_ok)
    if failures > 0:
        headline = gettext("Связь нарушена: %(n)s неудачных попыток опроса подряд.", n=failures)
        return Health("failing", headline, error, drift, drift_ok)
    if last_success is None or now - last_success > STALE_AFTER:
        return Health("stale", gettext("Данные давно не обновлялись."), error, drift, drift_ok)
    return Health("ok", gettext("Связь в норме."), None, drift, drift_ok)

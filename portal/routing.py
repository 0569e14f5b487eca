"""Where a new request goes and when it is due: the РЭС of the settlement, or the dispatcher queue.

Must not validate fields (forms/connect.py did) nor decide requests (review.py does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from portal.db import Conn
from portal.rules.calendar import DueDate, due_date
from portal.store import directory


def _label(row: dict[str, Any]) -> str:
    return f"{row['name']} ({row['district']})" if row["district"] else str(row["name"])


def settlement_label(row: dict[str, Any]) -> str:
    """How the directory shows a settlement in the picker: the district tells same-named villages apart."""
    return _label(row)


def resolve_settlement(conn: Conn, typed: str, chosen_id: str | None) -> dict[str, Any] | None:
    """The directory row the consumer picked, or None when he typed a settlement the directory lacks."""
    if chosen_id and chosen_id.isdigit():
        row = directory.settlement(conn, int(chosen_id))
        if row is not None and _label(row).lower() == typed.lower():
            return row
    name = typed.split(" (", 1)[0]
    candidates = directory.settlements_named(conn, name)
    exact = [c for c in candidates if _label(c).lower() == typed.lower()]
    if len(exact) == 1:
        return directory.settlement(conn, int(exact[0]["id"]))
    if len(candidates) == 1 and name.lower() == typed.lower():
        return directory.settlement(conn, int(candidates[0]["id"]))
    return None  # unknown or ambiguous: a dispatcher decides


def due_for(conn: Conn, res: dict[str, Any], submitted_at: dt.datetime) -> DueDate:
    overrides = directory.calendar_overrides(conn, int(res["id"]))
    return due_date(submitted_at, str(res["timezone"]), overrides)


def route_fields(
    conn: Conn, settlement: dict[str, Any] | None, typed: str, submitted_at: dt.datetime
) -> dict[str, Any]:
    """The routing columns of a new request."""
    if settlement is None:
        return {
            "settlement_id": None,
            "settlement_text": typed,
            "res_id": None,
            "status": "dispatch",
            "due_at": None,
            "due_approximate": False,
        }
    res = directory.res_by_id(conn, int(settlement["res_id"]))
    assert res is not None
    due = due_for(conn, res, submitted_at)
    return {
        "settlement_id": int(settlement["id"]),
        "settlement_text": None,
        "res_id": int(res["id"]),
        "status": "pending",
        "due_at": due.ends_at,
        "due_approximate": due.approximate,
    }

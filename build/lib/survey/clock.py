"""The date the survey runs on: Swedish local time (rounds open and close by Swedish days)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today() -> date:
    return datetime.now(STOCKHOLM).date()

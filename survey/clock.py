"""The date the survey runs on: Swedish local time (rounds open and close by Swedish days)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def local_today() -> date:
    return datetime.now(STOCKHOLM).date()


def local_now() -> datetime:
    """Now in Swedish local time (the time a file made now is stamped with, as people read it)."""
    return datetime.now(STOCKHOLM)

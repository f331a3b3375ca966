"""Names and helpers every staff template may use."""

from __future__ import annotations

from flask_babel import gettext as _

from survey.domain.access import Permission
from survey.staff import bp
from survey.staff.guard import ROUTES


def survey_name(survey_type: str) -> str:
    return {
        "dv": _("Daily activity"),
        "bo": _("Housing"),
        "bs": _("Housing support"),
    }.get(survey_type, survey_type)


def gender_name(gender: str | None) -> str:
    return {
        "kvinna": _("Woman"),
        "man": _("Man"),
        "annat": _("Other"),
        "okand": _("Unknown"),
    }.get(gender or "", _("Not given"))


def status_name(status: str) -> str:
    return {
        "not_started": _("Not started"),
        "started": _("Started"),
        "submitted": _("Answered"),
        "withdrawn": _("Withdrawn"),
    }.get(status, status)


def withdraw_reason_name(reason: str | None) -> str:
    return {
        "moved": _("Has moved or no longer has the insats"),
        "deceased": _("Has died"),
        "declined": _("Does not want to take part"),
        "duplicate": _("Listed twice"),
        "other": _("Other reason"),
    }.get(reason or "", "")


@bp.context_processor
def _names() -> dict[str, object]:
    return {
        "Permission": Permission,
        "survey_name": survey_name,
        "gender_name": gender_name,
        "status_name": status_name,
        "withdraw_reason_name": withdraw_reason_name,
        "staff_routes": ROUTES,
    }

"""The staff menu: sections shown to those whose roles carry the section's permission."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from survey.domain.access import Permission
from survey.staff.guard import ROUTES

MENU: tuple[tuple[str, LazyString, Permission], ...] = (
    ("staff.rounds_list", _l("Survey rounds"), Permission.VIEW_ROUNDS),
    ("staff.org_tree", _l("Organisation"), Permission.VIEW_ROUNDS),
    ("staff.kiosk_page", _l("Kiosk on a tablet"), Permission.RUN_KIOSK),
    ("staff.targets_page", _l("Targets"), Permission.MANAGE_TARGETS),
    ("staff.users_list", _l("Accounts"), Permission.MANAGE_USERS),
    ("staff.audit_log", _l("Audit log"), Permission.READ_AUDIT),
)


def staff_menu() -> list[tuple[str, LazyString, Permission]]:
    return [item for item in MENU if item[0] in ROUTES]

"""Staff-side texts for refusals raised by operations (their codes are not for people)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import ngettext

from survey.domain.staff_refusals import StaffRefusal
from survey.operations.users import AccountRefused


def account_refusal(refused: AccountRefused) -> str:
    params = refused.params
    texts = {
        "bad_email": lambda: _("»%(email)s« is not an e-mail address.", email=params.get("email")),
        "email_taken": lambda: _(
            "There is already an account for %(email)s.", email=params.get("email")
        ),
        "password_blank": lambda: _("Write a password."),
        "password_too_short": lambda: _("The password must be at least 12 characters long."),
        "password_too_long": lambda: _("The password can be at most 256 characters long."),
        "unknown_role": lambda: _("Choose one of the roles in the list."),
        "cannot_disable_self": lambda: _("You cannot disable your own account."),
        "account_disabled": lambda: _("The account is disabled. Open it before sending a link."),
    }
    text = texts.get(refused.code)
    return text() if text else _("That could not be done.")


def role_name(role: str) -> str:
    names = {
        "admin": _("Administrator"),
        "handlaggare": _("Case officer (handläggare)"),
        "enhetschef": _("Unit manager (enhetschef)"),
        "stodperson": _("Support person (stödperson)"),
    }
    return names.get(role, role)


def refusal_text(refusal: StaffRefusal) -> str:
    """A staff operation's refusal in the person's language (English sentence as fallback)."""
    from survey.staff.refusal_texts import REFUSAL_TEXTS

    template = REFUSAL_TEXTS.get((type(refusal).__name__, refusal.code)) or REFUSAL_TEXTS.get(
        ("*", refusal.code)
    )
    if template is None:
        return refusal.message
    params = {key: _plain(value) for key, value in refusal.params.items()}
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def _plain(value: object) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in value)
    return str(value)


def taken_by_kiosk_text(taken: object) -> str:
    """A print run lost some invitations to a kiosk while its PDF was made (TakenByKiosk)."""
    count = int(getattr(taken, "count", 0))
    return ngettext(
        "While the PDF was being made, a kiosk gave %(num)d of these invitations to a brukare "
        "at the tablet. Nothing was printed or handed out: print again.",
        "While the PDF was being made, a kiosk gave %(num)d of these invitations to brukare "
        "at the tablet. Nothing was printed or handed out: print again.",
        count,
    )

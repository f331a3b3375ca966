"""Staff error pages: plain staff-side wording, never the respondent's easy-read code page."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey.extensions import db
from survey.staff import bp
from survey.staff.guard import keep_form_for_later, send_to_sign_in

TITLES = {
    400: _l("The request could not be handled"),
    401: _l("Sign in first"),
    403: _l("You do not have access to this"),
    404: _l("Page not found"),
    405: _l("That did not work"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
MESSAGES = {
    400: _l("Go back, check what you filled in and try again."),
    403: _l("Your role does not include this page. Ask an administrator if you need it."),
    404: _l(
        "The page does not exist, or it belongs to a part of the organisation that you do "
        "not have access to."
    ),
    405: _l("Go back and use the buttons on the page."),
    413: _l("Files can be at most 5 MB. Split the list into smaller files, or remove columns."),
    429: _l("Wait a few minutes and try again. Every attempt is logged."),
    500: _l(
        "Nothing was saved. Wait a moment and try again. If it happens again, contact support."
    ),
}


def render_staff_error(status: int) -> ResponseReturnValue:
    return render_template(
        "staff/error.html",
        status=status,
        title=TITLES.get(status, TITLES[500]),
        message=MESSAGES.get(status, MESSAGES[500]),
    ), status


@bp.errorhandler(CSRFError)
def _csrf(error: CSRFError) -> ResponseReturnValue:
    """A form whose token ran out: keep what was typed and let the person send it again."""
    if not current_user.is_authenticated:
        return send_to_sign_in()
    adapter_ok = request.url_rule is not None and "GET" in (request.url_rule.methods or ())
    if adapter_ok:
        keep_form_for_later()
        flash(
            _l("The form had been open too long. Check what you filled in and send it again."),
            "error",
        )
        return redirect(request.path)
    return render_staff_error(400)


@bp.errorhandler(HTTPException)
def _http(error: HTTPException) -> ResponseReturnValue:
    return render_staff_error(error.code or 500)


@bp.errorhandler(Exception)
def _unexpected(error: Exception) -> ResponseReturnValue:
    current_app.logger.exception("Unhandled error in %s", request.endpoint)
    db.session.rollback()
    return render_staff_error(500)

"""How the respondent's side shows a refusal: an easy-read page with the right status."""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import LazyString, refresh
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from survey.domain import refusals
from survey.extensions import db
from survey.i18n import SUPPORTED_LOCALES
from survey.queries.respondent import large_text_for
from survey.respond import bp
from survey.respond.kiosk import BOUND_PAGES, refuse_unbound
from survey.respond.navigation import LARGE_TEXT_ARG
from survey.respond.views import reshow_question_after_lost_session

ERROR_TEMPLATE = "errors/easy_read.html"

#: Refusal → (status, title, message). The same page whether a link never existed or was
#: mistyped: no hint either way.
REFUSALS: dict[type[refusals.SurveyRefusal], tuple[int, LazyString, LazyString]] = {
    refusals.UnknownToken: (
        404,
        _l("We cannot find this survey"),
        _l("The link or code does not work. Check that it is right. Ask staff for help."),
    ),
    refusals.RoundClosed: (
        410,
        _l("The survey is closed"),
        _l("You can not answer this survey any more. Thank you for wanting to answer."),
    ),
    refusals.RoundNotOpen: (
        403,
        _l("The survey has not started yet"),
        _l("You can answer later. Ask staff when the survey starts."),
    ),
    refusals.AlreadySubmitted: (
        409,
        _l("Thank you, you have already answered"),
        _l("Your answers are saved. You do not need to do anything more."),
    ),
    refusals.UnknownQuestion: (
        404,
        _l("We cannot find this question"),
        _l("Go back to the survey and try again."),
    ),
    refusals.InvalidAnswer: (
        400,
        _l("That answer did not work"),
        _l("Choose one of the answers on the page."),
    ),
}
FALLBACK = (400, _l("Something went wrong"), _l("Please go back and try again."))


def easy_read_error(status: int, title: object, message: object) -> ResponseReturnValue:
    page = render_template(
        ERROR_TEMPLATE, title=title, message=message, status=status, large_text=_large_text()
    )
    return page, status


def _large_text() -> bool:
    """ "Större text" on a refusal too: from the invitation while it has the choice, else from
    the page address (after a submission, see views.submit)."""
    if request.args.get(LARGE_TEXT_ARG) == "1":
        return True
    token = (request.view_args or {}).get("token")
    return bool(token) and large_text_for(db.session, token)


@bp.errorhandler(refusals.SurveyRefusal)
def _refusal(refusal: refusals.SurveyRefusal) -> ResponseReturnValue:
    db.session.rollback()
    status, title, message = REFUSALS.get(type(refusal), FALLBACK)
    return easy_read_error(status, title, message)


@bp.errorhandler(CSRFError)
def _csrf_error(_error: CSRFError) -> ResponseReturnValue:
    """A form whose CSRF token matches no session: forged, or the browser lost its cookie
    (restarted). Nothing is saved. The session that knew the person's language may be gone,
    so every respondent form carries it."""
    db.session.rollback()
    lang = request.form.get("lang")
    if lang in SUPPORTED_LOCALES and session.get("lang") != lang:
        session["lang"] = lang
        refresh()
    view_args = request.view_args or {}
    if request.endpoint == "respond.kiosk_begin":
        # The tablet's browser was restarted: the kiosk start page makes a fresh session.
        return redirect(url_for("respond.kiosk_start"))
    if request.endpoint in BOUND_PAGES:
        refused = refuse_unbound(view_args.get("token", ""))
        if refused is not None:
            return refused
    if request.endpoint == "respond.answer":
        try:
            return reshow_question_after_lost_session(view_args["token"], view_args["code"])
        except refusals.SurveyRefusal as refusal:
            return _refusal(refusal)
    return easy_read_error(
        400,
        _l("The page was too old"),
        _l("Nothing was saved. Go back, reload the page and try again."),
    )

"""Respondent pages. Each view parses, loads the respondent once, calls one operation,
commits, renders. Refusals are domain exceptions, rendered by survey/respond/errors.py.
"""

from __future__ import annotations

import hashlib
import time
from datetime import date

from flask import (
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale, format_date

from survey.clock import local_today
from survey.domain.refusals import AlreadySubmitted, InvalidAnswer, TextTooLong
from survey.domain.tokens import format_code
from survey.extensions import csrf, db, limiter
from survey.i18n import SUPPORTED_LOCALES
from survey.operations import responses
from survey.queries.respondent import (
    Respondent,
    large_text_for,
    load_respondent,
    token_for_code,
)
from survey.respond import bp, kiosk
from survey.respond.answer_timing import is_implausibly_fast, seconds_since_shown, sign_shown
from survey.respond.forms import SKIP, AnswerForm, CodeForm, FreeTextForm, StartForm, SubmitForm
from survey.respond.navigation import LARGE_TEXT_ARG, way_back
from survey.respond.navigation import go_to as _go_to
from survey.respond.pages import locale_code, question_view, review_rows, survey_view
from survey.settings import Settings

REVIEW = "review"
#: Session key: this browser pressed "Stop now" on that survey (a digest, not the token).
STOPPED = "stopped"
#: When the accessibility statement was written from an assessment of these pages. Change it
#: (and the statement) when the pages or what we know about them change.
ACCESSIBILITY_ASSESSED_ON = date(2026, 12, 1)


def _settings() -> Settings:
    return current_app.extensions["survey.settings"]


def _large_text_asked() -> bool:
    return request.args.get(LARGE_TEXT_ARG) == "1"


def _large_text_args(large_text: bool) -> dict[str, str]:
    return {LARGE_TEXT_ARG: "1"} if large_text else {}


def _code_limit() -> str:
    return str(_settings().code_entry_limit)


@bp.after_request
def _no_store(response: Response) -> Response:
    # Tablets are shared: no respondent page may come back from the HTTP cache or the
    # back/forward cache with someone else's answers (static files are not in this blueprint).
    response.headers["Cache-Control"] = "no-store"
    return response


def _stop_mark(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


def _was_stopped_here(token: str) -> bool:
    return session.get(STOPPED) == _stop_mark(token)


@bp.get("/")
def enter_code() -> ResponseReturnValue:
    # After "Stop now" the session is empty, so the language the person used comes in the
    # address; it is used for this page only and not remembered for the next person.
    stopped_in = request.args.get("slutat")
    page = "respond/enter_code.html"
    if stopped_in in SUPPORTED_LOCALES and "lang" not in request.args:
        with force_locale(stopped_in):
            return render_template(page, form=CodeForm(), stopped=True)
    return render_template(page, form=CodeForm(), stopped=stopped_in is not None)


@bp.post("/kod")
@limiter.limit(_code_limit, methods=["POST"])
def submit_code() -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("respond/enter_code.html", form=form, code_error=True), 400
    token = token_for_code(db.session, form.code.data or "")
    if token is None:
        return render_template("respond/enter_code.html", form=form, code_error=True), 404
    if kiosk.in_kiosk():
        # Someone goes on with their survey on a kiosk: nothing of the person before stays.
        kiosk.fresh_kiosk_session(session.get("lang"))
    session.pop(STOPPED, None)
    kiosk.bind_session_to(token)
    return redirect(url_for(".start", token=token))


@bp.get("/r/<token>")
def start(token: str) -> ResponseReturnValue:
    respondent = load_respondent(db.session, token)
    if respondent.status == "submitted":
        return render_template("respond/thanks.html", already=True, large_text=_large_text_asked())
    responses.require_answerable(respondent.round, respondent.status, local_today())
    form = StartForm(
        presentation="pictures" if respondent.with_pictures else "text",
        large_text=respondent.large_text,
    )
    return render_template("respond/start.html", survey=survey_view(respondent), form=form)


@bp.post("/r/<token>")
def save_start(token: str) -> ResponseReturnValue:
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    respondent = load_respondent(db.session, token)
    responses.set_presentation(
        db.session,
        respondent,
        today=local_today(),
        with_pictures=form.presentation.data != "text",
        large_text=bool(form.large_text.data),
    )
    db.session.commit()
    session.pop(STOPPED, None)
    resume = respondent.path.first_unanswered()
    if resume is None:
        return _go_to(url_for(".review", token=token))
    return _go_to(url_for(".question", token=token, code=resume))


def _render_question(
    respondent: Respondent,
    code: str,
    *,
    back_to_review: bool,
    typed: str | None = None,
    text_too_long: int | None = None,
    not_saved: bool = False,
) -> str:
    page = question_view(respondent, code, typed=typed)
    form_class = FreeTextForm if page.kind == "free_text" else AnswerForm
    settings = _settings()
    form = form_class(
        formdata=None,
        return_to=REVIEW if back_to_review else "",
        shown=sign_shown(settings.secret_key, respondent.token, code, time.time()),
    )
    if page.kind == "free_text":
        form.text.data = page.free_text  # type: ignore[attr-defined]
    return render_template(
        "respond/question.html",
        survey=survey_view(respondent),
        page=page,
        form=form,
        back_to_review=back_to_review,
        text_too_long=text_too_long,
        not_saved=not_saved,
        answer_min_ms=round(settings.answer_min_seconds * 1000),
    )


@bp.get("/r/<token>/q/<code>")
def question(token: str, code: str) -> ResponseReturnValue:
    if _was_stopped_here(token):
        return redirect(url_for(".start", token=token))
    respondent = responses.open_respondent(db.session, token, local_today())
    return _render_question(respondent, code, back_to_review=request.args.get("from") == REVIEW)


def _answered_too_fast(token: str, code: str, shown: str | None) -> bool:
    settings = _settings()
    elapsed = seconds_since_shown(settings.secret_key, token, code, shown, time.time())
    return is_implausibly_fast(elapsed, settings.answer_min_seconds)


def reshow_question_after_lost_session(token: str, code: str) -> ResponseReturnValue:
    """An answer whose CSRF token matches no session (the browser was restarted and lost its
    cookie): nothing is saved; the same question comes back with a fresh token and a short
    message, so one more tap saves it. Called by the blueprint's CSRF handler."""
    respondent = responses.open_respondent(db.session, token, local_today())
    page = _render_question(
        respondent,
        code,
        back_to_review=request.form.get("return_to") == REVIEW,
        typed=request.form.get("text"),  # free text only; what was written is not lost
        not_saved=True,
    )
    return page, 400


@bp.post("/r/<token>/q/<code>")
def answer(token: str, code: str) -> ResponseReturnValue:
    respondent = responses.open_respondent(db.session, token, local_today())
    question = respondent.path.find(code)
    is_free_text = question is not None and question.kind == "free_text"
    form = FreeTextForm() if is_free_text else AnswerForm()
    if not form.validate_on_submit():
        raise InvalidAnswer
    choice = form.answer.data
    back_to_review = form.return_to.data == REVIEW
    typed = form.text.data if is_free_text and choice != SKIP else None  # type: ignore[attr-defined]
    if _answered_too_fast(token, code, form.shown.data):
        # A double tap: the finger meant the page before. Show this question, save nothing.
        page = _render_question(respondent, code, back_to_review=back_to_review, typed=typed)
        return page, 409
    try:
        path = responses.record_answer(
            db.session,
            respondent,
            question_code=code,
            today=local_today(),
            value=None if choice == SKIP or is_free_text else choice,
            text=typed,
        )
    except TextTooLong as refusal:
        db.session.rollback()
        page = _render_question(
            respondent,
            code,
            back_to_review=back_to_review,
            typed=typed,
            text_too_long=refusal.limit,
        )
        return page, 400
    db.session.commit()
    # From the review page a person goes back there, unless the change opened a new question
    # (choosing "med hjälp" adds "Vem hjälpte dig?").
    target = path.first_unanswered() if back_to_review else path.next_code(code)
    if target is None:
        return _go_to(url_for(".review", token=token))
    return _go_to(url_for(".question", token=token, code=target))


@bp.get("/r/<token>/granska")
def review(token: str) -> ResponseReturnValue:
    if _was_stopped_here(token):
        return redirect(url_for(".start", token=token))
    respondent = responses.open_respondent(db.session, token, local_today())
    return render_template(
        "respond/review.html",
        survey=survey_view(respondent),
        rows=review_rows(respondent),
        form=SubmitForm(),
    )


@bp.post("/r/<token>/skicka")
def submit(token: str) -> ResponseReturnValue:
    if not SubmitForm().validate_on_submit():
        abort(400)
    respondent = load_respondent(db.session, token)
    large_text = respondent.large_text or _large_text_asked()
    responses.submit_response(
        db.session,
        respondent,
        today=local_today(),
        commit=db.session.commit,
        batch_size=_settings().response_batch_size,
    )
    # Submitting resets the invitation's presentation choices: the thank-you page is told.
    return _go_to(url_for(".thanks", token=token, **_large_text_args(large_text)))


@bp.post("/r/<token>/sluta")
@csrf.exempt  # it only empties this browser's session; a restarted browser must still stop
def stop(token: str) -> ResponseReturnValue:
    """ "Stop now": forget this browser's respondent data (language and all) and show the
    code-entry page. The answers stay saved; the same code continues another time. Without
    JavaScript the survey's pages stay in the Back history, so they send this browser to the
    start page (no answers on it) until the code is typed or "Continue" is pressed."""
    lang = request.form.get("lang")
    if lang not in SUPPORTED_LOCALES:
        lang = locale_code()
    if kiosk.in_kiosk():
        kiosk.fresh_kiosk_session()
        return _go_to(url_for(".kiosk_start", slutat=lang))
    session.clear()
    session[STOPPED] = _stop_mark(token)
    return _go_to(url_for(".enter_code", slutat=lang))


@bp.get("/r/<token>/tack")
def thanks(token: str) -> ResponseReturnValue:
    respondent = load_respondent(db.session, token)
    if respondent.status != "submitted":
        return redirect(url_for(".start", token=token))
    return render_template("respond/thanks.html", already=False, large_text=_large_text_asked())


@bp.post("/r/<token>/lyssna")
def read_aloud_used(token: str) -> ResponseReturnValue:
    respondent = load_respondent(db.session, token)
    try:
        responses.mark_read_aloud_used(db.session, respondent, today=local_today())
    except AlreadySubmitted:
        return "", 204
    db.session.commit()
    return "", 204


@bp.app_template_filter("code")
def _format_code(code: str) -> str:
    return format_code(code)


def _render_information_page(template: str, **context: object) -> str:
    """An information page, with the way back to the survey and the person's text size."""
    target = way_back()
    large_text = False
    if target is not None:
        large_text = target.large_text_asked or large_text_for(db.session, target.token or "")
    return render_template(
        template,
        back_url=target.url if target else url_for(".enter_code"),
        large_text=large_text,
        **context,
    )


@bp.get("/om-bilderna")
def about_pictures() -> ResponseReturnValue:
    return _render_information_page("respond/about_pictures.html")


@bp.get("/tillganglighet")
def accessibility() -> ResponseReturnValue:
    settings = current_app.extensions["survey.settings"]
    reviewed_on = settings.accessibility_reviewed_on or ACCESSIBILITY_ASSESSED_ON
    return _render_information_page(
        "respond/accessibility.html",
        contact=settings.accessibility_contact,
        assessed_on=format_date(ACCESSIBILITY_ASSESSED_ON, "long"),
        reviewed_on=format_date(reviewed_on, "long"),
    )

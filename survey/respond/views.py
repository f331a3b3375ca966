"""Respondent pages. Each view parses, loads the respondent once, calls one operation,
commits, renders. Refusals are domain exceptions, rendered by survey/respond/errors.py.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date

from survey.clock import local_today
from survey.domain.refusals import AlreadySubmitted, InvalidAnswer, TextTooLong
from survey.domain.tokens import format_code
from survey.extensions import db, limiter
from survey.operations import responses
from survey.queries.respondent import (
    Respondent,
    large_text_for,
    load_respondent,
    token_for_code,
)
from survey.respond import bp
from survey.respond.forms import SKIP, AnswerForm, CodeForm, FreeTextForm, StartForm, SubmitForm
from survey.respond.navigation import LARGE_TEXT_ARG, way_back
from survey.respond.pages import question_view, review_rows, survey_view

REVIEW = "review"
#: When the accessibility statement was written from an assessment of these pages. Change it
#: (and the statement) when the pages or what we know about them change.
ACCESSIBILITY_ASSESSED_ON = date(2026, 12, 1)


def _large_text_asked() -> bool:
    return request.args.get(LARGE_TEXT_ARG) == "1"


def _large_text_args(large_text: bool) -> dict[str, str]:
    return {LARGE_TEXT_ARG: "1"} if large_text else {}


def _code_limit() -> str:
    return str(current_app.extensions["survey.settings"].code_entry_limit)


@bp.get("/")
def enter_code() -> ResponseReturnValue:
    return render_template("respond/enter_code.html", form=CodeForm())


@bp.post("/kod")
@limiter.limit(_code_limit, methods=["POST"])
def submit_code() -> ResponseReturnValue:
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("respond/enter_code.html", form=form, code_error=True), 400
    token = token_for_code(db.session, form.code.data or "")
    if token is None:
        return render_template("respond/enter_code.html", form=form, code_error=True), 404
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
    resume = respondent.path.first_unanswered()
    if resume is None:
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".question", token=token, code=resume))


def _render_question(
    respondent: Respondent,
    code: str,
    *,
    back_to_review: bool,
    typed: str | None = None,
    text_too_long: int | None = None,
) -> str:
    page = question_view(respondent, code, typed=typed)
    form_class = FreeTextForm if page.kind == "free_text" else AnswerForm
    form = form_class(formdata=None, return_to=REVIEW if back_to_review else "")
    if page.kind == "free_text":
        form.text.data = page.free_text  # type: ignore[attr-defined]
    return render_template(
        "respond/question.html",
        survey=survey_view(respondent),
        page=page,
        form=form,
        back_to_review=back_to_review,
        text_too_long=text_too_long,
    )


@bp.get("/r/<token>/q/<code>")
def question(token: str, code: str) -> ResponseReturnValue:
    respondent = responses.open_respondent(db.session, token, local_today())
    return _render_question(respondent, code, back_to_review=request.args.get("from") == REVIEW)


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
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".question", token=token, code=target))


@bp.get("/r/<token>/granska")
def review(token: str) -> ResponseReturnValue:
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
        batch_size=current_app.extensions["survey.settings"].response_batch_size,
    )
    # Submitting resets the invitation's presentation choices: the thank-you page is told.
    return redirect(url_for(".thanks", token=token, **_large_text_args(large_text)))


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

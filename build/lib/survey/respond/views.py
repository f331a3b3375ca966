"""Respondent pages. Each view parses, calls one operation or query, commits, renders."""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from survey.clock import local_today
from survey.domain.tokens import format_code
from survey.errors import AlreadySubmitted, InvalidAnswer
from survey.extensions import db, limiter
from survey.operations import responses
from survey.queries.invitations import find_invitation_by_code, get_invitation_by_token
from survey.respond import bp
from survey.respond.forms import SKIP, AnswerForm, CodeForm, FreeTextForm, StartForm, SubmitForm
from survey.respond.pages import next_after_answer as next_step
from survey.respond.pages import question_view, review_rows, survey_view

REVIEW = "review"


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
    invitation = find_invitation_by_code(db.session, form.code.data or "")
    if invitation is None:
        return render_template("respond/enter_code.html", form=form, code_error=True), 404
    return redirect(url_for(".start", token=invitation.token))


@bp.get("/r/<token>")
def start(token: str) -> ResponseReturnValue:
    invitation = get_invitation_by_token(db.session, token)
    if invitation.status == "submitted":
        return render_template("respond/thanks.html", already=True)
    responses.require_answerable(invitation, local_today())
    form = StartForm(
        presentation="pictures" if invitation.with_pictures else "text",
        large_text=invitation.large_text,
    )
    return render_template(
        "respond/start.html", survey=survey_view(db.session, invitation), form=form
    )


@bp.post("/r/<token>")
def save_start(token: str) -> ResponseReturnValue:
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    invitation = responses.set_presentation(
        db.session,
        token=token,
        today=local_today(),
        with_pictures=form.presentation.data != "text",
        large_text=bool(form.large_text.data),
    )
    db.session.commit()
    view = survey_view(db.session, invitation)
    if view.first_unanswered is None:
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".question", token=token, code=view.first_unanswered))


@bp.get("/r/<token>/q/<code>")
def question(token: str, code: str) -> ResponseReturnValue:
    invitation = responses.open_invitation(db.session, token, local_today())
    page = question_view(db.session, invitation, code)
    back_to_review = request.args.get("from") == REVIEW
    form_class = FreeTextForm if page.kind == "free_text" else AnswerForm
    form = form_class(return_to=REVIEW if back_to_review else "")
    if page.kind == "free_text":
        form.text.data = page.free_text  # type: ignore[attr-defined]
    return render_template(
        "respond/question.html",
        survey=survey_view(db.session, invitation),
        page=page,
        form=form,
        back_to_review=back_to_review,
    )


@bp.post("/r/<token>/q/<code>")
def answer(token: str, code: str) -> ResponseReturnValue:
    invitation = responses.open_invitation(db.session, token, local_today())
    question = responses.bank_for(invitation).find(code)
    is_free_text = question is not None and question.kind == "free_text"
    form = FreeTextForm() if is_free_text else AnswerForm()
    if not form.validate_on_submit():
        raise InvalidAnswer
    choice = form.answer.data
    next_code = responses.record_answer(
        db.session,
        invitation=invitation,
        question_code=code,
        today=local_today(),
        value=None if choice == SKIP or is_free_text else choice,
        text=form.text.data if is_free_text and choice != SKIP else None,  # type: ignore[attr-defined]
    )
    db.session.commit()
    target = next_step(
        db.session, invitation, next_code, back_to_review=form.return_to.data == REVIEW
    )
    if target is None:
        return redirect(url_for(".review", token=token))
    return redirect(url_for(".question", token=token, code=target))


@bp.get("/r/<token>/granska")
def review(token: str) -> ResponseReturnValue:
    invitation = responses.open_invitation(db.session, token, local_today())
    return render_template(
        "respond/review.html",
        survey=survey_view(db.session, invitation),
        rows=review_rows(db.session, invitation),
        form=SubmitForm(),
    )


@bp.post("/r/<token>/skicka")
def submit(token: str) -> ResponseReturnValue:
    if not SubmitForm().validate_on_submit():
        abort(400)
    responses.submit_response(db.session, token=token, today=local_today())
    db.session.commit()
    return redirect(url_for(".thanks", token=token))


@bp.get("/r/<token>/tack")
def thanks(token: str) -> ResponseReturnValue:
    invitation = get_invitation_by_token(db.session, token)
    if invitation.status != "submitted":
        return redirect(url_for(".start", token=token))
    return render_template("respond/thanks.html", already=False)


@bp.post("/r/<token>/lyssna")
def read_aloud_used(token: str) -> ResponseReturnValue:
    try:
        responses.mark_read_aloud_used(db.session, token=token, today=local_today())
    except AlreadySubmitted:
        return "", 204
    db.session.commit()
    return "", 204


@bp.app_template_filter("code")
def _format_code(code: str) -> str:
    return format_code(code)


@bp.get("/om-bilderna")
def about_pictures() -> ResponseReturnValue:
    return render_template("respond/about_pictures.html")


@bp.get("/tillganglighet")
def accessibility() -> ResponseReturnValue:
    return render_template("respond/accessibility.html")

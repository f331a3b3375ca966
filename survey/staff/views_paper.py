"""Paper forms on the staff side: print them, and enter the returned ones by keyboard.

- `/omgangar/<code>/pappersenkater/utskrift`: a blank form to copy (PDF, GET) and one
  personalised form per invitation not yet handed out under a unit (PDF, POST: printing
  hands them out).
- `/omgangar/<code>/pappersenkater/mata-in`: type the code (or choose the unit of a form
  without one), then one key per answer, read back in words, then "Spara" — once.

The upload of a file of forms stays in views_imports (`/pappersenkater`). Everything needs
MANAGE_INVITATIONS; codes and units outside the person's subtrees do not exist here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user

from survey.clock import local_today
from survey.domain import survey_flow
from survey.domain.access import Permission
from survey.domain.paper import MAX_PAPER_FREE_TEXT, PaperRow
from survey.domain.paper_entry import (
    BadKey,
    clean_typed_code,
    entry_keys,
    entry_questions,
    near_miss_codes,
    parse_entry,
    typed_keys,
)
from survey.domain.question_banks import DONT_KNOW, Question, QuestionBank, load_bank
from survey.domain.tabular import ImportRejected, UploadRefused
from survey.domain.tokens import format_code, looks_like_nonce, new_form_nonce, normalise_code
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Invitation, Round, StagedImport
from survey.operations import audit
from survey.operations.invitations import TakenByKiosk, hand_out_printed
from survey.operations.paper_entry import (
    ENTRY_PREFIX,
    AlreadySaved,
    StagedEntry,
    load_entry,
    save_entry,
    stage_entry,
)
from survey.queries.paper_forms import (
    EntryCode,
    entry_units,
    find_entry_code,
    paper_document,
    personal_forms,
    print_units,
    subtree_leaf_ids,
    unanswered_codes,
    unused_invitations,
)
from survey.reports.paper_pdf import PaperForm, render_paper_forms
from survey.staff.forms import ConfirmForm, PaperCodeForm, PaperPrintForm, PaperUnitForm
from survey.staff.guard import current_access, route
from survey.staff.import_messages import describe, describe_refusal
from survey.staff.messages import taken_by_kiosk_text
from survey.staff.views_rounds import _round_or_404

PERMISSION = Permission.MANAGE_INVITATIONS
KEY_FIELD = "k-"


def pictogram_dir() -> Path:
    return Path(current_app.static_folder or "static") / "pictograms"


def _round(code: str) -> Round:
    return _round_or_404(code, PERMISSION)


def _bank(round_: Round) -> QuestionBank:
    return load_bank(round_.survey_type, round_.bank_version)


def _language(value: str | None) -> str:
    return value if value in ("sv", "en") else "sv"


def _text(texts: Any) -> str:
    lang = document_language().code
    return str(texts.get(lang) or texts.get("sv") or "")


# --- printing ---------------------------------------------------------------------------


def _pdf_response(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _print_page(round_: Round, form: PaperPrintForm, status: int = 200) -> ResponseReturnValue:
    units = print_units(db.session, round_, current_access())
    form.unit.choices = [
        (unit.id, _("%(path)s (%(n)s not handed out)", path=unit.path, n=unit.unused))
        for unit in units
    ]
    return render_template(
        "staff/paper_print.html", round_=round_, form=form, units=units, section="print"
    ), status


@route("/omgangar/<code>/pappersenkater/utskrift", permission=PERMISSION)
def paper_print(code: str) -> ResponseReturnValue:
    return _print_page(_round(code), PaperPrintForm())


@route("/omgangar/<code>/pappersenkater/utskrift/tomt.pdf", permission=PERMISSION)
def paper_print_blank(code: str) -> ResponseReturnValue:
    round_ = _round(code)
    language = _language(request.args.get("sprak"))
    with force_locale(language):
        data = render_paper_forms(
            paper_document(round_, [PaperForm(None, ask_gender=True)]),
            document_language(language),
            pictograms=pictogram_dir(),
        )
    audit.record(
        db.session,
        "paper.print_blank",
        user_id=current_user.id,
        detail={"round": round_.code, "language": language},
    )
    db.session.commit()
    return _pdf_response(data, f"{round_.code} pappersenkat.pdf")


@route("/omgangar/<code>/pappersenkater/utskrift", permission=PERMISSION, methods=("POST",))
def paper_print_personal(code: str) -> ResponseReturnValue:
    round_ = _round(code)
    form = PaperPrintForm()
    units = print_units(db.session, round_, current_access())
    form.unit.choices = [(unit.id, unit.path) for unit in units]
    if round_.is_closed:
        flash(_("The round is closed: no more forms can be handed out."), "error")
        return _print_page(round_, form, 409)
    if not form.validate_on_submit():
        return _print_page(round_, form, 400)
    leaves = subtree_leaf_ids(db.session, round_, current_access(), form.unit.data)
    invitations = unused_invitations(
        db.session, round_, current_access(), leaves, include_printed=form.reprint.data
    )
    if not invitations:
        form.unit.errors = [
            _(
                "Every invitation of this unit has been handed out or answered: there is no "
                "form to print. Print the blank form, or make new invitations."
            )
        ]
        return _print_page(round_, form, 422)
    language = _language(form.language.data)
    with force_locale(language):
        data = render_paper_forms(
            paper_document(round_, personal_forms(round_, invitations)),
            document_language(language),
            pictograms=pictogram_dir(),
        )
    # Printed forms are handed out: no kiosk, letter or later print gives their codes again.
    try:
        hand_out_printed(
            db.session, [item.invitation_id for item in invitations], "paper", local_today()
        )
    except TakenByKiosk as taken:
        db.session.rollback()
        form.unit.errors = [taken_by_kiosk_text(taken)]
        return _print_page(round_, form, 409)
    audit.record(
        db.session,
        "paper.print_personal",
        user_id=current_user.id,
        detail={"round": round_.code, "unit": form.unit.data, "forms": len(invitations)},
    )
    db.session.commit()
    path = next((unit.path for unit in units if unit.id == form.unit.data), round_.code)
    name = path.rsplit("/", 1)[-1].replace('"', "")
    return _pdf_response(data, f"{round_.code} {name} pappersenkater.pdf")


# --- entry: the code --------------------------------------------------------------------


def _entry_page(
    round_: Round,
    code_form: PaperCodeForm | None = None,
    unit_form: PaperUnitForm | None = None,
    *,
    status: int = 200,
    code_problem: str | None = None,
    suggestions: list[str] | None = None,
    focus_code: bool = True,
) -> ResponseReturnValue:
    code_form = code_form or PaperCodeForm(formdata=None)
    unit_form = unit_form or PaperUnitForm(formdata=None)
    unit_form.unit.choices = entry_units(db.session, round_, current_access())
    if code_problem:
        code_form.code.errors = [code_problem]
    return render_template(
        "staff/paper_entry.html",
        round_=round_,
        code_form=code_form,
        unit_form=unit_form,
        suggestions=[(code, format_code(code)) for code in suggestions or []],
        focus_code=focus_code,
        section="entry",
    ), status


@route("/omgangar/<code>/pappersenkater/mata-in", permission=PERMISSION)
def paper_entry(code: str) -> ResponseReturnValue:
    return _entry_page(_round(code))


def _check_code(round_: Round, typed: str) -> tuple[EntryCode | None, str | None, list[str]]:
    """The invitation behind a typed code, or what to tell the person and which codes
    they may have meant (only this round's unanswered codes in their scope)."""
    access = current_access()
    cleaned = clean_typed_code(typed)
    if not cleaned:
        return None, _("Type the code printed at the bottom of the form."), []
    code = normalise_code(typed)
    entry = find_entry_code(db.session, round_, access, code) if code is not None else None
    if entry is None:
        suggestions = near_miss_codes(typed, unanswered_codes(db.session, round_, access))
        if code is None:
            problem = _(
                "“%(typed)s” is not a code: a code has 8 letters and digits, for example "
                "ACEF-GHKM (no O, I, L, S, B, U, V, Z, 0, 1, 2, 5 or 8).",
                typed=typed.strip()[:20],
            )
        else:
            problem = _(
                "No form of this round for your units has the code %(code)s. Check the code "
                "on the form.",
                code=format_code(code),
            )
        return None, problem, suggestions
    if entry.status == "withdrawn":
        return (
            None,
            _(
                "The invitation with the code %(code)s is withdrawn, so its form is not "
                "counted. Nothing was saved.",
                code=format_code(entry.code),
            ),
            [],
        )
    if entry.is_answered:
        return (
            None,
            _(
                "The code %(code)s has already answered (online, by kiosk or on paper). A "
                "person is counted once, so this form is not entered. Nothing was saved.",
                code=format_code(entry.code),
            ),
            [],
        )
    return entry, None, []


@route("/omgangar/<code>/pappersenkater/mata-in", permission=PERMISSION, methods=("POST",))
def paper_entry_code(code: str) -> ResponseReturnValue:
    round_ = _round(code)
    if round_.is_closed:
        return _closed(round_)
    form = PaperCodeForm()
    if not form.validate_on_submit():
        return _entry_page(round_, form, status=400)
    entry, problem, suggestions = _check_code(round_, form.code.data or "")
    if entry is None:
        return _entry_page(round_, form, status=422, code_problem=problem, suggestions=suggestions)
    return _answers_page(round_, _Target(entry=entry), {}, nonce=new_form_nonce())


@route("/omgangar/<code>/pappersenkater/mata-in/utan-kod", permission=PERMISSION, methods=("POST",))
def paper_entry_uncoded(code: str) -> ResponseReturnValue:
    round_ = _round(code)
    if round_.is_closed:
        return _closed(round_)
    form = PaperUnitForm()
    units = entry_units(db.session, round_, current_access())
    form.unit.choices = units
    if not form.validate_on_submit():
        return _entry_page(round_, unit_form=form, status=400, focus_code=False)
    path = dict(units)[form.unit.data]
    return _answers_page(
        round_, _Target(unit_id=form.unit.data, unit_path=path), {}, nonce=new_form_nonce()
    )


def _closed(round_: Round) -> ResponseReturnValue:
    flash(_("The round is closed: returned forms can no longer be entered."), "error")
    return redirect(url_for("staff.round_detail", code=round_.code))


# --- entry: the answers -----------------------------------------------------------------


class _Target:
    """What a typed form is for: a code's invitation, or a unit (a form without a code)."""

    def __init__(
        self,
        *,
        entry: EntryCode | None = None,
        unit_id: int | None = None,
        unit_path: str | None = None,
    ) -> None:
        self.entry = entry
        self.unit_id = entry.unit_id if entry is not None else unit_id
        self.unit_path = unit_path

    def ask_gender(self, round_: Round) -> bool:
        return self.entry is None or round_.always_ask_gender or self.entry.gender is None


def _answer_label(question: Question, value: str | None) -> str | None:
    if value is None:
        return None
    if value == DONT_KNOW:
        return _("I don't know")
    for option in question.scale.options if question.scale is not None else ():
        if option.code == value:
            return _text(option.label)
    return value


def _key_hint(question: Question) -> str:
    parts = [
        _("%(key)s = %(answer)s", key=key.key, answer=_answer_label(question, key.value))
        for key in entry_keys(question)
    ]
    return " · ".join([*parts, _("empty or - = no cross")])


def _bad_key_text(bad: BadKey) -> str:
    return _(
        "“%(typed)s” is not an answer to this question. Type %(keys)s, or leave it empty "
        "when there is no cross.",
        typed=bad.typed.strip()[:10],
        keys=", ".join(bad.allowed),
    )


def _fields(
    round_: Round,
    bank: QuestionBank,
    target: _Target,
    typed: dict[str, str],
    errors: dict[str, BadKey],
) -> list[dict[str, Any]]:
    fields = []
    numbers = {question.code: index for index, question in enumerate(bank.questions, 1)}
    for question in entry_questions(bank, ask_gender=target.ask_gender(round_)):
        keys = {key.key: _answer_label(question, key.value) for key in entry_keys(question)}
        if DONT_KNOW in (key.value for key in entry_keys(question)):
            keys["v"] = _("I don't know")
        fields.append(
            {
                "name": KEY_FIELD + question.code,
                "number": numbers.get(question.code),
                "text": _text(question.text),
                "hint": _key_hint(question),
                "answers": keys,
                "value": typed.get(question.code, ""),
                "error": _bad_key_text(errors[question.code]) if question.code in errors else None,
                "is_helper": question.code == survey_flow.HELPER,
            }
        )
    return fields


def _answers_page(
    round_: Round,
    target: _Target,
    typed: dict[str, str],
    *,
    nonce: str,
    errors: dict[str, BadKey] | None = None,
    free_text: str = "",
    free_text_error: str | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    bank = _bank(round_)
    errors = errors or {}
    fields = _fields(round_, bank, target, typed, errors)
    return render_template(
        "staff/paper_answers.html",
        round_=round_,
        target=target,
        code=format_code(target.entry.code) if target.entry is not None else None,
        raw_code=target.entry.code if target.entry is not None else "",
        started=target.entry is not None and target.entry.status == "started",
        fields=fields,
        errors=[(f["name"], f["number"], f["text"], f["error"]) for f in fields if f["error"]],
        free_text=free_text,
        free_text_error=free_text_error,
        free_text_limit=MAX_PAPER_FREE_TEXT,
        free_text_question=_text(bank.find(survey_flow.FREE_TEXT).text)  # type: ignore[union-attr]
        if round_.ask_free_text and bank.find(survey_flow.FREE_TEXT) is not None
        else None,
        nonce=nonce,
        confirm=ConfirmForm(formdata=None),
        bad_key=_("Not an answer: type one of the numbers shown."),
        section="entry",
    ), status


def _target_from_form(round_: Round) -> tuple[_Target | None, ResponseReturnValue | None]:
    """The form's code or unit, checked again (it came back from the browser)."""
    raw_code = request.form.get("code", "")
    if raw_code:
        entry, problem, suggestions = _check_code(round_, raw_code)
        if entry is None:
            return None, _entry_page(
                round_,
                PaperCodeForm(formdata=None, data={"code": raw_code}),
                status=409,
                code_problem=problem,
                suggestions=suggestions,
            )
        return _Target(entry=entry), None
    try:
        unit_id = int(request.form.get("unit", ""))
    except ValueError:
        abort(400)
    units = dict(entry_units(db.session, round_, current_access()))
    if unit_id not in units:
        abort(404)
    return _Target(unit_id=unit_id, unit_path=units[unit_id]), None


@route("/omgangar/<code>/pappersenkater/mata-in/svar", permission=PERMISSION, methods=("POST",))
def paper_entry_answers(code: str) -> ResponseReturnValue:
    round_ = _round(code)
    if round_.is_closed:
        return _closed(round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    nonce = request.form.get("nonce", "")
    if not looks_like_nonce(nonce):
        abort(400)
    target, refusal = _target_from_form(round_)
    if target is None:
        return refusal  # type: ignore[return-value]
    bank = _bank(round_)
    typed = {
        question.code: request.form.get(KEY_FIELD + question.code, "")[:10]
        for question in entry_questions(bank, ask_gender=target.ask_gender(round_))
    }
    free_text = (request.form.get("free_text", "") if round_.ask_free_text else "").strip()
    if request.form.get("edit"):
        return _answers_page(round_, target, typed, nonce=nonce, free_text=free_text)
    parsed = parse_entry(bank, typed, ask_gender=target.ask_gender(round_))
    free_text_error = None
    if len(free_text) > MAX_PAPER_FREE_TEXT:
        free_text_error = _(
            "The text is too long: at most %(n)s characters.", n=MAX_PAPER_FREE_TEXT
        )
    if not parsed.ok or free_text_error:
        return _answers_page(
            round_,
            target,
            typed,
            nonce=nonce,
            errors=parsed.errors,
            free_text=free_text,
            free_text_error=free_text_error,
            status=422,
        )
    assert target.unit_id is not None  # noqa: S101
    row = PaperRow(
        row=1,
        unit_id=target.unit_id,
        gender=parsed.gender or "okand",
        answered_by=parsed.answered_by,
        helper=parsed.helper,
        bestallare_id=None,
        invitation_id=target.entry.invitation_id if target.entry is not None else None,
        answers=parsed.answers,
        comment=free_text or None,
    )
    try:
        staged_id = stage_entry(db.session, round_, user_id=current_user.id, nonce=nonce, row=row)
    except AlreadySaved:
        db.session.rollback()
        flash(_("This form was saved already. It is counted once."), "success")
        return redirect(url_for("staff.paper_entry", code=round_.code))
    db.session.commit()
    return redirect(url_for("staff.paper_entry_review", code=round_.code, staged_id=staged_id))


# --- entry: read back, then save once -----------------------------------------------------


def _readback(
    round_: Round, entry: StagedEntry, *, problem: str | None = None, status: int = 200
) -> ResponseReturnValue:
    bank = _bank(round_)
    row = entry.row
    assert row is not None  # noqa: S101
    coded = None
    ask_gender = True
    if row.invitation_id is not None:
        invitation = db.session.get(Invitation, row.invitation_id)
        if invitation is None:
            abort(404)
        coded = invitation.short_code
        ask_gender = round_.always_ask_gender or invitation.gender is None
    units = dict(entry_units(db.session, round_, current_access()))
    numbers = {question.code: index for index, question in enumerate(bank.questions, 1)}
    lines = []
    keys: dict[str, str] = {}
    for question in entry_questions(bank, ask_gender=ask_gender):
        if question.code == survey_flow.GENDER:
            value: str | None = row.gender if row.gender != "okand" else None
        elif question.code == survey_flow.ANSWERED_BY:
            value = row.answered_by
        elif question.code == survey_flow.HELPER:
            value = row.helper
        else:
            value = row.answers.get(question.code)
        keys[KEY_FIELD + question.code] = typed_keys(question, value)
        lines.append(
            {
                "number": numbers.get(question.code),
                "text": _text(question.text),
                "answer": _answer_label(question, value),
            }
        )
    return render_template(
        "staff/paper_review.html",
        round_=round_,
        entry=entry,
        code=format_code(coded) if coded else None,
        raw_code=coded or "",
        unit_path=units.get(row.unit_id, ""),
        unit_id=row.unit_id,
        lines=lines,
        keys=keys,
        comment=row.comment,
        nonce=_nonce_of(entry),
        confirm=ConfirmForm(formdata=None),
        problem=problem,
        section="entry",
    ), status


def _nonce_of(entry: StagedEntry) -> str:
    staged = db.session.get(StagedImport, entry.id)
    return staged.filename[len(ENTRY_PREFIX) :] if staged is not None else ""


def _entry_or_404(round_: Round, staged_id: str) -> StagedEntry:
    entry = load_entry(db.session, round_, user_id=current_user.id, staged_id=staged_id)
    if entry is None:
        if round_.is_closed:  # round close deletes the typed forms still waiting
            abort(_closed(round_))
        abort(404)
    return entry


@route("/omgangar/<code>/pappersenkater/mata-in/<staged_id>", permission=PERMISSION)
def paper_entry_review(code: str, staged_id: str) -> ResponseReturnValue:
    round_ = _round(code)
    entry = _entry_or_404(round_, staged_id)
    if entry.is_saved:
        flash(_("This form was saved already. It is counted once."), "success")
        return redirect(url_for("staff.paper_entry", code=round_.code))
    return _readback(round_, entry)


@route(
    "/omgangar/<code>/pappersenkater/mata-in/<staged_id>",
    permission=PERMISSION,
    methods=("POST",),
)
def paper_entry_save(code: str, staged_id: str) -> ResponseReturnValue:
    round_ = _round(code)
    entry = _entry_or_404(round_, staged_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if entry.row is not None and entry.row.unit_id not in dict(
        entry_units(db.session, round_, current_access())
    ):
        abort(404)
    try:
        save_entry(
            db.session,
            round_,
            entry,
            today=local_today(),
            commit=db.session.commit,
            user_id=current_user.id,
            batch_size=current_app.extensions["survey.settings"].response_batch_size,
        )
    except AlreadySaved:
        db.session.rollback()
        flash(_("This form was saved already. It is counted once."), "success")
        return redirect(url_for("staff.paper_entry", code=round_.code))
    except ImportRejected as rejected:
        db.session.rollback()
        entry = _entry_or_404(round_, staged_id)
        if any(error.code == "code_already_answered" for error in rejected.errors):
            problem = _(
                "The code has been answered meanwhile (online, by kiosk or another entry). "
                "A person is counted once: this form was not saved."
            )
        else:
            problem = " ".join(describe(rejected.errors[0]))
        return _readback(round_, entry, problem=problem, status=409)
    except UploadRefused as refused:
        db.session.rollback()
        entry = _entry_or_404(round_, staged_id)
        return _readback(round_, entry, problem=describe_refusal(refused), status=409)
    flash(_("Saved. Next form: type its code."), "success")
    return redirect(url_for("staff.paper_entry", code=round_.code))

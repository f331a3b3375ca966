"""Letters and code cards: `/personal/omgangar/<code>/brev`.

Choose the units (the person's own by default), optionally upload a names file, and get one
PDF: letters (a page each) or code cards (eight to an A4). The PDF is built in memory from
the upload and sent as a download (`Cache-Control: no-store`); the names and addresses are
never written anywhere: no staged import, no temporary file, no log line, no audit detail.
Only once the PDF is whole are the invitations marked handed out and the transaction
committed; any problem shows a message and changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import FileStorage

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.tabular import MAX_UPLOAD_BYTES, ImportRejected, UploadRefused
from survey.extensions import db
from survey.i18n import document_language
from survey.links import entry_address, respondent_link
from survey.models import Round
from survey.operations.invitations import TakenByKiosk
from survey.operations.letters import NoLetters, letter_round, plan_letters, record_letters
from survey.queries.letters import letter_unit_ids
from survey.queries.organisation import load_tree
from survey.reports.letters_pdf import render_code_cards, render_letters
from survey.staff.forms import LettersForm
from survey.staff.guard import current_access, route
from survey.staff.import_messages import describe_refusal
from survey.staff.messages import taken_by_kiosk_text
from survey.staff.views_imports import _problems
from survey.staff.views_rounds import _round_or_404
from survey.static_files import pictogram_folder


def _unit_choices(round_: Round) -> list[tuple[str, str]]:
    """ "All my units", then every level above or at the person's units of the round that
    lies in their scope, by path."""
    access = current_access()
    tree = load_tree(db.session, tree="utforare")
    leaves = letter_unit_ids(db.session, round_, access, tree=tree)
    chosen: dict[int, str] = {}
    for leaf_id in leaves:
        node = tree.by_id.get(leaf_id)
        chain = []
        while node is not None:
            chain.append(node)
            node = tree.by_id.get(node.parent_id) if node.parent_id is not None else None
        ids = [n.id for n in chain]
        for depth, node in enumerate(chain):
            if access.covers(Permission.MANAGE_INVITATIONS, ids[depth:]):
                chosen[node.id] = node.path
    choices = [("", _("All my units in the round"))]
    choices += [(str(i), path) for i, path in sorted(chosen.items(), key=lambda item: item[1])]
    return choices


def _names_upload() -> tuple[bytes, str] | None:
    file: FileStorage | None = request.files.get("names")
    if file is None or not file.filename:
        return None
    return file.stream.read(MAX_UPLOAD_BYTES + 1), file.filename[:200]


@route(
    "/omgangar/<code>/brev",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("GET", "POST"),
)
def round_letters(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    form = LettersForm()
    form.unit.choices = _unit_choices(round_)
    context: dict[str, Any] = {"round_": round_, "form": form}
    if round_.is_closed:
        context["closed"] = True
        return render_template("staff/letters.html", **context), 200 if (
            request.method == "GET"
        ) else 409
    if not form.validate_on_submit():
        status = 400 if request.method == "POST" else 200
        return render_template("staff/letters.html", **context), status
    root_id = int(form.unit.data) if form.unit.data else None
    unit_ids = letter_unit_ids(db.session, round_, current_access(), root_id)
    if not unit_ids:
        abort(404)
    names = _names_upload()
    if names is not None:
        context["filename"] = names[1]
    try:
        run = plan_letters(db.session, round_, unit_ids, link=respondent_link, names=names)
    except UploadRefused as refused:
        db.session.rollback()
        return render_template(
            "staff/letters.html", refused=describe_refusal(refused), **context
        ), 400
    except ImportRejected as rejected:
        db.session.rollback()
        return render_template("staff/letters.html", **_problems(rejected.errors), **context), 422
    except NoLetters:
        db.session.rollback()
        flash(
            _(
                "There is no invitation to print in these units: every invitation is answered, "
                "withdrawn or taken by a kiosk, or no recipient list has been imported."
            ),
            "error",
        )
        return redirect(url_for("staff.round_letters", code=round_.code), 303)
    kind = form.kind.data
    language = form.language.data
    with force_locale(language):
        render = render_code_cards if kind == "cards" else render_letters
        data = render(
            letter_round(round_, entry_address()),
            run.recipients,
            document_language(language),
            pictograms=pictogram_folder(),
        )
    unit_label = dict(form.unit.choices).get(form.unit.data or "", "") if root_id else ""
    try:
        record_letters(
            db.session,
            round_,
            run,
            kind=kind,
            unit=unit_label,
            user_id=current_user.id,
            today=local_today(),
        )
    except TakenByKiosk as taken:
        db.session.rollback()
        flash(taken_by_kiosk_text(taken), "error")
        return redirect(url_for("staff.round_letters", code=round_.code), 303)
    db.session.commit()
    name = f"{'kodkort' if kind == 'cards' else 'brev'}-{round_.code}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )

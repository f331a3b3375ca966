"""Uploads: recipient lists, paper forms and organisation files.

Upload → preview (every row's errors by row and column, or a summary) → confirm. The checked
rows wait in `staged_import` between the two requests (several workers share no memory);
the confirm step imports all of them or none, re-checking at import time.
"""

from __future__ import annotations

import io
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import IO, Any

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import delete, select
from werkzeug.datastructures import FileStorage

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.paper import PaperPreview, PaperRow
from survey.domain.recipients import RecipientRow
from survey.domain.tabular import MAX_UPLOAD_BYTES, ImportRejected, RowError, UploadRefused
from survey.extensions import db
from survey.models import OrgNode, Round, StagedImport
from survey.operations import org_import as org_import_ops
from survey.operations import paper, recipients
from survey.queries.rounds import round_wholly_in_scope
from survey.staff.forms import ConfirmForm, UploadForm
from survey.staff.guard import current_access, route
from survey.staff.import_messages import column_name, describe, describe_refusal
from survey.staff.views_rounds import _round_or_404

#: A staged upload is kept this long for its confirmation, then deleted.
STAGED_LIFETIME = timedelta(hours=1)
#: Requests to these endpoints may carry a file of MAX_UPLOAD_BYTES plus the form around it.
UPLOAD_ENDPOINTS = frozenset(
    {
        "staff.recipients_upload",
        "staff.paper_upload",
        "staff.org_import",
        "staff.targets_import",
        "staff.round_letters",
    }
)
UPLOAD_REQUEST_LIMIT = MAX_UPLOAD_BYTES + 256 * 1024
#: Uploads that must never touch the disk (names and addresses for letters): held in memory,
#: which UPLOAD_REQUEST_LIMIT bounds, not in werkzeug's temporary file for files over 500 kB.
IN_MEMORY_UPLOADS = frozenset({"staff.round_letters"})
#: Errors shown on the preview page (all are counted; the rest are listed in the CSV below).
SHOWN_ERRORS = 500


def allow_uploads() -> None:
    """App-level before_request (runs before the CSRF check reads the form)."""
    if request.endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = UPLOAD_REQUEST_LIMIT
        # Refuse a declared oversize body before anything is read or spooled to disk.
        if (request.content_length or 0) > UPLOAD_REQUEST_LIMIT:
            abort(413)
        if request.endpoint in IN_MEMORY_UPLOADS:
            request._get_file_stream = _in_memory_stream  # type: ignore[method-assign]


def _in_memory_stream(*args: Any, **kwargs: Any) -> IO[bytes]:
    return io.BytesIO()


def _read_upload(form: UploadForm) -> tuple[bytes, str] | None:
    file: FileStorage | None = form.file.data
    if file is None or not file.filename:
        return None
    data = file.stream.read(MAX_UPLOAD_BYTES + 1)
    return data, file.filename[:200]


def _problems(errors: list[RowError]) -> dict[str, Any]:
    """The template's error table: the first SHOWN_ERRORS described, and how many in all."""
    shown = []
    for error in errors[:SHOWN_ERRORS]:
        problem, fix = describe(error)
        shown.append(
            {
                "row": error.row,
                "column": column_name(error.column) if error.column else "",
                "problem": problem,
                "fix": fix,
            }
        )
    return {
        "errors": shown,
        "error_count": len(errors),
        "error_row_count": len({e.row for e in errors}),
    }


def _forget_old_uploads() -> None:
    db.session.execute(
        delete(StagedImport).where(StagedImport.created_at < datetime.now(UTC) - STAGED_LIFETIME)
    )


def _stage(
    kind: str, round_: Round | None, filename: str, rows: list[dict[str, Any]]
) -> StagedImport:
    _forget_old_uploads()
    staged = StagedImport(
        kind=kind,
        round_id=round_.id if round_ is not None else None,
        user_id=current_user.id,
        created_at=datetime.now(UTC),
        filename=filename,
        row_count=len(rows),
        rows=rows,
    )
    db.session.add(staged)
    db.session.commit()
    return staged


def _staged_or_404(staged_id: str, kind: str, round_: Round | None) -> StagedImport:
    try:
        key = uuid.UUID(staged_id)
    except ValueError:
        abort(404)
    staged = db.session.get(StagedImport, key)
    created = staged.created_at if staged is not None else None
    if created is not None and created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    if (
        staged is None
        or staged.kind != kind
        or staged.user_id != current_user.id
        or staged.round_id != (round_.id if round_ is not None else None)
        or created is None
        or datetime.now(UTC) - created > STAGED_LIFETIME
    ):
        if round_ is not None and round_.is_closed:
            # Round close deletes what waits for confirmation: say why, not "not found".
            refused = UploadRefused("round_closed", round=round_.code)
            abort(make_response(_import_failed(refused, round_, kind)))
        abort(404)
    return staged


def _managed_for_invitations(code: str) -> Round:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    # A list may name any unit of the round, so the whole round must be in the person's scope.
    if not round_wholly_in_scope(
        db.session, current_access(), round_, Permission.MANAGE_INVITATIONS
    ):
        abort(403)
    return round_


def _unit_names(ids: set[int]) -> dict[int, str]:
    return {n.id: n.path() for n in db.session.scalars(select(OrgNode).where(OrgNode.id.in_(ids)))}


# --- recipient lists ---------------------------------------------------------------------


@route(
    "/omgangar/<code>/mottagarlista",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("GET", "POST"),
)
def recipients_upload(code: str) -> ResponseReturnValue:
    round_ = _managed_for_invitations(code)
    form = UploadForm()
    context: dict[str, Any] = {"round_": round_, "form": form, "kind": "recipients"}
    if not form.validate_on_submit():
        return render_template(
            "staff/import.html", **context
        ), 400 if request.method == "POST" else 200
    upload = _read_upload(form)
    if upload is None:
        abort(400)
    data, filename = upload
    try:
        preview = recipients.preview_recipients(db.session, round_, data, filename)
    except UploadRefused as refused:
        db.session.rollback()
        return render_template(
            "staff/import.html", refused=describe_refusal(refused), **context
        ), 400
    context["filename"] = filename
    if not preview.ok:
        return render_template(
            "staff/import.html",
            **_problems(preview.errors),
            **context,
        ), 422
    staged = _stage("recipients", round_, filename, [r.to_dict() for r in preview.rows])
    names = _unit_names({r.unit_id for r in preview.rows})
    by_unit = Counter((names[r.unit_id], r.gender) for r in preview.rows)
    return render_template(
        "staff/import.html",
        staged=staged,
        summary=sorted(by_unit.items()),
        dropped=preview.dropped_columns,
        ignored=preview.ignored_columns,
        with_email=sum(1 for r in preview.rows if r.email),
        confirm=ConfirmForm(),
        confirm_url=url_for("staff.recipients_confirm", code=round_.code, staged_id=staged.id),
        **context,
    )


@route(
    "/omgangar/<code>/mottagarlista/<staged_id>",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def recipients_confirm(code: str, staged_id: str) -> ResponseReturnValue:
    round_ = _managed_for_invitations(code)
    staged = _staged_or_404(staged_id, "recipients", round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = [RecipientRow.from_dict(r) for r in staged.rows]
    try:
        count = recipients.import_recipient_rows(
            db.session, round_, rows, channel="link", user_id=current_user.id
        )
    except (ImportRejected, UploadRefused) as problem:
        db.session.rollback()
        return _import_failed(problem, round_, "recipients")
    db.session.delete(staged)
    db.session.commit()
    flash(_("%(n)s invitations are created.", n=count), "success")
    return redirect(url_for("staff.round_detail", code=round_.code))


def _import_failed(problem: Exception, round_: Round | None, kind: str) -> ResponseReturnValue:
    context: dict[str, Any] = {"round_": round_, "form": UploadForm(), "kind": kind}
    if isinstance(problem, UploadRefused):
        return render_template(
            "staff/import.html", refused=describe_refusal(problem), **context
        ), 400
    assert isinstance(problem, ImportRejected)  # noqa: S101
    return render_template(
        "staff/import.html",
        **_problems(problem.errors),
        changed_since=True,
        **context,
    ), 409


# --- paper forms -------------------------------------------------------------------------


@route(
    "/omgangar/<code>/pappersenkater",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("GET", "POST"),
)
def paper_upload(code: str) -> ResponseReturnValue:
    round_ = _managed_for_invitations(code)
    form = UploadForm()
    context: dict[str, Any] = {"round_": round_, "form": form, "kind": "paper"}
    if not form.validate_on_submit():
        return render_template(
            "staff/import.html", **context
        ), 400 if request.method == "POST" else 200
    upload = _read_upload(form)
    if upload is None:
        abort(400)
    data, filename = upload
    try:
        preview: PaperPreview = paper.preview_paper(db.session, round_, data, filename)
    except UploadRefused as refused:
        db.session.rollback()
        return render_template(
            "staff/import.html", refused=describe_refusal(refused), **context
        ), 400
    context["filename"] = filename
    if not preview.ok:
        return render_template(
            "staff/import.html",
            **_problems(preview.errors),
            **context,
        ), 422
    staged = _stage("paper", round_, filename, [r.to_dict() for r in preview.rows])
    names = _unit_names({r.unit_id for r in preview.rows})
    by_unit = Counter((names[r.unit_id], r.gender) for r in preview.rows)
    return render_template(
        "staff/import.html",
        staged=staged,
        summary=sorted(by_unit.items()),
        questions=preview.questions,
        coded=sum(1 for r in preview.rows if getattr(r, "invitation_id", None)),
        confirm=ConfirmForm(),
        confirm_url=url_for("staff.paper_confirm", code=round_.code, staged_id=staged.id),
        **context,
    )


@route(
    "/omgangar/<code>/pappersenkater/<staged_id>",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def paper_confirm(code: str, staged_id: str) -> ResponseReturnValue:
    round_ = _managed_for_invitations(code)
    staged = _staged_or_404(staged_id, "paper", round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = [PaperRow.from_dict(r) for r in staged.rows]
    # Deleted in the import's first transaction: a second confirm (after a crash, a double
    # click) finds nothing to import twice.
    db.session.delete(staged)
    try:
        count = paper.import_paper_rows(
            db.session,
            round_,
            rows,
            today=local_today(),
            commit=db.session.commit,
            user_id=current_user.id,
            batch_size=current_app.extensions["survey.settings"].response_batch_size,
        )
    except (ImportRejected, UploadRefused) as problem:
        db.session.rollback()
        return _import_failed(problem, round_, "paper")
    flash(_("%(n)s answered paper forms are imported.", n=count), "success")
    return redirect(url_for("staff.round_detail", code=round_.code))


# --- organisation files ------------------------------------------------------------------


def _require_installation_admin() -> None:
    # An organisation file may create new top levels: only for the whole installation.
    if not current_access().everywhere(Permission.MANAGE_ORGANISATION):
        abort(403)


@route(
    "/organisation/importera", permission=Permission.MANAGE_ORGANISATION, methods=("GET", "POST")
)
def org_import() -> ResponseReturnValue:
    _require_installation_admin()
    form = UploadForm()
    context: dict[str, Any] = {"round_": None, "form": form, "kind": "org"}
    if not form.validate_on_submit():
        return render_template(
            "staff/import.html", **context
        ), 400 if request.method == "POST" else 200
    upload = _read_upload(form)
    if upload is None:
        abort(400)
    data, filename = upload
    context["filename"] = filename
    try:
        rows = org_import_ops.read_org_file(db.session, data, filename)
    except UploadRefused as refused:
        db.session.rollback()
        return render_template(
            "staff/import.html", refused=describe_refusal(refused), **context
        ), 400
    except ImportRejected as rejected:
        db.session.rollback()
        return render_template(
            "staff/import.html",
            **_problems(rejected.errors),
            **context,
        ), 422
    staged = _stage(
        "org",
        None,
        filename,
        [{"row": r.row, "path": r.path, "insats": r.insats, "tree": r.tree} for r in rows],
    )
    return render_template(
        "staff/import.html",
        staged=staged,
        org_rows=rows[:SHOWN_ERRORS],
        confirm=ConfirmForm(),
        confirm_url=url_for("staff.org_import_confirm", staged_id=staged.id),
        **context,
    )


@route(
    "/organisation/importera/<staged_id>",
    permission=Permission.MANAGE_ORGANISATION,
    methods=("POST",),
)
def org_import_confirm(staged_id: str) -> ResponseReturnValue:
    _require_installation_admin()
    staged = _staged_or_404(staged_id, "org", None)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = [org_import_ops.OrgRow(**r) for r in staged.rows]
    result = org_import_ops.import_org_rows(db.session, rows, user_id=current_user.id)
    db.session.delete(staged)
    db.session.commit()
    flash(
        _(
            "The organisation file is imported: %(created)s units created, %(updated)s changed.",
            created=result.created,
            updated=result.updated,
        ),
        "success",
    )
    return redirect(url_for("staff.org_tree"))

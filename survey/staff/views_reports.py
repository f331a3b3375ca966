"""Unit reports on the web (SPEC §6): a unit's PDF in one click, and every unit's PDF of a
round as one ZIP, built in the background with its progress on the page.

Scope as on the dashboard: a person sees the units of their subtrees; only a person with a
grant everywhere gets the whole organisation's report. A build is shared by everyone with
the same scope, language and hierarchy while the round's data stay the same, so a second
click (by anyone, in any worker) shows the running build instead of starting another.
"""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime

from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from survey.clock import STOCKHOLM, local_today
from survey.domain.access import Permission
from survey.domain.indicators import INSTALLATION, TREES
from survey.domain.round_status import status_note
from survey.extensions import db
from survey.i18n import document_language
from survey.models import ReportBuild
from survey.operations import audit, report_builds
from survey.queries.dashboard import round_status
from survey.queries.indicators import RoundReport, data_version
from survey.queries.report_files import ReportBuilder
from survey.reports.text import Language
from survey.staff import report_runner
from survey.staff.forms import ReportBuildForm
from survey.staff.guard import route
from survey.staff.views_dashboard import Choice, _choice, _language, _report
from survey.staff.views_rounds import _round_or_404


def _scope(choice: Choice) -> tuple[str, frozenset[int] | None]:
    """The build's scope key and the units it covers (None: everything)."""
    if choice.everywhere:
        return "all", None
    ids = frozenset(choice.visible)
    digest = hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()
    return digest, ids


def _version(report: RoundReport) -> str:
    parts = (*data_version(db.session, report.round), report.figures.threshold)
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _builder(report: RoundReport, by: str, lang: Language) -> ReportBuilder:
    settings = current_app.extensions["survey.settings"]
    return ReportBuilder(
        db.session, report, by=by, lang=lang, today=local_today(), decimals=settings.report_decimals
    )


def _tree_choice(report: RoundReport) -> Choice:
    by = request.values.get("by")
    return _choice(report, by if by in TREES else None, None)


@route("/omgangar/<code>/resultat.pdf", permission=Permission.VIEW_ROUNDS)
def round_results_pdf(code: str) -> ResponseReturnValue:
    """The chosen unit's report as PDF (the whole organisation's for a grant everywhere)."""
    round_ = _round_or_404(code)
    report = _report(round_)
    choice = _choice(report, request.args.get("by"), request.args.get("enhet"))
    node_id = choice.node_id
    if node_id is None and not choice.everywhere:
        abort(404)
    lang = document_language(_language())
    builder = _builder(report, choice.by, lang)
    if not builder.has(node_id):
        abort(404)
    data = builder.pdf(node_id)
    unit_path = None if node_id is INSTALLATION else report.trees[choice.by][node_id].path
    audit.record(
        db.session,
        "reports.pdf",
        user_id=current_user.id,
        detail={"round": round_.code, "by": choice.by, "unit": unit_path},
    )
    db.session.commit()
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=builder.download_name(node_id),
    )


def _current_build(round_id: int, choice: Choice, version: str) -> ReportBuild | None:
    scope, _ids = _scope(choice)
    return db.session.scalar(
        select(ReportBuild)
        .where(
            ReportBuild.round_id == round_id,
            ReportBuild.tree == choice.by,
            ReportBuild.language == _language(),
            ReportBuild.scope == scope,
        )
        .order_by((ReportBuild.version == version).desc(), ReportBuild.created_at.desc())
        .limit(1)
    )


@route("/omgangar/<code>/rapporter", permission=Permission.VIEW_ROUNDS)
def round_reports(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code)
    report = _report(round_)
    choice = _tree_choice(report)
    version = _version(report)
    build = _current_build(round_.id, choice, version)
    stale = (
        build is not None
        and build.status == "building"
        and _aware(build.updated_at) < datetime.now(UTC) - report_builds.STALE_AFTER
    )
    return render_template(
        "staff/reports.html",
        round_=round_,
        choice=choice,
        build=build,
        stale=stale,
        progress_text=progress_text,
        finished=(
            _aware(build.finished_at).astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M")
            if build is not None and build.finished_at is not None
            else ""
        ),
        outdated=build is not None and build.version != version,
        form=ReportBuildForm(data={"by": choice.by}),
        round_note=status_note(round_status(round_, local_today()), document_language()),
    )


@route("/omgangar/<code>/rapporter", permission=Permission.VIEW_ROUNDS, methods=("POST",))
def round_reports_build(code: str) -> ResponseReturnValue:
    """Start the ZIP build (or join the one running); audited."""
    round_ = _round_or_404(code)
    form = ReportBuildForm()
    if not form.validate_on_submit():
        abort(400)
    report = _report(round_)
    choice = _choice(report, form.by.data, None)
    scope, ids = _scope(choice)
    lang = document_language(_language())
    builder = _builder(report, choice.by, lang)
    planned = builder.plan(None if ids is None else set(ids), everywhere=ids is None)
    round_id, round_code = round_.id, round_.code
    key = report_builds.BuildKey(round_.id, choice.by, _language(), scope, _version(report))
    build, started = report_builds.start_build(
        db.session,
        key,
        total=len(planned),
        filename=f"rapporter-{builder.folder}.zip",
        user_id=current_user.id,
        now=datetime.now(UTC),
    )
    build_id = build.id  # read before the commit expires it (no new transaction after)
    if started:
        audit.record(
            db.session,
            "reports.zip",
            user_id=current_user.id,
            detail={"round": round_.code, "by": choice.by, "reports": len(planned)},
        )
    db.session.commit()
    if started:
        report_runner.start(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            report_runner.BuildOrder(
                build_id=build_id,
                round_id=round_id,
                tree=choice.by,
                language=_language(),
                within=ids,
            ),
        )
    return redirect(url_for("staff.round_reports", code=round_code, by=choice.by), code=303)


def _own_build(code: str, build_id: int) -> ReportBuild:
    """The build, if it is of this round and of the person's own scope (else 404)."""
    round_ = _round_or_404(code)
    build = db.session.get(ReportBuild, build_id)
    if build is None or build.round_id != round_.id:
        abort(404)
    report = _report(round_)
    choice = _choice(report, build.tree, None)
    if _scope(choice)[0] != build.scope:
        abort(404)
    return build


@route("/omgangar/<code>/rapporter/<int:build_id>.json", permission=Permission.VIEW_ROUNDS)
def round_reports_status(code: str, build_id: int) -> ResponseReturnValue:
    build = _own_build(code, build_id)
    response = jsonify(
        status=build.status,
        done=build.done,
        total=build.total,
        text=progress_text(build),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@route("/omgangar/<code>/rapporter/<int:build_id>.zip", permission=Permission.VIEW_ROUNDS)
def round_reports_download(code: str, build_id: int) -> ResponseReturnValue:
    build = _own_build(code, build_id)
    if build.status != "done" or build.content is None:
        abort(404)
    audit.record(
        db.session,
        "reports.download",
        user_id=current_user.id,
        detail={"round": code, "by": build.tree, "build": build.id},
    )
    db.session.commit()
    return send_file(
        io.BytesIO(build.content),
        mimetype="application/zip",
        as_attachment=True,
        download_name=build.filename,
    )


def _aware(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; they are stored in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def progress_text(build: ReportBuild) -> str:
    if build.status == "done":
        return _("Ready: %(total)s reports.", total=build.total)
    if build.status == "failed":
        return _("The build stopped. Start it again.")
    return _("%(done)s of %(total)s reports made …", done=build.done, total=build.total)

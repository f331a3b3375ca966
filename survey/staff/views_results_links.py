"""Results back to the brukare (SPEC §6), the staff side: make a link to a unit's easy-read
results page (/resultat/<token>) for a brukarforum, see the round's active links, revoke one,
and print the same content as an easy-read PDF.

Who: `Permission.SHARE_RESULTS` (admin, handläggare, enhetschef; survey/domain/access.py),
for the units in their subtrees: an enhetschef makes links for their own units. A link is
shown once, right after it is made, as an address and a QR code; only its digest is stored,
so afterwards it can only be revoked and replaced. Units are those of the round's figures
(cached_round_figures), in either hierarchy, the same as on the dashboard.
"""

from __future__ import annotations

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from survey.clock import local_today
from survey.domain import dashboard as layout
from survey.domain.access import Permission
from survey.domain.indicator_export import tree_order
from survey.domain.indicators import TREES
from survey.domain.tokens import looks_like_nonce, new_form_nonce
from survey.extensions import db
from survey.models import Round
from survey.models.results_link import ResultsLink
from survey.operations import audit
from survey.operations.results_links import (
    ResultsLinkRefused,
    make_results_link,
    revoke_results_link,
)
from survey.queries.easy_read import unit_easy_read
from survey.queries.indicators import RoundReport, cached_round_figures
from survey.queries.results_links import active_links
from survey.respond.results import easy_read_pdf_response
from survey.staff.forms import ConfirmForm, ResultsLinkForm
from survey.staff.guard import current_access, require_node, route
from survey.staff.views_rounds import _round_or_404


def _report(round_: Round) -> RoundReport:
    settings = current_app.extensions["survey.settings"]
    return cached_round_figures(db.session, round_, threshold=settings.suppression_threshold)


def _visible(report: RoundReport, permission: Permission) -> dict[str, set[int]]:
    """The round's units per tree that lie in the person's subtrees for `permission`."""
    roots = current_access().roots(permission)
    return {
        tree: layout.visible_nodes(report.trees[tree], report.figures.nodes(tree), roots)
        for tree in TREES
    }


def _tree(visible: dict[str, set[int]], wanted: str | None) -> str:
    """The hierarchy asked for: 400 if unknown, 404 if nothing of it is in scope."""
    trees = [tree for tree in TREES if visible[tree]]
    if not trees:
        abort(404)
    tree = wanted or trees[0]
    if tree not in TREES:
        abort(400)
    if tree not in trees:
        abort(404)
    return tree


def _node(visible: set[int], value: str | None) -> int | None:
    """The unit asked for (?enhet=), 404 outside the visible ones; None when not given."""
    if not value:
        return None
    if not value.isdigit() or int(value) not in visible:
        abort(404)
    return int(value)


def _unit_choices(report: RoundReport, tree: str, visible: set[int]) -> list[tuple[int, str]]:
    nodes = report.trees[tree]
    return [(node_id, nodes[node_id].path) for node_id, _depth in tree_order(nodes, visible)]


def _link_url(token: str) -> str:
    return url_for("respond.results", token=token, _external=True)


@route("/omgangar/<code>/resultatlankar", permission=Permission.SHARE_RESULTS)
def results_links(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.SHARE_RESULTS)
    report = _report(round_)
    visible = _visible(report, Permission.SHARE_RESULTS)
    tree = _tree(visible, request.args.get("by"))
    chosen = _node(visible[tree], request.args.get("enhet"))
    form = ResultsLinkForm(data={"by": tree, "nonce": new_form_nonce(), "unit": chosen})
    return _links_page(round_, report, visible, tree, form, chosen)


def _links_page(
    round_: Round,
    report: RoundReport,
    visible: dict[str, set[int]],
    tree: str,
    form: ResultsLinkForm,
    chosen: int | None,
    status: int = 200,
) -> ResponseReturnValue:
    form.unit.choices = _unit_choices(report, tree, visible[tree])
    in_scope = visible["utforare"] | visible["bestallare"]
    links = active_links(db.session, round_.id, in_scope)
    nodes = {**report.trees["bestallare"], **report.trees["utforare"]}
    return render_template(
        "staff/results_links.html",
        round_=round_,
        tree=tree,
        trees=[t for t in TREES if visible[t]],
        form=form,
        chosen=chosen,
        chosen_name=report.trees[tree][chosen].path if chosen is not None else None,
        links=links,
        path_of=lambda node_id, name: nodes[node_id].path if node_id in nodes else name,
        revoke_form=ConfirmForm(),
        made_on=lambda at: format_date(at, "long"),
    ), status


@route(
    "/omgangar/<code>/resultatlankar",
    permission=Permission.SHARE_RESULTS,
    methods=("POST",),
    endpoint="results_link_create",
)
def results_link_create(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.SHARE_RESULTS)
    report = _report(round_)
    visible = _visible(report, Permission.SHARE_RESULTS)
    form = ResultsLinkForm()
    tree = _tree(visible, form.by.data if form.by.data in TREES else None)
    form.unit.choices = _unit_choices(report, tree, visible[tree])
    nonce = form.nonce.data or ""
    if not form.validate_on_submit() or not looks_like_nonce(nonce):
        if not looks_like_nonce(nonce):
            form.nonce.data = new_form_nonce()
        return _links_page(round_, report, visible, tree, form, None, status=400)
    node_id = int(form.unit.data)
    if node_id not in visible[tree]:
        abort(404)
    try:
        made = make_results_link(
            db.session,
            round_,
            tree=tree,
            node_id=node_id,
            user_id=current_user.id,
            key=current_app.extensions["survey.settings"].secret_key.encode(),
            nonce=nonce,
        )
    except ResultsLinkRefused as refusal:
        db.session.rollback()
        if refusal.code == "revoked":
            flash(_("That link has been revoked since. Make a new one."), "error")
        else:
            flash(_("The round is a draft: it has no results to show yet."), "error")
        return redirect(url_for("staff.results_links", code=round_.code, by=tree))
    db.session.commit()
    link = _link_url(made.token)
    qr = segno.make(link, error="m")
    svg = Markup(qr.svg_inline(scale=6, border=2, dark="#000", light="#fff"))  # noqa: S704
    return render_template(
        "staff/results_link_made.html",
        round_=round_,
        tree=tree,
        node_id=node_id,
        unit_path=report.trees[tree][node_id].path,
        link=link,
        qr=svg,
    )


@route(
    "/omgangar/<code>/resultatlankar/<int:link_id>/aterkalla",
    permission=Permission.SHARE_RESULTS,
    methods=("POST",),
)
def results_link_revoke(code: str, link_id: int) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.SHARE_RESULTS)
    link = db.session.scalar(
        select(ResultsLink).where(ResultsLink.id == link_id, ResultsLink.round_id == round_.id)
    )
    if link is None:
        abort(404)
    require_node(link.org_node_id, Permission.SHARE_RESULTS)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    tree = link.tree
    if revoke_results_link(db.session, link, user_id=current_user.id):
        db.session.commit()
        flash(_("The link is revoked. It no longer shows the results."), "success")
    return redirect(url_for("staff.results_links", code=round_.code, by=tree))


@route("/omgangar/<code>/lattlast.pdf", permission=Permission.VIEW_ROUNDS)
def results_easy_read_pdf(code: str) -> ResponseReturnValue:
    """The easy-read results of one unit in scope as a PDF to print (audited as an export)."""
    round_ = _round_or_404(code, Permission.VIEW_ROUNDS)
    report = _report(round_)
    visible = _visible(report, Permission.VIEW_ROUNDS)
    tree = _tree(visible, request.args.get("by"))
    node_id = _node(visible[tree], request.args.get("enhet"))
    if node_id is None:
        abort(404)
    settings = current_app.extensions["survey.settings"]
    results = unit_easy_read(
        db.session,
        round_,
        tree=tree,
        node_id=node_id,
        threshold=settings.suppression_threshold,
        today=local_today(),
    )
    audit.record(
        db.session,
        "results.easy_read_pdf",
        user_id=current_user.id,
        detail={"round": round_.code, "by": tree, "unit": report.trees[tree][node_id].path},
    )
    db.session.commit()
    return easy_read_pdf_response(results, f"lattlast-{round_.code}-{node_id}.pdf")

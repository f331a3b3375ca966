"""The indicator dashboard of a round (SPEC §6): the annual-report table, charts by gender,
each question's answers by quality area, drill-down through the units in the person's scope,
either hierarchy, and the downloads (CSV, Excel, JSON; audited).

Every figure comes from one `round_figures()` per request (suppression applied there); this
module only chooses what the person may see: the units of their subtrees in the chosen tree,
plus the whole installation as the comparison (a published cell of the same table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from survey.clock import local_today
from survey.domain import dashboard as layout
from survey.domain.access import Permission
from survey.domain.analysis_text import indicator_analyses
from survey.domain.indicator_documents import MEDIA_TYPES
from survey.domain.indicator_export import (
    UnitReport,
    installation_report,
    percent_text,
    rate_text,
    row_label,
    subtree,
    target_value,
    unit_reports,
)
from survey.domain.indicators import TREES, Item
from survey.domain.round_status import RoundStatus, status_note
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Round
from survey.operations import audit
from survey.operations import rounds as round_ops
from survey.queries.dashboard import indicator_download, proxy_share, round_status
from survey.queries.indicators import RoundReport, cached_round_figures
from survey.queries.rounds import round_wholly_in_scope
from survey.queries.targets_lookup import target_lookup
from survey.staff.forms import ProxyCountingForm
from survey.staff.guard import current_access, route
from survey.staff.views_overview import _levels
from survey.staff.views_rounds import _managed_round, _round_or_404


@dataclass(frozen=True, slots=True)
class Choice:
    """The tree and unit a request asks for, checked against the person's scope."""

    by: str
    #: The chosen unit; None: the whole installation (a grant everywhere) or, for a person
    #: with several subtrees, the list to pick from.
    node_id: int | None
    #: The round's units of the chosen tree that the person may see.
    visible: set[int]
    #: The trees the person may switch between (those with a unit in scope).
    trees: tuple[str, ...]
    everywhere: bool


def _report(round_: Round) -> RoundReport:
    settings = current_app.extensions["survey.settings"]
    return cached_round_figures(db.session, round_, threshold=settings.suppression_threshold)


def _choice(report: RoundReport, by_arg: str | None, enhet_arg: str | None) -> Choice:
    """400 for an unknown hierarchy; 404 for a tree or unit outside the person's scope."""
    roots = current_access().roots(Permission.VIEW_ROUNDS)
    visible = {
        tree: layout.visible_nodes(report.trees[tree], report.figures.nodes(tree), roots)
        for tree in TREES
    }
    trees = tuple(tree for tree in TREES if visible[tree])
    if not trees:
        abort(404)
    by = by_arg or trees[0]
    if by not in TREES:
        abort(400)
    if by not in trees:
        abort(404)
    node_id: int | None = None
    if enhet_arg:
        try:
            node_id = int(enhet_arg)
        except ValueError:
            abort(404)
        if node_id not in visible[by]:
            abort(404)
    elif roots is not None:
        tops = layout.top_nodes(report.trees[by], visible[by])
        node_id = tops[0] if len(tops) == 1 else None
    return Choice(by, node_id, visible[by], trees, everywhere=roots is None)


def _language() -> str:
    return str(get_locale() or "sv")


def _name(texts: Mapping[str, str]) -> str:
    return texts.get(_language()) or texts.get("sv") or ""


def _headline_item(items: tuple[Item, ...]) -> Item | None:
    """The "nöjd" indicator for the list of units below (else the first indicator)."""
    indicators = [item for item in items if item.kind == "indicator"]
    for item in indicators:
        if item.key == "nojd":
            return item
    return indicators[0] if indicators else None


def _shown_target(text: str | None) -> str:
    value = target_value(text)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    number = str(value).replace(".", ",") if _language() == "sv" else str(value)
    return f"{number} %"


def _analyses(unit: UnitReport | None, report: RoundReport, status: RoundStatus) -> dict[str, str]:
    """The "Analys" starter text of each indicator row of `unit`, by indicator key."""
    if unit is None:
        return {}
    return indicator_analyses(
        unit,
        document_language(),
        previous_period=report.previous_period,
        status=status,
    )


@route("/omgangar/<code>/resultat", permission=Permission.VIEW_ROUNDS)
def round_results(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code)
    report = _report(round_)
    choice = _choice(report, request.args.get("by"), request.args.get("enhet"))
    status = round_status(round_, local_today())
    nodes = report.trees[choice.by]
    targets = target_lookup(db.session, report)
    whole = installation_report(report.figures, _("The whole organisation"), targets)
    unit: UnitReport | None
    crumbs = []
    if choice.node_id is not None:
        unit = unit_reports(
            report.figures, report.trees, by=choice.by, within={choice.node_id}, targets=targets
        )[0]
        below = layout.child_nodes(nodes, choice.node_id, choice.visible)
        crumbs = layout.ancestors_in_scope(nodes, choice.node_id, choice.visible)
    else:
        unit = whole if choice.everywhere else None
        below = layout.top_nodes(nodes, choice.visible)
    headline = _headline_item(report.figures.items)
    children = unit_reports(
        report.figures,
        report.trees,
        by=choice.by,
        within=set(below),
        items=[headline] if headline is not None else [],
    )
    access = current_access()
    can_manage = access.can(Permission.MANAGE_ROUNDS) and round_wholly_in_scope(
        db.session, access, round_, Permission.MANAGE_ROUNDS
    )
    proxy_form = proxies = None
    if can_manage:
        proxy_form = ProxyCountingForm(
            data={
                "include": round_.include_proxy_answers,
                "by": choice.by,
                "enhet": "" if choice.node_id is None else str(choice.node_id),
            }
        )
        proxies = proxy_share(db.session, round_.id)
    whole_rows = {row.item.key: row for row in whole.rows}
    return render_template(
        "staff/dashboard.html",
        round_=round_,
        report=report,
        choice=choice,
        unit=unit,
        is_whole=unit is whole,
        crumbs=crumbs,
        children=children,
        headline=headline,
        whole=whole,
        whole_rows=whole_rows,
        analyses=_analyses(unit, report, status),
        round_note=status_note(status, document_language()),
        threshold=report.figures.threshold,
        proxy_form=proxy_form,
        proxies=proxies,
        levels=_levels(),
        layout=layout,
        name_of=_name,
        label_of=lambda item: row_label(item, _language()),
        percent_text=percent_text,
        rate_text=rate_text,
        shown_target=_shown_target,
        area_name=lambda area: _name(report.catalogue.areas.get(area, {"sv": area})),
    )


@route("/omgangar/<code>/resultat.<any(csv, xlsx, json):fmt>", permission=Permission.VIEW_ROUNDS)
def round_results_download(code: str, fmt: str) -> ResponseReturnValue:
    """The table of the chosen unit and every unit under it (in scope), as a file; audited."""
    round_ = _round_or_404(code)
    report = _report(round_)
    choice = _choice(report, request.args.get("by"), request.args.get("enhet"))
    if choice.node_id is not None:
        within: set[int] | None = subtree(report.trees[choice.by], choice.node_id) & choice.visible
        unit_path = report.trees[choice.by][choice.node_id].path
    else:
        within = None if choice.everywhere else choice.visible
        unit_path = None
    data = indicator_download(
        db.session,
        report,
        output_format=fmt,
        by=choice.by,
        within=within,
        threshold=report.figures.threshold,
        language=_language(),
        lang=document_language(),
        today=local_today(),
    )
    audit.record(
        db.session,
        "indicators.export",
        user_id=current_user.id,
        detail={"round": round_.code, "by": choice.by, "unit": unit_path, "format": fmt},
    )
    db.session.commit()
    name = f"indikatorer-{round_.code}-{choice.by}"
    if choice.node_id is not None:
        name += f"-{choice.node_id}"
    return Response(
        data,
        mimetype=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'},
    )


@route(
    "/omgangar/<code>/resultat/svar-av-annan",
    permission=Permission.MANAGE_ROUNDS,
    methods=("POST",),
)
def round_results_proxy(code: str) -> ResponseReturnValue:
    """Switch whether the round's figures count answers someone else gave (audited)."""
    round_ = _managed_round(code)
    form = ProxyCountingForm()
    if not form.validate_on_submit():
        abort(400)
    include = bool(form.include.data)
    if round_ops.set_proxy_counting(db.session, round_, include, user_id=current_user.id):
        db.session.commit()
        if include:
            flash(_("The figures now count answers that someone else gave."), "success")
        else:
            flash(_("The figures no longer count answers that someone else gave."), "success")
    by = form.by.data if form.by.data in TREES else None
    enhet = form.enhet.data if (form.enhet.data or "").isdigit() else None
    return redirect(url_for("staff.round_results", code=round_.code, by=by, enhet=enhet))

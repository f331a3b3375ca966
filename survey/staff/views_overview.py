"""The live overview of a round: invited, started, answered and response rate per unit and
gender, at every level of the tree, in the person's scope; sortable; CSV download."""

from __future__ import annotations

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from survey.domain.access import Permission
from survey.domain.overview import CSV_COLUMNS
from survey.extensions import db
from survey.operations import audit
from survey.queries.overview import overview_csv, round_overview
from survey.staff.guard import current_access, route
from survey.staff.views_rounds import _round_or_404

SORTS = {
    "trad": ("tree", False),
    "lagst": ("response_rate", True),
    "namn": ("name", False),
    "inbjudna": ("invited", False),
}


def _csv_headers() -> dict[str, str]:
    texts = {
        "path": _("Unit"),
        "level": _("Level"),
        "invited": _("Invited"),
        "started": _("Started"),
        "submitted": _("Answered"),
        "withdrawn": _("Withdrawn"),
        "response_rate": _("Response rate (%)"),
        "women_invited": _("Women invited"),
        "women_submitted": _("Women answered"),
        "women_response_rate": _("Response rate women (%)"),
        "men_invited": _("Men invited"),
        "men_submitted": _("Men answered"),
        "men_response_rate": _("Response rate men (%)"),
        "other_invited": _("Other or unknown gender invited"),
        "other_submitted": _("Other or unknown gender answered"),
        "other_response_rate": _("Response rate other or unknown gender (%)"),
    }
    return {key: texts[key] for key in CSV_COLUMNS}


def _levels() -> dict[str, str]:
    return {
        "forvaltning": _("Administration"),
        "enhet": _("Unit"),
        "verksamhet": _("Service"),
    }


@route("/omgangar/<code>/oversikt", permission=Permission.VIEW_ROUNDS)
def round_overview_page(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code)
    overview = round_overview(db.session, round_, current_access())
    sort = request.args.get("sortera", "trad")
    by, leaves_only = SORTS.get(sort, SORTS["trad"])
    rows = overview.sorted(by, leaves_only=leaves_only)  # type: ignore[arg-type]
    return render_template(
        "staff/overview.html",
        round_=round_,
        overview=overview,
        rows=rows,
        sort=sort if sort in SORTS else "trad",
        levels=_levels(),
    )


@route("/omgangar/<code>/oversikt.csv", permission=Permission.VIEW_ROUNDS)
def round_overview_csv(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code)
    overview = round_overview(db.session, round_, current_access())
    body = overview_csv(overview, headers=_csv_headers(), level_names=_levels())
    audit.record(
        db.session,
        "overview.export",
        user_id=current_user.id,
        detail={"round": round_.code, "rows": len(overview.rows)},
    )
    db.session.commit()
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="svarsfrekvens-{round_.code}.csv"',
        },
    )

"""Results back to the brukare (SPEC §6): a unit's easy-read results behind an unguessable,
revocable link (/resultat/<token>), as a page for the tablet at a brukarforum and as a
printable PDF. No sign-in; like every respondent page it is never cached, and nothing
about the visitor is logged. Unknown, mistyped and revoked links get the same friendly
page with status 404, and only those count towards the rate limit, so a room full of
brukare opening a good link on one network is never locked out.
"""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _

from survey.clock import local_today
from survey.domain.easy_read_results import OUT_OF, EasyReadResults
from survey.extensions import db, limiter
from survey.i18n import document_language
from survey.models import Round
from survey.queries.easy_read import unit_easy_read
from survey.queries.results_links import find_linked_unit
from survey.reports.easy_read_pdf import render_easy_read_pdf
from survey.respond import bp
from survey.respond.pages import locale_code
from survey.settings import Settings


def _settings() -> Settings:
    return current_app.extensions["survey.settings"]


def _limit() -> str:
    return str(_settings().code_entry_limit)


def _not_found(response: Response) -> bool:
    return response.status_code == 404


def survey_words(survey_type: str) -> str:
    """The insats as it reads inside a sentence ("Enkäten om daglig verksamhet")."""
    return {
        "dv": _("daily activity"),
        "bo": _("housing"),
        "bs": _("housing support"),
    }.get(survey_type, survey_type)


def area_heading(area: str | None) -> str:
    """The national survey's quality areas in easy-read words."""
    return {
        "sjalvbestammande": _("Deciding for yourself"),
        "bemotande": _("How the staff treat you"),
        "trygghet": _("Feeling safe"),
        "trivsel": _("Liking it"),
    }.get(area or "", _("More results"))


def pictogram_dir() -> Path:
    return Path(current_app.static_folder or "static") / "pictograms"


def _easy_read(token: str) -> EasyReadResults | None:
    linked = find_linked_unit(db.session, token)
    if linked is None:
        return None
    round_ = db.session.get(Round, linked.round_id)
    if round_ is None:
        return None
    return unit_easy_read(
        db.session,
        round_,
        tree=linked.tree,
        node_id=linked.node_id,
        threshold=_settings().suppression_threshold,
        today=local_today(),
    )


def _missing() -> ResponseReturnValue:
    return render_template("respond/results_missing.html"), 404


def render_results_page(results: EasyReadResults, *, pdf_url: str) -> str:
    return render_template(
        "respond/results.html",
        results=results,
        out_of=OUT_OF,
        pdf_url=pdf_url,
        survey_words=survey_words(results.survey_type),
        area_heading=area_heading,
        closes_on=format_date(results.closes_on, "long"),
        as_of=format_date(results.as_of, "long"),
    )


def easy_read_pdf_response(results: EasyReadResults, filename: str) -> Response:
    pdf = render_easy_read_pdf(results, document_language(), pictograms=pictogram_dir())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/resultat/<token>")
@limiter.limit(_limit, deduct_when=_not_found)
def results(token: str) -> ResponseReturnValue:
    found = _easy_read(token)
    if found is None:
        return _missing()
    pdf_url = url_for(".results_pdf", token=token, lang=locale_code())
    return render_results_page(found, pdf_url=pdf_url)


@bp.get("/resultat/<token>/utskrift.pdf")
@limiter.limit(_limit, deduct_when=_not_found)
def results_pdf(token: str) -> ResponseReturnValue:
    found = _easy_read(token)
    if found is None:
        return _missing()
    return easy_read_pdf_response(found, "resultat.pdf")

"""Reads behind the indicator dashboard and the indicator downloads.

The figures themselves come from `survey.queries.indicators.round_figures` (computed once per
request); this module turns them into a download and counts the proxy answers a round leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from survey.domain.indicator_documents import RoundFacts, indicator_document
from survey.domain.indicator_export import installation_report, unit_reports
from survey.domain.indicators import Item
from survey.domain.round_status import RoundStatus
from survey.models import Round, SurveyResponse
from survey.queries.indicators import PROXY, RoundReport
from survey.queries.targets_lookup import target_lookup
from survey.reports.text import Language


def round_status(round_: Round, today: date) -> RoundStatus:
    return RoundStatus(
        is_draft=round_.is_draft,
        is_closed=round_.is_closed,
        opens_on=round_.opens_on,
        closes_on=round_.closes_on,
        as_of=today,
    )


def round_facts(report: RoundReport, today: date) -> RoundFacts:
    round_ = report.round
    return RoundFacts(
        code=round_.code,
        period=round_.period,
        survey_type=round_.survey_type,
        include_proxy_answers=round_.include_proxy_answers,
        previous_period=report.previous_period,
        status=round_status(round_, today),
    )


def indicator_download(
    session: Session,
    report: RoundReport,
    *,
    output_format: str,
    by: str,
    within: set[int] | None,
    threshold: int,
    language: str = "sv",
    items: Sequence[Item] | None = None,
    lang: Language | None = None,
    today: date,
) -> bytes:
    """The indicator table of the units of `by` in `within` (None: all) as one file; the
    command line and the dashboard's downloads both build it here. `items` limits the rows
    to some indicators or questions; `lang` gives an Excel file its words (the edge passes
    it: survey.i18n.document_language)."""
    targets = target_lookup(session, report)
    units = unit_reports(
        report.figures, report.trees, by=by, within=within, targets=targets, items=items
    )
    whole = installation_report(report.figures, "", targets, items=items)
    return indicator_document(
        output_format,
        facts=round_facts(report, today),
        by=by,
        threshold=threshold,
        units=units,
        installation=whole,
        language=language,
        lang=lang,
    )


@dataclass(frozen=True, slots=True)
class ProxyShare:
    """Responses that "someone else" gave for the brukare, of all the round's responses."""

    proxy: int
    responses: int

    @property
    def percent(self) -> float | None:
        return 100 * self.proxy / self.responses if self.responses else None


def proxy_share(session: Session, round_id: int) -> ProxyShare:
    proxy, responses = session.execute(
        select(
            func.coalesce(func.sum(case((SurveyResponse.answered_by == PROXY, 1), else_=0)), 0),
            func.count(),
        )
        .select_from(SurveyResponse)
        .where(SurveyResponse.round_id == round_id)
    ).one()
    return ProxyShare(proxy=int(proxy), responses=int(responses))

"""One indicator download as bytes: the same document for the command line and the web.

`indicator_document()` takes the computed units (survey.domain.indicator_export) and the round's
facts and returns the JSON, CSV or XLSX file, so `flask indicators` and the dashboard's
downloads cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey.domain.indicator_export import UnitReport, figures_csv, figures_json
from survey.domain.indicator_xlsx import figures_xlsx
from survey.domain.overview import LEVELS_SV
from survey.domain.round_status import RoundStatus, status_note
from survey.reports.text import Language

FORMATS = ("json", "csv", "xlsx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class RoundFacts:
    """What a document says about its round besides the figures."""

    code: str
    period: int
    survey_type: str
    include_proxy_answers: bool
    previous_period: int | None
    #: Where the round stands on the day the figures were read (None: closed, or unknown).
    status: RoundStatus | None = None


def indicator_document(
    output_format: str,
    *,
    facts: RoundFacts,
    by: str,
    threshold: int,
    units: Sequence[UnitReport],
    installation: UnitReport,
    language: str = "sv",
    level_names: Mapping[str, str] | None = None,
    lang: Language | None = None,
) -> bytes:
    """The indicator table of `units` as a JSON (SPEC §7), CSV or XLSX file. The workbook's
    words (sheet names, headers, analysis texts) come from `lang`, which XLSX needs."""
    if output_format == "json":
        document = figures_json(
            round_code=facts.code,
            period=facts.period,
            survey_type=facts.survey_type,
            by=by,
            threshold=threshold,
            include_proxy_answers=facts.include_proxy_answers,
            previous_period=facts.previous_period,
            units=units,
            installation=installation,
            language=language,
        )
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()
    if output_format == "csv":
        if level_names is None and language == "sv":
            level_names = LEVELS_SV
        text = figures_csv(
            units,
            period=facts.period,
            threshold=threshold,
            language=language,
            level_names=level_names,
            status_note=None if lang is None else status_note(facts.status, lang),
        )
        return text.encode("utf-8")
    if output_format == "xlsx":
        if lang is None:
            raise ValueError("an Excel document needs a Language for its words")
        return figures_xlsx(
            units,
            lang=lang,
            period=facts.period,
            threshold=threshold,
            installation=installation,
            previous_period=facts.previous_period,
            status=facts.status,
        )
    raise ValueError(f"unknown format {output_format!r}")

"""Unit reports as files: one unit's PDF, and every unit's PDF of a round as one ZIP.

The figures are the round's one computation (`survey.queries.indicators.round_figures`, or
its per-process cache); this module only picks the units, reads their targets, and hands
plain documents to the pure renderer `survey.reports.unit_pdf`. The command line, the
dashboard's one-click PDF and the background ZIP build all come through here.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import IO

from sqlalchemy.orm import Session

from survey.clock import local_now
from survey.domain.analysis_text import indicator_analyses
from survey.domain.indicator_export import (
    UnitReport,
    installation_report,
    unit_reports,
)
from survey.domain.indicators import INSTALLATION, Node, chain
from survey.queries.dashboard import indicator_download, round_facts
from survey.queries.indicators import RoundReport
from survey.queries.targets_lookup import target_lookup
from survey.reports.text import Language
from survey.reports.unit_pdf import UnitDocument, render_unit_report

Progress = Callable[[int, int], None]
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')
_NAME_LIMIT = 120
#: zlib's level for the round's ZIP: PDFs are compressed already, so more gains little.
_ZIP_LEVEL = 6


@dataclass(frozen=True, slots=True)
class PlannedReport:
    """One PDF of a round: the unit (None: the whole installation) and its file name."""

    node_id: int | None
    filename: str


def survey_name(survey_type: str, lang: Language) -> str:
    names = {
        "dv": lang.gettext("Daily activity (daglig verksamhet)"),
        "bo": lang.gettext("Housing (gruppbostad and servicebostad)"),
        "bs": lang.gettext("Housing support (boendestöd)"),
    }
    return names.get(survey_type, survey_type)


class ReportBuilder:
    """Builds the documents of one round and hierarchy, reading targets once."""

    def __init__(
        self,
        session: Session,
        report: RoundReport,
        *,
        by: str,
        lang: Language,
        today: date,
        analysis: Callable[[UnitReport, RoundReport, Language], Mapping[str, str]] | None = None,
        decimals: int = 0,
    ) -> None:
        self.decimals = decimals
        self.session = session
        self.report = report
        self.by = by
        self.lang = lang
        self.today = today
        self.analysis = analysis
        self.nodes: Mapping[int, Node] = report.trees[by]
        self.targets = target_lookup(session, report)
        self._units: dict[int, UnitReport] | None = None
        self._whole: UnitReport | None = None
        round_ = report.round
        self.facts = round_facts(report, today)
        self.survey_name = survey_name(round_.survey_type, lang)
        self.areas = {
            key: texts.get(lang.code) or texts.get("sv") or key
            for key, texts in report.catalogue.areas.items()
        }

    @property
    def units(self) -> dict[int, UnitReport]:
        if self._units is None:
            reports = unit_reports(
                self.report.figures, self.report.trees, by=self.by, targets=self.targets
            )
            self._units = {unit.node_id: unit for unit in reports if unit.node_id is not None}
        return self._units

    @property
    def whole(self) -> UnitReport:
        if self._whole is None:
            self._whole = installation_report(
                self.report.figures, self.lang.gettext("The whole organisation"), self.targets
            )
        return self._whole

    def has(self, node_id: int | None) -> bool:
        return node_id is INSTALLATION or node_id in self.units

    def document(self, node_id: int | None) -> UnitDocument:
        """The document of one unit of the round (INSTALLATION: the whole organisation)."""
        if node_id is INSTALLATION:
            unit = self.whole
            ancestors: tuple[str, ...] = ()
            below = [
                n
                for n, u in self.units.items()
                if self.nodes[n].parent_id is None or self.nodes[n].parent_id not in self.units
            ]
        else:
            unit = self.units[node_id]
            ancestors = tuple(self.nodes[n].name for n in reversed(chain(self.nodes, node_id)[1:]))
            below = [n for n in self.units if self.nodes[n].parent_id == node_id]
        children = tuple(
            sorted((self.units[n] for n in below), key=lambda u: (u.name.casefold(), u.path))
        )
        if self.analysis is not None:
            analysis = self.analysis(unit, self.report, self.lang)
        else:
            analysis = indicator_analyses(
                unit,
                self.lang,
                previous_period=self.report.previous_period,
                status=self.facts.status,
            )
        return UnitDocument(
            facts=self.facts,
            unit=unit,
            installation=None if node_id is INSTALLATION else self.whole,
            survey_name=self.survey_name,
            by=self.by,
            threshold=self.report.figures.threshold,
            generated_on=self.today,
            status=self.facts.status,
            round_title=self.report.round.title,
            ancestors=ancestors,
            children=children,
            areas=self.areas,
            analysis=analysis,
            one_decimal=self.decimals == 1,
        )

    def pdf(self, node_id: int | None) -> bytes:
        return render_unit_report(self.document(node_id), self.lang)

    def plan(
        self, within: set[int] | None = None, *, everywhere: bool = True
    ) -> list[PlannedReport]:
        """Every PDF of the round in tree order: the whole organisation first (when the
        person may see it), then each unit at every level. `within` limits the units."""
        order = [
            n for n in self.units if within is None or n in within
        ]  # units are in tree order already (unit_reports)
        planned = []
        if everywhere:
            planned.append(PlannedReport(INSTALLATION, self._filename(0, self.whole.name)))
        for index, node_id in enumerate(order, start=len(planned)):
            name = self.units[node_id].path.replace("/", " – ")
            planned.append(PlannedReport(node_id, self._filename(index, name)))
        return planned

    @property
    def folder(self) -> str:
        """ "DV-2026-utforare": the ZIP's folder, and the workbook's name beside the PDFs."""
        return f"{self.report.round.code}-{self.by}"

    def workbook(self, within: set[int] | None = None) -> dict[str, bytes]:
        """The round's Excel workbook of the same units, by its name in the ZIP or folder."""
        data = indicator_download(
            self.session,
            self.report,
            output_format="xlsx",
            by=self.by,
            within=within,
            threshold=self.report.figures.threshold,
            language=self.lang.code,
            lang=self.lang,
            today=self.today,
        )
        return {f"indikatorer-{self.folder}.xlsx": data}

    def download_name(self, node_id: int | None) -> str:
        """ "DV-2026 Förvaltning – Enhet.pdf": one report downloaded on its own."""
        name = self.whole.name if node_id is INSTALLATION else self.units[node_id].path
        return f"{self.report.round.code} {_safe(name.replace('/', ' – '))}.pdf"

    def _filename(self, index: int, name: str) -> str:
        return f"{index:03d} {_safe(name)}.pdf"


def _safe(name: str) -> str:
    """A file name's part without characters that some systems refuse, cut to a length."""
    safe = _UNSAFE.sub("-", name).strip(" .") or "enhet"
    return safe[:_NAME_LIMIT].rstrip(" .")


def write_round_zip(
    target: IO[bytes],
    builder: ReportBuilder,
    planned: list[PlannedReport],
    *,
    folder: str,
    extra: Mapping[str, bytes] | None = None,
    progress: Progress | None = None,
) -> int:
    """Every planned PDF into one ZIP (in `folder/`), plus `extra` files; returns the count.
    `progress(done, total)` is called after each file. Each file is stamped with the Swedish
    local time it was made (a ZIP holds no time zone; the server's own may be UTC)."""
    total = len(planned)

    def entry(name: str) -> zipfile.ZipInfo:
        # An entry given as ZipInfo takes neither the archive's compression nor its level.
        info = zipfile.ZipInfo(f"{folder}/{name}", date_time=local_now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    with zipfile.ZipFile(target, "w") as zf:
        for name, data in (extra or {}).items():
            zf.writestr(entry(name), data, compresslevel=_ZIP_LEVEL)
        for done, item in enumerate(planned, start=1):
            zf.writestr(entry(item.filename), builder.pdf(item.node_id), compresslevel=_ZIP_LEVEL)
            if progress is not None:
                progress(done, total)
    return total

"""The indicator table as outputs show it: units in tree order, JSON, CSV and XLSX.

Every figure comes from `RoundFigures` (survey.domain.indicators), so every output carries
the same cells and the same suppression. The JSON shape is a contract (SPEC §7; the schema
is `docs/indicators.schema.json`, checked by the tests).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from survey.domain.indicators import (
    INSTALLATION,
    Cell,
    Item,
    Node,
    Rate,
    ResponseRate,
    RoundFigures,
    Row,
)
from survey.domain.overview import percent_half_up, spreadsheet_text

TargetLookup = Callable[[str, int | None], tuple[str | None, str | None]]
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass(frozen=True, slots=True)
class UnitReport:
    """One unit (or the whole installation) with its rows and response rate."""

    node_id: int | None
    path: str
    name: str
    level: str
    depth: int
    rows: tuple[Row, ...]
    rate: ResponseRate


def tree_order(nodes: Mapping[int, Node], ids: Iterable[int]) -> list[tuple[int, int]]:
    """(node id, depth) of `ids` in depth-first order by name, parents before children."""
    wanted = set(ids)
    children: dict[int | None, list[Node]] = {}
    for node in nodes.values():
        if node.id in wanted:
            parent = node.parent_id if node.parent_id in wanted else None
            children.setdefault(parent, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda n: (n.name.casefold(), n.id))
    order: list[tuple[int, int]] = []
    stack = [(node, 0) for node in reversed(children.get(None, []))]
    while stack:
        node, depth = stack.pop()
        order.append((node.id, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(node.id, [])))
    return order


def subtree(nodes: Mapping[int, Node], root_id: int) -> set[int]:
    below: dict[int, list[int]] = {}
    for node in nodes.values():
        if node.parent_id is not None:
            below.setdefault(node.parent_id, []).append(node.id)
    found = {root_id}
    stack = [root_id]
    while stack:
        for child in below.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def unit_reports(
    figures: RoundFigures,
    trees: Mapping[str, Mapping[int, Node]],
    *,
    by: str = "utforare",
    within: set[int] | None = None,
    targets: TargetLookup | None = None,
    items: Sequence[Item] | None = None,
) -> list[UnitReport]:
    """Every unit of the hierarchy `by` that the round covers, in tree order (`within`
    limits them to a set of node ids, e.g. one subtree or a person's scope)."""
    nodes = trees[by]
    ids = [n for n in figures.nodes(by) if n in nodes and (within is None or n in within)]
    chosen = figures.items if items is None else tuple(items)
    reports = []
    for node_id, depth in tree_order(nodes, ids):
        node = nodes[node_id]
        reports.append(
            UnitReport(
                node_id=node_id,
                path=node.path,
                name=node.name,
                level=node.level,
                depth=depth,
                rows=tuple(figures.row(by, node_id, item, targets) for item in chosen),
                rate=figures.rate(by, node_id),
            )
        )
    return reports


def installation_report(
    figures: RoundFigures,
    name: str,
    targets: TargetLookup | None = None,
    *,
    items: Sequence[Item] | None = None,
) -> UnitReport:
    chosen = figures.items if items is None else tuple(items)
    return UnitReport(
        node_id=INSTALLATION,
        path="",
        name=name,
        level="installation",
        depth=0,
        rows=tuple(figures.row("utforare", INSTALLATION, item, targets) for item in chosen),
        rate=figures.rate("utforare", INSTALLATION),
    )


# --- JSON ----------------------------------------------------------------------------------


def target_value(text: str | None) -> float | int | str | None:
    """A stored target as JSON: a number when it is one ("85" → 85), else the text."""
    if text is None or not text.strip():
        return None
    if _NUMBER.match(text.strip()):
        number = float(text)
        return int(number) if number.is_integer() else number
    return text


def cell_json(cell: Cell) -> dict[str, Any]:
    if cell.suppressed:
        return {
            "percent": None,
            "positive": None,
            "valid": None,
            "suppressed": True,
            "ci_low": None,
            "ci_high": None,
            "small_n": False,
        }
    return {
        "percent": round(cell.percent or 0.0, 2),
        "positive": cell.positive,
        "valid": cell.valid,
        "suppressed": False,
        "ci_low": round(cell.ci_low or 0.0, 2),
        "ci_high": round(cell.ci_high or 0.0, 2),
        "small_n": cell.small_n,
    }


def rate_json(rate: Rate) -> dict[str, Any]:
    percent = rate.percent
    return {
        "invited": rate.invited,
        "responded": rate.responded,
        "percent": None if percent is None else round(percent, 2),
    }


def row_json(row: Row, unit: str | None, period: int, language: str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if unit is not None:
        data["unit"] = unit
    data.update(
        {
            "indicator": row.item.key,
            "kind": row.item.kind,
            "area": row.item.area,
            "question": row.item.question_code,
            "name": row.item.name.get(language) or row.item.name["sv"],
            "total": cell_json(row.total),
            "men": cell_json(row.men),
            "women": cell_json(row.women),
            "previous": None if row.previous is None else cell_json(row.previous),
            "arsmal": target_value(row.arsmal),
            "kf_arsmal": target_value(row.kf_arsmal),
            "period": period,
        }
    )
    if row.distribution is not None:
        data["distribution"] = {
            option: row.distribution.get(option, 0) for option in row.item.options
        }
    else:
        data["distribution"] = None
    return data


def figures_json(
    *,
    round_code: str,
    period: int,
    survey_type: str,
    by: str,
    threshold: int,
    include_proxy_answers: bool,
    previous_period: int | None,
    units: Sequence[UnitReport],
    installation: UnitReport,
    language: str = "sv",
) -> dict[str, Any]:
    """The JSON document of SPEC §7 (plus labelled extras: kind, area, interval, level)."""
    rows = [row_json(row, unit.path, period, language) for unit in units for row in unit.rows]
    rates = []
    for unit in units:
        entry: dict[str, Any] = {"unit": unit.path, "level": unit.level}
        entry.update(rate_json(unit.rate.total))
        entry["men"] = rate_json(unit.rate.men)
        entry["women"] = rate_json(unit.rate.women)
        rates.append(entry)
    whole: dict[str, Any] = {
        "rows": [row_json(r, None, period, language) for r in installation.rows]
    }
    whole.update(rate_json(installation.rate.total))
    whole["men"] = rate_json(installation.rate.men)
    whole["women"] = rate_json(installation.rate.women)
    return {
        "round": round_code,
        "period": period,
        "survey_type": survey_type,
        "by": by,
        "suppression_threshold": threshold,
        "include_proxy_answers": include_proxy_answers,
        "previous_period": previous_period,
        "rows": rows,
        "response_rates": rates,
        "installation": whole,
    }


# --- text forms ----------------------------------------------------------------------------


def percent_text(cell: Cell, *, decimals: int = 0, comma: bool = True) -> str:
    """ "89" (or "88,9" with one decimal) rounded half up; "" for a withheld cell."""
    if cell.suppressed or cell.positive is None or cell.valid is None:
        return ""
    scaled = percent_half_up(cell.positive, cell.valid, decimals=decimals)
    if scaled is None:
        return ""
    if decimals == 0:
        return str(scaled)
    whole, part = divmod(scaled, 10**decimals)
    return f"{whole}{',' if comma else '.'}{part:0{decimals}d}"


def rate_text(rate: Rate) -> str:
    tenths = percent_half_up(rate.responded, rate.invited, decimals=0)
    return "" if tenths is None else str(tenths)


CSV_HEADERS: Mapping[str, Sequence[str]] = {
    "sv": (
        "Enhet",
        "Nivå",
        "Indikator",
        "Typ",
        "Periodens utfall (%)",
        "Positiva",
        "Giltiga svar",
        "Utfall män (%)",
        "Män positiva",
        "Män giltiga",
        "Utfall kvinnor (%)",
        "Kvinnor positiva",
        "Kvinnor giltiga",
        "Utfall föregående period (%)",
        "Årsmål",
        "KF:s årsmål",
        "Period",
        "Inbjudna",
        "Svarande",
        "Svarsfrekvens (%)",
        "Anmärkning",
    ),
    "en": (
        "Unit",
        "Level",
        "Indicator",
        "Kind",
        "Result (%)",
        "Positive",
        "Valid answers",
        "Men (%)",
        "Men positive",
        "Men valid",
        "Women (%)",
        "Women positive",
        "Women valid",
        "Previous period (%)",
        "Target",
        "City council target",
        "Period",
        "Invited",
        "Responded",
        "Response rate (%)",
        "Note",
    ),
}
WITHHELD_NOTE = {"sv": "– färre än {n} svar", "en": "– fewer than {n} answers"}
SMALL_NOTE = {
    "sv": "färre än 20 svar, tolka med försiktighet",
    "en": "fewer than 20 answers, interpret with care",
}
KIND_NAMES = {
    "sv": {"indicator": "Indikator", "question": "Fråga"},
    "en": {"indicator": "Indicator", "question": "Question"},
}
#: How a question's row says what its figure is a share of: a question's name alone
#: ("Rädd") would read backwards when its positive answer is "Aldrig".
_SHARE_OF = {
    "sv": "{name} (andel som svarar ”{option}”)",
    "en": "{name} (share answering “{option}”)",
}


def text_in(texts: Mapping[str, str], language: str) -> str:
    """A name or phrase in `language`, else in Swedish, else in whichever language it has."""
    return texts.get(language) or texts.get("sv") or next(iter(texts.values()), "")


def positive_label(item: Item, language: str) -> str:
    """The label of the answer a row's figure counts ("Aldrig"), or its code."""
    return text_in(item.option_labels.get(item.positive) or {"sv": item.positive}, language)


def row_label(item: Item, language: str) -> str:
    """The label of a table row in every output: an indicator's report name ("Andel brukare
    som är nöjd med sin insats"), or a question's name with the answer its figure counts
    ("Rädd (andel som svarar ”Aldrig”)")."""
    name = text_in(item.name, language) or item.key
    if item.kind != "question":
        return name
    option = positive_label(item, language)
    return _SHARE_OF.get(language, _SHARE_OF["en"]).format(name=name, option=option)


def _counts(cell: Cell) -> list[str | int]:
    if cell.suppressed:
        return ["–", "", ""]
    return [percent_text(cell), cell.positive or 0, cell.valid or 0]


def figures_csv(
    units: Sequence[UnitReport],
    *,
    period: int,
    threshold: int,
    language: str = "sv",
    level_names: Mapping[str, str] | None = None,
    status_note: str | None = None,
) -> str:
    """CSV for Swedish Excel: BOM, semicolons, decimal comma, CRLF; "–" for withheld.
    `status_note` (a round not closed yet: "Preliminära resultat: …") ends every row's note."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_HEADERS[language])
    for unit in units:
        for row in unit.rows:
            notes = []
            if any(c.suppressed for c in (row.total, row.men, row.women)):
                notes.append(WITHHELD_NOTE[language].format(n=threshold))
            if not row.total.suppressed and row.total.small_n:
                notes.append(SMALL_NOTE[language])
            if status_note:
                notes.append(status_note)
            previous = "" if row.previous is None else (percent_text(row.previous) or "–")
            writer.writerow(
                [
                    spreadsheet_text(unit.path),
                    (level_names or {}).get(unit.level, unit.level),
                    spreadsheet_text(row_label(row.item, language)),
                    KIND_NAMES[language][row.item.kind],
                    *_counts(row.total),
                    *_counts(row.men),
                    *_counts(row.women),
                    previous,
                    spreadsheet_text(_target_csv(row.arsmal)),
                    spreadsheet_text(_target_csv(row.kf_arsmal)),
                    period,
                    unit.rate.total.invited,
                    unit.rate.total.responded,
                    rate_text(unit.rate.total),
                    "; ".join(notes),
                ]
            )
    return out.getvalue()


def _target_csv(text: str | None) -> str:
    value = target_value(text)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return str(value).replace(".", ",")

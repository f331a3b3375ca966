"""Plain-language messages for file imports: what is wrong, and how to fix it.

`describe(error)` turns a `RowError` into (problem, fix); `describe_refusal(refused)` turns
an `UploadRefused` into one message. Both go through Babel (English msgids, Swedish in the
catalogue) and name the value the person wrote, so they can find it in their file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_babel import gettext as _

from survey.domain.tabular import RowError, UploadRefused

#: How the canonical columns are named to a person (missing_columns names them).
_COLUMN_NAMES: Mapping[str, Callable[[], str]] = {
    "unit": lambda: _("unit"),
    "gender": lambda: _("gender"),
    "bestallare": lambda: _("beställare"),
    "email": lambda: _("e-mail"),
    "answered_by": lambda: _("answered by"),
    "code": lambda: _("code"),
    "path": lambda: _("path"),
    "insats": lambda: _("insats"),
    "indicator": lambda: _("indicator"),
    "period": lambda: _("period"),
    "arsmal": lambda: _("årsmål"),
    "kf_arsmal": lambda: _("KF:s årsmål"),
    "name": lambda: _("name"),
}


def column_name(canonical: str) -> str:
    name = _COLUMN_NAMES.get(canonical)
    return name() if name else canonical


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(v) for v in values)


def _row_messages(code: str, p: Mapping[str, Any]) -> tuple[str, str] | None:
    # One branch per code keeps every msgid literal, so extraction finds them all.
    if code == "formula":
        return (
            _("The cell holds a formula (%(value)s).", **p),
            _("Type the value itself: formulas are not accepted in imported files."),
        )
    if code == "missing_unit":
        return (
            _("The unit is missing."),
            _("Write the unit's full path or its name as shown on the Organisation page."),
        )
    if code == "unknown_unit":
        return (
            _("The unit “%(value)s” does not exist in the round.", **p),
            _("Write the unit's full path or its name as shown on the Organisation page."),
        )
    if code == "ambiguous_unit":
        return (
            _("Several units are called “%(value)s”: %(paths)s.", **p),
            _("Write the unit's full path."),
        )
    if code == "unit_not_in_round":
        return (
            _("The unit “%(value)s” is not part of this round.", **p),
            _("Add the unit to the round, or correct the row."),
        )
    if code == "unknown_gender":
        return (
            _("“%(value)s” is not a gender the list can hold.", **p),
            _("Write kvinna, man, annat or okänd, or leave the cell empty to let the survey ask."),
        )
    if code == "unknown_bestallare":
        return (
            _("The beställare “%(value)s” does not exist.", **p),
            _("Write the beställare's full path or its name as shown on the Organisation page."),
        )
    if code == "bad_email":
        return (
            _("“%(value)s” is not an e-mail address.", **p),
            _("Correct the address, or leave the cell empty."),
        )
    if code == "duplicate_email":
        return (
            _("The e-mail address %(value)s is also on row %(rows)s.", **p),
            _("Each person gets one invitation: remove the extra row."),
        )
    if code == "duplicate_person":
        return (
            _("The same name and address are also on row %(rows)s.", **p),
            _("Each person gets one invitation: remove the extra row."),
        )
    if code == "text_too_long":
        return (
            _("The text is longer than %(limit)s characters.", **p),
            _("Shorten the text."),
        )
    if code == "bad_option":
        return (
            _("“%(value)s” is not an answer to this question.", **p),
            _("Write one of %(allowed)s, or leave the cell empty.", **p),
        )
    if code == "unknown_code":
        return (
            _("The code “%(value)s” does not exist.", **p),
            _("Check the code printed on the form, or leave the cell empty."),
        )
    if code == "code_already_answered":
        return (
            _("The code %(value)s has already been used to answer.", **p),
            _("Check that the form has not been entered before, then remove the row."),
        )
    if code == "code_withdrawn":
        return (
            _("The invitation with the code %(value)s has been withdrawn.", **p),
            _("Check the code on the form, or remove the row."),
        )
    if code == "code_other_round":
        return (
            _("The code %(value)s belongs to another round.", **p),
            _("Import the form into its own round, or check the code."),
        )
    if code == "duplicate_code":
        return (
            _("The code %(value)s is also on row %(rows)s.", **p),
            _("A code can be used once: check which form carries it."),
        )
    if code == "unit_mismatch":
        return (
            _("The code %(code)s belongs to the unit “%(code_unit)s”, not “%(value)s”.", **p),
            _("Check the unit and the code on the form."),
        )
    if code == "free_text_not_asked":
        return (
            _("This round does not ask for free text."),
            _("Leave the cell empty, or remove the column."),
        )
    if code == "missing_path":
        return (
            _("The path is missing."),
            _("Write the path as Förvaltning/Enhet/Verksamhet."),
        )
    if code == "bad_path":
        return (
            _("“%(value)s” is not a valid path.", **p),
            _("Write the path as Förvaltning/Enhet/Verksamhet."),
        )
    if code == "unknown_insats":
        return (
            _("“%(value)s” is not an insats.", **p),
            _("Write one of %(allowed)s.", **p),
        )
    if code == "bad_tree":
        return (
            _("“%(value)s” is not a hierarchy.", **p),
            _("Write utforare or bestallare, or leave the cell empty."),
        )
    if code == "insats_on_bestallare":
        return (
            _("A beställare has no insats."),
            _("Leave the insats cell empty on beställare rows."),
        )
    if code == "conflicting_path":
        return (
            _("The path %(value)s is also on row %(rows)s with another insats.", **p),
            _("Give the unit one insats."),
        )
    return _target_messages(code, p)


def _target_messages(code: str, p: Mapping[str, Any]) -> tuple[str, str] | None:
    if code == "missing_indicator":
        return (
            _("The indicator is missing."),
            _("Write the indicator's key, one of %(allowed)s.", **p),
        )
    if code == "unknown_indicator":
        return (
            _("“%(value)s” is not an indicator.", **p),
            _("Write the indicator's key, one of %(allowed)s.", **p),
        )
    if code == "bad_period":
        return (
            _("“%(value)s” is not a period.", **p),
            _("Write the year with four digits, between 2000 and 2100, for example 2026."),
        )
    if code == "unknown_target_unit":
        return (
            _("There is no open unit “%(value)s” that you may set targets for.", **p),
            _(
                "Write the unit's full path as shown on the Organisation page, or leave the "
                "cell empty for a target for the whole organisation."
            ),
        )
    if code == "unit_in_both_trees":
        return (
            _("“%(value)s” names a unit in both the utförare and the beställare hierarchy.", **p),
            _("Add a column tree with utforare or bestallare."),
        )
    if code == "installation_target_not_allowed":
        return (
            _("An empty unit means a target for the whole organisation, which you may not set."),
            _("Write the unit's full path."),
        )
    if code == "target_out_of_range":
        return (
            _("“%(value)s” is not a percentage between 0 and 100.", **p),
            _(
                "Write a percentage such as 85 or %(example)s, a text such as “Tas fram av "
                "nämnd”, or leave the cell empty when there is no target.",
                example="85 %",
            ),
        )
    if code == "target_share":
        return (
            _("“%(value)s” looks like a share, not a percentage.", **p),
            _(
                "Write the percentage: 85 for %(example)s. (An Excel cell formatted as a "
                "percentage holds a share; format the column as text or number.)",
                example="85 %",
            ),
        )
    if code == "target_formula":
        return (
            _("The target “%(value)s” starts like a formula.", **p),
            _("Write the text without =, +, - or @ at the start."),
        )
    # Letters: a names file's name and address (the value itself is never repeated).
    if code == "unit_not_chosen":
        return (
            _("The unit “%(value)s” is not among the units chosen for these letters.", **p),
            _("Choose a unit above that holds it, or remove the row."),
        )
    if code == "missing_name":
        return (
            _("The name is missing."),
            _("Write the person's name, or remove the row."),
        )
    if code == "missing_street":
        return (
            _("The street address is missing."),
            _("Write the street and number, as on an envelope."),
        )
    if code == "missing_postal_code":
        return (
            _("The postal code is missing."),
            _("Write the postal code: five digits, for example 123 45."),
        )
    if code == "bad_postal_code":
        return (
            _("The postal code is not five digits."),
            _("Write the postal code as five digits, for example 123 45."),
        )
    if code == "missing_city":
        return (
            _("The town (postort) is missing."),
            _("Write the town of the postal code, for example Stockholm."),
        )
    if code == "address_line_too_long":
        return (
            _("The line is too long for the envelope's window."),
            _("Shorten it, for example with common abbreviations (lgh, g., v.)."),
        )
    if code == "too_many_address_lines":
        return (
            _("The address has more than %(limit)s lines.", **p),
            _("The envelope's window holds %(limit)s lines: leave out a line.", **p),
        )
    if code == "no_invitation":
        return (
            _("There is no invitation left for this row's unit, gender, beställare and e-mail."),
            _(
                "Import the person in the recipient list first, or check that the unit, "
                "gender, beställare and e-mail are as in the recipient list."
            ),
        )
    if code == "duplicate_target":
        return (
            _("The same indicator, unit and period are also on row %(rows)s.", **p),
            _("Keep one row per indicator, unit and period."),
        )
    return None


def describe(error: RowError) -> tuple[str, str]:
    """(what is wrong, how to fix it) for one row error, in the current locale."""
    params: dict[str, Any] = dict(error.params)
    for key in ("rows", "paths", "allowed"):
        if key in params:
            params[key] = _join(params[key])
    params.setdefault("value", error.value)
    params.setdefault("rows", "")
    params.setdefault("paths", "")
    params.setdefault("allowed", "")
    params.setdefault("limit", "")
    params.setdefault("code", "")
    params.setdefault("code_unit", "")
    found = _row_messages(error.code, params)
    if found is not None:
        return found
    return (
        _("The value “%(value)s” is not accepted.", value=error.value),
        _("Correct the row and try again."),
    )


def describe_refusal(refused: UploadRefused) -> str:
    """One message for a file refused as a whole, in the current locale."""
    p = refused.params
    code = refused.code
    if code == "too_large":
        return _(
            "The file is larger than %(limit)s MB. Split it into smaller files.",
            limit=p.get("limit_mb", 5),
        )
    if code == "wrong_type":
        return _(
            "The file is not a CSV file or an Excel workbook (.xlsx). Save it from Excel as "
            "“CSV UTF-8” or as “Excel workbook” and try again."
        )
    if code == "macros":
        return _(
            "The file contains macros, which are not accepted. Save it as an ordinary Excel "
            "workbook (.xlsx)."
        )
    if code == "zip_bomb":
        return _(
            "The workbook unpacks to far more data than a list can hold, so it was not opened. "
            "Save it again from Excel, or as CSV."
        )
    if code == "empty":
        return _("The file has no rows to import.")
    if code == "too_many_rows":
        return _(
            "The file has more than %(limit)s rows. Split it into several files.",
            limit=p.get("limit", ""),
        )
    if code == "missing_columns":
        return _(
            "The file has no column %(columns)s. The first row must name the columns.",
            columns=_join(column_name(c) for c in p.get("columns", [])),
        )
    if code == "duplicate_columns":
        return _(
            "The column %(columns)s appears more than once. Keep one of them.",
            columns=_join(p.get("columns", [])),
        )
    if code == "unknown_question_column":
        return _(
            "The column %(columns)s is not a question of this round's survey. Check the question "
            "code, or remove the column.",
            columns=_join(p.get("columns", [])),
        )
    if code == "round_closed":
        return _(
            "The round %(round)s is closed: nothing can be imported into it.",
            round=p.get("round", ""),
        )
    return _("The file cannot be imported.")

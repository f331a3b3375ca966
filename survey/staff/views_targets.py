"""The Mål page: årsmål and KF:s årsmål per indicator, unit and period (SPEC §2, §4).

List per period, set or clear one target, download the targets as CSV (the import's own
format, so the file can be edited and uploaded again), and upload a file: upload → preview
→ confirm, as the organisation import. An admin on a subtree sets targets for the units in
it; targets for the whole organisation need the permission on the whole installation.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.indicator_catalogue import Catalogue, catalogue_for
from survey.domain.tabular import ImportRejected, RowError, UploadRefused
from survey.domain.targets import (
    TargetRow,
    TargetUnits,
    TargetValueError,
    normalise_target_value,
    parse_target_value,
    targets_csv,
)
from survey.extensions import db
from survey.operations import audit
from survey.operations import targets as target_ops
from survey.queries.targets import list_targets, target_periods, target_units
from survey.staff.forms import ConfirmForm, TargetForm, UploadForm
from survey.staff.guard import current_access, route
from survey.staff.import_messages import describe, describe_refusal
from survey.staff.views_imports import (
    SHOWN_ERRORS,
    _problems,
    _read_upload,
    _stage,
    _staged_or_404,
)


def _period() -> int:
    period = request.args.get("period", type=int)
    if period is not None and 2000 <= period <= 2100:
        return period
    return local_today().year


def _catalogue(period: int) -> Catalogue:
    return catalogue_for(period)


def indicator_name(catalogue: Catalogue, key: str) -> str:
    indicator = catalogue.find(key)
    if indicator is None:
        return key
    return indicator.name.get(str(get_locale()), indicator.name["sv"])


def shown_target(stored: str | None) -> Markup | str:
    """A stored target as the page shows it: "85 %" ("85,5 %" in Swedish), the text, or "none"."""
    value = parse_target_value(stored)
    if value is None:
        return Markup('<span class="hint">{}</span>').format(_("none"))
    if isinstance(value, str):
        return value
    text = stored or ""
    return (text.replace(".", ",") if str(get_locale()) == "sv" else text) + "\u00a0%"


def _units() -> TargetUnits:
    return target_units(db.session, current_access())


def _unit_label(units: TargetUnits, node_id: int | None) -> str:
    if node_id is None:
        return _("The whole organisation")
    unit = units.units.get(node_id)
    if unit is None:
        return ""
    return unit.path if unit.tree == "utforare" else _("%(path)s (beställare)", path=unit.path)


def _form(units: TargetUnits, period: int) -> TargetForm:
    form = TargetForm()
    catalogue = _catalogue(period)
    keys = catalogue.keys()  # a tuple in catalogue order (Catalogue is no dict)
    form.indicator.choices = [(key, indicator_name(catalogue, key)) for key in keys]
    choices = [("", _("The whole organisation"))] if units.installation else []
    ordered = sorted(units.units.values(), key=lambda u: (u.tree, u.path.casefold()))
    choices += [(str(u.id), _unit_label(units, u.id)) for u in ordered]
    form.unit.choices = choices
    return form


def _render_page(form: TargetForm, units: TargetUnits, period: int) -> str:
    catalogue = _catalogue(period)
    listings = list_targets(
        db.session, current_access(), period=period, indicator_order=catalogue.keys()
    )
    periods = sorted({*target_periods(db.session), local_today().year, period}, reverse=True)
    return render_template(
        "staff/targets.html",
        form=form,
        period=period,
        periods=periods,
        targets=listings,
        indicator=lambda key: indicator_name(catalogue, key),
        shown=shown_target,
        unit_label=lambda t: (
            _("The whole organisation")
            if t.org_node_id is None
            else t.path
            if t.tree != "bestallare"
            else _("%(path)s (beställare)", path=t.path)
        ),
        can_set=bool(form.unit.choices),
    )


@route("/mal", permission=Permission.MANAGE_TARGETS)
def targets_page() -> ResponseReturnValue:
    period = _period()
    units = _units()
    form = _form(units, period)
    if request.method == "GET" and not form.resumed:
        # "Change" links in the table fill the form in.
        form.period.data = period
        if request.args.get("indikator") in dict(form.indicator.choices):  # type: ignore[arg-type]
            form.indicator.data = request.args["indikator"]
        unit_arg = request.args.get("enhet", "")
        if unit_arg in {value for value, _label in form.unit.choices}:  # type: ignore[misc]
            form.unit.data = unit_arg
        form.arsmal.data = request.args.get("arsmal", "")[:100]
        form.kf_arsmal.data = request.args.get("kf_arsmal", "")[:100]
    return _render_page(form, units, period)


def _value_error(form_field: Any, bad: TargetValueError) -> None:
    problem, fix = describe(RowError(0, "", bad.code, bad.text[:60], {"limit": 100}))
    form_field.errors = [*form_field.errors, f"{problem} {fix}"]


@route("/mal/satt", permission=Permission.MANAGE_TARGETS, methods=("POST",))
def target_set() -> ResponseReturnValue:
    units = _units()
    posted_unit = request.form.get("unit", "")
    if posted_unit:
        # A unit outside the person's subtrees is never named back to them.
        if not posted_unit.isdigit() or int(posted_unit) not in units.units:
            abort(404)
    elif "unit" in request.form and not units.installation:
        abort(403)
    period = request.form.get("period", type=int) or _period()
    if not 2000 <= period <= 2100:
        period = _period()
    form = _form(units, period)
    if not form.validate_on_submit():
        return _render_page(form, units, period), 400
    values: dict[str, str | None] = {}
    for name in ("arsmal", "kf_arsmal"):
        try:
            values[name] = normalise_target_value(getattr(form, name).data)
        except TargetValueError as bad:
            _value_error(getattr(form, name), bad)
    if len(values) < 2:
        return _render_page(form, units, period), 400
    node_id = int(form.unit.data) if form.unit.data else None
    row = TargetRow(
        0,
        form.indicator.data,
        node_id,
        int(form.period.data),
        values["arsmal"],
        values["kf_arsmal"],
    )
    outcome = target_ops.set_target(
        db.session,
        row,
        units=units,
        user_id=current_user.id,
        unit_path=units.units[node_id].path if node_id is not None else "",
    )
    db.session.commit()
    name = indicator_name(_catalogue(row.period), row.indicator_key)
    where = _unit_label(units, node_id)
    if outcome == "removed":
        flash(
            _(
                "The target is removed: %(name)s, %(unit)s, %(period)s.",
                name=name,
                unit=where,
                period=row.period,
            ),
            "success",
        )
    elif outcome == "unchanged" and values == {"arsmal": None, "kf_arsmal": None}:
        flash(_("There was no target to remove."), "info")
    elif outcome == "unchanged":
        flash(_("The target was already set like that."), "info")
    else:
        flash(
            _(
                "The target is saved: %(name)s, %(unit)s, %(period)s.",
                name=name,
                unit=where,
                period=row.period,
            ),
            "success",
        )
    return redirect(url_for("staff.targets_page", period=row.period))


@route("/mal.csv", permission=Permission.MANAGE_TARGETS)
def targets_csv_download() -> ResponseReturnValue:
    period = request.args.get("period", type=int)
    if period is not None and not 2000 <= period <= 2100:
        abort(404)
    order = _catalogue(period or local_today().year).keys()
    listings = list_targets(
        db.session, current_access(), period=period, indicator_order=order, editable_only=True
    )
    body = targets_csv([t.export_row() for t in listings], bom=True)
    audit.record(
        db.session,
        "targets.export",
        user_id=current_user.id,
        detail={"period": period, "rows": len(listings)},
    )
    db.session.commit()
    name = f"mal-{period}.csv" if period else "mal.csv"
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@route("/mal/importera", permission=Permission.MANAGE_TARGETS, methods=("GET", "POST"))
def targets_import() -> ResponseReturnValue:
    form = UploadForm()
    context: dict[str, Any] = {"round_": None, "form": form, "kind": "targets"}
    if not form.validate_on_submit():
        return render_template(
            "staff/import.html", **context
        ), 400 if request.method == "POST" else 200
    upload = _read_upload(form)
    if upload is None:
        abort(400)
    data, filename = upload
    context["filename"] = filename
    units = _units()
    try:
        rows = target_ops.read_targets_file(db.session, data, filename, units)
    except UploadRefused as refused:
        db.session.rollback()
        return render_template(
            "staff/import.html", refused=describe_refusal(refused), **context
        ), 400
    except ImportRejected as rejected:
        db.session.rollback()
        return render_template("staff/import.html", **_problems(rejected.errors), **context), 422
    staged = _stage("targets", None, filename, [r.to_dict() for r in rows])
    shown = [
        {
            "indicator": indicator_name(_catalogue(r.period), r.indicator_key),
            "unit": _unit_label(units, r.org_node_id),
            "period": r.period,
            "arsmal": shown_target(r.arsmal),
            "kf_arsmal": shown_target(r.kf_arsmal),
        }
        for r in rows[:SHOWN_ERRORS]
    ]
    return render_template(
        "staff/import.html",
        staged=staged,
        target_rows=shown,
        confirm=ConfirmForm(),
        confirm_url=url_for("staff.targets_import_confirm", staged_id=staged.id),
        **context,
    )


@route("/mal/importera/<staged_id>", permission=Permission.MANAGE_TARGETS, methods=("POST",))
def targets_import_confirm(staged_id: str) -> ResponseReturnValue:
    staged = _staged_or_404(staged_id, "targets", None)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    rows = [TargetRow.from_dict(r) for r in staged.rows]
    try:
        result = target_ops.import_target_rows(
            db.session, rows, units=_units(), user_id=current_user.id, filename=staged.filename
        )
    except ImportRejected as rejected:
        db.session.rollback()
        context: dict[str, Any] = {"round_": None, "form": UploadForm(), "kind": "targets"}
        return render_template(
            "staff/import.html", **_problems(rejected.errors), changed_since=True, **context
        ), 409
    db.session.delete(staged)
    db.session.commit()
    flash(
        _(
            "The targets are imported: %(created)s new, %(updated)s changed, %(removed)s removed.",
            created=result.created,
            updated=result.updated,
            removed=result.removed,
        ),
        "success",
    )
    periods = sorted({r.period for r in rows})
    return redirect(url_for("staff.targets_page", period=periods[-1] if periods else None))

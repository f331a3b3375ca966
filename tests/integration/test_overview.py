"""The live overview against a hand-built round: counts, roll-up, gender, scope, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

from sqlalchemy import update

from survey.domain.access import Access, Grant
from survey.models import Invitation
from survey.operations.invitations import issue_invitation
from survey.operations.organisation import ensure_node_path, move_node
from survey.operations.rounds import close_round
from survey.queries.overview import overview_counts, overview_csv, round_overview
from tests.factories import make_round

ADMIN = Access.of([Grant("admin", None)])

# unit → list of (gender, status) invitations
PLAN = {
    "F/E1/Växtverket": [("kvinna", "submitted")] * 3
    + [("kvinna", "started"), ("man", "submitted"), ("man", "not_started"), (None, "submitted")]
    + [("kvinna", "withdrawn"), ("annat", "submitted")],
    "F/E1/Ateljén": [("man", "submitted")] * 2 + [("okand", "not_started")],
    "F/E2/Caféet": [("kvinna", "not_started")] * 4 + [("man", "withdrawn")],
    "F/E2/Tomma": [],
}


def build(session):  # type: ignore[no-untyped-def]
    units = {path: ensure_node_path(session, path, "daglig_verksamhet") for path in PLAN}
    # Not in the round: must not appear.
    ensure_node_path(session, "F/E3/Annan", "daglig_verksamhet")
    round_ = make_round(session, units=list(units.values()), code="DV-OVERVIEW")
    for path, invitations in PLAN.items():
        for gender, status in invitations:
            issued = issue_invitation(session, round_, units[path], gender=gender)
            session.execute(
                update(Invitation)
                .where(Invitation.id == issued.invitation_id)
                .values(status=status)
            )
    session.flush()
    return round_, units


def by_path(overview):  # type: ignore[no-untyped-def]
    return {row.path: row for row in overview.rows}


def test_counts_per_unit_and_level_by_gender(db_session):
    round_, units = build(db_session)
    overview = round_overview(db_session, round_, ADMIN)
    rows = by_path(overview)
    assert list(rows) == [
        "F",
        "F/E1",
        "F/E1/Ateljén",
        "F/E1/Växtverket",
        "F/E2",
        "F/E2/Caféet",
        "F/E2/Tomma",
    ]
    v = rows["F/E1/Växtverket"]
    assert (v.invited, v.started, v.submitted, v.withdrawn) == (8, 1, 6, 1)
    assert v.response_percent == 75
    assert v.tally.women.invited == 4  # the withdrawn one left the denominator
    assert v.tally.women.submitted == 3
    assert v.tally.women.withdrawn == 1
    assert (v.tally.men.invited, v.tally.men.submitted) == (2, 1)
    assert (v.tally.other.invited, v.tally.other.submitted) == (2, 2)  # None and annat
    assert v.is_leaf
    assert v.depth == 2
    assert v.node_id == units["F/E1/Växtverket"].id
    tomma = rows["F/E2/Tomma"]
    assert tomma.invited == 0
    assert tomma.response_share is None
    assert tomma.response_percent is None
    e1 = rows["F/E1"]
    assert not e1.is_leaf
    assert (e1.invited, e1.submitted) == (11, 8)
    assert rows["F/E1/Ateljén"].tally.other.invited == 1  # okand
    # Every level is the sum of its units, per gender and status.
    leaves = [row for row in overview.rows if row.is_leaf]
    top = rows["F"]
    for group in ("total", "women", "men", "other"):
        parts = [getattr(leaf.tally, group) for leaf in leaves]
        whole = getattr(top.tally, group)
        for field in ("invited", "started", "submitted", "withdrawn"):
            assert getattr(whole, field) == sum(getattr(p, field) for p in parts), (group, field)
    assert overview.total == top.tally
    assert (top.invited, top.submitted, top.withdrawn) == (15, 8, 2)
    # Never the mean of percentages: 8 of 15 is 53 %; the mean of the units' rates is 47 %.
    assert top.response_percent == 53


def test_scope_one_enhet_sees_only_its_rows(db_session):
    round_, units = build(db_session)
    e1 = units["F/E1/Växtverket"].parent
    chef = Access.of([Grant("enhetschef", e1.id)])
    overview = round_overview(db_session, round_, chef)
    assert [row.path for row in overview.rows] == ["E1", "E1/Ateljén", "E1/Växtverket"]
    assert overview.total.total.invited == 11
    assert "Caféet" not in overview_csv(overview)
    # The SQL itself is scoped, not only the roll-up.
    counted = {row.org_node_id for row in overview_counts(db_session, round_.id, chef)}
    assert counted == {units["F/E1/Växtverket"].id, units["F/E1/Ateljén"].id}
    # A stödperson may not see overviews at all; nor may someone with no grant.
    for nobody in (Access.of([Grant("stodperson", e1.id)]), Access.of([])):
        empty = round_overview(db_session, round_, nobody)
        assert empty.rows == ()
        assert empty.total.total.invited == 0
    # Two grants: each subtree appears, nothing between them.
    cafe = units["F/E2/Caféet"]
    two = Access.of([Grant("enhetschef", e1.id), Grant("handlaggare", cafe.id)])
    assert [r.path for r in round_overview(db_session, round_, two).rows] == [
        "Caféet",
        "E1",
        "E1/Ateljén",
        "E1/Växtverket",
    ]


def test_sort_orders(db_session):
    round_, _ = build(db_session)
    overview = round_overview(db_session, round_, ADMIN)
    lowest = [row.name for row in overview.lowest_response()]
    # Caféet 0 of 4, Ateljén 2 of 3, Växtverket 6 of 8; Tomma (nobody invited) last.
    assert lowest == ["Caféet", "Ateljén", "Växtverket", "Tomma"]
    assert [r.name for r in overview.sorted("response_rate")][:2] == ["E2", "Caféet"]  # tie: path
    assert [r.name for r in overview.sorted("invited", leaves_only=True)] == [
        "Växtverket",
        "Caféet",
        "Ateljén",
        "Tomma",
    ]
    assert [r.name for r in overview.sorted("name", leaves_only=True)] == [
        "Ateljén",
        "Caféet",
        "Tomma",
        "Växtverket",
    ]
    assert overview.sorted() == list(overview.rows)


def test_a_closed_round_uses_the_tree_of_its_last_day(db_session):
    round_, units = build(db_session)
    close_round(db_session, round_, round_.closes_on)
    cafe = units["F/E2/Caféet"]
    e1 = units["F/E1/Växtverket"].parent
    move_node(db_session, cafe, e1, date(2099, 1, 1))
    rows = by_path(round_overview(db_session, round_, ADMIN))
    assert "F/E2/Caféet" in rows
    assert rows["F/E2"].invited == 4
    now = by_path(round_overview(db_session, round_, ADMIN, on=date(2099, 1, 1)))
    assert now["F/E1"].invited == 15


def test_csv_is_excel_friendly_swedish(db_session):
    round_, _ = build(db_session)
    text = overview_csv(round_overview(db_session, round_, ADMIN))
    assert text.startswith("\ufeff")
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    header = rows[0]
    assert header[:7] == [
        "Enhet",
        "Nivå",
        "Inbjudna",
        "Påbörjade",
        "Inskickade",
        "Återkallade",
        "Svarsfrekvens (%)",
    ]
    body = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert body["F"]["Svarsfrekvens (%)"] == "53,3"
    assert body["F/E1/Ateljén"]["Svarsfrekvens (%)"] == "66,7"
    assert body["F/E2/Tomma"]["Svarsfrekvens (%)"] == ""
    assert body["F/E1/Växtverket"]["Inbjudna kvinnor"] == "4"
    assert body["F/E1/Växtverket"]["Nivå"] == "Verksamhet"
    assert "\r\n" in text

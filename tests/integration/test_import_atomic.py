"""An import writes every row or none: fuzzed files, and two imports racing for one code."""

from __future__ import annotations

import csv
import io
import os
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.clock import local_today
from survey.domain.tabular import ImportRejected, UploadRefused
from survey.models import Invitation, SurveyResponse
from survey.operations.invitations import issue_invitation
from survey.operations.paper import import_paper_rows, preview_paper
from survey.operations.recipients import import_recipient_rows, preview_recipients
from tests.factories import make_round, make_unit

cell = st.sampled_from(
    ["Växtverket", "Ateljén", "Växtverk", "K", "man", "hen", "", "a@example.se", "=1", "x@y"]
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=12))
def test_fuzzed_recipient_lists_write_all_rows_or_none(db_session, rows):
    round_ = _round(db_session)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["Enhet", "Kön", "E-post"])
    writer.writerows(rows)
    before = db_session.scalar(select(func.count()).select_from(Invitation))
    written = 0
    try:
        preview = preview_recipients(db_session, round_, buffer.getvalue().encode(), "x.csv")
        if not preview.errors:
            written = import_recipient_rows(db_session, round_, preview.rows)
    except UploadRefused:
        pass
    after = db_session.scalar(select(func.count()).select_from(Invitation))
    data_rows = sum(1 for row in rows if any(c.strip() for c in row))
    assert written in (0, data_rows)
    assert after - before == written
    db_session.rollback()


def _round(session):  # type: ignore[no-untyped-def]
    from survey.models import Round

    existing = session.scalar(select(Round).where(Round.code == "FUZZ"))
    if existing is not None:
        return existing
    units = [
        make_unit(session, "F/E/Växtverket"),
        make_unit(session, "F/E/Ateljén"),
    ]
    round_ = make_round(session, units=units, code="FUZZ")
    session.commit()
    return round_


@pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
    reason="row locks: PostgreSQL (SQLite serialises writers on the whole file)",
)
def test_two_imports_cannot_both_use_a_code(app, db_session):
    round_ = make_round(db_session, units=[make_unit(db_session, "F/E/Växtverket")], code="RACE")
    issued = issue_invitation(db_session, round_, round_.units[0])
    db_session.commit()
    data = f"unit;gender;answered_by;code\nVäxtverket;K;sjalv;{issued.short_code}\n".encode()
    engine = db_session.get_bind()
    first, second = Session(engine), Session(engine)
    outcome: dict[str, object] = {}
    try:
        rows_first = preview_paper(first, first.merge(round_), data, "p.csv").rows
        rows_second = preview_paper(second, second.merge(round_), data, "p.csv").rows
        # Both previews see the code unused.
        assert rows_first
        assert rows_second

        def race() -> None:
            try:
                import_paper_rows(
                    second,
                    second.merge(round_),
                    rows_second,
                    today=local_today(),
                    commit=second.commit,
                )
                outcome["second"] = "imported"
            except ImportRejected as rejected:
                second.rollback()
                outcome["second"] = [e.code for e in rejected.errors]

        thread = threading.Thread(target=race)

        def first_commit() -> None:
            # The first import has claimed the code but not committed: the second one starts
            # now and waits for the first one's row lock.
            if "started" not in outcome:
                outcome["started"] = True
                thread.start()
                thread.join(timeout=1)
                assert thread.is_alive()
            first.commit()

        import_paper_rows(
            first, first.merge(round_), rows_first, today=local_today(), commit=first_commit
        )
        thread.join(timeout=10)
        assert outcome["second"] == ["code_already_answered"]
    finally:
        first.close()
        second.close()
    assert db_session.scalar(select(func.count()).select_from(SurveyResponse)) == 1

"""The dashboard's per-process cache of a round's figures follows the database."""

from __future__ import annotations

from sqlalchemy import select

from survey.models import OrgNode, Round
from survey.queries import indicators as queries
from survey.queries.indicators import cached_round_figures, data_version
from tests.integration.test_indicators_cli import VAXT, golden_round, paper


def nojd(report, name: str = "Växtverket"):  # type: ignore[no-untyped-def]
    node = next(n for n in report.trees["utforare"].values() if n.name == name)
    item = next(i for i in report.figures.items if i.key == "nojd")
    return report.figures.row("utforare", node.id, item).total


def test_the_cache_follows_answers_settings_and_names(runner, db_session, tmp_path) -> None:
    queries._CACHE.clear()
    golden_round(runner, tmp_path)
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    first = cached_round_figures(db_session, round_, threshold=5)
    assert (nojd(first).positive, nojd(first).valid) == (85, 95)
    again = cached_round_figures(db_session, round_, threshold=5)
    assert again.figures is first.figures  # served from the cache
    assert again.round is round_

    paper(
        runner,
        tmp_path,
        "DV-2026",
        [f"{VAXT},kvinna,sjalv,nej"] * 5,
        "unit,gender,answered_by,DV_NOJD",
    )
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    more = cached_round_figures(db_session, round_, threshold=5)
    assert (nojd(more).positive, nojd(more).valid) == (85, 100)

    paper(
        runner,
        tmp_path,
        "DV-2026",
        [f"{VAXT},kvinna,annan,nej"] * 3,
        "unit,gender,answered_by,DV_NOJD",
    )
    round_ = db_session.scalar(select(Round).where(Round.code == "DV-2026"))
    round_.include_proxy_answers = True
    db_session.commit()
    proxy = cached_round_figures(db_session, round_, threshold=5)
    assert nojd(proxy).valid == 103

    before = data_version(db_session, round_)
    unit = db_session.scalar(select(OrgNode).where(OrgNode.name == "Växtverket"))
    unit.name = "Växthuset"
    db_session.commit()
    assert data_version(db_session, round_) != before
    renamed = cached_round_figures(db_session, round_, threshold=5)
    assert nojd(renamed, "Växthuset").valid == 103
    assert cached_round_figures(db_session, round_, threshold=3).figures.threshold == 3

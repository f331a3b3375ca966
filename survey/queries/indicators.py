"""Reads behind the indicators: one grouped query over a round's answers, and its context.

`round_figures()` is the one computation path every output uses (CLI, dashboard, exports):
- answers counted per verksamhet × beställare × gender × question × option in one GROUP BY
  (proxy answers left out unless the round counts them);
- responses and invitations (withdrawn ones left out) per verksamhet × beställare × gender;
- both trees as they were on the round's last day when it is closed;
- the previous period: the rounds of the same survey type one period earlier, their trees
  as they were then, and today's nodes' lineage through splits and merges;
then the pure `survey.domain.indicators.compute_round`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from survey.domain.indicator_catalogue import Catalogue, catalogue_for
from survey.domain.indicators import (
    AnswerCount,
    Item,
    Node,
    PersonCount,
    PreviousPeriod,
    PreviousRound,
    RoundFigures,
    compute_round,
    round_items,
)
from survey.domain.question_banks import QuestionBank, load_bank
from survey.models import (
    Answer,
    Invitation,
    OrgNode,
    OrgNodeName,
    OrgNodeParent,
    OrgSuccession,
    Round,
    SurveyResponse,
    round_unit,
)
from survey.queries.organisation import load_tree

PROXY = "annan"


@dataclass(frozen=True, slots=True)
class RoundReport:
    """A round's figures with what the outputs need to label them."""

    round: Round
    bank: QuestionBank
    catalogue: Catalogue
    figures: RoundFigures
    trees: dict[str, dict[int, Node]]
    previous_period: int | None


def tree_nodes(session: Session, tree: str, on: date | None) -> dict[int, Node]:
    loaded = load_tree(session, tree=tree, on=on)
    return {n.id: Node(n.id, n.parent_id, n.name, n.path, n.level, n.tree) for n in loaded.walk()}


def answer_counts(
    session: Session, round_id: int, questions: Iterable[str], *, include_proxy: bool
) -> list[AnswerCount]:
    """The one GROUP BY: answers per verksamhet × beställare × gender × question × option."""
    query = (
        select(
            SurveyResponse.org_node_id,
            SurveyResponse.bestallare_node_id,
            SurveyResponse.gender,
            Answer.question_code,
            Answer.value,
            func.count(),
        )
        .join(SurveyResponse, SurveyResponse.id == Answer.survey_response_id)
        .where(SurveyResponse.round_id == round_id)
        .where(Answer.question_code.in_(sorted(set(questions))))
        .group_by(
            SurveyResponse.org_node_id,
            SurveyResponse.bestallare_node_id,
            SurveyResponse.gender,
            Answer.question_code,
            Answer.value,
        )
    )
    if not include_proxy:
        query = query.where(
            or_(SurveyResponse.answered_by.is_(None), SurveyResponse.answered_by != PROXY)
        )
    return [AnswerCount(*row) for row in session.execute(query)]


def response_counts(session: Session, round_id: int) -> list[PersonCount]:
    query = (
        select(
            SurveyResponse.org_node_id,
            SurveyResponse.bestallare_node_id,
            SurveyResponse.gender,
            func.count(),
        )
        .where(SurveyResponse.round_id == round_id)
        .group_by(
            SurveyResponse.org_node_id, SurveyResponse.bestallare_node_id, SurveyResponse.gender
        )
    )
    return [PersonCount(*row) for row in session.execute(query)]


def invitation_counts(session: Session, round_id: int) -> list[PersonCount]:
    query = (
        select(
            Invitation.org_node_id,
            Invitation.bestallare_node_id,
            Invitation.gender,
            func.count(),
        )
        .where(Invitation.round_id == round_id, Invitation.status != "withdrawn")
        .group_by(Invitation.org_node_id, Invitation.bestallare_node_id, Invitation.gender)
    )
    return [PersonCount(*row) for row in session.execute(query)]


def round_unit_ids(session: Session, round_id: int) -> set[int]:
    return set(
        session.scalars(select(round_unit.c.org_node_id).where(round_unit.c.round_id == round_id))
    )


def lineage(session: Session) -> dict[int, frozenset[int]]:
    """For every node with predecessors (splits, merges): itself and all its forebears."""
    edges: dict[int, set[int]] = defaultdict(set)
    for predecessor, successor in session.execute(
        select(OrgSuccession.predecessor_id, OrgSuccession.successor_id)
    ):
        edges[successor].add(predecessor)
    found: dict[int, frozenset[int]] = {}
    for node_id in edges:
        seen = {node_id}
        frontier = set(edges[node_id])
        while frontier:
            seen |= frontier
            frontier = {p for n in frontier for p in edges.get(n, ())} - seen
        found[node_id] = frozenset(seen)
    return found


def _tree_day(round_: Round) -> date | None:
    return round_.closes_on if round_.is_closed else None


def previous_rounds(session: Session, round_: Round) -> list[Round]:
    return list(
        session.scalars(
            select(Round)
            .where(
                Round.survey_type == round_.survey_type,
                Round.period == round_.period - 1,
                Round.is_draft.is_(False),
                Round.id != round_.id,
            )
            .order_by(Round.code)
        )
    )


def round_figures(session: Session, round_: Round, *, threshold: int) -> RoundReport:
    """Every figure of `round_`, suppression applied (see the module docstring)."""
    bank = load_bank(round_.survey_type, round_.bank_version)
    catalogue = catalogue_for(round_.period)
    items: list[Item] = round_items(catalogue, bank)
    questions = {item.question_code for item in items}
    day = _tree_day(round_)
    trees = {tree: tree_nodes(session, tree, day) for tree in ("utforare", "bestallare")}
    previous = None
    earlier = previous_rounds(session, round_)
    if earlier:
        rounds = []
        for old in earlier:
            old_day = old.closes_on
            old_trees = {t: tree_nodes(session, t, old_day) for t in ("utforare", "bestallare")}
            invited = invitation_counts(session, old.id)
            rounds.append(
                PreviousRound(
                    trees=old_trees,
                    answers=answer_counts(
                        session, old.id, questions, include_proxy=old.include_proxy_answers
                    ),
                    unit_ids=frozenset(round_unit_ids(session, old.id)),
                    bestallare_ids=frozenset(
                        r.bestallare_id for r in invited if r.bestallare_id is not None
                    ),
                )
            )
        previous = PreviousPeriod(rounds=rounds, lineage=lineage(session))
    figures = compute_round(
        items,
        trees,
        answer_counts(session, round_.id, questions, include_proxy=round_.include_proxy_answers),
        invitation_counts(session, round_.id),
        response_counts(session, round_.id),
        threshold,
        unit_ids=round_unit_ids(session, round_.id),
        previous=previous,
    )
    return RoundReport(
        round=round_,
        bank=bank,
        catalogue=catalogue,
        figures=figures,
        trees=trees,
        previous_period=round_.period - 1 if earlier else None,
    )


# --- a per-process cache for pages ---------------------------------------------------------

_CACHE: OrderedDict[tuple[object, ...], RoundReport] = OrderedDict()
_CACHE_SIZE = 8
_LOCK = threading.Lock()


def data_version(session: Session, round_: Round) -> tuple[object, ...]:
    """Everything a round's figures depend on, in one cheap statement: its responses and
    invitations, last period's responses, the organisation's history and the round's
    reporting settings. Responses are never changed once written, so counts suffice."""
    previous = select(Round.id).where(
        Round.survey_type == round_.survey_type, Round.period == round_.period - 1
    )

    def count(model: type, *where: object):  # type: ignore[no-untyped-def]
        return select(func.count()).select_from(model).where(*where).scalar_subquery()

    row = session.execute(
        select(
            count(SurveyResponse, SurveyResponse.round_id == round_.id),
            count(Invitation, Invitation.round_id == round_.id, Invitation.status != "withdrawn"),
            count(SurveyResponse, SurveyResponse.round_id.in_(previous)),
            count(OrgNode),
            select(func.max(OrgNode.id)).scalar_subquery(),
            # Names and places of units: renames and moves show in every report.
            select(func.sum(func.length(OrgNode.name))).scalar_subquery(),
            select(func.sum(func.coalesce(OrgNode.parent_id, 0))).scalar_subquery(),
            count(OrgNodeName),
            count(OrgNodeParent),
            count(OrgSuccession),
            count(round_unit, round_unit.c.round_id == round_.id),
        )
    ).one()
    return (
        *row,
        round_.include_proxy_answers,
        round_.is_closed,
        round_.closes_on,
        round_.bank_version,
    )


def cached_round_figures(session: Session, round_: Round, *, threshold: int) -> RoundReport:
    """`round_figures`, kept per process while the round's data stay the same (a page at
    city scale would otherwise compute for seconds on every visit). Several processes each
    keep their own; the version check makes them agree with the database."""
    key = (round_.id, threshold, data_version(session, round_))
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None:
            _CACHE.move_to_end(key)
    if hit is not None:
        return replace(hit, round=round_)
    report = round_figures(session, round_, threshold=threshold)
    with _LOCK:
        _CACHE[key] = report
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return report

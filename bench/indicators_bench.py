"""Indicator-table benchmark: the whole table of a round against one hand-written GROUP BY.

Two generated rounds (deterministic, `--seed`), inserted in bulk (COPY on PostgreSQL through
`survey.operations.bulk.insert_rows`), then ANALYZEd:

- **city**: 4 förvaltningar → 40 enheter → 200 verksamheter (daglig verksamhet, survey "dv",
  the newest dv bank, 14 questions); a beställare tree of one root and 14 districts; 25,000
  invitations of which 20,000 submitted (the rest not started); 20,000 responses with their
  answers. Unit sizes vary (log-normal weights, at least 3 invitations), so some units fall
  under the threshold.
- **national**: 20 förvaltningar × 10 enheter × 5 verksamheter = 1,000 verksamheter, 70
  districts (five blocks of 14, one per four förvaltningar: five cities side by side);
  94,000 invitations, 75,200 responses, about 1,000,000 answers.

Each response answers the 14 questions: about 5 % skipped (no row), 8 % "vet_inte", the
rest an option of the question's scale, positive with the verksamhet's own rate (about
75 %, between 55 and 92 %). Gender man/kvinna 49 % each, annat and okand 1 % each;
answered_by sjalv 60 %, med_hjalp 37 %, annan 3 % (proxy, left out by default); the
beställare is the verksamhet's home district for 85 % and another district of its block for
15 % (`--other-district`). A closed round of the previous period (same units, 90 % of the
responses) makes the previous-period column part of the work (`--previous no` leaves it
out).

Timed in process (`time.perf_counter`), one untimed warm-up each, then `--repeat` rounds
(default 5 city, 3 national; the median is reported), each round running in turn:

1. **GROUP BY**: the hand-written query (see GROUP_BY below) over the round's answers, every
   row fetched;
2. **whole table**: what `flask indicators --round CODE --format json` does: the round by
   code, `round_figures(session, round_, threshold=5)`, `target_lookup`, `unit_reports`,
   `installation_report`, `figures_json`, `json.dumps`;

and the parts on their own: the SQL of `round_figures` (trees, `answer_counts`,
`invitation_counts`, `response_counts`, the previous round's queries), `compute_round`
(pure) on the fetched rows, and the output (targets + unit reports + JSON). Ratio = whole
table / GROUP BY.

Then, untimed: suppression statistics (calls of `suppress`, fixes searched, cells withheld
by secondary suppression), the withheld cells of the nöjd table by tree × level × gender,
and (`--profile`, default for city) a cProfile of one whole-table build, top 15 by
cumulative time. Results on stdout and in bench/results/indicators-<db>.json.

    .venv/bin/python bench/indicators_bench.py --database sqlite --scale city
    .venv/bin/python bench/indicators_bench.py --database postgresql --scale both

Aim: ratio ≤ 1.5; city ≤ 1 s; national on PostgreSQL ≤ 10 s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import platform
import pstats
import random
import statistics
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from respond_bench import (
    DEFAULT_PG_URL,
    RESULTS_DIR,
    build_app,
    server_version,
    sqlite_database,
    throwaway_postgres,
)

import survey.domain.indicators as indicators_domain
import survey.domain.suppression as suppression
from survey.domain.indicator_export import figures_json, installation_report, unit_reports
from survey.domain.question_banks import latest_version, load_bank
from survey.models import Answer, Invitation, OrgNode, Round, SurveyResponse, db
from survey.operations.bulk import insert_rows
from survey.operations.organisation import ensure_builtin_insatser
from survey.operations.rounds import create_round
from survey.queries import indicators as indicator_queries
from survey.queries.indicators import (
    answer_counts,
    invitation_counts,
    response_counts,
    round_figures,
    tree_nodes,
)
from survey.queries.targets_lookup import target_lookup

THRESHOLD = 5
SURVEY_TYPE = "dv"
PERIOD = 2026
CHUNK_RESPONSES = 10_000
GROUP_BY = (
    "SELECT r.org_node_id, r.bestallare_node_id, r.gender, a.question_code, a.value, count(*) "
    "FROM answer a JOIN survey_response r ON r.id = a.survey_response_id "
    "WHERE r.round_id = :id GROUP BY 1, 2, 3, 4, 5"
)
GENDERS = (("man", 0.49), ("kvinna", 0.49), ("annat", 0.01), ("okand", 0.01))
ANSWERED_BY = (("sjalv", 0.60), ("med_hjalp", 0.37), ("annan", 0.03))
SKIPPED, DONT_KNOW, OTHER_DISTRICT = 0.05, 0.08, 0.15
PREVIOUS_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class Scale:
    name: str
    forvaltningar: int
    enheter: int  # per förvaltning
    verksamheter: int  # per enhet
    blocks: int  # blocks of 14 districts, one per `forvaltningar / blocks` förvaltningar
    invitations: int
    responses: int
    repeat: int


SCALES = {
    "city": Scale("city", 4, 10, 5, 1, 25_000, 20_000, 5),
    "national": Scale("national", 20, 10, 5, 5, 94_000, 75_200, 3),
}
DISTRICTS_PER_BLOCK = 14


# --- data ----------------------------------------------------------------------------------


def pick(rng: random.Random, choices: Sequence[tuple[str, float]]) -> str:
    x = rng.random()
    for value, share in choices:
        x -= share
        if x < 0:
            return value
    return choices[-1][0]


@dataclass(slots=True)
class Unit:
    id: int
    home: int  # beställare district id
    block: list[int]  # the districts of its block
    positive: float  # this verksamhet's share of positive answers


def build_trees(session: Session, scale: Scale, rng: random.Random) -> list[Unit]:
    """Both trees as ORM rows, one flush per level; the verksamheter with their districts."""
    ensure_builtin_insatser(session)
    root = OrgNode(name="Beställarenheten", level="forvaltning", tree="bestallare")
    session.add(root)
    session.flush()
    districts = [
        OrgNode(name=f"Distrikt {d + 1:02d}", level="enhet", tree="bestallare", parent_id=root.id)
        for d in range(DISTRICTS_PER_BLOCK * scale.blocks)
    ]
    forvaltningar = [
        OrgNode(name=f"Förvaltning {f + 1:02d}", level="forvaltning", tree="utforare")
        for f in range(scale.forvaltningar)
    ]
    session.add_all(districts + forvaltningar)
    session.flush()
    enheter = [
        OrgNode(name=f"Enhet {f + 1:02d}-{e + 1:02d}", level="enhet", parent_id=fv.id)
        for f, fv in enumerate(forvaltningar)
        for e in range(scale.enheter)
    ]
    session.add_all(enheter)
    session.flush()
    leaves = [
        OrgNode(
            name=f"Daglig verksamhet {en.name[6:]}-{v + 1}",
            level="verksamhet",
            parent_id=en.id,
            insats_code="daglig_verksamhet",
        )
        for en in enheter
        for v in range(scale.verksamheter)
    ]
    session.add_all(leaves)
    session.flush()
    per_block = len(leaves) // scale.blocks
    units = []
    for index, leaf in enumerate(leaves):
        block_no = min(index // per_block, scale.blocks - 1)
        block = [
            d.id
            for d in districts[
                block_no * DISTRICTS_PER_BLOCK : (block_no + 1) * DISTRICTS_PER_BLOCK
            ]
        ]
        home = block[(index - block_no * per_block) * DISTRICTS_PER_BLOCK // per_block]
        positive = min(0.92, max(0.55, rng.gauss(0.75, 0.08)))
        units.append(Unit(leaf.id, home, block, positive))
    return units


def unit_sizes(rng: random.Random, count: int, total: int) -> list[int]:
    """Invitations per unit: log-normal weights, at least 3, summing to `total`."""
    weights = [math.exp(rng.gauss(0, 0.6)) for _ in range(count)]
    scale = (total - 3 * count) / sum(weights)
    sizes = [3 + int(w * scale) for w in weights]
    for i in range(total - sum(sizes)):
        sizes[i % count] += 1
    return sizes


def make_round(
    session: Session, code: str, period: int, units: list[Unit], *, closed: bool
) -> Round:
    nodes = list(session.scalars(select(OrgNode).where(OrgNode.id.in_([u.id for u in units]))))
    round_ = create_round(
        session,
        code=code,
        survey_type=SURVEY_TYPE,
        period=period,
        opens_on=date(period, 9, 1),
        closes_on=date(period, 10, 15),
        units=nodes,
        organiser="Benchkommunen",
    )
    if closed:
        round_.is_closed = True
        round_.closed_at = datetime(period, 10, 16, tzinfo=UTC)
    session.flush()
    return round_


def fill_round(
    session: Session,
    round_: Round,
    units: list[Unit],
    invitations: int,
    responses: int,
    rng: random.Random,
    questions: Sequence[tuple[str, tuple[str, ...], str]],
    prefix: str,
    other_district: float,
) -> int:
    """Invitations and, for `responses` of them, a response with its answers; answers written."""
    sizes = unit_sizes(rng, len(units), invitations)
    people: list[tuple[Unit, int, str]] = []
    for unit, size in zip(units, sizes, strict=True):
        for _ in range(size):
            district = unit.home
            if rng.random() < other_district:
                district = rng.choice([d for d in unit.block if d != unit.home])
            people.append((unit, district, pick(rng, GENDERS)))
    submitted = set(rng.sample(range(len(people)), responses))
    now = datetime.now(UTC)
    invitation_rows = [
        {
            "round_id": round_.id,
            "org_node_id": unit.id,
            "bestallare_node_id": district,
            "gender": gender,
            "channel": "letter",
            "token": f"{rng.getrandbits(160):040x}",
            "short_code": f"{prefix}{i:07d}",
            "status": "submitted" if i in submitted else "not_started",
            "created_at": now,
            "with_pictures": True,
            "large_text": False,
            "used_read_aloud": False,
        }
        for i, (unit, district, gender) in enumerate(people)
    ]
    insert_rows(session, Invitation.__table__, invitation_rows)
    del invitation_rows
    week = f"{round_.period}-W40"
    answers_written = 0
    chosen = sorted(submitted)
    for start in range(0, len(chosen), CHUNK_RESPONSES):
        response_rows: list[dict[str, Any]] = []
        answer_rows: list[dict[str, Any]] = []
        for i in chosen[start : start + CHUNK_RESPONSES]:
            unit, district, gender = people[i]
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            answered_by = pick(rng, ANSWERED_BY)
            response_rows.append(
                {
                    "id": response_id,
                    "round_id": round_.id,
                    "org_node_id": unit.id,
                    "bestallare_node_id": district,
                    "gender": gender,
                    "answered_by": answered_by,
                    "helper": "personal_har" if answered_by == "med_hjalp" else None,
                    "with_pictures": True,
                    "large_text": False,
                    "used_read_aloud": False,
                    "auto_submitted": False,
                    "submitted_week": week,
                }
            )
            for code, options, positive in questions:
                x = rng.random()
                if x < SKIPPED:
                    continue
                if x < SKIPPED + DONT_KNOW:
                    value = "vet_inte"
                elif rng.random() < unit.positive:
                    value = positive
                else:
                    value = rng.choice([o for o in options if o != positive])
                answer_rows.append(
                    {"survey_response_id": response_id, "question_code": code, "value": value}
                )
        insert_rows(session, SurveyResponse.__table__, response_rows)
        insert_rows(session, Answer.__table__, answer_rows)
        answers_written += len(answer_rows)
    return answers_written


def build(
    session: Session, scale: Scale, seed: int, *, previous: bool, other_district: float
) -> dict[str, Any]:
    started = time.perf_counter()
    units = build_trees(session, scale, random.Random(f"{seed}-{scale.name}-trees"))
    bank = load_bank(SURVEY_TYPE, latest_version(SURVEY_TYPE))
    questions = [
        (q.code, q.scale.option_codes(), q.scale.positive)
        for q in bank.questions
        if q.scale is not None and q.scale.positive is not None
    ]
    facts: dict[str, Any] = {
        "bank_version": bank.version,
        "questions": len(questions),
        "other_district": other_district,
    }
    if previous:
        old = make_round(
            session, f"BENCH-{scale.name.upper()}-PREV", PERIOD - 1, units, closed=True
        )
        facts["previous_answers"] = fill_round(
            session,
            old,
            units,
            round(scale.invitations * PREVIOUS_SHARE),
            round(scale.responses * PREVIOUS_SHARE),
            random.Random(f"{seed}-{scale.name}-previous"),
            questions,
            "P",
            other_district,
        )
        facts["previous_responses"] = round(scale.responses * PREVIOUS_SHARE)
    round_ = make_round(session, f"BENCH-{scale.name.upper()}", PERIOD, units, closed=True)
    facts["answers"] = fill_round(
        session,
        round_,
        units,
        scale.invitations,
        scale.responses,
        random.Random(f"{seed}-{scale.name}-current"),
        questions,
        "C",
        other_district,
    )
    session.commit()
    # Autovacuum analyses soon after a bulk insert; without statistics PostgreSQL plans for
    # a handful of rows.
    session.execute(text("ANALYZE"))
    session.commit()
    facts.update(
        code=round_.code,
        verksamheter=len(units),
        districts=DISTRICTS_PER_BLOCK * scale.blocks,
        invitations=scale.invitations,
        responses=scale.responses,
        proxy_responses=session.scalar(
            select(func.count())
            .select_from(SurveyResponse)
            .where(SurveyResponse.round_id == round_.id, SurveyResponse.answered_by == "annan")
        ),
        generate_s=round(time.perf_counter() - started, 1),
    )
    session.rollback()
    return facts


# --- the timed work ------------------------------------------------------------------------


def group_by(session: Session, round_id: int) -> int:
    return len(session.execute(text(GROUP_BY), {"id": round_id}).all())


def whole_table(session: Session, code: str) -> bytes:
    """As survey/cli_indicators.py does for `--format json` over the whole round."""
    round_ = session.scalar(select(Round).where(Round.code == code))
    assert round_ is not None
    report = round_figures(session, round_, threshold=THRESHOLD)
    return output(session, report, round_)


def output(session: Session, report: indicator_queries.RoundReport, round_: Round) -> bytes:
    targets = target_lookup(session, report)
    units = unit_reports(report.figures, report.trees, by="utforare", within=None, targets=targets)
    whole = installation_report(report.figures, "", targets)
    document = figures_json(
        round_code=round_.code,
        period=round_.period,
        survey_type=round_.survey_type,
        by="utforare",
        threshold=THRESHOLD,
        include_proxy_answers=round_.include_proxy_answers,
        previous_period=report.previous_period,
        units=units,
        installation=whole,
        language="sv",
    )
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


@dataclass(slots=True)
class Inputs:
    """What round_figures hands to compute_round, fetched once (for timing it alone)."""

    items: list[indicators_domain.Item]
    trees: dict[str, dict[int, indicators_domain.Node]]
    answers: list[indicators_domain.AnswerCount]
    invitations: list[indicators_domain.PersonCount]
    responses: list[indicators_domain.PersonCount]
    unit_ids: set[int]
    previous: indicators_domain.PreviousPeriod | None


def sql_parts(session: Session, round_: Round) -> tuple[dict[str, float], Inputs]:
    """The queries of round_figures one by one, in its order, each timed (ms)."""
    ms: dict[str, float] = {}

    def step(name: str, call: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        value = call()
        ms[name] = ms.get(name, 0.0) + (time.perf_counter() - start) * 1000
        return value

    bank = load_bank(round_.survey_type, round_.bank_version)
    catalogue = indicator_queries.catalogue_for(round_.period)
    items = indicators_domain.round_items(catalogue, bank)
    questions = {item.question_code for item in items}
    day = indicator_queries._tree_day(round_)
    trees = step(
        "trees",
        lambda: {tree: tree_nodes(session, tree, day) for tree in indicators_domain.TREES},
    )
    previous = None
    earlier = step("previous: rounds", lambda: indicator_queries.previous_rounds(session, round_))
    if earlier:
        rounds = []
        for old in earlier:
            old_trees = step(
                "previous: trees",
                lambda old=old: {
                    t: tree_nodes(session, t, old.closes_on) for t in indicators_domain.TREES
                },
            )
            invited = step(
                "previous: invitation_counts",
                lambda old=old: invitation_counts(session, old.id),
            )
            answers = step(
                "previous: answer_counts",
                lambda old=old: answer_counts(
                    session, old.id, questions, include_proxy=old.include_proxy_answers
                ),
            )
            unit_ids = step(
                "previous: round_unit_ids",
                lambda old=old: indicator_queries.round_unit_ids(session, old.id),
            )
            rounds.append(
                indicators_domain.PreviousRound(
                    trees=old_trees,
                    answers=answers,
                    unit_ids=frozenset(unit_ids),
                    bestallare_ids=frozenset(
                        r.bestallare_id for r in invited if r.bestallare_id is not None
                    ),
                )
            )
        lineage = step("previous: lineage", lambda: indicator_queries.lineage(session))
        previous = indicators_domain.PreviousPeriod(rounds=rounds, lineage=lineage)
    answers = step(
        "answer_counts",
        lambda: answer_counts(
            session, round_.id, questions, include_proxy=round_.include_proxy_answers
        ),
    )
    invitations = step("invitation_counts", lambda: invitation_counts(session, round_.id))
    responses = step("response_counts", lambda: response_counts(session, round_.id))
    unit_ids = step("round_unit_ids", lambda: indicator_queries.round_unit_ids(session, round_.id))
    return ms, Inputs(items, trees, answers, invitations, responses, unit_ids, previous)


def compute(inputs: Inputs) -> indicators_domain.RoundFigures:
    return indicators_domain.compute_round(
        inputs.items,
        inputs.trees,
        inputs.answers,
        inputs.invitations,
        inputs.responses,
        THRESHOLD,
        unit_ids=inputs.unit_ids,
        previous=inputs.previous,
    )


def timed_once(call: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = call()
    return (time.perf_counter() - start) * 1000, value


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 1)


def measure(session: Session, code: str, repeat: int) -> dict[str, Any]:
    round_ = session.scalar(select(Round).where(Round.code == code))
    assert round_ is not None
    round_id = round_.id
    # Warm-up: one of each, untimed (caches of the bank and catalogue, the statement cache).
    groups = group_by(session, round_id)
    first_ms, document = timed_once(lambda: whole_table(session, code))
    session.rollback()
    if first_ms > 120_000:
        repeat = 1  # keep the run bounded; said in the output
    runs: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeat):
        runs["group_by_ms"].append(timed_once(lambda: group_by(session, round_id))[0])
        session.rollback()
        runs["table_ms"].append(timed_once(lambda: whole_table(session, code))[0])
        session.rollback()
        round_ = session.scalar(select(Round).where(Round.code == code))
        assert round_ is not None
        parts, inputs = sql_parts(session, round_)
        for name, value in parts.items():
            runs[f"sql: {name}"].append(value)
        runs["sql_ms"].append(sum(parts.values()))
        compute_ms, figures = timed_once(lambda inputs=inputs: compute(inputs))
        runs["compute_round_ms"].append(compute_ms)
        report = indicator_queries.RoundReport(
            round=round_,
            bank=load_bank(round_.survey_type, round_.bank_version),
            catalogue=indicator_queries.catalogue_for(round_.period),
            figures=figures,
            trees=inputs.trees,
            previous_period=round_.period - 1 if inputs.previous is not None else None,
        )
        runs["output_ms"].append(
            timed_once(lambda report=report, round_=round_: output(session, report, round_))[0]
        )
        session.rollback()
    result: dict[str, Any] = {
        "repeat": repeat,
        "group_by_rows": groups,
        "answer_rows_counted": session.scalar(
            select(func.count())
            .select_from(Answer)
            .join(SurveyResponse, SurveyResponse.id == Answer.survey_response_id)
            .where(SurveyResponse.round_id == round_id)
        ),
        "json_bytes": len(document),
        "first_table_ms": round(first_ms, 1),
    }
    for name, values in runs.items():
        result[name] = median(values)
        result[f"{name} (all)"] = [round(v, 1) for v in values]
    result["ratio"] = round(result["table_ms"] / result["group_by_ms"], 2)
    session.rollback()
    return result


# --- suppression statistics -------------------------------------------------------------------


@contextmanager
def counting() -> Iterator[dict[str, Any]]:
    """Wrap `suppress` and the suppressor's search with counters (untimed runs only)."""
    stats: dict[str, Any] = defaultdict(float)
    phase = ["current"]
    original_suppress = indicators_domain.suppress
    original_previous = indicators_domain.previous_period_cells
    originals = {
        name: getattr(suppression._Suppressor, name)
        for name in ("__init__", "run", "protected", "_best_fix", "_withhold")
    }

    def counted(name: str) -> Callable[..., Any]:
        method = originals[name]

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                stats[f"{phase[0]}: {name} calls"] += 1
                stats[f"{phase[0]}: {name} ms"] += (time.perf_counter() - start) * 1000

        return wrapper

    def suppress(atoms: Sequence[Any], cells: Sequence[Any], threshold: int, **kwargs: Any) -> Any:
        start = time.perf_counter()
        withheld = original_suppress(atoms, cells, threshold, **kwargs)
        key = phase[0]
        stats[f"{key}: suppress calls"] += 1
        stats[f"{key}: suppress ms"] += (time.perf_counter() - start) * 1000
        stats[f"{key}: cells (sum)"] += len(cells)
        stats[f"{key}: atoms (sum)"] += len(atoms)
        stats[f"{key}: withheld"] += len(withheld)
        return withheld

    def previous_cells(*args: Any, **kwargs: Any) -> Any:
        phase[0] = "previous"
        start = time.perf_counter()
        try:
            return original_previous(*args, **kwargs)
        finally:
            stats["previous: previous_period_cells ms"] += (time.perf_counter() - start) * 1000
            phase[0] = "current"

    indicators_domain.suppress = suppress  # type: ignore[assignment]
    indicators_domain.previous_period_cells = previous_cells  # type: ignore[assignment]
    for name in originals:
        setattr(suppression._Suppressor, name, counted(name))
    try:
        yield stats
    finally:
        indicators_domain.suppress = original_suppress  # type: ignore[assignment]
        indicators_domain.previous_period_cells = original_previous  # type: ignore[assignment]
        for name, method in originals.items():
            setattr(suppression._Suppressor, name, method)


def suppression_figures(session: Session, code: str) -> dict[str, Any]:
    """Counters over one round_figures, and the nöjd table's cells by tree × level × gender."""
    round_ = session.scalar(select(Round).where(Round.code == code))
    assert round_ is not None
    with counting() as stats:
        report = round_figures(session, round_, threshold=THRESHOLD)
    session.rollback()
    figures = report.figures
    layout = figures.layout
    counters = {k: round(v, 1) if k.endswith(" ms") else int(v) for k, v in sorted(stats.items())}
    # Cells withheld although they have enough answers (secondary), over all 14 tables.
    secondary = Counter()
    primary = Counter()
    for key, table in figures.tables.items():
        for index in table.withheld:
            valid = table.valid.get(index, 0)
            if valid >= THRESHOLD:
                secondary[key[0]] += 1
            elif valid > 0:
                primary[key[0]] += 1
    nojd = figures.tables[("DV_NOJD", "ja")]
    breakdown: dict[tuple[str, str, str], Counter[str]] = defaultdict(Counter)
    for index, (tree, node_id, gender) in enumerate(layout.cells):
        level = "installation" if node_id is None else report.trees[tree][node_id].level
        valid = nojd.valid.get(index, 0)
        kind = "published"
        if index in nojd.withheld or valid <= 0:
            kind = "empty" if valid <= 0 else "primary" if valid < THRESHOLD else "secondary"
        entry = breakdown[(tree, level, gender)]
        entry["cells"] += 1
        entry[kind] += 1
    previous_nojd = None
    if figures.previous is not None:
        cells = figures.previous[("DV_NOJD", "ja")]
        previous_nojd = {
            "cells": len(cells),
            "withheld": sum(1 for c in cells.values() if c.suppressed),
        }
    return {
        "counters": counters,
        "atoms": len(layout.atoms),
        "cells_per_table": len(layout.cells),
        "tables": len(figures.tables),
        "withheld_primary_all_tables": sum(primary.values()),
        "withheld_secondary_all_tables": sum(secondary.values()),
        "withheld_secondary_per_table": dict(secondary),
        "nojd": [
            {"tree": t, "level": lv, "gender": g, **dict(c)}
            for (t, lv, g), c in sorted(
                breakdown.items(),
                key=lambda kv: (
                    indicators_domain.TREES.index(kv[0][0]),
                    LEVEL_ORDER.get(kv[0][1], 9),
                    indicators_domain.GENDER_CLASSES.index(kv[0][2]),
                ),
            )
        ],
        "previous_nojd": previous_nojd,
    }


LEVEL_ORDER = {"installation": 0, "forvaltning": 1, "enhet": 2, "verksamhet": 3}


def profile(session: Session, code: str, top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    whole_table(session, code)
    profiler.disable()
    session.rollback()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# --- driver -------------------------------------------------------------------------------


def run_scale(
    database_url: str, scale: Scale, args: argparse.Namespace, previous: bool
) -> dict[str, Any]:
    app = build_app(database_url)
    with app.app_context():
        session = db.session
        facts = build(
            session, scale, args.seed, previous=previous, other_district=args.other_district
        )
        print(
            f"[{scale.name}, previous={'yes' if previous else 'no'}] generated "
            f"{facts['answers']:,} answers in {facts['generate_s']} s",
            file=sys.stderr,
        )
        repeat = args.repeat or scale.repeat
        result: dict[str, Any] = {
            "scale": scale.name,
            "previous_round": previous,
            "database": server_version(app),
            **facts,
            "timings": measure(session, facts["code"], repeat),
            "suppression": suppression_figures(session, facts["code"]),
        }
        if args.profile == "yes" or (args.profile == "city" and scale.name == "city"):
            result["profile"] = profile(session, facts["code"])
        session.rollback()
    with app.app_context():
        db.engine.dispose()
    return result


def summary(result: dict[str, Any]) -> str:
    t = result["timings"]
    lines = [
        f"== {result['scale']} on {result['database']}, previous round: "
        f"{'yes' if result['previous_round'] else 'no'}; {result['answers']:,} answers, "
        f"other district {result['other_district']:.0%}, "
        f"{t['group_by_rows']:,} GROUP BY rows, median of {t['repeat']}",
        f"  GROUP BY          {t['group_by_ms']:>10.1f} ms",
        f"  whole table       {t['table_ms']:>10.1f} ms   ratio {t['ratio']:.2f}",
        f"    SQL             {t['sql_ms']:>10.1f} ms",
    ]
    for key in sorted(k for k in t if k.startswith("sql: ") and not k.endswith("(all)")):
        lines.append(f"      {key[5:]:<28}{t[key]:>10.1f} ms")
    lines.append(f"    compute_round   {t['compute_round_ms']:>10.1f} ms")
    lines.append(f"    output          {t['output_ms']:>10.1f} ms")
    s = result["suppression"]
    lines.append(
        f"  atoms {s['atoms']:,}, cells per table {s['cells_per_table']:,}, "
        f"withheld in {s['tables']} tables: primary {s['withheld_primary_all_tables']:,}, "
        f"secondary {s['withheld_secondary_all_tables']:,}"
    )
    for key, value in s["counters"].items():
        lines.append(f"    {key:<40}{value:>12}")
    lines.append("  nöjd table: tree / level / gender: cells, published, empty, primary, secondary")
    for row in s["nojd"]:
        lines.append(
            f"    {row['tree']:<10} {row['level']:<12} {row['gender']:<6} {row['cells']:>6} "
            f"{row.get('published', 0):>6} {row.get('empty', 0):>6} {row.get('primary', 0):>6} "
            f"{row.get('secondary', 0):>6}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", choices=("city", "national", "both"), default="city")
    parser.add_argument(
        "--previous",
        choices=("yes", "no", "both"),
        default="yes",
        help="with a closed round of the previous period, without, or both in turn",
    )
    parser.add_argument(
        "--repeat", type=int, default=0, help="timed runs (default 5 city, 3 national)"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--other-district",
        type=float,
        default=OTHER_DISTRICT,
        help="share of responses whose beställare is not the verksamhet's home district",
    )
    parser.add_argument("--profile", choices=("city", "yes", "no"), default="city")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="PostgreSQL server URL")
    args = parser.parse_args(argv)
    scales = ["city", "national"] if args.scale == "both" else [args.scale]
    variants = [True, False] if args.previous == "both" else [args.previous == "yes"]
    results = []
    for name in scales:
        for previous in variants:
            database = (
                sqlite_database() if args.database == "sqlite" else throwaway_postgres(args.pg_url)
            )
            with database as url:
                result = run_scale(url, SCALES[name], args, previous)
            results.append(result)
            print(summary(result))
            if "profile" in result:
                print(result["profile"])
    document = {"python": platform.python_version(), "results": results}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    suffix = "" if args.other_district == OTHER_DISTRICT else f"-other{args.other_district:g}"
    path = RESULTS_DIR / f"indicators-{args.database}-{args.scale}{suffix}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

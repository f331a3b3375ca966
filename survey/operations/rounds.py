"""Survey rounds: create, update, open, close (auto-submitting started responses, deleting
contact data), close the rounds that are due. Rules in survey.domain.round_rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, exists, select, text, update
from sqlalchemy.orm import Session

from survey.domain import round_rules as rules
from survey.domain.question_banks import available_versions, latest_version
from survey.models import DraftAnswer, Insats, Invitation, OrgNode, Round, StagedImport
from survey.operations.audit import record
from survey.operations.outbox import close_round_mail
from survey.operations.responses import (
    claim_submission,
    finish_submission,
    write_pending_responses,
    write_response,
)


def create_round(
    session: Session,
    *,
    code: str,
    survey_type: str,
    period: int,
    opens_on: date,
    closes_on: date,
    units: list[OrgNode],
    title: str = "",
    organiser: str = "",
    help_contact: str = "",
    always_ask_gender: bool = False,
    ask_free_text: bool = True,
    include_proxy_answers: bool = False,
    bank_version: str | None = None,
    is_draft: bool = False,
    user_id: int | None = None,
) -> Round:
    """A new round asking `bank_version` (default: the newest) of its survey type; the
    wording is frozen with the round. Refuses (RoundChangeRefused) a duplicate or malformed
    code, reversed dates, an unknown bank version, no units, and units that are closed or
    whose insats uses another survey type."""
    code = rules.clean_code(code)
    rules.check_survey_type(survey_type)
    rules.check_period(period)
    title = rules.clean_title(title, code)
    rules.check_dates(opens_on, closes_on)
    version = bank_version or latest_version(survey_type)
    rules.check_bank_version(survey_type, version, available_versions(survey_type))
    unique = list({u.id: u for u in units}.values())
    rules.check_units(survey_type, unit_facts(session, unique))
    if session.scalar(select(Round.id).where(Round.code == code)) is not None:
        raise rules.RoundChangeRefused("duplicate_code", code=code)
    round_ = Round(
        code=code,
        title=title,
        survey_type=survey_type,
        bank_version=version,
        period=period,
        opens_on=opens_on,
        closes_on=closes_on,
        units=unique,
        organiser=organiser,
        help_contact=help_contact.strip(),
        always_ask_gender=always_ask_gender,
        ask_free_text=ask_free_text,
        include_proxy_answers=include_proxy_answers,
        is_draft=is_draft,
    )
    session.add(round_)
    session.flush()
    record(
        session,
        "round.create",
        user_id=user_id,
        detail={
            "round": code,
            "survey_type": survey_type,
            "period": period,
            "bank_version": version,
            "draft": is_draft,
            "units": len(unique),
        },
    )
    return round_


def update_round(
    session: Session,
    round_: Round,
    *,
    title: str | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
    units: list[OrgNode] | None = None,
    bank_version: str | None = None,
    ask_free_text: bool | None = None,
    always_ask_gender: bool | None = None,
    user_id: int | None = None,
) -> None:
    """Change a round; None leaves a setting as it is.

    A draft may change in every respect; an open round may gain units and change title and
    dates, but its bank version, free-text and gender settings are frozen; a unit with
    invitations is never removed; a closed round is locked (round_rules).
    """
    current = _settings(round_)
    new_units = list({u.id: u for u in units}.values()) if units is not None else round_.units
    proposed = rules.RoundSettings(
        title=rules.clean_title(title, round_.code) if title is not None else round_.title,
        opens_on=opens_on or round_.opens_on,
        closes_on=closes_on or round_.closes_on,
        unit_ids=frozenset(u.id for u in new_units),
        bank_version=bank_version or round_.bank_version,
        ask_free_text=round_.ask_free_text if ask_free_text is None else ask_free_text,
        always_ask_gender=(
            round_.always_ask_gender if always_ask_gender is None else always_ask_gender
        ),
    )
    removed = current.unit_ids - proposed.unit_ids
    with_invitations = (
        set(
            session.scalars(
                select(Invitation.org_node_id)
                .where(
                    Invitation.round_id == round_.id, Invitation.org_node_id.in_(sorted(removed))
                )
                .distinct()
            )
        )
        if removed
        else set()
    )
    added = [u for u in new_units if u.id not in current.unit_ids]
    rules.check_update(
        round_code=round_.code,
        survey_type=round_.survey_type,
        is_draft=round_.is_draft,
        is_closed=round_.is_closed,
        current=current,
        proposed=proposed,
        added=unit_facts(session, added),
        removed_with_invitations={u.id: u.path() for u in round_.units if u.id in with_invitations},
    )
    if proposed.bank_version != current.bank_version:
        rules.check_bank_version(
            round_.survey_type, proposed.bank_version, available_versions(round_.survey_type)
        )
    changed = [
        name
        for name in (
            "title",
            "opens_on",
            "closes_on",
            "bank_version",
            "ask_free_text",
            "always_ask_gender",
        )
        if getattr(proposed, name) != getattr(current, name)
    ]
    removed_paths = [u.path() for u in round_.units if u.id in removed]
    if not changed and not added and not removed:
        return
    round_.title = proposed.title
    round_.opens_on = proposed.opens_on
    round_.closes_on = proposed.closes_on
    round_.bank_version = proposed.bank_version
    round_.ask_free_text = proposed.ask_free_text
    round_.always_ask_gender = proposed.always_ask_gender
    if added or removed:
        round_.units = new_units
    session.flush()
    record(
        session,
        "round.update",
        user_id=user_id,
        detail={
            "round": round_.code,
            "changed": changed,
            "added": [u.path() for u in added],
            "removed": removed_paths,
        },
    )


def set_proxy_counting(
    session: Session, round_: Round, include: bool, *, user_id: int | None = None
) -> bool:
    """Whether the indicators count answers "someone else" gave (off by default, SPEC §3).

    A reporting setting: it changes no answer, so it may change on a closed round too.
    Returns whether anything changed (an unchanged setting writes no audit row).
    """
    if round_.include_proxy_answers == include:
        return False
    round_.include_proxy_answers = include
    session.flush()
    record(
        session,
        "round.proxy_counting",
        user_id=user_id,
        detail={"round": round_.code, "include_proxy_answers": include},
    )
    return True


def open_round(session: Session, round_: Round, *, user_id: int | None = None) -> None:
    """Open a draft: from its first day it takes answers. Its units are checked again."""
    rules.check_can_open(round_.code, is_draft=round_.is_draft, is_closed=round_.is_closed)
    rules.check_units(round_.survey_type, unit_facts(session, round_.units))
    round_.is_draft = False
    session.flush()
    record(session, "round.open", user_id=user_id, detail={"round": round_.code})


def default_units(session: Session, survey_type: str) -> list[OrgNode]:
    """Every open verksamhet of the utförare tree whose insats uses `survey_type` (SPEC §7)."""
    return list(
        session.scalars(
            select(OrgNode)
            .join(Insats, Insats.code == OrgNode.insats_code)
            .where(
                Insats.survey_type == survey_type,
                OrgNode.valid_to.is_(None),
                OrgNode.tree == "utforare",
            )
            .order_by(OrgNode.id)
        )
    )


def unit_facts(session: Session, units: list[OrgNode]) -> list[rules.UnitFacts]:
    """What the round rules need to know about each unit (one query for the insatser)."""
    if not units:
        return []
    types = dict(session.execute(select(Insats.code, Insats.survey_type)).all())
    return [
        rules.UnitFacts(
            id=u.id,
            path=u.path(),
            survey_type=types.get(u.insats_code) if u.insats_code else None,
            is_open=u.valid_to is None,
        )
        for u in units
    ]


def _settings(round_: Round) -> rules.RoundSettings:
    return rules.RoundSettings(
        title=round_.title,
        opens_on=round_.opens_on,
        closes_on=round_.closes_on,
        unit_ids=frozenset(u.id for u in round_.units),
        bank_version=round_.bank_version,
        ask_free_text=round_.ask_free_text,
        always_ask_gender=round_.always_ask_gender,
    )


def close_round(session: Session, round_: Round, today: date, *, user_id: int | None = None) -> int:
    """Close a round: submit every started response that has an answer, drop the drafts,
    delete contact data, and rewrite every invitation row of the round so that no submit
    order survives in storage. Returns how many responses were submitted automatically.

    All in the caller's one transaction: on PostgreSQL every invitation row of the round
    then carries the same transaction id (`xmin`), and the table is re-clustered by id, so
    neither transaction ids nor physical row order tell in which order people submitted.
    The automatically submitted responses share that transaction id with every invitation
    of the round, which singles out none of them. Idempotent; the first close sets
    `closed_at` and writes the audit row.
    """
    first_close = not round_.is_closed
    write_pending_responses(session, round_.id, today, commit=session.flush)
    has_answer = (
        exists()
        .where(DraftAnswer.invitation_id == Invitation.id, DraftAnswer.value.is_not(None))
        .correlate(Invitation)
    )
    started = session.scalars(
        select(Invitation.id).where(
            Invitation.round_id == round_.id, Invitation.status == "started", has_answer
        )
    ).all()
    submitted = 0
    for invitation_id in started:
        pending = claim_submission(session, invitation_id, auto=True)
        if pending is not None and write_response(session, pending, today):
            finish_submission(session, pending)
            submitted += 1
    # Invitations made for kiosks that no kiosk took stand for nobody: they leave the
    # round (and its response rate) instead of counting as brukare who did not answer.
    session.execute(
        delete(Invitation).where(
            Invitation.round_id == round_.id,
            Invitation.channel == "kiosk",
            Invitation.handed_out_on.is_(None),
            Invitation.status == "not_started",
        )
    )
    # Uploads and typed paper forms still waiting for their confirmation: the round takes
    # no more answers, and a typed form holds answers beside its invitation.
    session.execute(delete(StagedImport).where(StagedImport.round_id == round_.id))
    round_invitations = select(Invitation.id).where(Invitation.round_id == round_.id)
    session.execute(
        delete(DraftAnswer).where(
            DraftAnswer.invitation_id.in_(round_invitations.scalar_subquery())
        )
    )
    session.execute(
        update(Invitation)
        .where(Invitation.round_id == round_.id)
        .values(
            email=None,
            with_pictures=True,
            large_text=False,
            used_read_aloud=False,
            pending_response_id=None,
            # The day a kiosk took an invitation is about the day it was answered.
            handed_out_on=None,
        )
    )
    # Mail that has not gone is cancelled and no message row says whose it was any more.
    close_round_mail(session, round_.id)
    round_.is_closed = True
    if first_close:
        round_.closed_at = datetime.now(UTC)
        record(
            session,
            "round.close",
            user_id=user_id,
            detail={"round": round_.code, "auto_submitted": submitted},
        )
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        # An UPDATE leaves each new row version near the old one, whose place in the heap
        # followed the order of submission; CLUSTER rewrites the table in id order.
        session.execute(text("CLUSTER invitation USING pk_invitation"))
    session.expire_all()
    return submitted


def close_due_rounds(session: Session, today: date, *, user_id: int | None = None) -> list[str]:
    """Close every open (not draft) round whose last day is before `today`; their codes."""
    due = session.scalars(
        select(Round)
        .where(Round.is_closed.is_(False), Round.is_draft.is_(False), Round.closes_on < today)
        .order_by(Round.code)
    ).all()
    codes = []
    for round_ in due:
        code = round_.code  # close_round expires every object
        close_round(session, round_, today, user_id=user_id)
        codes.append(code)
    return codes

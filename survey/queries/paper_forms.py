"""Reads for paper forms: what a typed code is, the codes a near miss may mean, the units a
blank form may be entered for, and the unused invitations to print forms for.

Every read is limited to the round and to the units where the person holds
MANAGE_INVITATIONS: a code of another round or outside the person's subtrees is "no such
code", exactly as a code that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.domain.question_banks import load_bank
from survey.models import Invitation, Round
from survey.queries.imports import round_unit_ids
from survey.queries.organisation import in_scope, load_tree
from survey.reports.paper_pdf import PaperForm, PaperFormDocument

PERMISSION = Permission.MANAGE_INVITATIONS
#: Invitations that may still be answered on paper.
OPEN_STATUSES = ("not_started", "started")


@dataclass(frozen=True, slots=True)
class EntryCode:
    """A code of this round in the person's scope."""

    invitation_id: int
    code: str
    unit_id: int
    status: str
    gender: str | None
    #: A submission of it is half-way (answered, the response not yet written).
    is_pending: bool

    @property
    def is_answered(self) -> bool:
        return self.status == "submitted" or self.is_pending


def find_entry_code(session: Session, round_: Round, access: Access, code: str) -> EntryCode | None:
    """The invitation behind `code` (normalised) in this round and scope, or None."""
    row = session.execute(
        select(
            Invitation.id,
            Invitation.short_code,
            Invitation.org_node_id,
            Invitation.status,
            Invitation.gender,
            Invitation.pending_response_id,
        ).where(
            Invitation.short_code == code,
            Invitation.round_id == round_.id,
            in_scope(access, PERMISSION, Invitation.org_node_id),
        )
    ).first()
    if row is None:
        return None
    return EntryCode(row[0], row[1], row[2], row[3], row[4], row[5] is not None)


def unanswered_codes(session: Session, round_: Round, access: Access) -> list[str]:
    """The round's codes in scope that may still be answered (for near-miss suggestions)."""
    return list(
        session.scalars(
            select(Invitation.short_code).where(
                Invitation.round_id == round_.id,
                Invitation.status.in_(OPEN_STATUSES),
                Invitation.pending_response_id.is_(None),
                Invitation.channel != "kiosk",  # a kiosk's codes are never on paper
                in_scope(access, PERMISSION, Invitation.org_node_id),
            )
        )
    )


def entry_units(session: Session, round_: Round, access: Access) -> list[tuple[int, str]]:
    """(id, path) of the round's verksamheter in scope, in tree order: where a form without a
    code may be entered."""
    tree = load_tree(session, tree="utforare", include_closed=False)
    in_round = round_unit_ids(session, round_, tree)
    scoped = _scoped_ids(session, access)
    return [
        (node.id, node.path) for node in tree.walk() if node.id in in_round and node.id in scoped
    ]


@dataclass(frozen=True, slots=True)
class PrintUnit:
    """A unit one may print personalised forms for: a verksamhet or a level above it."""

    id: int
    path: str
    unused: int


@dataclass(frozen=True, slots=True)
class UnusedInvitation:
    invitation_id: int
    code: str
    unit_id: int
    gender: str | None


def unused_invitations(
    session: Session,
    round_: Round,
    access: Access,
    unit_ids: set[int] | None = None,
    *,
    include_printed: bool = False,
) -> list[UnusedInvitation]:
    """The round's invitations in scope (under `unit_ids` when given) that nobody has been
    given yet (not started, never handed out: no letter, e-mail, kiosk or earlier form), in
    the order of their units' paths, then by id: one personalised form each. One handed out
    already belongs to someone; printing it again would let two people share a code.
    `include_printed` adds those handed out as paper forms and not started (lost forms
    printed again for the same people)."""
    query = select(
        Invitation.id, Invitation.short_code, Invitation.org_node_id, Invitation.gender
    ).where(
        Invitation.round_id == round_.id,
        Invitation.status == "not_started",
        Invitation.pending_response_id.is_(None),
        Invitation.channel != "kiosk",  # made for kiosks: for a person at the tablet
        or_(Invitation.handed_out_on.is_(None), Invitation.channel == "paper")
        if include_printed
        else Invitation.handed_out_on.is_(None),
        in_scope(access, PERMISSION, Invitation.org_node_id),
    )
    found = [UnusedInvitation(*row) for row in session.execute(query.order_by(Invitation.id))]
    tree = load_tree(session, tree="utforare")
    order = {node.id: index for index, node in enumerate(tree.walk())}
    if unit_ids is not None:
        found = [item for item in found if item.unit_id in unit_ids]
    return sorted(found, key=lambda item: (order.get(item.unit_id, 0), item.invitation_id))


def print_units(session: Session, round_: Round, access: Access) -> list[PrintUnit]:
    """Every unit in scope at or above the round's verksamheter, in tree order (full paths),
    with how many unused invitations lie under it."""
    tree = load_tree(session, tree="utforare", include_closed=False)
    scoped = _scoped_ids(session, access)
    leaves = round_unit_ids(session, round_, tree) & scoped
    counts: dict[int, int] = {}
    for item in unused_invitations(session, round_, access):
        counts[item.unit_id] = counts.get(item.unit_id, 0) + 1
    units = []
    for node in tree.walk():
        if node.id not in scoped:
            continue
        under = {n.id for n in node.walk()} & leaves
        if under:
            units.append(PrintUnit(node.id, node.path, sum(counts.get(i, 0) for i in under)))
    return units


def _scoped_ids(session: Session, access: Access) -> set[int]:
    return set(
        load_tree(
            session, tree="utforare", access=access, permission=PERMISSION, include_closed=False
        ).by_id
    )


def subtree_leaf_ids(session: Session, round_: Round, access: Access, node_id: int) -> set[int]:
    """The round's verksamheter in scope under `node_id` (empty when it is not in scope)."""
    scoped = _scoped_ids(session, access)
    tree = load_tree(session, tree="utforare", include_closed=False)
    if node_id not in scoped or node_id not in tree.by_id:
        return set()
    under = {n.id for n in tree.by_id[node_id].walk()}
    return under & scoped & round_unit_ids(session, round_, tree)


def paper_document(round_: Round, forms: list[PaperForm]) -> PaperFormDocument:
    """What the paper-form renderer needs of a round: its bank and settings, and the forms."""
    return PaperFormDocument(
        bank=load_bank(round_.survey_type, round_.bank_version),
        organiser=round_.organiser,
        period=round_.period,
        closes_on=round_.closes_on,
        ask_free_text=round_.ask_free_text,
        forms=forms,
        help_contact=round_.help_contact,
    )


def personal_forms(round_: Round, invitations: list[UnusedInvitation]) -> list[PaperForm]:
    """One form per invitation; gender is asked where the survey would ask it."""
    return [
        PaperForm(item.code, ask_gender=round_.always_ask_gender or item.gender is None)
        for item in invitations
    ]

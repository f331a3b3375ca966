"""Reads for printed letters and code cards: which invitations, in which units."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.domain.letter_names import Candidate
from survey.models import Invitation, OrgNode, Round
from survey.queries.imports import round_unit_ids
from survey.queries.organisation import Tree, in_scope, load_tree, subtree_ids

_IN_CHUNK = 500
#: Channels whose invitations a letter may carry again: the letter or e-mail went to the
#: same person as this one will.
REPRINTABLE = ("letter", "email")


@dataclass(frozen=True, slots=True)
class LetterInvitation:
    id: int
    token: str
    short_code: str
    unit_id: int
    unit_path: str
    gender: str | None
    bestallare_id: int | None
    email: str | None
    status: str
    #: Handed out another way than a letter or e-mail (see Candidate.elsewhere).
    elsewhere: bool = False

    def candidate(self) -> Candidate:
        return Candidate(
            self.id,
            self.unit_id,
            self.gender,
            self.bestallare_id,
            self.email,
            self.status,
            self.elsewhere,
        )


def letter_unit_ids(
    session: Session,
    round_: Round,
    access: Access,
    root_id: int | None = None,
    *,
    tree: Tree | None = None,
) -> set[int]:
    """The round's verksamheter under `root_id` (all when None) where the person may hand
    out invitations."""
    found = round_unit_ids(session, round_, tree)
    if root_id is not None:
        found &= set(session.scalars(subtree_ids([root_id])))
    if access.roots(Permission.MANAGE_INVITATIONS) is not None and found:
        found = set(
            session.scalars(
                select(OrgNode.id).where(
                    OrgNode.id.in_(found),
                    in_scope(access, Permission.MANAGE_INVITATIONS, OrgNode.id),
                )
            )
        )
    return found


def letter_invitations(
    session: Session, round_: Round, unit_ids: set[int], *, answered_too: bool = False
) -> list[LetterInvitation]:
    """The round's invitations in `unit_ids` that a letter may carry, by unit path then id:
    not answered, not withdrawn and not handed out another way than by letter or e-mail (a
    paper form, the page that shows a new invitation) — unless `answered_too`, for pairing a
    names file, where those stay in line marked (LetterInvitation.elsewhere) — and never one
    of the kiosks' (taken by a kiosk, or made for kiosks)."""
    tree = load_tree(session, tree="utforare")
    paths = {node.id: node.path for node in tree.walk()}
    statuses = ["not_started", "started"]
    if answered_too:
        statuses += ["submitted", "withdrawn"]
    found: list[LetterInvitation] = []
    ordered = sorted(unit_ids)
    for start in range(0, len(ordered), _IN_CHUNK):
        rows = session.execute(
            select(
                Invitation.id,
                Invitation.token,
                Invitation.short_code,
                Invitation.org_node_id,
                Invitation.gender,
                Invitation.bestallare_node_id,
                Invitation.email,
                Invitation.status,
                Invitation.handed_out_on,
                Invitation.channel,
            ).where(
                Invitation.round_id == round_.id,
                Invitation.org_node_id.in_(ordered[start : start + _IN_CHUNK]),
                Invitation.status.in_(statuses),
                # Never one a kiosk took, nor one made for kiosks (it is there for a person
                # at the tablet, not on the recipient list).
                Invitation.channel != "kiosk",
            )
        )
        for row in rows:
            elsewhere = row.handed_out_on is not None and row.channel not in REPRINTABLE
            if elsewhere and not answered_too:
                continue
            found.append(
                LetterInvitation(
                    id=row.id,
                    token=row.token,
                    short_code=row.short_code,
                    unit_id=row.org_node_id,
                    unit_path=paths.get(row.org_node_id, ""),
                    gender=row.gender,
                    bestallare_id=row.bestallare_node_id,
                    email=row.email,
                    status=row.status,
                    elsewhere=elsewhere,
                )
            )
    found.sort(key=lambda i: (i.unit_path, i.id))
    return found

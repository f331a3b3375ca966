"""Who may do what where: roles, the permissions they carry, and grants on subtrees (SPEC §8).

A grant is a role on a subtree of the organisation (a node and everything under it), or on
the whole installation (node None). A person can hold several: enhetschef in one subtree
and stödperson in another. A permission holds on a node when some grant whose role carries
the permission covers that node. Pure: the subtree itself is resolved by
`survey.queries.organisation`, which every staff query goes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

ROLES = ("admin", "handlaggare", "enhetschef", "stodperson")


class Permission(StrEnum):
    #: See the staff start page (every role).
    SIGN_IN = "sign_in"
    #: Rounds, the organisation tree and the live overview of the units in scope.
    VIEW_ROUNDS = "view_rounds"
    #: Create, edit, open and close rounds.
    MANAGE_ROUNDS = "manage_rounds"
    #: Recipient lists, single invitations, withdrawals, paper responses.
    MANAGE_INVITATIONS = "manage_invitations"
    #: Add, rename, move, close, split and merge units.
    MANAGE_ORGANISATION = "manage_organisation"
    #: Accounts, grants and reset links.
    MANAGE_USERS = "manage_users"
    #: Read the audit log.
    READ_AUDIT = "read_audit"
    #: Set årsmål and KF:s årsmål (targets) for the units in scope; the installation's
    #: own targets need the permission on the whole installation.
    MANAGE_TARGETS = "manage_targets"
    #: Make and revoke the links that show a unit's easy-read results to its brukare without
    #: signing in (results back to the brukare, SPEC §6), for the units in scope. Those who
    #: see a unit's figures and meet its brukare hold it: an enhetschef for their own units,
    #: the handläggare who run the round, admins. Not stödpersoner, who see no figures.
    SHARE_RESULTS = "share_results"
    #: Start a kiosk on a unit's tablet (a fresh survey for each brukare in turn, each taking
    #: one of the unit's unused invitations), see and end the kiosks of the units in scope.
    #: Every role: a stödperson opens the survey on the tablet (SPEC §1).
    RUN_KIOSK = "run_kiosk"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "admin": frozenset(Permission),
    "handlaggare": frozenset(
        {
            Permission.SIGN_IN,
            Permission.VIEW_ROUNDS,
            Permission.MANAGE_ROUNDS,
            Permission.MANAGE_INVITATIONS,
            Permission.SHARE_RESULTS,
            Permission.RUN_KIOSK,
        }
    ),
    "enhetschef": frozenset(
        {
            Permission.SIGN_IN,
            Permission.VIEW_ROUNDS,
            Permission.SHARE_RESULTS,
            Permission.RUN_KIOSK,
        }
    ),
    "stodperson": frozenset({Permission.SIGN_IN, Permission.RUN_KIOSK}),
}

#: Roles whose holders must use a second factor (TOTP) before anything else.
SECOND_FACTOR_REQUIRED = frozenset({"admin"})


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    #: Root of the subtree; None is the whole installation.
    node_id: int | None


@dataclass(frozen=True, slots=True)
class Access:
    """What one signed-in person may do: their grants, resolved per permission."""

    grants: tuple[Grant, ...]

    @classmethod
    def of(cls, grants: Iterable[Grant]) -> Access:
        return cls(tuple(sorted(set(grants), key=lambda g: (g.role, g.node_id or 0))))

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(g.role for g in self.grants)

    def can(self, permission: Permission) -> bool:
        """Whether the permission holds anywhere at all (for menus and route guards)."""
        return any(permission in ROLE_PERMISSIONS[g.role] for g in self.grants)

    def roots(self, permission: Permission) -> frozenset[int] | None:
        """Subtree roots where `permission` holds; None means everywhere (an installation grant).

        An empty set means nowhere.
        """
        roots: set[int] = set()
        for grant in self.grants:
            if permission not in ROLE_PERMISSIONS[grant.role]:
                continue
            if grant.node_id is None:
                return None
            roots.add(grant.node_id)
        return frozenset(roots)

    def covers(self, permission: Permission, ancestors_and_self: Iterable[int]) -> bool:
        """Whether `permission` holds on a node, given the node's id and its ancestors' ids."""
        roots = self.roots(permission)
        if roots is None:
            return True
        return not roots.isdisjoint(ancestors_and_self)

    def everywhere(self, permission: Permission) -> bool:
        return self.roots(permission) is None

    @property
    def needs_second_factor(self) -> bool:
        return not self.roles.isdisjoint(SECOND_FACTOR_REQUIRED)


#: Passwords shorter than this are refused (NIST SP 800-63B asks for at least 8; we ask 12).
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256


def password_problem(password: str) -> str | None:
    """Why a new password is refused ("too_short", "too_long", "blank"), or None."""
    if not password.strip():
        return "blank"
    if len(password) < MIN_PASSWORD_LENGTH:
        return "too_short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "too_long"
    return None

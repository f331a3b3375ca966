"""Reads of the targets (årsmål, KF:s årsmål): for the indicator table, the Mål page and exports.

`targets_for(session, period)` gives every target of a period keyed by (indicator, unit);
`survey.domain.targets.target_for` then picks the one that applies to a unit (its own, else
the nearest ancestor's, else the installation's).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey.domain.access import Access, Permission
from survey.domain.targets import TargetExportRow, TargetUnit, TargetUnits
from survey.models import OrgNode, Target
from survey.queries.organisation import in_scope, load_tree, subtree_ids


def targets_for(
    session: Session, period: int
) -> dict[tuple[str, int | None], tuple[str | None, str | None]]:
    """(indicator key, org node id or None) -> (årsmål, KF:s årsmål) for one period, as stored."""
    rows = session.execute(
        select(Target.indicator_key, Target.org_node_id, Target.arsmal, Target.kf_arsmal).where(
            Target.period == period
        )
    )
    return {(key, node_id): (arsmal, kf) for key, node_id, arsmal, kf in rows}


@dataclass(frozen=True, slots=True)
class TargetListing:
    """One stored target as the Mål page and the export show it."""

    indicator_key: str
    #: None: the whole installation.
    org_node_id: int | None
    #: "" for the whole installation.
    path: str
    tree: str | None
    period: int
    arsmal: str | None
    kf_arsmal: str | None
    #: Whether the person may change it (their subtree, or the installation for node None).
    editable: bool

    def export_row(self) -> TargetExportRow:
        return TargetExportRow(
            self.indicator_key, self.path, self.tree, self.period, self.arsmal, self.kf_arsmal
        )


def target_periods(session: Session) -> list[int]:
    """Every period that has a target, newest first."""
    return list(session.scalars(select(Target.period).distinct().order_by(Target.period.desc())))


def list_targets(
    session: Session,
    access: Access,
    *,
    period: int | None = None,
    indicator_order: tuple[str, ...] = (),
    editable_only: bool = False,
) -> list[TargetListing]:
    """Targets the person may see: the installation's and those of units in their subtrees.

    Ordered by period (newest first), then the installation's before units (by path), then
    indicators in catalogue order. `editable_only` leaves out the installation's targets for
    a person without the permission on the whole installation (for an export they can
    import again).
    """
    everywhere = access.everywhere(Permission.MANAGE_TARGETS)
    query = select(
        Target.indicator_key,
        Target.org_node_id,
        Target.period,
        Target.arsmal,
        Target.kf_arsmal,
        OrgNode.tree,
    ).outerjoin(OrgNode, OrgNode.id == Target.org_node_id)
    query = query.where(
        Target.org_node_id.is_(None)
        | in_scope(access, Permission.MANAGE_TARGETS, Target.org_node_id)
    )
    if period is not None:
        query = query.where(Target.period == period)
    paths = _paths(session, access)
    order = {key: n for n, key in enumerate(indicator_order)}
    listings = [
        TargetListing(
            indicator_key=key,
            org_node_id=node_id,
            path=paths.get(node_id, "") if node_id is not None else "",
            tree=tree,
            period=year,
            arsmal=arsmal,
            kf_arsmal=kf,
            editable=everywhere or node_id is not None,
        )
        for key, node_id, year, arsmal, kf, tree in session.execute(query)
    ]
    if editable_only:
        listings = [t for t in listings if t.editable]
    return sorted(
        listings,
        key=lambda t: (
            -t.period,
            t.org_node_id is not None,
            t.tree or "",
            t.path.casefold(),
            order.get(t.indicator_key, len(order)),
            t.indicator_key,
        ),
    )


def _scoped_nodes(
    session: Session, access: Access, *, include_closed: bool
) -> list[tuple[int, str, str]]:
    """(id, full path, tree) of the nodes in the person's MANAGE_TARGETS subtrees.

    Full paths even below a subtree root (load_tree with a scope would make the root a
    root, and "E1/V1" would not match the "F/E1/V1" that a file names).
    """
    roots = access.roots(Permission.MANAGE_TARGETS)
    allowed = (
        None if roots is None else set(session.scalars(subtree_ids(roots))) if roots else set()
    )
    found: list[tuple[int, str, str]] = []
    for tree in ("utforare", "bestallare"):
        loaded = load_tree(session, tree=tree, include_closed=include_closed)
        found.extend(
            (node.id, node.path, tree)
            for node in loaded.walk()
            if allowed is None or node.id in allowed
        )
    return found


def _paths(session: Session, access: Access) -> dict[int, str]:
    return {
        node_id: path for node_id, path, _ in _scoped_nodes(session, access, include_closed=True)
    }


def target_units(session: Session, access: Access) -> TargetUnits:
    """The open units the person may set targets for, in both hierarchies, by full path."""
    units = [
        TargetUnit(node_id, path, tree)
        for node_id, path, tree in _scoped_nodes(session, access, include_closed=False)
    ]
    return TargetUnits.build(units, installation=access.everywhere(Permission.MANAGE_TARGETS))

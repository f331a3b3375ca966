"""The organisation tree (förvaltning → enhet → verksamhet, any depth) and its history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey.models.base import Model


class Insats(Model):
    """A kind of support (insats); which question bank its brukare answer. Data, not code."""

    __tablename__ = "insats"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name_sv: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: Question bank used for this insats: "dv", "bo" or "bs".
    survey_type: Mapped[str] = mapped_column(String(8))

    def __repr__(self) -> str:
        return f"<Insats {self.code}>"


class OrgNode(Model):
    """One node of the organisation tree. Leaves (verksamheter) carry an insats."""

    __tablename__ = "org_node"
    __table_args__ = (
        CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from", name="valid_range"
        ),
        CheckConstraint("tree IN ('utforare', 'bestallare')", name="tree"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "forvaltning", "enhet", "verksamhet" (or another word for deeper trees); informational.
    level: Mapped[str] = mapped_column(String(20))
    insats_code: Mapped[str | None] = mapped_column(ForeignKey("insats.code"))
    valid_from: Mapped[date | None]
    #: Set when the node stops existing (merged, split or closed); history stays queryable.
    valid_to: Mapped[date | None]
    #: Which hierarchy: "utforare" (who delivers the insats, the default) or "bestallare"
    #: (whose handläggare granted it, SPEC §2). The two trees never share a node.
    tree: Mapped[str] = mapped_column(String(12), default="utforare", server_default="utforare")

    parent: Mapped[OrgNode | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[OrgNode]] = relationship(back_populates="parent")
    insats: Mapped[Insats | None] = relationship()
    former_names: Mapped[list[OrgNodeName]] = relationship(
        back_populates="node", order_by="OrgNodeName.valid_until"
    )
    former_parents: Mapped[list[OrgNodeParent]] = relationship(
        foreign_keys="OrgNodeParent.org_node_id", order_by="OrgNodeParent.valid_until"
    )

    def path(self) -> str:
        """'Förvaltning/Enhet/Verksamhet', the stable text form used by the CLI."""
        names: list[str] = []
        node: OrgNode | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def __repr__(self) -> str:
        return f"<OrgNode {self.id} {self.name!r}>"


class OrgNodeName(Model):
    """A name a node had until a rename, so older reports keep their wording."""

    __tablename__ = "org_node_name"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Last day the node carried this name.
    valid_until: Mapped[date]

    node: Mapped[OrgNode] = relationship(back_populates="former_names")

    def __repr__(self) -> str:
        return f"<OrgNodeName {self.name!r} until {self.valid_until}>"


class OrgNodeParent(Model):
    """A parent a node had until a move, so last year's roll-up uses last year's parent."""

    __tablename__ = "org_node_parent"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_node_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    #: None: the node was a root.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_node.id"))
    #: Last day the node had this parent.
    valid_until: Mapped[date]

    def __repr__(self) -> str:
        return f"<OrgNodeParent {self.org_node_id} under {self.parent_id} until {self.valid_until}>"


class OrgSuccession(Model):
    """A predecessor → successor edge from a split or merge.

    A split gives one predecessor several successors, a merge several predecessors one
    successor. Last year's figure for a node is computed from its predecessors' answers.
    """

    __tablename__ = "org_succession"
    __table_args__ = (
        CheckConstraint("kind IN ('split', 'merge', 'move')", name="kind"),
        CheckConstraint("predecessor_id <> successor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("org_node.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    effective_on: Mapped[date]

    def __repr__(self) -> str:
        return f"<OrgSuccession {self.predecessor_id}->{self.successor_id} {self.kind}>"

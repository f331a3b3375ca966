"""Rules for changing the organisation tree (add, rename, move, close, split, merge).

Pure checks over plain facts; `survey.operations.organisation` gathers the facts from the
database and calls these before changing anything. Each refusal is an `OrgChangeRefused`
with a code the staff pages translate.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import ClassVar

from survey.domain.staff_refusals import StaffRefusal

TREES = ("utforare", "bestallare")
MAX_NAME_LENGTH = 200
MAX_LEVEL_LENGTH = 20
_SPACES = re.compile(r"\s+")


class OrgChangeRefused(StaffRefusal):
    """An organisation change that would break the tree or its history."""

    MESSAGES: ClassVar[dict[str, str]] = {
        "name_blank": "a unit name cannot be blank",
        "name_has_slash": "a unit name cannot contain '/': {name}",
        "name_too_long": "a unit name can be at most {limit} characters",
        "level_invalid": "not a valid level: {level!r}",
        "unknown_tree": "no such tree: {tree!r} (use utforare or bestallare)",
        "unknown_insats": "no such insats: {insats!r}",
        "duplicate_sibling": "there is already an open unit named {name!r} there",
        "tree_mismatch": "a {tree} unit cannot be placed in the {parent_tree} tree",
        "parent_closed": "{parent} is closed",
        "parent_is_verksamhet": "{parent} has an insats, so it cannot have units under it",
        "insats_in_bestallare_tree": "units in the beställare tree carry no insats",
        "node_closed": "{node} is closed",
        "move_into_own_subtree": "{node} cannot be moved under itself or its own units",
        "effective_before_start": "{node} starts on {start}; a change on {day} is too early",
        "effective_before_last_change": "{node} already changed on or after {day}",
        "covered_by_open_round": "{node} is in round {round}, which is not closed",
        "has_open_children": "{node} still has open units under it",
        "split_needs_two_parts": "a split needs at least two parts",
        "merge_needs_two_units": "a merge needs at least two different units",
        "merge_nested": "{node} lies under another unit of the merge",
        "merge_across_trees": "units of different trees cannot be merged",
        "insats_differs": "the units have different insatser; choose the merged unit's insats",
    }


def clean_name(name: str) -> str:
    """The name as stored (trimmed, inner spaces collapsed), or a refusal."""
    cleaned = _SPACES.sub(" ", name).strip()
    if not cleaned:
        raise OrgChangeRefused("name_blank")
    if "/" in cleaned:
        raise OrgChangeRefused("name_has_slash", name=cleaned)
    if len(cleaned) > MAX_NAME_LENGTH:
        raise OrgChangeRefused("name_too_long", limit=MAX_NAME_LENGTH)
    return cleaned


def clean_level(level: str) -> str:
    cleaned = level.strip()
    if not cleaned or len(cleaned) > MAX_LEVEL_LENGTH:
        raise OrgChangeRefused("level_invalid", level=level)
    return cleaned


def same_name(a: str, b: str) -> bool:
    """Sibling names clash regardless of case and spacing ("Växtverket" = "växtverket ")."""
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


def check_unique_among_siblings(name: str, sibling_names: Iterable[str]) -> None:
    if any(same_name(name, other) for other in sibling_names):
        raise OrgChangeRefused("duplicate_sibling", name=name)


def check_tree(tree: str) -> None:
    if tree not in TREES:
        raise OrgChangeRefused("unknown_tree", tree=tree)


def check_insats(insats_code: str | None, *, tree: str, known: Collection[str]) -> None:
    """An insats only on utförare units, and only a known one."""
    if insats_code is None:
        return
    if tree != "utforare":
        raise OrgChangeRefused("insats_in_bestallare_tree")
    if insats_code not in known:
        raise OrgChangeRefused("unknown_insats", insats=insats_code)


def check_parent(
    *,
    tree: str,
    parent_path: str,
    parent_tree: str,
    parent_open: bool,
    parent_has_insats: bool,
) -> None:
    """A unit goes under an open parent of its own tree that is not itself a verksamhet."""
    if parent_tree != tree:
        raise OrgChangeRefused("tree_mismatch", tree=tree, parent_tree=parent_tree)
    if not parent_open:
        raise OrgChangeRefused("parent_closed", parent=parent_path)
    if parent_has_insats:
        raise OrgChangeRefused("parent_is_verksamhet", parent=parent_path)


def check_open(path: str, is_open: bool) -> None:
    if not is_open:
        raise OrgChangeRefused("node_closed", node=path)


def check_not_into_own_subtree(
    path: str, new_parent_id: int | None, subtree: Collection[int]
) -> None:
    """A move under the node itself or one of its descendants would make a cycle."""
    if new_parent_id is not None and new_parent_id in subtree:
        raise OrgChangeRefused("move_into_own_subtree", node=path)


def check_effective(path: str, valid_from: date | None, effective_on: date, *, ends: bool) -> None:
    """A change takes effect on or after the node's first day; a change that ends the node
    (close, split, merge) takes effect after it, so its last day is not before its first."""
    if valid_from is None:
        return
    if effective_on < valid_from or (ends and effective_on == valid_from):
        raise OrgChangeRefused(
            "effective_before_start",
            node=path,
            day=effective_on.isoformat(),
            start=valid_from.isoformat(),
        )


def check_after_last_change(path: str, last_until: date | None, new_until: date) -> None:
    """History records (former names, former parents) must follow each other in time."""
    if last_until is not None and new_until <= last_until:
        raise OrgChangeRefused(
            "effective_before_last_change", node=path, day=last_until.isoformat()
        )


def check_not_covered(path: str, covering_rounds: Sequence[str]) -> None:
    """A unit in a round that is not closed (open or draft) cannot end."""
    if covering_rounds:
        raise OrgChangeRefused(
            "covered_by_open_round",
            node=path,
            round=covering_rounds[0],
            rounds=", ".join(covering_rounds),
        )


def check_no_open_children(path: str, open_children: int) -> None:
    if open_children:
        raise OrgChangeRefused("has_open_children", node=path)

"""Texts for the codes of staff refusals, keyed (exception class name or "*", code).

Templates use %(name)s fields from the refusal's params; the operations' English messages
stay for the command line and logs.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

REFUSAL_TEXTS: dict[tuple[str, str], LazyString] = {
    # Organisation
    ("OrgChangeRefused", "name_blank"): _l("The name cannot be empty."),
    ("OrgChangeRefused", "name_has_slash"): _l("The name cannot contain a slash (/)."),
    ("OrgChangeRefused", "name_too_long"): _l("The name can be at most %(limit)s characters."),
    ("OrgChangeRefused", "level_invalid"): _l("Choose one of the levels in the list."),
    ("OrgChangeRefused", "unknown_tree"): _l("Unknown hierarchy."),
    ("OrgChangeRefused", "unknown_insats"): _l("Unknown insats: %(insats)s."),
    ("OrgChangeRefused", "duplicate_sibling"): _l(
        "There is already an open unit called %(name)s here."
    ),
    ("OrgChangeRefused", "tree_mismatch"): _l(
        "A unit cannot be placed in the other hierarchy (utförare/beställare)."
    ),
    ("OrgChangeRefused", "parent_closed"): _l("%(parent)s is closed."),
    ("OrgChangeRefused", "parent_is_verksamhet"): _l(
        "%(parent)s has an insats, so it cannot have units under it."
    ),
    ("OrgChangeRefused", "insats_in_bestallare_tree"): _l(
        "Units in the beställare hierarchy have no insats."
    ),
    ("OrgChangeRefused", "node_closed"): _l("%(node)s is already closed."),
    ("OrgChangeRefused", "move_into_own_subtree"): _l(
        "%(node)s cannot be moved under itself or one of its own units."
    ),
    ("OrgChangeRefused", "effective_before_start"): _l(
        "%(node)s started on %(start)s; a change on %(day)s is too early."
    ),
    ("OrgChangeRefused", "effective_before_last_change"): _l(
        "%(node)s already changed on %(day)s or later; choose a later day."
    ),
    ("OrgChangeRefused", "covered_by_open_round"): _l(
        "%(node)s is in the round %(round)s, which is not closed."
    ),
    ("OrgChangeRefused", "has_open_children"): _l("%(node)s still has open units under it."),
    ("OrgChangeRefused", "split_needs_two_parts"): _l("A split needs at least two parts."),
    ("OrgChangeRefused", "merge_needs_two_units"): _l(
        "A merge needs at least two different units."
    ),
    ("OrgChangeRefused", "merge_nested"): _l("%(node)s lies under another unit of the merge."),
    ("OrgChangeRefused", "merge_across_trees"): _l(
        "Units of different hierarchies cannot be merged."
    ),
    ("OrgChangeRefused", "insats_differs"): _l(
        "The units have different insatser; choose the insats of the merged unit."
    ),
    # Rounds
    ("RoundChangeRefused", "code_invalid"): _l(
        "The code may only hold letters, digits, full stops, underscores and hyphens (at most "
        "40 characters)."
    ),
    ("RoundChangeRefused", "duplicate_code"): _l(
        "There is already a round with the code %(code)s."
    ),
    ("RoundChangeRefused", "unknown_survey_type"): _l("Unknown survey."),
    ("RoundChangeRefused", "period_invalid"): _l("Not a valid year."),
    ("RoundChangeRefused", "title_too_long"): _l("The title can be at most %(limit)s characters."),
    ("RoundChangeRefused", "dates_reversed"): _l("The last day cannot be before the first day."),
    ("RoundChangeRefused", "unknown_bank_version"): _l(
        "There is no question bank in version %(version)s."
    ),
    ("RoundChangeRefused", "no_units"): _l("Choose at least one verksamhet."),
    ("RoundChangeRefused", "unit_closed"): _l("%(unit)s is closed."),
    ("RoundChangeRefused", "unit_not_verksamhet"): _l(
        "%(unit)s has no insats, so it cannot be in a round."
    ),
    ("RoundChangeRefused", "unit_wrong_survey_type"): _l(
        "%(unit)s belongs to another survey than this round's."
    ),
    ("RoundChangeRefused", "unit_has_invitations"): _l(
        "%(unit)s has invitations in the round, so it cannot be removed."
    ),
    ("RoundChangeRefused", "bank_version_frozen"): _l(
        "The round is open: the question-bank version cannot change."
    ),
    ("RoundChangeRefused", "free_text_frozen"): _l(
        "The round is open: the free-text question cannot change."
    ),
    ("RoundChangeRefused", "gender_setting_frozen"): _l(
        "The round is open: whether gender is asked cannot change."
    ),
    ("RoundChangeRefused", "round_closed"): _l("The round %(round)s is closed and cannot change."),
    ("RoundChangeRefused", "already_open"): _l("The round %(round)s is already open."),
    # Invitations
    ("InvitationRefused", "round_closed"): _l("The round %(round)s is closed."),
    ("InvitationRefused", "unit_not_in_round"): _l("%(unit)s is not in the round %(round)s."),
}

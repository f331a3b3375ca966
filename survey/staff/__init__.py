"""The staff side (/personal/…): sign-in, roles per subtree, organisation, rounds, recipient
lists and live response rates. Its own blueprint, templates, session cookie and error pages:
nothing of it ever shows on a respondent page."""

from __future__ import annotations

from flask import Blueprint

STAFF_PREFIX = "/personal"

bp = Blueprint("staff", __name__, url_prefix=STAFF_PREFIX)

# Views register themselves on `bp` through survey.staff.guard.route.
from survey.staff import (  # noqa: E402, F401
    context,
    views_auth,
    views_dashboard,
    views_home,
    views_imports,
    views_kiosk,
    views_letters,
    views_mail,
    views_org,
    views_overview,
    views_paper,
    views_reports,
    views_results_links,
    views_rounds,
    views_targets,
    views_users,
)

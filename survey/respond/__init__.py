"""The brukare side: public, token-based, no staff session or navigation."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from survey.respond import errors, kiosk, navigation, results, views  # noqa: E402, F401 - registers routes and handlers

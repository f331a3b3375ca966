"""Application-wide error pages: HTTP errors outside a blueprint's own handlers, and the
last resort for anything unexpected. Domain refusals are rendered by each blueprint."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from survey.extensions import db
from survey.staff.errors import render_staff_error
from survey.staff.session import is_staff_path

ERROR_TEMPLATE = "errors/easy_read.html"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
        if is_staff_path(request.path):
            # An unknown /personal/… address never reached the staff blueprint's handlers.
            return render_staff_error(status)
        titles = {
            404: _l("We cannot find this page"),
            405: _l("That did not work"),
            413: _l("That was too much text"),
            429: _l("Too many tries"),
        }
        messages = {
            404: _l("Check the address. Ask staff for help."),
            413: _l("Nothing was saved. Write a shorter text and try again."),
            429: _l("Wait a few minutes. Then try again."),
        }
        return render_template(
            ERROR_TEMPLATE,
            title=titles.get(status, _l("Something went wrong")),
            message=messages.get(status, _l("Please go back and try again.")),
            status=status,
        ), status

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> ResponseReturnValue:
        app.logger.exception("Unhandled error in %s", request.endpoint)
        db.session.rollback()
        if is_staff_path(request.path):
            return render_staff_error(500)
        return render_template(
            ERROR_TEMPLATE,
            title=_l("Something went wrong"),
            message=_l("Your earlier answers are saved. Wait a moment and try again."),
            status=500,
        ), 500

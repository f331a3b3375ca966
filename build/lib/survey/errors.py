"""Refusals a respondent or staff member sees as a friendly page, and the one handler."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey.extensions import db


class SurveyError(Exception):
    """A domain refusal. Carries no HTML: the handler picks page and status."""

    status = 400
    title = _l("Something went wrong")
    message = _l("Please go back and try again.")


class UnknownToken(SurveyError):
    # Same page and status whether the link never existed or was mistyped: no hint either way.
    status = 404
    title = _l("We cannot find this survey")
    message = _l("The link or code does not work. Check that it is right. Ask staff for help.")


class RoundClosed(SurveyError):
    status = 410
    title = _l("The survey is closed")
    message = _l("You can not answer this survey any more. Thank you for wanting to answer.")


class RoundNotOpen(SurveyError):
    status = 403
    title = _l("The survey has not started yet")
    message = _l("You can answer later. Ask staff when the survey starts.")


class AlreadySubmitted(SurveyError):
    status = 409
    title = _l("Thank you, you have already answered")
    message = _l("Your answers are saved. You do not need to do anything more.")


class UnknownQuestion(SurveyError):
    status = 404
    title = _l("We cannot find this question")
    message = _l("Go back to the survey and try again.")


class InvalidAnswer(SurveyError):
    status = 400
    title = _l("That answer did not work")
    message = _l("Choose one of the answers on the page.")


ERROR_TEMPLATE = "errors/easy_read.html"


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SurveyError)
    def _survey_error(error: SurveyError) -> ResponseReturnValue:
        db.session.rollback()
        return render_template(
            ERROR_TEMPLATE, title=error.title, message=error.message, status=error.status
        ), error.status

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError) -> ResponseReturnValue:
        return render_template(
            ERROR_TEMPLATE,
            title=_l("The page was too old"),
            message=_l("Nothing was saved. Go back, reload the page and try again."),
            status=400,
        ), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> ResponseReturnValue:
        status = error.code or 500
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
        return render_template(
            ERROR_TEMPLATE,
            title=_l("Something went wrong"),
            message=_l("Your earlier answers are saved. Wait a moment and try again."),
            status=500,
        ), 500

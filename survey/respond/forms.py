"""Forms on respondent pages. They exist for CSRF and shape; operations validate meaning."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

SKIP = "hoppa_over"


class AnswerForm(FlaskForm):
    #: The tapped button's value: an option code, "vet_inte" or "hoppa_over".
    answer = StringField(validators=[DataRequired(), Length(max=32)])
    return_to = HiddenField()
    #: When the page was rendered, signed (survey/respond/answer_timing.py).
    shown = HiddenField()


class FreeTextForm(FlaskForm):
    # No length check here: browsers send a line break as CRLF but count it as one; the
    # operation measures the normalised text and says so when it is too long.
    text = TextAreaField(_l("Write here"))
    answer = StringField(validators=[Length(max=32)])
    return_to = HiddenField()
    shown = HiddenField()


class StartForm(FlaskForm):
    #: "pictures" or "text"; the template renders the radio group itself.
    presentation = StringField(default="pictures", validators=[AnyOf(["pictures", "text"])])
    large_text = BooleanField(_l("Larger text"))


class SubmitForm(FlaskForm):
    pass


class CodeForm(FlaskForm):
    code = StringField(_l("Your code"), validators=[DataRequired(), Length(max=40)])

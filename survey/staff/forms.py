"""Staff forms. Every one carries a CSRF token (Flask-WTF) and is filled in again with what
was typed when a session ran out mid-form (survey.staff.guard.resumed_formdata)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from survey.domain.access import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from survey.staff.guard import resumed_formdata


class StaffForm(FlaskForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        resumed = resumed_formdata()
        if resumed is not None and "formdata" not in kwargs:
            kwargs["formdata"] = resumed
        super().__init__(*args, **kwargs)
        self.resumed = resumed is not None


class LoginForm(StaffForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )


class SecondFactorForm(StaffForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=8)],
    )


class NewPasswordForm(StaffForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH)],
        description=_l(
            "At least %(n)s characters. A few ordinary words in a row work well.",
            n=MIN_PASSWORD_LENGTH,
        ),
    )
    repeat = PasswordField(_l("The new password again"), validators=[DataRequired()])

    def validate_repeat(self, field: PasswordField) -> None:
        from wtforms.validators import ValidationError

        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords are not the same."))


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(_l("Your current password"), validators=[DataRequired()])


class ConfirmForm(StaffForm):
    """A form with nothing but its CSRF token: a button that changes something."""


class UserForm(StaffForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class GrantForm(StaffForm):
    role = SelectField(_l("Role"), choices=[])
    unit = SelectField(_l("Part of the organisation"), choices=[])
    everywhere = BooleanField(_l("The whole installation"))

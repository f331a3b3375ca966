"""Staff forms. Every one carries a CSRF token (Flask-WTF) and is filled in again with what
was typed when a session ran out mid-form (survey.staff.guard.resumed_formdata)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from survey.domain.access import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from survey.staff.guard import resumed_formdata


def _choices(pairs: tuple[tuple[str, object], ...]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


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


class ProxyCountingForm(StaffForm):
    """The round's reporting setting: count answers "someone else" gave (SPEC §4)."""

    include = BooleanField(_l("Count answers where someone else answered for the brukare"))
    # Where to go back to on the dashboard (checked again there).
    by = HiddenField()
    enhet = HiddenField()


class ReportBuildForm(StaffForm):
    """Start the ZIP of every unit report of a round, in one hierarchy."""

    by = HiddenField(validators=[AnyOf(("utforare", "bestallare"))])


class UserForm(StaffForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])


class GrantForm(StaffForm):
    role = SelectField(_l("Role"), choices=[])
    unit = SelectField(_l("Part of the organisation"), choices=[])
    everywhere = BooleanField(_l("The whole installation"))


SURVEY_TYPES = (
    ("dv", _l("Daily activity (daglig verksamhet)")),
    ("bo", _l("Housing (gruppbostad and servicebostad)")),
    ("bs", _l("Housing support (boendestöd)")),
)


class RoundForm(StaffForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(min=2, max=40), Regexp(r"^[A-Za-z0-9_-]+$")],
        description=_l("Letters, digits, - and _, for example DV-2026. Used on the command line."),
    )
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    survey_type = SelectField(_l("Survey"), choices=_choices(SURVEY_TYPES))
    period = IntegerField(_l("Period (year)"), validators=[DataRequired(), NumberRange(2000, 2100)])
    opens_on = DateField(_l("First day"), validators=[DataRequired()])
    closes_on = DateField(_l("Last day"), validators=[DataRequired()])
    bank_version = SelectField(
        _l("Question-bank version"),
        choices=[],
        description=_l("The wording is frozen with the round. Empty: the newest version."),
    )
    units = SelectMultipleField(
        _l("Units"),
        choices=[],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l("Only verksamheter whose insats belongs to the survey can be chosen."),
    )
    organiser = StringField(
        _l("Organiser shown to the brukare"),
        validators=[Optional(), Length(max=200)],
        description=_l("For example Hägersten-Älvsjö stadsdelsförvaltning."),
    )
    help_contact = StringField(
        _l("Who the brukare can ask for help"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "Printed in the letters and e-mails, for example: Ring Anna Svensson, 08-123 45 67."
        ),
    )
    ask_free_text = BooleanField(_l("Ask the free-text question at the end"), default=True)
    always_ask_gender = BooleanField(_l("Always ask for gender, even when the list gives it"))

    def validate_closes_on(self, field: DateField) -> None:
        from wtforms.validators import ValidationError

        if self.opens_on.data and field.data and field.data < self.opens_on.data:
            raise ValidationError(_l("The last day cannot be before the first day."))


WITHDRAW_REASONS = (
    ("moved", _l("Has moved or no longer has the insats")),
    ("deceased", _l("Has died")),
    ("declined", _l("Does not want to take part")),
    ("duplicate", _l("Listed twice")),
    ("other", _l("Other reason")),
)


class WithdrawForm(StaffForm):
    reason = SelectField(_l("Reason"), choices=_choices(WITHDRAW_REASONS))


GENDER_CHOICES = (
    ("", _l("Not known: the survey asks")),
    ("kvinna", _l("Woman")),
    ("man", _l("Man")),
    ("annat", _l("Other")),
)


class SingleInvitationForm(StaffForm):
    unit = SelectField(_l("Unit"), choices=[], coerce=int)
    gender = SelectField(_l("Gender"), choices=_choices(GENDER_CHOICES))


class ResultsLinkForm(StaffForm):
    """Make a results link for one unit (survey/staff/views_results_links.py)."""

    unit = SelectField(_l("Unit"), choices=[], coerce=int)
    by = HiddenField()
    #: 256 bits from `secrets`, new with every page: the same form sent twice makes one link.
    nonce = HiddenField()


class UploadForm(StaffForm):
    file = FileField(
        _l("File"),
        validators=[FileRequired(_l("Choose a file."))],
        description=_l("CSV or Excel (.xlsx), at most 5 MB."),
    )


class LettersForm(StaffForm):
    """Print letters or code cards for a round (survey/staff/views_letters.py)."""

    unit = SelectField(_l("Units"), choices=[])
    language = SelectField(
        _l("Language of the letters"),
        choices=_choices((("sv", _l("Swedish")), ("en", _l("English")))),
    )
    names = FileField(
        _l("Names and addresses (optional)"),
        description=_l(
            "CSV or Excel (.xlsx), at most 5 MB: the recipient list's columns (unit, gender, "
            "beställare, e-mail) with name and address (namn, c/o, gatuadress, postnummer, "
            "postort). Used only for this PDF and never saved. Without a file the letters have "
            "no address and are handed out in person."
        ),
    )
    kind = SelectField(
        choices=_choices((("letters", "letters"), ("cards", "cards"))),
        validate_choice=True,
    )


LEVELS = (
    ("forvaltning", _l("Administration (förvaltning)")),
    ("enhet", _l("Unit (enhet)")),
    ("verksamhet", _l("Service (verksamhet)")),
)


def _effective_on() -> DateField:
    return DateField(
        _l("From which day"),
        validators=[DataRequired()],
        description=_l("Reports for earlier periods keep the organisation as it was before."),
    )


class OrgAddForm(StaffForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    level = SelectField(_l("Level"), choices=_choices(LEVELS))
    insats = SelectField(
        _l("Insats"),
        choices=[],
        description=_l("Only for a verksamhet: which survey its brukare answer."),
    )
    effective_on = _effective_on()


class OrgRenameForm(StaffForm):
    name = StringField(_l("New name"), validators=[DataRequired(), Length(max=200)])
    effective_on = _effective_on()


class OrgMoveForm(StaffForm):
    parent = SelectField(_l("New place in the organisation"), choices=[])
    effective_on = _effective_on()


class OrgCloseForm(StaffForm):
    effective_on = DateField(
        _l("Last day"),
        validators=[DataRequired()],
        description=_l("The unit and every unit under it end on this day. History is kept."),
    )


class OrgSplitForm(StaffForm):
    name_1 = StringField(_l("Name of part 1"), validators=[DataRequired(), Length(max=200)])
    insats_1 = SelectField(_l("Insats of part 1"), choices=[])
    name_2 = StringField(_l("Name of part 2"), validators=[DataRequired(), Length(max=200)])
    insats_2 = SelectField(_l("Insats of part 2"), choices=[])
    name_3 = StringField(_l("Name of part 3 (optional)"), validators=[Optional(), Length(max=200)])
    insats_3 = SelectField(_l("Insats of part 3"), choices=[])
    effective_on = _effective_on()


class OrgMergeForm(StaffForm):
    others = SelectMultipleField(
        _l("Merge with"),
        choices=[],
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    name = StringField(_l("Name of the merged unit"), validators=[DataRequired(), Length(max=200)])
    insats = SelectField(_l("Insats of the merged unit"), choices=[])
    effective_on = _effective_on()


class TargetForm(StaffForm):
    """Set or clear one target; both values empty removes it."""

    indicator = SelectField(_l("Indicator"), choices=[])
    unit = SelectField(_l("Unit"), choices=[])
    period = IntegerField(_l("Period (year)"), validators=[DataRequired(), NumberRange(2000, 2100)])
    arsmal = StringField(
        _l("Årsmål (the unit's own target)"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "A percentage such as 85, or a text such as “Tas fram av nämnd”. Empty: none of "
            "its own (the target of the level above applies)."
        ),
    )
    kf_arsmal = StringField(
        _l("KF:s årsmål (the city council's target)"),
        validators=[Optional(), Length(max=100)],
        description=_l("As for årsmål. Empty: none of its own (the level above applies)."),
    )


# --- paper forms ---------------------------------------------------------------------------

LANGUAGE_CHOICES = (("sv", "Svenska"), ("en", "English"))


class PaperCodeForm(StaffForm):
    """The code printed at the bottom of a returned form (checked in the view)."""

    code = StringField(
        _l("Code on the form"),
        validators=[
            DataRequired(_l("Type the code printed at the bottom of the form.")),
            Length(max=40),
        ],
        description=_l(
            "As printed at the bottom of every page, for example ACEF-GHKM. Small or capital "
            "letters, spaces and dashes do not matter."
        ),
    )


class PaperUnitForm(StaffForm):
    """A returned form without a code (a copy of the blank form): where it comes from."""

    unit = SelectField(_l("Unit the form comes from"), coerce=int, validate_choice=True)


class PaperPrintForm(StaffForm):
    """Personalised forms for the unused invitations under one unit."""

    unit = SelectField(_l("Unit"), coerce=int, validate_choice=True)
    language = SelectField(
        _l("Language of the form"), choices=_choices(LANGUAGE_CHOICES), default="sv"
    )
    reprint = BooleanField(
        _l("Also print again the forms printed before that have not been answered (lost forms)")
    )


class KioskLaunchForm(StaffForm):
    """Start a kiosk on this tablet for one unit of an open round."""

    unit = SelectField(_l("Unit"), choices=[], coerce=int)


class KioskInvitationsForm(StaffForm):
    """Add unused invitations that only kiosks take (never shown or handed out)."""

    unit = SelectField(_l("Unit"), choices=[], coerce=int)
    count = IntegerField(
        _l("How many"),
        default=10,
        validators=[
            DataRequired(_l("Write how many, from 1 to 500.")),
            NumberRange(min=1, max=500, message=_l("Write how many, from 1 to 500.")),
        ],
        description=_l("From 1 to 500. Each kiosk survey takes one."),
    )
    #: New with every page: the same form sent twice adds once.
    nonce = HiddenField()

"""One e-mail, written at send time from the round and the invitation (nothing stored).

Easy-read Swedish first (the installation's DEFAULT_LOCALE), plain text and HTML with the
same words. The subject and the sender's name never say what the message is about (SPEC §5:
an envelope must not tell that someone receives an insats); the text itself may.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import render_template
from flask_babel import format_date
from flask_babel import gettext as _

from survey.domain.mail_rules import sender_name
from survey.domain.tokens import format_code
from survey.links import public_link, respondent_link
from survey.settings import Settings


@dataclass(frozen=True, slots=True)
class Letter:
    """What one message says, in paragraphs; kind "text", "link" or "code"."""

    subject: str
    paragraphs: tuple[tuple[str, str], ...]
    link: str
    language: str


def _about(survey_type: str) -> str:
    return {
        "dv": _("your daily activity (daglig verksamhet)"),
        "bo": _("your home"),
        "bs": _("your housing support (boendestöd)"),
    }.get(survey_type, _("the support you get"))


def subject_for(kind: str) -> str:
    if kind == "reminder":
        return _("Reminder: what do you think?")
    return _("What do you think? Answer a few questions")


def write_letter(
    *,
    kind: str,
    survey_type: str,
    organiser: str,
    help_contact: str,
    closes_on: date,
    token: str,
    short_code: str,
    language: str,
) -> Letter:
    """The words of an invitation or reminder. The caller sets the language once for a
    whole batch (`with force_locale(language)`: each switch reloads the catalogue) and
    passes it on, for the message's lang attribute and Content-Language."""
    link = respondent_link(token)
    code_page = public_link("respond.enter_code")
    help_text = help_contact.strip() or _("Ask the staff.")
    texts: list[tuple[str, str]] = [("text", _("Hello!"))]
    if kind == "reminder":
        texts.append(("text", _("We have sent you some questions.")))
        texts.append(
            (
                "text",
                _(
                    "We have not got your answers yet. Do you want to answer? "
                    "Then you can do it now."
                ),
            )
        )
    else:
        about = _about(survey_type)
        texts.append(("text", _("We want to know what you think about %(about)s.", about=about)))
        texts.append(("text", _("Please answer some questions.")))
    texts += [
        ("text", _("Open the link and answer:")),
        ("link", link),
        ("text", _("Or go to %(site)s and type the code:", site=code_page)),
        ("code", format_code(short_code)),
        ("text", _("The last day to answer is %(day)s.", day=format_date(closes_on, "long"))),
        ("text", _("You decide if you want to answer. Nobody gets to know what you answer.")),
        ("text", _("Do you want help? %(help)s", help=help_text)),
    ]
    if kind == "reminder":
        thanks = _("Have you answered already? Thank you! Then you do not need to do more.")
        texts.append(("text", thanks))
    if organiser.strip():
        texts.append(("text", _("Best wishes, %(organiser)s", organiser=organiser.strip())))
    paragraphs = texts
    return Letter(subject_for(kind), tuple(paragraphs), link, language)


def message_id(settings: Settings, outbox_id: int) -> str:
    """The same Message-ID every time this outbox row is sent (a retry after an interrupted
    send is then recognisable as the same message), unique per installation."""
    tag = hashlib.sha256(f"message-id:{settings.secret_key}".encode()).hexdigest()[:12]
    domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{outbox_id}.{tag}@{domain}>"


def outbox_id_of(message_id_header: str) -> int | None:
    """The outbox row a Message-ID of ours names (tests, a bounce read by hand)."""
    value = message_id_header.strip().lstrip("<")
    if not value.startswith("outbox-"):
        return None
    number = value[len("outbox-") :].split(".", 1)[0]
    return int(number) if number.isdigit() else None


def build_message(
    letter: Letter,
    *,
    to: str,
    outbox_id: int,
    organiser: str,
    settings: Settings,
    telling: tuple[str, ...] = (),
) -> EmailMessage:
    """The MIME message: text/plain and text/html alternatives, UTF-8, our Message-ID."""
    configured_name, from_address = parseaddr(settings.mail_from)
    name = sender_name(organiser, configured_name, telling)
    local, _at, domain = from_address.rpartition("@")
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = Address(display_name=name, username=local, domain=domain)
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(settings, outbox_id)
    # No out-of-office replies to an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    text = render_template("mail/message.txt", letter=letter)
    html = render_template("mail/message.html", letter=letter)
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # After the content: set_content() clears every Content-* header.
    message["Content-Language"] = letter.language
    return message

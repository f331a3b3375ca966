"""Rules of the e-mail outbox, pure: back-off, which failures are worth retrying, what a
stored reason may hold, and which words an envelope must never show (SPEC §5).

The outbox itself is survey/models/outbox.py; the worker that sends is survey/mail/worker.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from survey.domain.staff_refusals import StaffRefusal

#: Waits after the 1st, 2nd, … transient failure; after the last the message is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
#: A message that failed transiently this many times is given up (status "failed").
MAX_ATTEMPTS = len(BACKOFF) + 1

#: A stored server reply is cut to this many characters.
REASON_LENGTH = 300

#: A reminder goes no sooner than this after the last message to the same invitation.
REMINDER_GAP = timedelta(days=1)

#: Why a message did not go (OutboxMessage.error_kind). The server's own words, where there
#: are any, are in OutboxMessage.last_error.
ERROR_KINDS = (
    "rejected",  # the server refused it for good (5xx): a bounced or unknown address
    "deferred",  # the server asked to try later (4xx); retried with back-off
    "unreachable",  # no connection to the server (refused, timed out, TLS or sign-in failed)
    "gave_up",  # deferred or unreachable MAX_ATTEMPTS times
    "interrupted",  # the worker stopped while the server was receiving it: it may have arrived
    "invalid_address",
    "no_address",  # the address was deleted (round closed, invitation withdrawn)
    "answered",  # the brukare answered before it went
    "withdrawn",
    "round_closed",
    "round_ended",
)

_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")
_ATOM = r"[^\s@<>,;:\"()\[\]\\]+"
_SIMPLE_ADDRESS = re.compile(rf"^{_ATOM}@{_ATOM}\.{_ATOM}$")


def backoff(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` transient failures in a row; None: give up."""
    if attempts < 1:
        return timedelta(0)
    if attempts >= MAX_ATTEMPTS:
        return None
    return BACKOFF[attempts - 1]


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    wait = backoff(attempts)
    return None if wait is None else now + wait


def is_transient(code: int | None) -> bool:
    """A reply code worth retrying: 4xx (greylisting, a full mailbox, a busy server) or no
    reply at all (no connection). 5xx is permanent: the same message would fail again."""
    return code is None or 400 <= code < 500


def clean_reason(code: int | None, text: str | bytes | None) -> str:
    """The server's reply as it may be stored and shown: its code and text on one line,
    any e-mail address in it replaced by "<…>" (replies often quote the recipient), cut."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    words = " ".join((text or "").split())
    words = _ADDRESS.sub("<…>", words)
    reason = f"{code} {words}".strip() if code is not None else words
    if len(reason) > REASON_LENGTH:
        reason = reason[: REASON_LENGTH - 1] + "…"
    return reason


def looks_like_address(address: str | None) -> bool:
    """A plain addr-spec (local@domain.tld), no display name, no line breaks, ≤ 254."""
    if not address or len(address) > 254:
        return False
    return bool(_SIMPLE_ADDRESS.match(address))


#: Words that tell what help a person receives; never in a subject line or a sender name
#: (the fact that someone receives an insats is secret, SPEC §5). Matched without case, as
#: parts of words too ("dagligverksamheten", "LSS-enheten").
TELLING_WORDS = (
    "daglig",
    "dagliga",
    "verksamhet",
    "gruppbost",  # gruppbostad, gruppbostäder
    "servicebost",
    "bostad med särskild service",
    "boendestöd",
    "boendestod",
    "boende",
    "lss",
    "sol",
    "funktionsnedsättning",
    "funktionshinder",
    "funktionsvariation",
    "handikapp",
    "diagnos",
    "autism",
    "utvecklingsstörning",
    "intellektuell",
    "psykiatri",
    "psykisk",
    "omsorg",
    "insats",
    "brukare",
    "disability",
    "day activity",
    "group home",
    "supported living",
    "housing support",
)


def names_help(text: str, extra: tuple[str, ...] = ()) -> bool:
    """Whether `text` names an insats, a diagnosis or the services (TELLING_WORDS, `extra`).

    Short words (LSS, SoL) count only as whole words or word parts set off by a hyphen, so
    "Solna" and "Consol" are not taken for SoL; longer ones count anywhere in a word.
    """
    lowered = text.casefold()
    for word in (*TELLING_WORDS, *extra):
        word = word.strip().casefold()
        if not word:
            continue
        if len(word) <= 3:
            if re.search(rf"(?<![^\W\d_]){re.escape(word)}(?![^\W\d_])", lowered):
                return True
        elif word in lowered:
            return True
    return False


def sender_name(organiser: str, configured: str, extra: tuple[str, ...] = ()) -> str:
    """The From display name: the round's organiser when it names no insats, else the name
    configured in MAIL_FROM when that is neutral, else none (the bare address)."""
    for name in (organiser.strip(), configured.strip()):
        if name and not names_help(name, extra):
            return name
    return ""


class MailRefused(StaffRefusal):
    """Queueing refused: the round cannot take e-mail now."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "round_closed": "round {round} is closed; its e-mail addresses are deleted",
        "round_draft": "round {round} is a draft; open it first (rounds open {round})",
        "round_not_open_yet": "round {round} opens on {opens}; send from that day",
        "round_ended": "round {round} ended on {closes}",
        "unit_not_in_round": "{unit} is not one of round {round}'s units",
    }

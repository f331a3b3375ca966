"""Small builders: tests state only what they are about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from survey.clock import local_today
from survey.models import OrgNode, Round
from survey.operations.invitations import IssuedInvitation, issue_invitation
from survey.operations.organisation import ensure_node_path
from survey.operations.rounds import create_round

INSATS_FOR = {"dv": "daglig_verksamhet", "bo": "gruppbostad", "bs": "boendestod"}


@dataclass
class Setup:
    round_: Round
    unit: OrgNode
    invitation: IssuedInvitation

    @property
    def token(self) -> str:
        return self.invitation.token


def make_unit(
    session: Session,
    path: str = "Förvaltningen/Enheten/Växtverket",
    insats: str = "daglig_verksamhet",
) -> OrgNode:
    return ensure_node_path(session, path, insats)


def make_round(
    session: Session,
    *,
    survey_type: str = "dv",
    units: list[OrgNode] | None = None,
    opens_on: date | None = None,
    closes_on: date | None = None,
    code: str | None = None,
    **overrides: object,
) -> Round:
    today = local_today()
    units = units or [make_unit(session, insats=INSATS_FOR[survey_type])]
    return create_round(
        session,
        code=code or f"TEST-{survey_type.upper()}",
        survey_type=survey_type,
        period=today.year,
        opens_on=opens_on or today - timedelta(days=1),
        closes_on=closes_on or today + timedelta(days=30),
        units=units,
        organiser="Testkommunen",
        **overrides,  # type: ignore[arg-type]
    )


def make_invited(
    session: Session,
    *,
    survey_type: str = "dv",
    gender: str | None = "kvinna",
    commit: bool = True,
    **round_overrides: object,
) -> Setup:
    """A round with one unit and one invitation, committed (views use their own requests)."""
    round_ = make_round(session, survey_type=survey_type, **round_overrides)
    unit = round_.units[0]
    issued = issue_invitation(session, round_, unit, gender=gender)
    if commit:
        session.commit()
    return Setup(round_, unit, issued)


STAFF_PASSWORD = "korrekt häst batteri häftstift"


def make_staff(
    session: Session,
    email: str = "anna@example.se",
    *,
    grants: list[tuple[str, OrgNode | None]] | None = None,
    password: str = STAFF_PASSWORD,
    totp_secret: str | None = None,
):  # type: ignore[no-untyped-def]
    """A staff account (default: handläggare on the whole installation)."""
    from survey.operations.users import create_user

    user = create_user(
        session,
        email=email,
        name=email.split("@")[0].title(),
        password=password,
        grants=grants if grants is not None else [("handlaggare", None)],
    )
    user.totp_secret = totp_secret
    session.commit()
    return user


def sign_in(
    client,
    email: str = "anna@example.se",
    password: str = STAFF_PASSWORD,
    totp_secret: str | None = None,
):  # type: ignore[no-untyped-def]
    """Sign in through the real pages (password, then the TOTP code when there is one)."""
    import pyotp

    response = client.post("/personal/logga-in", data={"email": email, "password": password})
    if totp_secret is not None:
        response = client.post(
            "/personal/logga-in/kod", data={"code": pyotp.TOTP(totp_secret).now()}
        )
    return response


def make_failed_mail(session: Session, round_: Round, unit_id: int, invitation_id: int) -> int:
    """An invitation e-mail the server refused (status failed): a row for the e-mail page's
    retry routes. Flushes; returns its id."""
    from datetime import UTC, datetime

    from survey.models import OutboxMessage

    message = OutboxMessage(
        round_id=round_.id,
        invitation_id=invitation_id,
        org_node_id=unit_id,
        kind="invitation",
        sequence=0,
        status="failed",
        error_kind="rejected",
        next_attempt_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    session.add(message)
    session.flush()
    return message.id

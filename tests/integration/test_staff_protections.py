"""Staff forms with CSRF on, and the sign-in limits per account and per address."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import func, select

from survey import create_app
from survey.models import (
    AuditEvent,
    Invitation,
    KioskSession,
    OrgNode,
    OutboxMessage,
    ResultsLink,
    RoleGrant,
    Round,
    User,
    db,
)
from tests.conftest import make_settings, restore_limiter
from tests.factories import STAFF_PASSWORD, make_failed_mail, make_round, make_staff, make_unit
from tests.integration.test_authorisation_matrix import MATRIX
from tests.integration.test_authorisation_matrix import _kiosk as kiosk_row


@pytest.fixture
def make_app(database_url: str, app: Flask) -> Iterator:
    built: list[Flask] = []

    def build(**overrides: object) -> Flask:
        built.append(create_app(make_settings(database_url, **overrides)))
        return built[-1]

    yield build
    for each in built:
        with each.app_context():
            db.session.remove()
            db.engine.dispose()
    restore_limiter(app)


def _state(session) -> tuple[int, ...]:
    session.rollback()
    counts = [
        session.scalar(select(func.count()).select_from(model))
        for model in (
            AuditEvent,
            Invitation,
            OrgNode,
            Round,
            RoleGrant,
            User,
            ResultsLink,
            OutboxMessage,
            KioskSession,
        )
    ]
    changes = [
        select(func.count()).where(User.is_active.is_(False)),
        select(func.count()).where(User.totp_secret.is_(None)),
        select(func.count()).where(User.reset_token_hash.is_not(None)),
        select(func.count()).where(Round.is_draft.is_(True)),
        select(func.count()).where(Round.is_closed.is_(True)),
        select(func.count()).where(Invitation.status == "withdrawn"),
        select(func.count()).where(OrgNode.valid_to.is_not(None)),
        select(func.count()).where(ResultsLink.revoked_at.is_not(None)),
        select(func.count()).where(OutboxMessage.status == "failed"),
        select(func.count()).where(KioskSession.revoked_at.is_not(None)),
    ]
    return (*counts, *(session.scalar(query) for query in changes))


def _results_link(session, round_, unit, user) -> int:
    link = ResultsLink(
        round_id=round_.id,
        tree="utforare",
        org_node_id=unit.id,
        token_hash=secrets.token_hex(32),
        created_by_id=user.id,
        created_at=datetime.now(UTC),
    )
    session.add(link)
    session.commit()
    return link.id


def _signed_in(app: Flask, user: User):
    client = app.test_client()
    with client.session_transaction("/personal/") as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
        session["signed_in_at"] = session["seen_at"] = time.time()
    return client


def test_every_staff_post_without_a_csrf_token_changes_nothing(make_app, db_session):
    v1 = make_unit(db_session, "F/E1/V1")
    round_ = make_round(db_session, units=[v1], code="R1", is_draft=True)
    from survey.operations.invitations import issue_invitation

    invitation = issue_invitation(db_session, round_, v1)
    admin = make_staff(
        db_session,
        "admin@example.se",
        grants=[("admin", None)],
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    )
    target = make_staff(db_session, "eva@example.se", grants=[("stodperson", v1)])
    grant = target.grants[0]
    values = {
        "round": "R1",
        "node": v1.id,
        "parent": v1.parent_id,
        "user": target.id,
        "grant": grant.id,
        "invitation": invitation.invitation_id,
        "staged_recipients": "x",
        "staged_paper": "x",
        "staged_org": "x",
        "staged_targets": "x",
        "staged_entry": "x",
        "results_link": _results_link(db_session, round_, v1, admin),
        "outbox": make_failed_mail(db_session, round_, v1.id, invitation.invitation_id),
        "kiosk": kiosk_row(db_session, round_, v1, admin),
    }
    db_session.commit()
    app = make_app(csrf_enabled=True)
    posted = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff.") or "POST" not in rule.methods:
            continue
        row = MATRIX[rule.endpoint]
        url = (
            re.sub(r"\?.*$", "", row.url.format(**values))
            if row.method == "GET"
            else row.url.format(**values)
        )
        if rule.endpoint == "staff.org_add":
            url = row.url.format(**values)
        before = _state(db_session)
        client = _signed_in(app, db_session.get(User, admin.id))
        response = client.post(url, data={"name": "X", "email": "x@example.se", "reason": "moved"})
        assert response.status_code in {302, 400}, (rule.endpoint, response.status_code)
        if response.status_code == 302:
            # The kept form goes back to the page (or to sign-in); nothing was done.
            assert response.headers["Location"].startswith("/personal/")
        assert _state(db_session) == before, rule.endpoint
        posted += 1
    assert posted >= 25


def test_sign_in_is_limited_per_account_whatever_the_address(make_app, db_session):
    make_staff(db_session)
    app = make_app(ratelimit_enabled=True, login_account_limit="3 per minute")
    statuses = []
    for n in range(4):
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=f"198.51.100.{n + 1}")
        statuses.append(
            client.post(
                "/personal/logga-in", data={"email": "anna@example.se", "password": "x" * 12}
            ).status_code
        )
    assert statuses == [401, 401, 401, 429]
    # Another account from the same addresses is not locked out.
    other = app.test_client()
    other.environ_base.update(REMOTE_ADDR="198.51.100.1")
    assert (
        other.post(
            "/personal/logga-in", data={"email": "bo@example.se", "password": STAFF_PASSWORD}
        ).status_code
        == 401
    )


def test_sign_in_is_limited_per_address(make_app, db_session):
    app = make_app(ratelimit_enabled=True, login_address_limit="3 per minute")
    client = app.test_client()
    statuses = [
        client.post(
            "/personal/logga-in", data={"email": f"u{n}@example.se", "password": "x" * 12}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    assert "För många försök" in client.post(
        "/personal/logga-in", data={"email": "z@example.se", "password": "x" * 12}
    ).get_data(as_text=True)

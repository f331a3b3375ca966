"""E-mail invitations and reminders through the durable outbox, against a real SMTP server
(aiosmtpd on 127.0.0.1): what arrives, to whom, how often, and what happens when the server
defers, refuses or is not there."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from survey.domain import mail_rules
from survey.domain.tokens import format_code
from survey.mail.compose import outbox_id_of
from survey.models import AuditEvent, Invitation, OutboxMessage
from survey.operations.invitations import issue_invitation
from survey.operations.rounds import close_round
from tests.factories import make_round, make_staff, make_unit, sign_in
from tests.support.smtp import closed_port, smtp_server


@pytest.fixture
def use_smtp(app):
    """Point the app at an SMTP server on 127.0.0.1 for one test: use_smtp(port)."""
    original = app.extensions["survey.settings"]

    def point(port: int, **more: object) -> None:
        app.extensions["survey.settings"] = replace(
            original,
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
            smtp_timeout=5.0,
            mail_from="Exempelkommunen <enkat@exempel.se>",
            **more,
        )

    yield point
    app.extensions["survey.settings"] = original


@pytest.fixture
def mailbox(use_smtp):
    with smtp_server() as box:
        use_smtp(box.port)
        yield box


def invite(session, round_, unit, emails):
    issued = [issue_invitation(session, round_, unit, email=email) for email in emails]
    session.commit()
    return issued


def statuses(session):
    session.expire_all()
    return {
        m.id: (m.kind, m.sequence, m.status, m.error_kind)
        for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    }


def ids_received(box):
    return sorted(outbox_id_of(mid) for mid in box.message_ids())


def backdate_sent(session, days=2):
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent_at.is_not(None))
        .values(sent_at=datetime.now(UTC) - timedelta(days=days))
    )
    session.commit()


def test_invitations_arrive_with_link_code_and_neutral_envelope(runner, db_session, mailbox):
    round_ = make_round(db_session, help_contact="Ring Anna, 08-123 45 67")
    unit = round_.units[0]
    issued = invite(db_session, round_, unit, ["anna@example.org", "bo@example.org"])
    db_session.commit()

    queued = runner.invoke(args=["invitations", "send", "--round", round_.code])
    assert queued.exit_code == 0, queued.output
    assert "2 e-mail invitations queued" in queued.output
    sent = runner.invoke(args=["mail", "send"])
    assert sent.exit_code == 0, sent.output
    assert "2 sent" in sent.output

    assert len(mailbox.messages) == 2
    by_to = {str(m["To"]): m for m in mailbox.messages}
    message = by_to["anna@example.org"]
    assert message["Subject"] == "Vad tycker du? Svara på några frågor"
    assert str(message["From"]) == "Testkommunen <enkat@exempel.se>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert f"/r/{issued[0].token}" in text
    assert format_code(issued[0].short_code) in text
    assert "Ring Anna, 08-123 45 67" in text
    assert "din dagliga verksamhet" in text  # the body may say what it is about
    assert '<html lang="sv">' in html
    assert f'href="http://127.0.0.1:5000/r/{issued[0].token}"' in html
    assert "Öppna frågorna" in html
    assert "<img" not in html
    # The Message-ID names the outbox row; the envelope sender is MAIL_FROM's address.
    ids = ids_received(mailbox)
    assert ids == sorted(statuses(db_session))
    assert {env[0] for env in mailbox.envelopes} == {"enkat@exempel.se"}
    # Handed out by e-mail when sent.
    db_session.expire_all()
    invitation = db_session.get(Invitation, issued[0].invitation_id)
    assert invitation.handed_out_on is not None
    assert invitation.channel == "email"
    # Sending again sends nothing; queueing again queues nothing.
    assert (
        "0 e-mail invitations queued"
        in runner.invoke(args=["invitations", "send", "--round", round_.code]).output
    )
    assert "Nothing to send" in runner.invoke(args=["mail", "send"]).output
    assert len(mailbox.messages) == 2
    actions = set(db_session.scalars(select(AuditEvent.action)))
    assert "mail.queue_invitations" in actions


def test_reminders_only_to_those_who_have_not_answered(runner, db_session, mailbox):
    round_ = make_round(db_session)
    unit = round_.units[0]
    answered, _waiting, started = invite(
        db_session, round_, unit, ["a@example.org", "b@example.org", "c@example.org"]
    )
    no_address = invite(db_session, round_, unit, [None])[0]
    assert runner.invoke(args=["invitations", "send", "--round", round_.code]).exit_code == 0
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    assert len(mailbox.messages) == 3

    # Too soon after the invitation: nothing.
    too_soon = runner.invoke(args=["invitations", "remind", "--round", round_.code])
    assert "0 e-mail reminders queued" in too_soon.output
    backdate_sent(db_session)
    db_session.execute(
        update(Invitation).where(Invitation.id == answered.invitation_id).values(status="submitted")
    )
    db_session.execute(
        update(Invitation).where(Invitation.id == started.invitation_id).values(status="started")
    )
    db_session.commit()
    first = runner.invoke(args=["invitations", "remind", "--round", round_.code])
    assert "2 e-mail reminders queued" in first.output, first.output
    twice = runner.invoke(args=["invitations", "remind", "--round", round_.code])
    assert "0 e-mail reminders queued" in twice.output
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    reminders = [m for m in mailbox.messages if m["Subject"] == "Påminnelse: vad tycker du?"]
    assert sorted(str(m["To"]) for m in reminders) == ["b@example.org", "c@example.org"]
    text = reminders[0].get_body(("plain",)).get_content()
    assert "Vi har inte fått dina svar än" in text

    # A second reminder a day later is number 2; the one who answers meanwhile gets none.
    backdate_sent(db_session)
    db_session.execute(
        update(Invitation).where(Invitation.id == started.invitation_id).values(status="submitted")
    )
    db_session.commit()
    second = runner.invoke(args=["invitations", "remind", "--round", round_.code])
    assert "1 e-mail reminders queued" in second.output
    assert runner.invoke(args=["mail", "send"]).exit_code == 0
    got = [(str(m["To"]), m["Subject"]) for m in mailbox.messages]
    assert got.count(("b@example.org", "Påminnelse: vad tycker du?")) == 2
    assert got.count(("c@example.org", "Påminnelse: vad tycker du?")) == 1
    assert not any(to == "a@example.org" and "Påminnelse" in s for to, s in got)
    sequences = sorted((k, n) for k, n, s, _e in statuses(db_session).values() if k == "reminder")
    assert sequences == [("reminder", 1), ("reminder", 1), ("reminder", 2)]
    assert no_address.invitation_id not in {
        m.invitation_id for m in db_session.scalars(select(OutboxMessage))
    }


def test_a_message_answered_meanwhile_is_not_sent(runner, db_session, mailbox):
    round_ = make_round(db_session)
    first, second = invite(db_session, round_, round_.units[0], ["a@example.org", "b@example.org"])
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    db_session.execute(
        update(Invitation).where(Invitation.id == first.invitation_id).values(status="submitted")
    )
    db_session.execute(
        update(Invitation)
        .where(Invitation.id == second.invitation_id)
        .values(status="withdrawn", email=None)
    )
    db_session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert "2 cancelled" in result.output
    assert mailbox.messages == []
    assert sorted(e for _k, _n, _s, e in statuses(db_session).values()) == ["answered", "withdrawn"]


def test_greylisting_451_is_retried_after_the_back_off_and_then_sent(runner, db_session, use_smtp):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["anna@example.org"])
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    with smtp_server(defer_first=1) as box:
        use_smtp(box.port)
        first = runner.invoke(args=["mail", "send"])
        assert first.exit_code == 0
        assert "1 to retry later" in first.output
        db_session.expire_all()
        message = db_session.scalar(select(OutboxMessage))
        assert (message.status, message.error_kind, message.attempts) == ("queued", "deferred", 1)
        assert message.last_error.startswith("451 4.7.1 Greylisted")
        wait = message.next_attempt_at.replace(tzinfo=UTC) - datetime.now(UTC)
        assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
        # Not due yet: nothing goes.
        assert "Nothing to send" in runner.invoke(args=["mail", "send"]).output
        db_session.execute(
            update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db_session.commit()
        second = runner.invoke(args=["mail", "send"])
        assert "1 sent" in second.output
        assert len(box.messages) == 1
        assert ids_received(box) == [message.id]
        db_session.expire_all()
        assert db_session.get(OutboxMessage, message.id).status == "sent"


def test_a_refused_address_fails_with_the_reason_and_can_be_retried_on_the_page(
    client, runner, db_session, use_smtp
):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["okand@example.org", "anna@example.org"])
    make_staff(db_session)
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    refuse = {"okand@example.org": "550 5.1.1 <okand@example.org>: Recipient address rejected"}
    with smtp_server(refuse=refuse) as box:
        use_smtp(box.port)
        result = runner.invoke(args=["mail", "send"])
        assert "1 sent" in result.output
        assert "1 failed" in result.output
        assert [str(m["To"]) for m in box.messages] == ["anna@example.org"]
    failed = db_session.scalar(select(OutboxMessage).where(OutboxMessage.status == "failed"))
    assert failed.error_kind == "rejected"
    assert failed.last_error == "550 5.1.1 <…>: Recipient address rejected"
    assert "okand" not in failed.last_error

    sign_in(client)
    page = client.get(f"/personal/omgangar/{round_.code}/epost")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "550 5.1.1 &lt;…&gt;: Recipient address rejected" in html
    assert "Servern för e-post tog inte emot meddelandet." in html
    assert "okand@example.org" in html  # staff in scope see the address to correct it
    retried = client.post(f"/personal/omgangar/{round_.code}/epost/{failed.id}/forsok-igen")
    assert retried.status_code == 302
    again = client.post(f"/personal/omgangar/{round_.code}/epost/{failed.id}/forsok-igen")
    assert again.status_code == 302
    db_session.expire_all()
    message = db_session.get(OutboxMessage, failed.id)
    assert (message.status, message.attempts) == ("queued", 0)
    retries = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "mail.retry")).all()
    assert len(retries) == 1


def test_an_unreachable_server_keeps_the_mail_queued_with_back_off(runner, db_session, use_smtp):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["a@example.org", "b@example.org"])
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    port = closed_port()
    use_smtp(port)
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert f"Could not reach the mail server: 127.0.0.1:{port}: connection refused" in result.output
    db_session.expire_all()
    messages = db_session.scalars(select(OutboxMessage)).all()
    assert {(m.status, m.error_kind, m.attempts) for m in messages} == {
        ("queued", "unreachable", 1)
    }
    assert all(m.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC) for m in messages)
    # After the last attempt it gives up and shows as failed.
    db_session.execute(
        update(OutboxMessage).values(
            attempts=mail_rules.MAX_ATTEMPTS - 1, next_attempt_at=datetime.now(UTC)
        )
    )
    db_session.commit()
    assert runner.invoke(args=["mail", "send"]).exit_code == 1
    db_session.expire_all()
    assert {(m.status, m.error_kind) for m in db_session.scalars(select(OutboxMessage))} == {
        ("failed", "gave_up")
    }


def test_an_invalid_stored_address_fails_without_reaching_the_server(runner, db_session, mailbox):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["inte en adress", "ok@example.org"])
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    result = runner.invoke(args=["mail", "send"])
    assert "1 sent" in result.output
    assert "1 failed" in result.output
    assert sorted(e or "" for _k, _n, _s, e in statuses(db_session).values()) == [
        "",
        "invalid_address",
    ]
    assert len(mailbox.messages) == 1


def test_round_close_stops_queued_mail_and_deletes_the_addresses(runner, db_session, mailbox):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["a@example.org", "b@example.org"])
    runner.invoke(args=["invitations", "send", "--round", round_.code])
    code = round_.code
    close_round(db_session, round_, datetime.now(UTC).date())
    db_session.commit()
    assert db_session.scalars(select(Invitation.email)).all() == [None, None]
    assert {(s, e) for _k, _n, s, e in statuses(db_session).values()} == {
        ("cancelled", "round_closed")
    }
    assert db_session.scalars(select(OutboxMessage.invitation_id)).all() == [None, None]
    assert "Nothing to send" in runner.invoke(args=["mail", "send"]).output
    assert mailbox.messages == []
    refused = runner.invoke(args=["invitations", "send", "--round", code])
    assert refused.exit_code == 1
    assert f"round {code} is closed" in refused.output
    assert "Traceback" not in refused.output


def test_a_draft_round_and_an_unknown_unit_are_refused(runner, db_session):
    round_ = make_round(db_session, is_draft=True)
    db_session.commit()
    result = runner.invoke(args=["invitations", "remind", "--round", round_.code])
    assert result.exit_code == 1
    assert "is a draft" in result.output
    unknown = runner.invoke(args=["invitations", "send", "--round", "NOPE"])
    assert unknown.exit_code == 1
    assert "no round with code 'NOPE'" in unknown.output


def test_unit_option_queues_only_that_units_invitations(runner, db_session, mailbox):
    v1 = make_unit(db_session, "F/E1/V1")
    v2 = make_unit(db_session, "F/E2/V2")
    round_ = make_round(db_session, units=[v1, v2])
    invite(db_session, round_, v1, ["a@example.org"])
    invite(db_session, round_, v2, ["b@example.org"])
    result = runner.invoke(args=["invitations", "send", "--round", round_.code, "--unit", "F/E1"])
    assert "1 e-mail invitations queued" in result.output
    runner.invoke(args=["mail", "send"])
    assert [str(m["To"]) for m in mailbox.messages] == ["a@example.org"]


def test_console_backend_prints_the_message(runner, db_session, app):
    original = app.extensions["survey.settings"]
    app.extensions["survey.settings"] = replace(original, mail_backend="console")
    try:
        round_ = make_round(db_session)
        issued = invite(db_session, round_, round_.units[0], ["a@example.org"])
        runner.invoke(args=["invitations", "send", "--round", round_.code])
        result = runner.invoke(args=["mail", "send"])
    finally:
        app.extensions["survey.settings"] = original
    assert result.exit_code == 0
    assert "Subject: Vad tycker du? Svara på några frågor" in result.output
    assert f"/r/{issued[0].token}" in result.output
    assert "1 sent" in result.output


def test_the_page_is_scoped_to_the_persons_units(client, db_session, mailbox):
    v1 = make_unit(db_session, "F/E1/V1")
    v2 = make_unit(db_session, "F/E2/V2")
    round_ = make_round(db_session, units=[v1, v2])
    invite(db_session, round_, v1, ["mine@example.org"])
    invite(db_session, round_, v2, ["theirs@example.org", "bad@example.org"])
    make_staff(db_session, grants=[("handlaggare", v1.parent)])
    sign_in(client)
    url = f"/personal/omgangar/{round_.code}/epost"
    page = client.get(url).get_data(as_text=True)
    assert "Har e-postadress men har inte fått någon inbjudan: 1." in page
    # A double click queues once.
    client.post(url + "/inbjudningar")
    client.post(url + "/inbjudningar")
    assert [m.org_node_id for m in db_session.scalars(select(OutboxMessage))] == [v1.id]
    sent = client.post(url + "/skicka", follow_redirects=True)
    assert "Skickade: 1." in sent.get_data(as_text=True)
    assert [str(m["To"]) for m in mailbox.messages] == ["mine@example.org"]
    # The other enhet's failures are not shown, nor can they be retried.
    other = OutboxMessage(
        round_id=round_.id,
        invitation_id=None,
        org_node_id=v2.id,
        kind="invitation",
        sequence=0,
        status="failed",
        error_kind="rejected",
        last_error="550 nope",
        next_attempt_at=datetime.now(UTC),
        created_at=datetime.now(UTC),
    )
    db_session.add(other)
    db_session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "550 nope" not in page
    assert "theirs@example.org" not in page
    assert client.post(f"{url}/{other.id}/forsok-igen").status_code == 404
    client.post(url + "/forsok-igen")
    db_session.expire_all()
    assert db_session.get(OutboxMessage, other.id).status == "failed"


def test_send_now_with_the_server_away_says_so_and_loses_nothing(client, db_session, use_smtp):
    round_ = make_round(db_session)
    invite(db_session, round_, round_.units[0], ["a@example.org"])
    make_staff(db_session)
    sign_in(client)
    use_smtp(closed_port())
    url = f"/personal/omgangar/{round_.code}/epost"
    client.post(url + "/inbjudningar")
    page = client.post(url + "/skicka", follow_redirects=True).get_data(as_text=True)
    assert "Det gick inte att nå servern för e-post" in page
    assert "connection refused" in page
    db_session.expire_all()
    assert db_session.scalar(select(OutboxMessage.status)) == "queued"


def test_subjects_and_sender_never_name_the_insats(app, db_session):
    from flask_babel import force_locale

    from survey.mail.compose import subject_for

    with app.test_request_context("/"):
        for language in ("sv", "en"):
            with force_locale(language):
                for kind in ("invitation", "reminder"):
                    subject = subject_for(kind)
                    assert subject
                    assert not mail_rules.names_help(subject), subject
    assert mail_rules.sender_name("Hägersten-Älvsjö stadsdelsförvaltning", "") == (
        "Hägersten-Älvsjö stadsdelsförvaltning"
    )
    for telling in (
        "LSS-enheten",
        "Dagliga verksamheter 2",
        "Gruppbostaden Solrosen",
        "Boendestöd Söder",
        "Enheten för funktionsnedsättning",
        "SoL-handläggarna",
    ):
        assert mail_rules.sender_name(telling, "Exempelkommunen") == "Exempelkommunen"
        assert mail_rules.sender_name(telling, "Servicebostäder") == ""
    assert mail_rules.sender_name("Solna stad", "") == "Solna stad"
    assert mail_rules.sender_name("Växtverket", "", ("Växtverket",)) == ""

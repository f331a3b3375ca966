"""One round run end to end through every channel (issue 10's "done when"): e-mail with a
reminder, a printed letter, a kiosk, a paper form. Each brukare answers once, a few of them
twice over (a re-sent form, a second submit), and the live overview and the indicators count
every response once.

Everything goes through the pages and commands a handläggare, a stödperson and a brukare
use, with a real SMTP server (aiosmtpd) on 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from survey.models import Invitation, OutboxMessage, SurveyResponse
from tests.factories import make_round, make_staff, make_unit, sign_in
from tests.integration.test_paper_entry import ALL_ONES
from tests.integration.test_respond_flow import finish
from tests.support.letters import page_texts
from tests.support.smtp import smtp_server

VAXT = "F/E1/Växtverket"
ATELJE = "F/E1/Ateljén"
ROUND = "DV-ALLA"
STAFF = f"/personal/omgangar/{ROUND}"
LINK = re.compile(r"http://[^/\s]+/r/([A-Za-z0-9_\-]{20,64})")


def _recipient_list(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "lista.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit", "gender", "email"])
        writer.writerow([VAXT, "kvinna", "anna@example.org"])
        writer.writerow([VAXT, "man", "bo@example.org"])
        writer.writerow([VAXT, "kvinna", ""])
        writer.writerow([VAXT, "man", ""])
        writer.writerow([ATELJE, "kvinna", ""])
        writer.writerow([ATELJE, "man", ""])
    return path


def _submitted(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(
        select(func.count()).select_from(Invitation).where(Invitation.status == "submitted")
    )


def _responses(session) -> int:  # type: ignore[no-untyped-def]
    session.rollback()
    return session.scalar(select(func.count()).select_from(SurveyResponse))


def _link_token(message) -> str:  # type: ignore[no-untyped-def]
    found = LINK.search(message.get_body(("plain",)).get_content())
    assert found, message
    return found.group(1)


def test_a_round_runs_through_letter_email_kiosk_and_paper_and_counts_each_once(
    app, client, runner, db_session, tmp_path
):
    vaxt, atelje = make_unit(db_session, VAXT), make_unit(db_session, ATELJE)
    make_round(db_session, units=[vaxt, atelje], code=ROUND, help_contact="Ring Anna, 08-123 45 67")
    db_session.commit()
    make_staff(db_session, "hand@example.se", grants=[("handlaggare", vaxt.parent)])
    make_staff(db_session, "stod@example.se", grants=[("stodperson", vaxt.parent)])
    imported = runner.invoke(
        args=["invitations", "import", "--round", ROUND, str(_recipient_list(tmp_path))]
    )
    assert imported.exit_code == 0, imported.output
    staff = app.test_client()
    sign_in(staff, "hand@example.se")

    original = app.extensions["survey.settings"]
    with smtp_server() as mailbox:
        app.extensions["survey.settings"] = replace(
            original,
            mail_backend="smtp",
            smtp_host="127.0.0.1",
            smtp_port=mailbox.port,
            smtp_security="none",
            smtp_timeout=5.0,
            mail_from="Exempelkommunen <enkat@exempel.se>",
        )
        try:
            # 1. E-mail: the two with an address get their link; Anna answers from it.
            staff.post(f"{STAFF}/epost/inbjudningar")
            staff.post(f"{STAFF}/epost/inbjudningar")  # a double click queues once
            staff.post(f"{STAFF}/epost/skicka")
            assert sorted(str(m["To"]) for m in mailbox.messages) == [
                "anna@example.org",
                "bo@example.org",
            ]
            by_to = {str(m["To"]): m for m in mailbox.messages}
            anna = app.test_client()
            anna_token = _link_token(by_to["anna@example.org"])
            assert finish(anna, anna_token).status_code == 302
            anna.post(f"/r/{anna_token}/skicka")  # sent twice: counted once

            # 2. A reminder a few days later goes to Bo only, who answers from it.
            db_session.execute(
                update(OutboxMessage).values(sent_at=datetime.now(UTC) - timedelta(days=3))
            )
            db_session.commit()
            staff.post(f"{STAFF}/epost/paminnelse")
            staff.post(f"{STAFF}/epost/skicka")
            reminders = mailbox.messages[2:]
            assert [str(m["To"]) for m in reminders] == ["bo@example.org"]
            assert _link_token(reminders[0]) == _link_token(by_to["bo@example.org"])
            assert finish(app.test_client(), _link_token(reminders[0])).status_code == 302
        finally:
            app.extensions["survey.settings"] = original

    # 3. Letters for Växtverket's two without an address; one types the code from hers.
    printed = staff.post(
        f"{STAFF}/brev", data={"unit": str(vaxt.id), "language": "sv", "kind": "letters"}
    )
    assert printed.status_code == 200
    assert printed.mimetype == "application/pdf"
    codes = [
        re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page).group(0) for page in page_texts(printed.data)
    ]
    assert len(codes) == 2
    typed = app.test_client()
    found = typed.post("/kod", data={"code": codes[0].lower()})
    assert found.status_code == 302
    token = found.headers["Location"].rsplit("/", 1)[1]
    assert finish(typed, token).status_code == 302

    # 4. Kiosk: every invitation of Växtverket is handed out now, so the handläggare adds
    # one for the tablet; the next brukare answers there; after that none is left.
    tablet = app.test_client()
    sign_in(tablet, "stod@example.se")
    refused = tablet.post(f"/personal/kiosk/{ROUND}/starta", data={"unit": vaxt.id})
    assert tablet.get_cookie("brukarenkat_kiosk", path="/kiosk") is None, refused
    added = staff.post(f"{STAFF}/inbjudningar/kiosk", data={"unit": vaxt.id, "count": 1})
    assert added.status_code == 302
    sign_in(tablet, "stod@example.se")
    started = tablet.post(f"/personal/kiosk/{ROUND}/starta", data={"unit": vaxt.id})
    assert started.status_code == 302
    began = tablet.post("/kiosk", data={"lang": "sv"})
    assert began.status_code == 302
    kiosk_token = began.headers["Location"].rsplit("/", 1)[1]
    assert finish(tablet, kiosk_token).status_code == 302
    tablet.post(f"/r/{kiosk_token}/skicka")  # a second tap on "Skicka"
    assert "Det finns inga fler enkäter här" in tablet.get("/kiosk").get_data(as_text=True)
    assert tablet.post("/kiosk", data={"lang": "sv"}).status_code != 302  # takes nothing

    # 5. Paper: personal forms for Ateljén; one comes back and is typed in, twice over.
    forms = staff.post(
        f"{STAFF}/pappersenkater/utskrift", data={"unit": atelje.id, "language": "sv"}
    )
    assert forms.status_code == 200
    assert forms.mimetype == "application/pdf"
    paper_codes = sorted(
        {re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}", page).group(0) for page in page_texts(forms.data)}
    )
    assert len(paper_codes) == 2
    review = _enter_paper(staff, paper_codes[0])
    assert staff.post(review).status_code == 302
    assert staff.post(review).status_code in (302, 409)  # "Spara" sent again

    # Every channel counted once: e-mail 2, letter 1, kiosk 1, paper 1 of 7 invitations.
    assert _submitted(db_session) == 5
    assert _responses(db_session) == 5
    overview = staff.get(f"{STAFF}/oversikt").get_data(as_text=True)
    assert "5 av 7 brukare har svarat" in overview
    exported = runner.invoke(args=["indicators", "--round", ROUND, "--format", "json"])
    assert exported.exit_code == 0, exported.output
    rates = {r["unit"]: r for r in json.loads(exported.output)["response_rates"]}
    assert (rates[VAXT]["invited"], rates[VAXT]["responded"]) == (5, 4)
    assert (rates[ATELJE]["invited"], rates[ATELJE]["responded"]) == (2, 1)


def _enter_paper(staff, code: str) -> str:  # type: ignore[no-untyped-def]
    """The paper entry (code, one key per answer, read-back) for this round; returns the
    read-back's address, nothing saved yet."""
    base = f"{STAFF}/pappersenkater/mata-in"
    first = staff.post(base, data={"code": code})
    assert first.status_code == 200, first.get_data(as_text=True)[:500]
    html = first.get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', html).group(1)
    keys = {f"k-{k}": v for k, v in ALL_ONES.items() if f'name="k-{k}"' in html}
    typed = staff.post(f"{base}/svar", data={"nonce": nonce, "code": code, **keys})
    assert typed.status_code == 302, typed.get_data(as_text=True)[:500]
    return typed.headers["Location"]

"""Every staff route × every role × a unit in scope and one out of scope (SPEC §8).

The table below states, for each route, what SPEC §8 implies: the capability it needs and
whether it concerns one part of the organisation. The roles' capabilities are written out
here, apart from the code's own table, so a route registered with a weaker permission, a
role given too much, or a view that forgets its subtree check fails a row. A route added
without a row fails `test_every_staff_route_has_a_row`.

Expected: a role without the capability gets 403; with it, an object outside the person's
subtrees gets 404 (never data); otherwise the view runs (200, a redirect, or 400 for an
empty form).
"""

from __future__ import annotations

import contextlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.exceptions import HTTPException

from survey.models import (
    KioskSession,
    OrgNode,
    ReportBuild,
    ResultsLink,
    RoleGrant,
    StagedImport,
    User,
)
from survey.operations.invitations import issue_invitation
from survey.operations.users import create_user
from survey.staff.guard import ROUTES
from tests.factories import make_failed_mail, make_round, make_unit

#: What SPEC §8 and §1 give each role (written out here on purpose, not imported).
ROLE_CAN = {
    "admin": {
        "sign_in",
        "rounds",
        "manage_rounds",
        "invitations",
        "organisation",
        "users",
        "audit",
        "targets",
        "share_results",
        "run_kiosk",
    },
    # Results back to the brukare: those who see a unit's figures and meet its brukare make
    # the links (an enhetschef for their own units); a stödperson sees no figures.
    # Kiosk mode: every role may start the unit's tablet as a kiosk (SPEC §1: the stödperson
    # opens the survey for a brukare on the unit's tablet), for the units in their subtrees.
    "handlaggare": {
        "sign_in",
        "rounds",
        "manage_rounds",
        "invitations",
        "share_results",
        "run_kiosk",
    },
    "enhetschef": {"sign_in", "rounds", "share_results", "run_kiosk"},
    "stodperson": {"sign_in", "run_kiosk"},
}


@dataclass(frozen=True)
class Row:
    method: str
    #: with {round}, {node}, {parent}, {user}, {grant}, {invitation}, {results_link}, {outbox},
    #: {kiosk}
    url: str
    needs: str | None  # None: public (signed out is fine)
    scoped: bool = True
    #: Needs the capability on the whole installation (the audit log, a new root unit).
    everywhere: bool = False


MATRIX: dict[str, Row] = {
    "staff.login": Row("GET", "/personal/logga-in", None, scoped=False),
    "staff.second_factor": Row("GET", "/personal/logga-in/kod", None, scoped=False),
    "staff.reset_password": Row("GET", "/personal/aterstall/not-a-secret", None, scoped=False),
    "staff.home": Row("GET", "/personal/", "sign_in", scoped=False),
    "staff.account": Row("GET", "/personal/konto", "sign_in", scoped=False),
    "staff.change_password": Row("POST", "/personal/konto/losenord", "sign_in", scoped=False),
    "staff.enrol_second_factor": Row(
        "GET", "/personal/konto/tvastegsverifiering", "sign_in", scoped=False
    ),
    "staff.remove_second_factor": Row(
        "POST", "/personal/konto/tvastegsverifiering/ta-bort", "sign_in", scoped=False
    ),
    "staff.logout": Row("POST", "/personal/logga-ut", "sign_in", scoped=False),
    "staff.rounds_list": Row("GET", "/personal/omgangar", "rounds", scoped=False),
    "staff.round_new": Row("GET", "/personal/omgangar/ny", "manage_rounds", scoped=False),
    "staff.round_detail": Row("GET", "/personal/omgangar/{round}", "rounds"),
    "staff.round_edit": Row("GET", "/personal/omgangar/{round}/redigera", "manage_rounds"),
    "staff.round_open": Row("POST", "/personal/omgangar/{round}/oppna", "manage_rounds"),
    "staff.round_close": Row("GET", "/personal/omgangar/{round}/stang", "manage_rounds"),
    "staff.round_overview_page": Row("GET", "/personal/omgangar/{round}/oversikt", "rounds"),
    "staff.round_overview_csv": Row("GET", "/personal/omgangar/{round}/oversikt.csv", "rounds"),
    # The indicator dashboard: a unit outside the person's subtrees is 404 as well
    # (tests/integration/test_dashboard.py); changing the proxy setting changes the round.
    "staff.round_results": Row("GET", "/personal/omgangar/{round}/resultat?enhet={node}", "rounds"),
    "staff.round_results_download": Row(
        "GET", "/personal/omgangar/{round}/resultat.csv?enhet={node}", "rounds"
    ),
    "staff.round_results_proxy": Row(
        "POST", "/personal/omgangar/{round}/resultat/svar-av-annan", "manage_rounds"
    ),
    # Unit reports: one unit's PDF, the ZIP page, starting a build (400 without its form), and
    # a build's progress and file (each person's own scope; tests/integration/test_report_web).
    "staff.round_results_pdf": Row(
        "GET", "/personal/omgangar/{round}/resultat.pdf?enhet={node}", "rounds"
    ),
    "staff.round_reports": Row("GET", "/personal/omgangar/{round}/rapporter", "rounds"),
    "staff.round_reports_build": Row("POST", "/personal/omgangar/{round}/rapporter", "rounds"),
    "staff.round_reports_status": Row(
        "GET", "/personal/omgangar/{round}/rapporter/{build}.json", "rounds"
    ),
    "staff.round_reports_download": Row(
        "GET", "/personal/omgangar/{round}/rapporter/{build}.zip", "rounds"
    ),
    # Results back to the brukare: links to a unit's easy-read page, and its PDF.
    "staff.results_links": Row(
        "GET", "/personal/omgangar/{round}/resultatlankar?enhet={node}", "share_results"
    ),
    "staff.results_link_create": Row(
        "POST", "/personal/omgangar/{round}/resultatlankar", "share_results"
    ),
    "staff.results_link_revoke": Row(
        "POST",
        "/personal/omgangar/{round}/resultatlankar/{results_link}/aterkalla",
        "share_results",
    ),
    "staff.results_easy_read_pdf": Row(
        "GET", "/personal/omgangar/{round}/lattlast.pdf?enhet={node}", "rounds"
    ),
    "staff.round_invitations": Row("GET", "/personal/omgangar/{round}/inbjudningar", "invitations"),
    "staff.invitation_new": Row("GET", "/personal/omgangar/{round}/inbjudningar/ny", "invitations"),
    "staff.invitation_withdraw": Row(
        "POST", "/personal/omgangar/{round}/inbjudningar/{invitation}/aterkalla", "invitations"
    ),
    # E-mail of a round: the log, queueing, one batch now, retrying a failed message
    # (tests/integration/test_mail.py checks that no other enhet's mail is shown or sent).
    "staff.round_mail": Row("GET", "/personal/omgangar/{round}/epost", "invitations"),
    "staff.round_mail_invite": Row(
        "POST", "/personal/omgangar/{round}/epost/inbjudningar", "invitations"
    ),
    "staff.round_mail_remind": Row(
        "POST", "/personal/omgangar/{round}/epost/paminnelse", "invitations"
    ),
    "staff.round_mail_send": Row("POST", "/personal/omgangar/{round}/epost/skicka", "invitations"),
    "staff.round_mail_retry": Row(
        "POST", "/personal/omgangar/{round}/epost/{outbox}/forsok-igen", "invitations"
    ),
    "staff.round_mail_retry_all": Row(
        "POST", "/personal/omgangar/{round}/epost/forsok-igen", "invitations"
    ),
    # Kiosk mode: the page, starting a kiosk for a unit of a round (400 without its form),
    # ending one, and adding invitations only kiosks take.
    "staff.kiosk_page": Row("GET", "/personal/kiosk", "run_kiosk", scoped=False),
    "staff.kiosk_launch": Row("POST", "/personal/kiosk/{round}/starta", "run_kiosk"),
    "staff.kiosk_stop": Row("POST", "/personal/kiosk/{kiosk}/avsluta", "run_kiosk"),
    "staff.kiosk_invitations": Row(
        "GET", "/personal/omgangar/{round}/inbjudningar/kiosk", "invitations"
    ),
    "staff.recipients_upload": Row(
        "GET", "/personal/omgangar/{round}/mottagarlista", "invitations"
    ),
    "staff.recipients_confirm": Row(
        "POST", "/personal/omgangar/{round}/mottagarlista/{staged_recipients}", "invitations"
    ),
    "staff.paper_upload": Row("GET", "/personal/omgangar/{round}/pappersenkater", "invitations"),
    "staff.round_letters": Row("GET", "/personal/omgangar/{round}/brev", "invitations"),
    "staff.paper_confirm": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/{staged_paper}", "invitations"
    ),
    # Paper forms: print (a blank PDF, personalised PDFs for a unit), enter by keyboard (the
    # code, a form without a code, the answers, the read-back and its save).
    "staff.paper_print": Row(
        "GET", "/personal/omgangar/{round}/pappersenkater/utskrift", "invitations"
    ),
    "staff.paper_print_personal": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/utskrift", "invitations"
    ),
    "staff.paper_print_blank": Row(
        "GET", "/personal/omgangar/{round}/pappersenkater/utskrift/tomt.pdf", "invitations"
    ),
    "staff.paper_entry": Row(
        "GET", "/personal/omgangar/{round}/pappersenkater/mata-in", "invitations"
    ),
    "staff.paper_entry_code": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/mata-in", "invitations"
    ),
    "staff.paper_entry_uncoded": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/mata-in/utan-kod", "invitations"
    ),
    "staff.paper_entry_answers": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/mata-in/svar", "invitations"
    ),
    "staff.paper_entry_review": Row(
        "GET", "/personal/omgangar/{round}/pappersenkater/mata-in/{staged_entry}", "invitations"
    ),
    "staff.paper_entry_save": Row(
        "POST", "/personal/omgangar/{round}/pappersenkater/mata-in/{staged_entry}", "invitations"
    ),
    "staff.org_import": Row(
        "GET", "/personal/organisation/importera", "organisation", scoped=False, everywhere=True
    ),
    "staff.org_import_confirm": Row(
        "POST",
        "/personal/organisation/importera/{staged_org}",
        "organisation",
        scoped=False,
        everywhere=True,
    ),
    "staff.org_tree": Row("GET", "/personal/organisation", "rounds", scoped=False),
    "staff.org_add": Row("GET", "/personal/organisation/ny?forelder={parent}", "organisation"),
    "staff.org_rename": Row("GET", "/personal/organisation/{node}/byt-namn", "organisation"),
    "staff.org_move": Row("GET", "/personal/organisation/{node}/flytta", "organisation"),
    "staff.org_close": Row("GET", "/personal/organisation/{node}/stang", "organisation"),
    "staff.org_split": Row("GET", "/personal/organisation/{node}/dela", "organisation"),
    "staff.org_merge": Row("GET", "/personal/organisation/{node}/sla-ihop", "organisation"),
    "staff.users_list": Row("GET", "/personal/anvandare", "users", scoped=False),
    "staff.user_new": Row("GET", "/personal/anvandare/ny", "users", scoped=False),
    "staff.user_detail": Row("GET", "/personal/anvandare/{user}", "users"),
    "staff.user_grant": Row("POST", "/personal/anvandare/{user}/roller", "users"),
    "staff.user_revoke": Row("POST", "/personal/anvandare/{user}/roller/{grant}/ta-bort", "users"),
    "staff.user_active": Row("POST", "/personal/anvandare/{user}/status", "users"),
    "staff.user_reset_link": Row("POST", "/personal/anvandare/{user}/lank", "users"),
    "staff.user_remove_second_factor": Row(
        "POST", "/personal/anvandare/{user}/tvastegsverifiering", "users"
    ),
    "staff.audit_log": Row("GET", "/personal/logg", "audit", scoped=False, everywhere=True),
    # Targets: any admin; the rows a subtree admin may set are checked per unit (a unit out of
    # scope is 404, the installation's targets 403: tests/integration/test_targets.py).
    "staff.targets_page": Row("GET", "/personal/mal", "targets", scoped=False),
    "staff.targets_csv_download": Row("GET", "/personal/mal.csv", "targets", scoped=False),
    "staff.targets_import": Row("GET", "/personal/mal/importera", "targets", scoped=False),
    "staff.targets_import_confirm": Row(
        "POST", "/personal/mal/importera/{staged_targets}", "targets", scoped=False
    ),
    "staff.target_set": Row("POST", "/personal/mal/satt", "targets", scoped=False),
}

ROLES = ("admin", "handlaggare", "enhetschef", "stodperson")
#: A role on the whole installation as well as on one enhet.
SUBJECTS = (*ROLES, "admin_everywhere")


def test_every_staff_route_has_a_row(app):
    staff_endpoints = {
        rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")
    }
    assert staff_endpoints == set(MATRIX), "add a row to MATRIX for every new staff route"
    assert set(ROUTES) == set(MATRIX)


def _user(session, email, role, node):
    user = create_user(session, email=email, name=email, password=None, grants=[(role, node)])
    # An enrolled second factor, so the admin's pages are reachable.
    user.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    session.flush()
    return user


@pytest.fixture
def world(db_session):
    v1 = make_unit(db_session, "F/E1/V1")
    v2 = make_unit(db_session, "F/E1/V2")
    v3 = make_unit(db_session, "F/E2/Övre gården")
    inside = make_round(db_session, units=[v1, v2], code="INSIDE")
    outside = make_round(db_session, units=[v3], code="OUTSIDE")
    inv_in = issue_invitation(db_session, inside, v1)
    inv_out = issue_invitation(db_session, outside, v3)
    target_in = _user(db_session, "in@example.se", "stodperson", v1.parent)
    target_out = _user(db_session, "out@example.se", "stodperson", v3.parent)
    subjects = {role: _user(db_session, f"{role}@example.se", role, v1.parent) for role in ROLES}
    subjects["admin_everywhere"] = _user(db_session, "root@example.se", "admin", None)
    links = {
        round_.code: _results_link(db_session, round_, unit, subjects["admin_everywhere"])
        for round_, unit in ((inside, v1), (outside, v3))
    }
    mail = {
        round_.code: make_failed_mail(
            db_session, round_, round_.units[0].id, invitation.invitation_id
        )
        for round_, invitation in ((inside, inv_in), (outside, inv_out))
    }
    kiosks = {
        round_.code: _kiosk(db_session, round_, unit, subjects["admin_everywhere"])
        for round_, unit in ((inside, v1), (outside, v3))
    }
    db_session.commit()

    # Each person's own checked (empty) uploads, waiting for confirmation.
    staged = {}
    for subject, user in subjects.items():
        for round_ in (inside, outside):
            staged[(subject, round_.code)] = {
                f"staged_{kind}": _staged(
                    db_session, kind, round_ if kind in ("recipients", "paper") else None, user
                )
                for kind in ("recipients", "paper", "org", "targets")
            }
            staged[(subject, round_.code)]["staged_entry"] = _staged(
                db_session, "paper", round_, user, filename="entry:" + "n" * 43
            )
    db_session.commit()
    builds = {
        (subject, round_.code): _build_for(db_session, user, round_)
        for subject, user in subjects.items()
        for round_ in (inside, outside)
    }
    db_session.commit()

    def values(scope: str, subject: str = "admin") -> dict[str, object]:
        inside_scope = scope == "in"
        target = target_in if inside_scope else target_out
        grant = db_session.query(RoleGrant).filter_by(user_id=target.id).one()
        node: OrgNode = v1 if inside_scope else v3
        return {
            "round": "INSIDE" if inside_scope else "OUTSIDE",
            "node": node.id,
            "parent": node.parent_id,
            "user": target.id,
            "grant": grant.id,
            "invitation": (inv_in if inside_scope else inv_out).invitation_id,
            "build": builds[(subject, "INSIDE" if inside_scope else "OUTSIDE")],
            "results_link": links["INSIDE" if inside_scope else "OUTSIDE"],
            "outbox": mail["INSIDE" if inside_scope else "OUTSIDE"],
            "kiosk": kiosks["INSIDE" if inside_scope else "OUTSIDE"],
            **staged[(subject, "INSIDE" if inside_scope else "OUTSIDE")],
        }

    return subjects, values


def _build_for(session, user, round_) -> int:
    """A finished report ZIP of `round_` in `user`'s own scope (as their click would make)."""
    from flask import current_app, g

    from survey.staff import views_reports
    from survey.staff.accounts import load_staff_user
    from survey.staff.views_dashboard import _choice, _report

    scope = "none"  # a person who may not see the round: any build is outside their scope
    with current_app.test_request_context("/personal/"), contextlib.suppress(HTTPException):
        g.staff_access = load_staff_user(user.id).access
        scope = views_reports._scope(_choice(_report(round_), None, None))[0]
    build = ReportBuild(
        round_id=round_.id,
        tree="utforare",
        language="sv",
        scope=scope,
        version=f"v{user.id}",
        status="done",
        total=1,
        done=1,
        created_at=datetime.now(UTC),
        updated_at=datetime.now(UTC),
        finished_at=datetime.now(UTC),
        filename="r.zip",
        content=b"PK",
    )
    session.add(build)
    session.flush()
    return build.id


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
    session.flush()
    return link.id


def _kiosk(session, round_, unit, user) -> int:
    kiosk = KioskSession(
        round_id=round_.id,
        org_node_id=unit.id,
        token_hash=secrets.token_hex(32),
        started_by_id=user.id,
        started_at=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    session.add(kiosk)
    session.flush()
    return kiosk.id


def _staged(session, kind, round_, user, filename="x.csv") -> str:
    item = StagedImport(
        kind=kind,
        round_id=round_.id if round_ is not None else None,
        user_id=user.id,
        created_at=datetime.now(UTC),
        filename=filename,
        row_count=0,
        rows=[],
    )
    session.add(item)
    session.flush()
    return str(item.id)


def _sign_in_as(client, user: User) -> None:
    with client.session_transaction("/personal/") as session:
        session["_user_id"] = f"{user.id}:{user.session_version}"
        session["_fresh"] = True
        session["signed_in_at"] = session["seen_at"] = time.time()


def _expected(subject: str, row: Row, scope: str) -> str:
    role = "admin" if subject == "admin_everywhere" else subject
    if row.needs not in ROLE_CAN[role]:
        return "403"
    if row.everywhere and subject != "admin_everywhere":
        return "403"
    if row.scoped and scope == "out" and subject != "admin_everywhere":
        return "404"
    return "allowed"


def _outcome(status: int) -> str:
    if status == 403:
        return "403"
    if status == 404:
        return "404"
    assert status in {200, 302, 400}, f"unexpected status {status}"
    return "allowed"


@pytest.mark.parametrize("subject", SUBJECTS)
@pytest.mark.parametrize("endpoint", sorted(e for e, r in MATRIX.items() if r.needs))
def test_route_by_role_and_scope(app, world, subject, endpoint):
    subjects, values = world
    row = MATRIX[endpoint]
    for scope in ("in", "out") if row.scoped else ("in",):
        client = app.test_client()
        _sign_in_as(client, subjects[subject])
        url = row.url.format(**values(scope, subject))
        response = client.open(url, method=row.method)
        assert _outcome(response.status_code) == _expected(subject, row, scope), (
            f"{subject} {row.method} {url} ({scope} of scope) gave {response.status_code}"
        )
        if response.status_code == 404:
            body = response.get_data(as_text=True)
            assert "Övre gården" not in body  # the page names nothing of the other subtree


@pytest.mark.parametrize("endpoint", sorted(e for e, r in MATRIX.items() if r.needs))
def test_signed_out_goes_to_sign_in(app, world, endpoint):
    _, values = world
    row = MATRIX[endpoint]
    response = app.test_client().open(row.url.format(**values("in")), method=row.method)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/personal/logga-in")


@pytest.mark.parametrize("endpoint", sorted(e for e, r in MATRIX.items() if not r.needs))
def test_public_staff_routes(app, world, endpoint):
    row = MATRIX[endpoint]
    response = app.test_client().open(row.url, method=row.method)
    assert response.status_code in {200, 302, 404}

"""E-mail of a round (/personal/omgangar/<code>/epost): the sending log (queued, being sent,
sent, failed, cancelled, per kind), queue invitations and reminders, send one bounded batch
now, and retry failed messages.

Who: Permission.MANAGE_INVITATIONS, for the units in their subtrees only: a handläggare of
one enhet queues, sends, counts and sees the failures of that enhet's invitations, never
another's. Every button is a CSRF-protected POST that is safe to send twice (queueing skips
what exists, a retry only touches failed messages, a batch claims what is due).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from survey.clock import local_today
from survey.domain.access import Permission
from survey.domain.mail_rules import MailRefused
from survey.extensions import db
from survey.mail.transport import make_transport
from survey.mail.worker import send_batch
from survey.models import OutboxMessage, Round
from survey.operations import audit
from survey.operations import outbox as outbox_ops
from survey.queries.outbox import failed_messages, mail_log
from survey.queries.rounds import round_units_in_scope
from survey.staff.forms import ConfirmForm
from survey.staff.guard import current_access, route
from survey.staff.views_rounds import _round_or_404

#: "Skicka nu" sends at most this many messages in the request, and stops after
#: SEND_NOW_SECONDS (the rest wait for the next click or `mail send`).
SEND_NOW_BATCH = 50
SEND_NOW_SECONDS = 8.0
#: How long the request waits for the mail server at most, whatever SMTP_TIMEOUT says.
SEND_NOW_TIMEOUT = 5.0

ERROR_TEXTS = {
    "rejected": _l("The mail server refused the message."),
    "deferred": _l("The mail server asked us to try again later."),
    "unreachable": _l("The mail server could not be reached."),
    "gave_up": _l("Tried several times without success."),
    "interrupted": _l(
        "Sending stopped half-way: the message may have arrived. Check with the brukare "
        "before you send it again."
    ),
    "invalid_address": _l("The e-mail address is not valid."),
    "no_address": _l("The invitation has no e-mail address any more."),
    "answered": _l("The brukare has already answered."),
    "withdrawn": _l("The invitation is withdrawn."),
    "round_closed": _l("The round is closed."),
    "round_ended": _l("The round has ended."),
}

REFUSALS = {
    "round_closed": _l("The round is closed. Its e-mail addresses are deleted."),
    "round_draft": _l("The round is a draft. Open it before sending e-mail."),
    "round_not_open_yet": _l("The round opens on %(opens)s. Send the e-mail from that day."),
    "round_ended": _l("The round ended on %(closes)s."),
}


def _scope(round_: Round) -> set[int] | None:
    """The round's units where the person manages invitations (None: all of them)."""
    access = current_access()
    if access.everywhere(Permission.MANAGE_INVITATIONS):
        return None
    units = round_units_in_scope(db.session, access, round_, Permission.MANAGE_INVITATIONS)
    if not units:
        abort(404)
    return {unit.id for unit in units}


def _refusal(refusal: MailRefused) -> str:
    template = REFUSALS.get(refusal.code)
    return str(template) % refusal.params if template else refusal.message


def _back(code: str) -> ResponseReturnValue:
    return redirect(url_for("staff.round_mail", code=code))


@route("/omgangar/<code>/epost", permission=Permission.MANAGE_INVITATIONS)
def round_mail(code: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    units = _scope(round_)
    now = datetime.now(UTC)
    log = mail_log(db.session, round_.id, units, now)
    settings = current_app.extensions["survey.settings"]
    return render_template(
        "staff/mail.html",
        round_=round_,
        log=log,
        failed=failed_messages(db.session, round_.id, units),
        form=ConfirmForm(),
        can_send=round_.is_open_on(local_today()),
        console=settings.mail_backend == "console",
        error_texts=ERROR_TEXTS,
        send_now_batch=SEND_NOW_BATCH,
        next_due=(
            format_datetime(log.next_due, "short")
            if log.next_due is not None and log.total("queued") and _later(log.next_due, now)
            else None
        ),
    )


def _later(when: datetime, now: datetime) -> bool:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when > now


def _queue(code: str, kind: str) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    units = _scope(round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    queue = outbox_ops.queue_invitations if kind == "invitation" else outbox_ops.queue_reminders
    try:
        queued = queue(
            db.session,
            round_,
            today=local_today(),
            now=datetime.now(UTC),
            unit_ids=units,
            user_id=current_user.id,
        )
    except MailRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal), "error")
        return _back(code)
    db.session.commit()
    if kind == "invitation":
        text = (
            _(
                "%(n)s invitations are queued. Press “Send now”, or they go within minutes.",
                n=queued,
            )
            if queued
            else _("No new invitations to send: everyone with an address has had one.")
        )
    else:
        text = (
            _("%(n)s reminders are queued. Press “Send now”, or they go within minutes.", n=queued)
            if queued
            else _(
                "No reminders to send: everyone who has not answered has had a message "
                "in the last day, or has no address."
            )
        )
    flash(text, "success")
    return _back(code)


@route(
    "/omgangar/<code>/epost/inbjudningar",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def round_mail_invite(code: str) -> ResponseReturnValue:
    return _queue(code, "invitation")


@route(
    "/omgangar/<code>/epost/paminnelse", permission=Permission.MANAGE_INVITATIONS, methods=("POST",)
)
def round_mail_remind(code: str) -> ResponseReturnValue:
    return _queue(code, "reminder")


@route("/omgangar/<code>/epost/skicka", permission=Permission.MANAGE_INVITATIONS, methods=("POST",))
def round_mail_send(code: str) -> ResponseReturnValue:
    """One bounded batch in the request: at most SEND_NOW_BATCH messages, SEND_NOW_SECONDS."""
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    units = _scope(round_)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    round_id = round_.id
    settings = current_app.extensions["survey.settings"]
    quick = replace(settings, smtp_timeout=min(settings.smtp_timeout, SEND_NOW_TIMEOUT))
    db.session.commit()
    result = send_batch(
        db.session,
        limit=SEND_NOW_BATCH,
        round_id=round_id,
        unit_ids=units,
        seconds=SEND_NOW_SECONDS,
        transport=make_transport(quick),
    )
    audit.record(
        db.session,
        "mail.send",
        user_id=current_user.id,
        detail={
            "round": code,
            "sent": result.sent,
            "retrying": result.retrying,
            "failed": result.failed,
            "cancelled": result.cancelled,
        },
    )
    db.session.commit()
    if result.problem:
        flash(
            _(
                "Could not reach the mail server (%(reason)s). Nothing was lost: the messages "
                "wait and are tried again later.",
                reason=result.problem,
            ),
            "error",
        )
    elif result.claimed == 0:
        flash(_("Nothing to send right now."), "success")
    else:
        flash(
            _(
                "%(sent)s sent, %(retrying)s to try again later, %(failed)s failed, "
                "%(cancelled)s no longer needed.",
                sent=result.sent,
                retrying=result.retrying,
                failed=result.failed,
                cancelled=result.cancelled,
            ),
            "success" if not result.failed else "error",
        )
    if result.released:
        flash(
            _("%(n)s more wait in the queue. Press “Send now” again.", n=result.released), "success"
        )
    return _back(code)


def _retry(code: str, message_id: int | None) -> ResponseReturnValue:
    round_ = _round_or_404(code, Permission.MANAGE_INVITATIONS)
    units = _scope(round_)
    if message_id is not None:
        message = db.session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.id == message_id, OutboxMessage.round_id == round_.id
            )
        )
        if message is None or (units is not None and message.org_node_id not in units):
            abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        retried = outbox_ops.retry_failed(
            db.session,
            round_,
            now=datetime.now(UTC),
            today=local_today(),
            message_ids=[message_id] if message_id is not None else None,
            unit_ids=units,
            user_id=current_user.id,
        )
    except MailRefused as refusal:
        db.session.rollback()
        flash(_refusal(refusal), "error")
        return _back(code)
    db.session.commit()
    flash(
        _("%(n)s messages are queued again.", n=retried)
        if retried
        else _("Nothing to retry: the message is no longer failed."),
        "success",
    )
    return _back(code)


@route(
    "/omgangar/<code>/epost/<int:message_id>/forsok-igen",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def round_mail_retry(code: str, message_id: int) -> ResponseReturnValue:
    return _retry(code, message_id)


@route(
    "/omgangar/<code>/epost/forsok-igen",
    permission=Permission.MANAGE_INVITATIONS,
    methods=("POST",),
)
def round_mail_retry_all(code: str) -> ResponseReturnValue:
    return _retry(code, None)

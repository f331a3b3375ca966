"""Where a message goes: an SMTP server (one connection per batch, reused, reconnected once
when the server has dropped it) or standard output (MAIL_BACKEND=console, for a laptop).

`send()` reports the outcome by raising: Rejected (the server refused this message; 4xx is
transient, 5xx permanent) or Unreachable (no working connection: refused, timed out, TLS or
sign-in failed, dropped mid-message). Before the message itself goes (after the server has
accepted the recipient) it calls `before_data()`, which commits that the send has begun;
when that returns False the message is skipped (the claim is no longer ours).
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import sys
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import IO, Protocol

from survey.domain.mail_rules import clean_reason, is_transient
from survey.settings import Settings


class Rejected(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @property
    def transient(self) -> bool:
        return is_transient(self.code)


class Unreachable(Exception):
    """No connection to the server that works (the message is not to blame)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transport(Protocol):
    def send(self, message: EmailMessage, to: str, before_data: Callable[[], bool]) -> bool: ...

    def close(self) -> None: ...


class ConsoleTransport:
    """Prints each message (headers and the plain text with the link) instead of sending."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send(self, message: EmailMessage, to: str, before_data: Callable[[], bool]) -> bool:
        if not before_data():
            return False
        out = self.stream or sys.stdout
        body = message.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        out.write(
            f"----- e-mail (MAIL_BACKEND=console) -----\n"
            f"From: {message['From']}\nTo: {to}\nSubject: {message['Subject']}\n"
            f"Message-ID: {message['Message-ID']}\n\n{text.rstrip()}\n"
            "----- end of e-mail -----\n"
        )
        out.flush()
        return True

    def close(self) -> None:
        pass


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sender = parseaddr(settings.mail_from)[1]
        self._smtp: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        return f"{self.settings.smtp_host}:{self.settings.smtp_port}"

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.smtp_security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=s.smtp_timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            smtp.ehlo()
            if s.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except smtplib.SMTPAuthenticationError as error:
            raise Unreachable(
                f"{self.where}: sign-in refused ({clean_reason(error.smtp_code, error.smtp_error)})"
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise Unreachable(f"{self.where}: the server offers no STARTTLS") from None
        except smtplib.SMTPResponseException as error:
            raise Unreachable(
                f"{self.where}: {clean_reason(error.smtp_code, error.smtp_error)}"
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            raise Unreachable(f"{self.where}: {_describe(error)}") from None
        return smtp

    def send(self, message: EmailMessage, to: str, before_data: Callable[[], bool]) -> bool:
        for attempt in (1, 2):
            fresh = self._smtp is None
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                return self._transaction(self._smtp, message, to, before_data)
            except _Dropped as dropped:
                self._drop()
                # A connection kept from the previous message may have timed out on the
                # server: one new connection, and only if this message had not begun.
                if fresh or attempt == 2 or dropped.begun:
                    raise Unreachable(f"{self.where}: {dropped.reason}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _transaction(
        self, smtp: smtplib.SMTP, message: EmailMessage, to: str, before_data: Callable[[], bool]
    ) -> bool:
        begun = False
        try:
            code, reply = smtp.mail(self.sender)
            if code != 250:
                self._refused(smtp, code, reply)
            code, reply = smtp.rcpt(to)
            if code not in (250, 251):
                self._refused(smtp, code, reply)
            if not before_data():
                smtp.rset()
                return False
            begun = True
            code, reply = smtp.data(message.as_bytes(policy=policy.SMTP))
            if code != 250:
                self._refused(smtp, code, reply)
            return True
        except smtplib.SMTPDataError as error:
            self._refused(smtp, error.smtp_code, error.smtp_error)
        except (smtplib.SMTPServerDisconnected, OSError) as error:
            raise _Dropped(_describe(error), begun) from None
        return False  # pragma: no cover

    def _refused(self, smtp: smtplib.SMTP, code: int, reply: bytes | str) -> None:
        reason = clean_reason(code, reply)
        if code == 421:
            # "Service not available, closing": the connection is gone with it.
            self._drop()
        else:
            try:
                smtp.rset()
            except (smtplib.SMTPException, OSError):
                self._drop()
        raise Rejected(code, reason)

    def _drop(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError):
                self._smtp.close()
        self._smtp = None

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()
        self._drop()


class _Dropped(Exception):
    def __init__(self, reason: str, begun: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.begun = begun


def _describe(error: BaseException) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, TimeoutError):
        return "no answer (timed out)"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed ({error.reason or error})"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return "the server closed the connection"
    text = str(error) or type(error).__name__
    return clean_reason(None, text)


def make_transport(settings: Settings) -> Transport:
    if settings.mail_backend == "smtp":
        return SmtpTransport(settings)
    return ConsoleTransport()

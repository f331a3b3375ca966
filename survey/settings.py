"""Application settings: one frozen object, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

#: The checkout's instance/ folder, beside the package (the supported install is editable).
DEFAULT_INSTANCE = Path(__file__).resolve().parent.parent / "instance"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    default_locale: str = "sv"
    suppression_threshold: int = 5
    #: Decimals of the percentages in unit reports (PDF): 0 (the annual reports' habit) or 1.
    report_decimals: int = 0
    #: Submitted responses are written to the response tables this many at a time, in one
    #: transaction, in the order of their random ids, so a transaction id or its neighbour
    #: points at no single person (README, Privacy). 1 writes each at once. Round close
    #: writes the rest.
    response_batch_size: int = 5
    #: Storage for Flask-Limiter; "memory://" is per process, use redis:// with several workers.
    ratelimit_storage_url: str = "memory://"
    code_entry_limit: str = "10 per minute;100 per hour"
    max_content_length: int = 64 * 1024
    testing: bool = False
    csrf_enabled: bool = True
    ratelimit_enabled: bool = True
    session_cookie_secure: bool = False
    #: How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
    #: 0 (the default) trusts none of those headers: a client could forge them.
    trusted_proxy_hops: int = 0
    #: Where the SQLite database (by default) and the generated secret key live.
    instance_path: Path = DEFAULT_INSTANCE
    #: Where a person reports an accessibility problem (the municipality's own words, e.g.
    #: "Exempelkommunen, tillganglighet@exempel.se, 0123-45 67 89"); "" shows a default text.
    accessibility_contact: str = ""
    #: When the municipality last reviewed the accessibility statement; None: when it was written.
    accessibility_reviewed_on: date | None = None
    #: An answer that arrives sooner than this after its question page was rendered is a
    #: double tap meant for the page before, not an answer: the question is shown again and
    #: nothing is saved. Well under a deliberate tap (reading takes longer); 0 switches it off.
    answer_min_seconds: float = 0.5
    #: Staff sessions end after this long without a request, and after this long in all.
    staff_idle_minutes: int = 30
    staff_absolute_hours: int = 12
    #: A kiosk (a unit's tablet starting a fresh survey for each brukare) ends by itself this
    #: long after a member of staff started it.
    kiosk_hours: int = 12
    #: A kiosk survey untouched this long goes back to the kiosk start (after an "Are you
    #: still there?" warning; the answers stay saved). Without JavaScript nothing times out.
    kiosk_idle_minutes: float = 5.0
    #: How long that warning shows before the kiosk goes back (WCAG 2.2.1: at least 20 s).
    kiosk_warning_seconds: int = 30
    #: The thank-you page of a kiosk survey goes back to the kiosk start after this long.
    kiosk_thanks_seconds: int = 25
    #: Sign-in attempts: per client address, and per account (whatever the address).
    login_address_limit: str = "20 per minute;200 per hour"
    login_account_limit: str = "5 per minute;30 per hour"
    #: The address brukare reach the app at (e.g. https://enkat.exempel.se), for the links
    #: in letters, QR codes and e-mails; "" uses the address of the request (the web) or
    #: http://127.0.0.1:5000 (the command line).
    public_url: str = ""
    #: E-mail (survey/mail/): "smtp" sends through SMTP_HOST, "console" prints each message
    #: to standard output instead (a laptop, the demo). Default: smtp when SMTP_HOST is set.
    mail_backend: str = "console"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    #: "starttls" (port 587), "ssl" (implicit TLS, port 465) or "none" (port 25, a relay on
    #: the same machine or network).
    smtp_security: str = "starttls"
    #: Seconds to wait for the SMTP server on connect and on every reply.
    smtp_timeout: float = 20.0
    #: The sender, "noreply@kommun.se" or "Exempelkommunen <noreply@kommun.se>".
    mail_from: str = "noreply@localhost"
    #: A message claimed by a worker that stopped is given back after this many seconds.
    mail_lease_seconds: int = 300

    @classmethod
    def from_env(
        cls, instance: Path | None = None, env: Mapping[str, str] = os.environ
    ) -> Settings:
        instance = Path(instance or env.get("INSTANCE_PATH") or DEFAULT_INSTANCE)
        hops = int(env.get("TRUSTED_PROXY_HOPS", "0"))
        if hops < 0:
            raise ValueError("TRUSTED_PROXY_HOPS must be 0 or more")
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'survey.sqlite'}",
            secret_key=env.get("SECRET_KEY") or instance_secret(instance),
            default_locale=env.get("DEFAULT_LOCALE", "sv"),
            suppression_threshold=int(env.get("SUPPRESSION_THRESHOLD", "5")),
            report_decimals=_report_decimals(env.get("REPORT_DECIMALS", "0")),
            response_batch_size=max(1, int(env.get("RESPONSE_BATCH_SIZE", "5"))),
            ratelimit_storage_url=env.get("RATELIMIT_STORAGE_URL", "memory://"),
            code_entry_limit=env.get("CODE_ENTRY_LIMIT", "10 per minute;100 per hour"),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "0") == "1",
            trusted_proxy_hops=hops,
            instance_path=instance,
            accessibility_contact=env.get("ACCESSIBILITY_CONTACT", "").strip(),
            accessibility_reviewed_on=_iso_date(env.get("ACCESSIBILITY_REVIEWED_ON")),
            answer_min_seconds=float(env.get("ANSWER_MIN_SECONDS", "0.5")),
            staff_idle_minutes=int(env.get("STAFF_IDLE_MINUTES", "30")),
            staff_absolute_hours=int(env.get("STAFF_ABSOLUTE_HOURS", "12")),
            kiosk_hours=_at_least(1, int(env.get("KIOSK_HOURS", "12")), "KIOSK_HOURS"),
            kiosk_idle_minutes=_at_least(
                1, float(env.get("KIOSK_IDLE_MINUTES", "5")), "KIOSK_IDLE_MINUTES"
            ),
            login_address_limit=env.get("LOGIN_ADDRESS_LIMIT", "20 per minute;200 per hour"),
            login_account_limit=env.get("LOGIN_ACCOUNT_LIMIT", "5 per minute;30 per hour"),
            public_url=_public_url(env.get("PUBLIC_URL", "")),
            **_mail_settings(env),
        )

    def flask_config(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(self.database_url),
            # No SQL parameters (invitation ids, answers, free text) in exceptions and logs.
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
            "TESTING": self.testing,
            "WTF_CSRF_ENABLED": self.csrf_enabled,
            # A respondent may need an hour on one question; the CSRF token must outlive that
            # (WCAG 2.2.1: no silent time-out). The session cookie carries it.
            "WTF_CSRF_TIME_LIMIT": None,
            "MAX_CONTENT_LENGTH": self.max_content_length,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.session_cookie_secure,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "RATELIMIT_ENABLED": self.ratelimit_enabled,
            "RATELIMIT_HEADERS_ENABLED": False,
        }


_Number = TypeVar("_Number", int, float)


def _at_least(minimum: _Number, value: _Number, name: str) -> _Number:
    if value < minimum:
        raise ValueError(f"{name} must be {minimum} or more")
    return value


def _iso_date(value: str | None) -> date | None:
    """A date such as 2027-03-01; a malformed one stops the start (ValueError), never silently."""
    return date.fromisoformat(value.strip()) if value and value.strip() else None


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs (as hosting platforms give them) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance: Path) -> str:
    """Read instance/secret_key, creating it (mode 0600) on first run."""
    path = instance / "secret_key"
    make_private_directory(instance)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def make_private_directory(path: Path) -> None:
    """Create `path` readable by this user only (0700), tightening an existing one.

    Shared tablets and shared servers: the instance folder holds the database and the key.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o777 != 0o700:
        path.chmod(0o700)


def _report_decimals(text: str) -> int:
    if text.strip() not in ("0", "1"):
        raise ValueError("REPORT_DECIMALS must be 0 or 1")
    return int(text)


MAIL_BACKENDS = ("smtp", "console")
SMTP_SECURITIES = {"starttls": 587, "ssl": 465, "none": 25}


def _mail_settings(env: Mapping[str, str]) -> dict[str, object]:
    """The SMTP_* and MAIL_* variables; a bad value stops the start with a clear message."""
    from email.utils import parseaddr

    host = env.get("SMTP_HOST", "").strip()
    backend = env.get("MAIL_BACKEND", "").strip().lower() or ("smtp" if host else "console")
    if backend not in MAIL_BACKENDS:
        raise ValueError("MAIL_BACKEND must be smtp or console")
    if backend == "smtp" and not host:
        raise ValueError("MAIL_BACKEND=smtp needs SMTP_HOST (the mail server's name)")
    security = env.get("SMTP_SECURITY", "").strip().lower() or "starttls"
    if security not in SMTP_SECURITIES:
        raise ValueError("SMTP_SECURITY must be starttls, ssl or none")
    port_text = env.get("SMTP_PORT", "").strip()
    try:
        port = int(port_text) if port_text else SMTP_SECURITIES[security]
    except ValueError:
        raise ValueError("SMTP_PORT must be a port number such as 587") from None
    if not 0 < port < 65536:
        raise ValueError("SMTP_PORT must be a port number such as 587")
    try:
        timeout = float(env.get("SMTP_TIMEOUT", "20"))
    except ValueError:
        raise ValueError("SMTP_TIMEOUT must be a number of seconds") from None
    if timeout <= 0:
        raise ValueError("SMTP_TIMEOUT must be a number of seconds")
    user = env.get("SMTP_USER", "")
    password = env.get("SMTP_PASSWORD", "")
    if bool(user) != bool(password):
        raise ValueError("SMTP_USER and SMTP_PASSWORD go together: set both or neither")
    mail_from = env.get("MAIL_FROM", "").strip() or "noreply@localhost"
    address = parseaddr(mail_from)[1]
    if "@" not in address or any(ch in mail_from for ch in "\r\n"):
        raise ValueError("MAIL_FROM must be an address such as noreply@kommun.se")
    lease = int(env.get("MAIL_LEASE_SECONDS", "300"))
    if lease < 1:
        raise ValueError("MAIL_LEASE_SECONDS must be 1 or more")
    return {
        "mail_backend": backend,
        "smtp_host": host,
        "smtp_port": port,
        "smtp_user": user,
        "smtp_password": password,
        "smtp_security": security,
        "smtp_timeout": timeout,
        "mail_from": mail_from,
        "mail_lease_seconds": lease,
    }


def _public_url(text: str) -> str:
    """An http(s) address without a trailing slash; a malformed one stops the start."""
    url = text.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError("PUBLIC_URL must look like https://enkat.exempel.se")
    return url

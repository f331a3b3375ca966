"""Application settings: one frozen object, read from the environment in one place."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    secret_key: str = field(repr=False)
    default_locale: str = "sv"
    suppression_threshold: int = 5
    #: Storage for Flask-Limiter; "memory://" is per process, use redis:// with several workers.
    ratelimit_storage_url: str = "memory://"
    code_entry_limit: str = "10 per minute;100 per hour"
    max_content_length: int = 64 * 1024
    testing: bool = False
    csrf_enabled: bool = True
    ratelimit_enabled: bool = True
    session_cookie_secure: bool = False
    #: An answer that arrives sooner than this after its question page was rendered is a
    #: double tap meant for the page before, not an answer: the question is shown again and
    #: nothing is saved. Well under a deliberate tap (reading takes longer); 0 switches it off.
    answer_min_seconds: float = 0.5

    @classmethod
    def from_env(cls, instance: Path, env: Mapping[str, str] = os.environ) -> Settings:
        return cls(
            database_url=env.get("DATABASE_URL") or f"sqlite:///{instance / 'survey.sqlite'}",
            secret_key=env.get("SECRET_KEY") or instance_secret(instance),
            default_locale=env.get("DEFAULT_LOCALE", "sv"),
            suppression_threshold=int(env.get("SUPPRESSION_THRESHOLD", "5")),
            ratelimit_storage_url=env.get("RATELIMIT_STORAGE_URL", "memory://"),
            code_entry_limit=env.get("CODE_ENTRY_LIMIT", "10 per minute;100 per hour"),
            session_cookie_secure=env.get("SESSION_COOKIE_SECURE", "0") == "1",
            answer_min_seconds=float(env.get("ANSWER_MIN_SECONDS", "0.5")),
        )

    def flask_config(self) -> dict[str, object]:
        return {
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(self.database_url),
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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


def normalise_database_url(url: str) -> str:
    """Accept plain postgres:// URLs (as hosting platforms give them) and use psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def instance_secret(instance: Path) -> str:
    """Read instance/secret_key, creating it (mode 0600) on first run."""
    path = instance / "secret_key"
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()

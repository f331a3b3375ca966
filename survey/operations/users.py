"""Staff accounts: create, grant and revoke roles, passwords, reset links, second factor."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey.domain.access import ROLES, password_problem
from survey.domain.passwords import digest, hash_password, needs_rehash, new_reset_secret
from survey.domain.passwords import verify_password as _verify
from survey.models import OrgNode, RoleGrant, User
from survey.operations import audit

RESET_LINK_LIFETIME = timedelta(hours=72)


class AccountRefused(Exception):
    """A change to an account that the rules do not allow; `code` says which rule."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def _check_email(email: str) -> str:
    email = normalise_email(email)
    local, _, domain = email.partition("@")
    if not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountRefused("bad_email", email=email)
    return email


def _check_password(password: str) -> None:
    problem = password_problem(password)
    if problem is not None:
        raise AccountRefused(f"password_{problem}")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    grants: Iterable[tuple[str, OrgNode | None]] = (),
    by_user_id: int | None = None,
) -> User:
    """A new account. Without a password it cannot sign in until a reset link is used."""
    email = _check_email(email)
    if find_user(session, email) is not None:
        raise AccountRefused("email_taken", email=email)
    if password is not None:
        _check_password(password)
    user = User(
        email=email,
        name=name.strip() or email,
        # An unusable hash (no password hashes to it) until the person sets one.
        password_hash=hash_password(password) if password is not None else "!",
        is_active=True,
        created_at=datetime.now(UTC),
    )
    session.add(user)
    session.flush()
    for role, node in grants:
        grant_role(session, user, role, node, by_user_id=by_user_id, audited=False)
    audit.record(
        session,
        "user.create",
        user_id=by_user_id,
        detail={"email": email, "grants": [_grant_text(r, n) for r, n in grants]},
    )
    return user


def _grant_text(role: str, node: OrgNode | None) -> str:
    return f"{role}@{node.path() if node is not None else '*'}"


def grant_role(
    session: Session,
    user: User,
    role: str,
    node: OrgNode | None,
    *,
    by_user_id: int | None = None,
    audited: bool = True,
) -> RoleGrant:
    if role not in ROLES:
        raise AccountRefused("unknown_role", role=role)
    node_id = node.id if node is not None else None
    for existing in user.grants:
        if existing.role == role and existing.org_node_id == node_id:
            return existing
    grant = RoleGrant(user=user, role=role, org_node_id=node_id)
    session.add(grant)
    session.flush()
    if audited:
        audit.record(
            session,
            "user.grant",
            user_id=by_user_id,
            detail={"email": user.email, "grant": _grant_text(role, node)},
        )
    return grant


def revoke_grant(session: Session, grant: RoleGrant, *, by_user_id: int | None = None) -> None:
    user = grant.user
    text = _grant_text(grant.role, grant.org_node)
    user.grants.remove(grant)
    session.delete(grant)
    user.session_version += 1
    session.flush()
    audit.record(
        session, "user.revoke", user_id=by_user_id, detail={"email": user.email, "grant": text}
    )


def check_password(session: Session, user: User, password: str) -> bool:
    """Verify, and upgrade the hash's parameters when argon2's defaults have moved on."""
    if not _verify(user.password_hash, password):
        return False
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return True


def verify_absent_user(password: str) -> None:
    """Spend one verification, as for a real account, so timing does not tell who exists."""
    _verify(None, password)


def set_password(
    session: Session, user: User, password: str, *, by_user_id: int | None = None
) -> None:
    _check_password(password)
    user.password_hash = hash_password(password)
    user.session_version += 1  # every other session of this account ends
    user.reset_token_hash = None
    user.reset_expires_at = None
    session.flush()
    audit.record(
        session, "user.password", user_id=by_user_id or user.id, detail={"email": user.email}
    )


def set_active(
    session: Session, user: User, active: bool, *, by_user_id: int | None = None
) -> None:
    if user.id == by_user_id and not active:
        raise AccountRefused("cannot_disable_self")
    user.is_active = active
    user.session_version += 1
    if not active:
        user.reset_token_hash = None
        user.reset_expires_at = None
    session.flush()
    audit.record(
        session,
        "user.enable" if active else "user.disable",
        user_id=by_user_id,
        detail={"email": user.email},
    )


def issue_reset_link(session: Session, user: User, *, by_user_id: int | None = None) -> str:
    """A one-time secret for /personal/aterstall/<secret>; only its digest is stored."""
    if not user.is_active:
        raise AccountRefused("account_disabled")
    secret, hashed = new_reset_secret()
    user.reset_token_hash = hashed
    user.reset_expires_at = datetime.now(UTC) + RESET_LINK_LIFETIME
    session.flush()
    audit.record(session, "user.reset_link", user_id=by_user_id, detail={"email": user.email})
    return secret


def user_for_reset(session: Session, secret: str, now: datetime | None = None) -> User | None:
    if not secret or len(secret) > 100:
        return None
    user = session.scalar(select(User).where(User.reset_token_hash == digest(secret)))
    now = now or datetime.now(UTC)
    if user is None or not user.is_active or user.reset_expires_at is None:
        return None
    expires = user.reset_expires_at
    if expires.tzinfo is None:  # SQLite hands back naive datetimes
        expires = expires.replace(tzinfo=UTC)
    return user if now <= expires else None


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(user: User, secret: str, issuer: str = "Brukarenkät") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def accept_totp(
    session: Session, user: User, secret: str, code: str, now: datetime | None = None
) -> bool:
    """Check a six-digit code (±30 s of drift); a time step can be used only once."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    moment = now or datetime.now(UTC)
    step_now = totp.timecode(moment)
    for offset in (0, -1, 1):
        step = step_now + offset
        if totp.at(step * totp.interval) == code:
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            session.flush()
            return True
    return False


def enrol_totp(session: Session, user: User, secret: str, code: str) -> bool:
    if not accept_totp(session, user, secret, code):
        return False
    user.totp_secret = secret
    session.flush()
    audit.record(session, "user.totp_enrol", user_id=user.id, detail={"email": user.email})
    return True


def remove_totp(session: Session, user: User, *, by_user_id: int | None = None) -> None:
    user.totp_secret = None
    user.totp_last_step = None
    user.session_version += 1
    session.flush()
    audit.record(session, "user.totp_remove", user_id=by_user_id, detail={"email": user.email})

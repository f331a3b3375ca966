"""Background builds of a round's report ZIP: start once, beat, finish or fail.

`start_build` is the one place that decides whether a click starts a build: the unique key
(round, hierarchy, language, scope, data version) lets only one row exist, and a build is
taken over only when it failed or its worker stopped beating. The edge commits, then starts
the work only when `started` is true, so a second click (in any worker) joins the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey.models import ReportBuild

#: A build whose heartbeat is older than this is taken to have died with its worker.
STALE_AFTER = timedelta(seconds=90)


@dataclass(frozen=True, slots=True)
class BuildKey:
    round_id: int
    tree: str
    language: str
    scope: str
    version: str


def _find(session: Session, key: BuildKey) -> ReportBuild | None:
    return session.scalar(
        select(ReportBuild).where(
            ReportBuild.round_id == key.round_id,
            ReportBuild.tree == key.tree,
            ReportBuild.language == key.language,
            ReportBuild.scope == key.scope,
            ReportBuild.version == key.version,
        )
    )


def start_build(
    session: Session,
    key: BuildKey,
    *,
    total: int,
    filename: str,
    user_id: int | None,
    now: datetime,
) -> tuple[ReportBuild, bool]:
    """The build for `key` and whether this call started it (False: one is running or done)."""
    existing = _find(session, key)
    if existing is None:
        build = ReportBuild(
            round_id=key.round_id,
            tree=key.tree,
            language=key.language,
            scope=key.scope,
            version=key.version,
            status="building",
            done=0,
            total=total,
            created_by=user_id,
            created_at=now,
            updated_at=now,
            filename=filename,
        )
        try:
            with session.begin_nested():
                session.add(build)
                session.flush()
        except IntegrityError:
            # Another worker inserted the same build a moment ago: join it.
            existing = _find(session, key)
            if existing is None:
                raise
            return existing, False
        return build, True
    if existing.status == "done":
        return existing, False
    # Take over a failed build, or one whose worker stopped beating; one taker wins.
    taken = session.execute(
        update(ReportBuild)
        .where(
            ReportBuild.id == existing.id,
            or_(ReportBuild.status == "failed", ReportBuild.updated_at < now - STALE_AFTER),
        )
        .values(
            status="building",
            done=0,
            total=total,
            updated_at=now,
            created_by=user_id,
            created_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(existing)
    return existing, taken.rowcount == 1


def record_progress(session: Session, build_id: int, done: int, now: datetime) -> None:
    session.execute(
        update(ReportBuild)
        .where(ReportBuild.id == build_id, ReportBuild.status == "building")
        .values(done=done, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def finish_build(session: Session, build_id: int, content: bytes, now: datetime) -> None:
    """Store the ZIP and drop the same scope's builds of older data (they are out of date)."""
    build = session.get(ReportBuild, build_id)
    if build is None:
        return
    build.content = content
    build.size = len(content)
    build.status = "done"
    build.done = build.total
    build.updated_at = now
    build.finished_at = now
    session.execute(
        delete(ReportBuild).where(
            ReportBuild.round_id == build.round_id,
            ReportBuild.tree == build.tree,
            ReportBuild.language == build.language,
            ReportBuild.scope == build.scope,
            ReportBuild.id != build.id,
            ReportBuild.status != "building",
        )
    )
    session.flush()


def fail_build(session: Session, build_id: int, now: datetime) -> None:
    session.execute(
        update(ReportBuild)
        .where(ReportBuild.id == build_id)
        .values(status="failed", updated_at=now)
        .execution_options(synchronize_session=False)
    )

"""Runs a round's report ZIP build in a background thread of the worker that started it.

The request that starts a build returns at once; this thread renders the PDFs, writes its
progress (and so its heartbeat) to the build's row about twice a second, and stores the ZIP.
Any worker can then show the progress and serve the file. If the process dies mid-build,
the heartbeat stops and the next click takes the build over (`operations.report_builds`).
"""

from __future__ import annotations

import io
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Flask
from flask_babel import force_locale

from survey.clock import local_today
from survey.extensions import db
from survey.i18n import document_language
from survey.models import Round
from survey.operations import report_builds
from survey.queries.indicators import cached_round_figures
from survey.queries.report_files import ReportBuilder, write_round_zip

log = logging.getLogger(__name__)
_THREADS: list[threading.Thread] = []
_LOCK = threading.Lock()
PROGRESS_EVERY = 0.5  # seconds between heartbeats


@dataclass(frozen=True, slots=True)
class BuildOrder:
    build_id: int
    round_id: int
    tree: str
    language: str
    #: The units the person may see (None: all, with the whole organisation's report).
    within: frozenset[int] | None


def start(app: Flask, order: BuildOrder) -> None:
    thread = threading.Thread(
        target=_run, args=(app, order), name=f"report-build-{order.build_id}", daemon=True
    )
    with _LOCK:
        _THREADS[:] = [t for t in _THREADS if t.is_alive()]
        _THREADS.append(thread)
    thread.start()


def wait_for_builds(timeout: float = 120.0) -> None:
    """Join every running build thread (tests; a clean shutdown)."""
    deadline = time.monotonic() + timeout
    with _LOCK:
        threads = list(_THREADS)
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def _now() -> datetime:
    return datetime.now(UTC)


def _run(app: Flask, order: BuildOrder) -> None:
    with app.app_context():
        session = db.session
        try:
            round_ = session.get(Round, order.round_id)
            if round_ is None:
                return
            settings = app.extensions["survey.settings"]
            threshold = settings.suppression_threshold
            report = cached_round_figures(session, round_, threshold=threshold)
            with force_locale(order.language):
                lang = document_language(order.language)
                builder = ReportBuilder(
                    session,
                    report,
                    by=order.tree,
                    lang=lang,
                    today=local_today(),
                    decimals=settings.report_decimals,
                )
                within = None if order.within is None else set(order.within)
                planned = builder.plan(within, everywhere=order.within is None)
                extra = builder.workbook(within)
                session.commit()
                last = [time.monotonic()]

                def progress(done: int, total: int) -> None:
                    if time.monotonic() - last[0] >= PROGRESS_EVERY or done == total:
                        # End the read transaction first: on SQLite a write that follows
                        # reads in one transaction cannot wait for the lock (WAL snapshot).
                        session.commit()
                        report_builds.record_progress(session, order.build_id, done, _now())
                        session.commit()
                        last[0] = time.monotonic()

                out = io.BytesIO()
                write_round_zip(
                    out,
                    builder,
                    planned,
                    folder=builder.folder,
                    extra=extra,
                    progress=progress,
                )
            session.commit()
            report_builds.finish_build(session, order.build_id, out.getvalue(), _now())
            session.commit()
        except Exception:
            log.exception("report build %s failed", order.build_id)
            session.rollback()
            report_builds.fail_build(session, order.build_id, _now())
            session.commit()
        finally:
            db.session.remove()

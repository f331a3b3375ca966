"""Side-by-side HTTP benchmark: the project under gunicorn against a bare Flask endpoint.

One run, on one throw-away database (a SQLite file, or a PostgreSQL database created and
dropped on the server):

1. The project is served with the README's gunicorn command (read from README.md, the one
   place it is written; only the executable and the bind address are replaced, and the app is
   named on the command line), and so is
   `bench/bare_app.py`, a bare Flask app doing one INSERT per POST, with the same command,
   the same environment and the same database.
2. Virtual tablets answer whole surveys at 1, 10 and 50 at a time. A project survey is:
   GET the start page, POST it (form fields taken from the page, CSRF token included) and
   follow the redirect to question 1; 14 answers, each a POST of the page's form (hidden
   fields plus the tapped button) followed by the redirected GET of the next page; POST
   "send in" and follow the redirect to the thank-you page. The bare survey has the same
   shape: 16 POSTs, each an INSERT and a redirect to the next GET. An "answer" is one POST
   plus its redirected GET; its latency is timed from before the POST to after the GET.
3. Server CPU: utime + stime of the gunicorn master and its workers (and the master's
   cutime + cstime, for any worker that ended), read from /proc before and after each level.
   CPU per answer is the level's server CPU divided by its answers (14 per survey), so the
   start page and the submit are shared out over the answers, on both sides alike.
4. Bytes on the wire of the project's first question page: a first visit (empty cache: the
   HTML and every stylesheet, script and image it links, each once), a repeat visit of the
   same page, and the next question page after answering, both with what a browser's cache
   must still fetch given the Cache-Control headers of the first visit (fresh → nothing;
   no-cache or stale with a validator → a conditional GET; otherwise the whole file again).
5. A profile of the answer: cProfile around POST + redirected GET through Flask's test
   client, in this process, on the same database; top functions by cumulative time.

Traffic goes only to 127.0.0.1; every count is bounded and every request has a time-out, and
the servers are stopped at the end. The double-tap guard (a question answered implausibly fast
after rendering is shown again) would re-show every answer of a tablet that answers at once:
SERVER_ENV turns its threshold off for the servers, and --think-ms adds a pause per answer.

Run from the repository root:

    .venv/bin/python bench/http_bench.py --database sqlite
    .venv/bin/python bench/http_bench.py --database postgresql
"""

from __future__ import annotations

import argparse
import cProfile
import gzip
import json
import math
import os
import platform
import pstats
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection, HTTPResponse
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import respond_bench
from flask import Flask
from sqlalchemy import create_engine, func, select

from survey import create_app
from survey.models import Answer, SurveyResponse, db
from survey.settings import Settings, normalise_database_url

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
README = ROOT / "README.md"
PROJECT_APP = "survey:create_app()"
BARE_APP = "bare_app:create_app()"
HOST = "127.0.0.1"
LEVELS = (1, 10, 50)
ANSWERS_PER_SURVEY = 14
#: Surveys per level: at least this many, and at least one per tablet.
MIN_SURVEYS = 10
WARMUP_SURVEYS = 8
REQUEST_TIMEOUT_S = 60
START_TIMEOUT_S = 60
#: A browser's Accept-Encoding (Chromium over HTTPS also offers zstd).
ACCEPT_ENCODING = "gzip, deflate, br"
#: Added to the servers' environment. The double-tap guard's threshold (seconds between
#: showing a question and accepting its answer) is turned off: the tablets answer at once.
#: If the guard's setting is named differently on your branch, name it here.
SERVER_ENV = {"ANSWER_MIN_SECONDS": "0", "RATELIMIT_STORAGE_URL": "memory://"}
PROFILE_ANSWERS = 28
PROFILE_TOP = 30
#: Where an answer's time goes: (label, file ending, function), cumulative time summed. The
#: entry points do not call each other, so the shares do not overlap.
PROFILE_PARTS = (
    ("templates (render_template)", "flask/templating.py", "render_template"),
    ("database: ORM statements", "sqlalchemy/orm/session.py", "_execute_internal"),
    ("database: commit", "sqlalchemy/orm/session.py", "commit"),
    ("forms: build", "wtforms/form.py", "__call__"),
    ("forms: validate_on_submit", "flask_wtf/form.py", "validate_on_submit"),
    ("CSRF check (CSRFProtect)", "flask_wtf/csrf.py", "protect"),
    ("session cookie: open + save", "flask/sessions.py", "open_session"),
    ("session cookie: open + save", "flask/sessions.py", "save_session"),
    ("HTML compression (Flask-Compress)", "flask_compress/flask_compress.py", "after_request"),
    ("url_for (templates and views)", "flask/app.py", "url_for"),
)
RESULTS_DIR = BENCH / "results"


# --- the gunicorn command -----------------------------------------------------------------


def readme_gunicorn_command(readme: Path = README) -> list[str]:
    """The README's first command line that starts gunicorn (the deploy command).

    Either form works: `gunicorn -w 4 -b … "survey:create_app()"` or `gunicorn -c
    gunicorn.conf.py` (a config file relative to the repository root). A line continued with a
    backslash (such as a TLS variant) is skipped.
    """
    for line in readme.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        starts_gunicorn = text.split(" ", 1)[0].endswith("/gunicorn") or text.startswith(
            "gunicorn "
        )
        if starts_gunicorn and not text.endswith("\\"):
            return shlex.split(text)
    raise SystemExit(f"no gunicorn command line in {readme}")


def server_command(base: Sequence[str], app_spec: str, port: int) -> list[str]:
    """The README's command with our gunicorn, our port and the app to serve.

    The app is given on the command line, which overrides a config file's `wsgi_app`.
    """
    command = [str(Path(sys.executable).parent / "gunicorn")]
    words = iter(base[1:])
    for word in words:
        if word in ("-b", "--bind"):
            next(words, None)
        elif word.startswith("--bind=") or word == PROJECT_APP:
            continue
        else:
            command.append(word)
    command += ["-b", f"{HOST}:{port}"]
    if app_spec == BARE_APP:
        command += ["--pythonpath", str(BENCH)]
    return [*command, app_spec]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def gunicorn(name: str, command: list[str], port: int, env: dict[str, str]) -> Iterator[Server]:
    log = RESULTS_DIR / f"gunicorn-{name}.log"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )
        server = Server(name, command, port, process, log)
        try:
            wait_until_serving(server)
            yield server
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_until_serving(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} stopped at start; see {server.log}")
        try:
            with socket.create_connection((HOST, server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{server.name} did not start in {START_TIMEOUT_S} s; see {server.log}")


# --- server CPU from /proc ----------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the fields after "(comm)"


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def server_cpu_seconds(master: int) -> float:
    """utime + stime + cutime + cstime of the master, plus utime + stime of each worker."""
    fields = _stat_fields(master)
    ticks = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    for worker in _children(master):
        try:
            worker_fields = _stat_fields(worker)
        except FileNotFoundError:
            continue
        ticks += int(worker_fields[11]) + int(worker_fields[12])
    return ticks / CLOCK_TICKS


# --- a virtual tablet ---------------------------------------------------------------------


class FormFields(HTMLParser):
    """The CSRF meta tag, every form's hidden fields, and the answer buttons of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.csrf_token = ""
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.buttons: dict[str, list[tuple[str, str]]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and values.get("name") == "csrf-token":
            self.csrf_token = values.get("content", "")
        elif tag == "form" and values.get("method", "get").lower() == "post":
            self._action = values.get("action", "")
            self.forms.setdefault(self._action, [])
            self.buttons.setdefault(self._action, [])
        elif self._action is not None and tag == "input" and values.get("name"):
            kind = values.get("type", "text")
            if kind == "hidden" or (kind == "radio" and "checked" in values):
                self.forms[self._action].append((values["name"], values.get("value", "")))
        elif self._action is not None and tag == "button" and values.get("name"):
            self.buttons[self._action].append((values["name"], values.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._action = None


def parse_page(body: bytes) -> FormFields:
    fields = FormFields()
    fields.feed(body.decode("utf-8"))
    fields.close()
    return fields


def decode_body(response: HTTPResponse, body: bytes) -> bytes:
    encoding = (response.getheader("Content-Encoding") or "").strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli  # only needed once the server compresses with brotli

        return bytes(brotli.decompress(body))
    return body


@dataclass
class Exchange:
    status: int
    headers: list[tuple[str, str]]
    wire_body: bytes
    body: bytes
    header_bytes: int

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return ""


class Tablet:
    """One browser: a cookie jar, one connection per request (gunicorn's sync workers close)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: Sequence[tuple[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        send = {"Accept-Encoding": ACCEPT_ENCODING, "Connection": "close", **(headers or {})}
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(list(form)).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        connection = HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
        try:
            connection.request(method, path, body=body, headers=send)
            response = connection.getresponse()
            wire = response.read()
            pairs = response.getheaders()
        finally:
            connection.close()
        for key, value in pairs:
            if key.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        status_line = f"HTTP/1.1 {response.status} {response.reason}\r\n"
        header_bytes = len(status_line) + sum(len(k) + len(v) + 4 for k, v in pairs) + 2
        return Exchange(response.status, pairs, wire, decode_body(response, wire), header_bytes)

    def post_and_follow(self, path: str, form: Sequence[tuple[str, str]]) -> tuple[str, Exchange]:
        posted = self.request("POST", path, form)
        if posted.status != 302:
            raise RequestFailed(f"POST {shorten(path)}: {posted.status}")
        location = urlsplit(posted.header("Location"))
        target = location.path + (f"?{location.query}" if location.query else "")
        page = self.request("GET", target)
        if page.status != 200:
            raise RequestFailed(f"GET {shorten(target)}: {page.status}")
        return target, page


class RequestFailed(Exception):
    pass


def shorten(path: str) -> str:
    return re.sub(r"/r/[^/]+", "/r/<token>", path)


@dataclass
class LevelResult:
    answer_ms: list[float] = field(default_factory=list)
    surveys: int = 0
    failures: list[str] = field(default_factory=list)


def answer_form(page: FormFields, action: str, step: int) -> list[tuple[str, str]]:
    """The form's hidden fields plus one answer button (not "skip" or "don't know")."""
    if action not in page.forms:
        raise RequestFailed(f"no form posting to {shorten(action)}")
    choices = [
        pair
        for pair in page.buttons[action]
        if pair[0] == "answer" and pair[1] not in ("hoppa_over", "vet_inte")
    ]
    fields = list(page.forms[action])
    if choices:
        fields.append(choices[step % len(choices)])
    return fields


def project_survey(tablet: Tablet, token: str, think_s: float, result: LevelResult) -> None:
    start_path = f"/r/{token}"
    start = tablet.request("GET", start_path)
    if start.status != 200:
        raise RequestFailed(f"GET start: {start.status}")
    path, page = tablet.post_and_follow(
        start_path, answer_form(parse_page(start.body), start_path, 0)
    )
    for step in range(ANSWERS_PER_SURVEY):
        fields = parse_page(page.body)
        action = path.split("?", 1)[0]
        form = answer_form(fields, action, step)
        if think_s:
            time.sleep(think_s)
        began = time.perf_counter()
        next_path, page = tablet.post_and_follow(action, form)
        result.answer_ms.append((time.perf_counter() - began) * 1000)
        if next_path.split("?", 1)[0] == action:
            raise RequestFailed(f"{shorten(action)} was shown again (double-tap guard on?)")
        path = next_path
    submit_path = f"/r/{token}/skicka"
    fields = parse_page(page.body)
    tablet.post_and_follow(submit_path, [("csrf_token", fields.csrf_token)])
    result.surveys += 1


def bare_survey(tablet: Tablet, token: str, think_s: float, result: LevelResult) -> None:
    page = tablet.request("GET", f"/s/{token}/0")
    if page.status != 200:
        raise RequestFailed(f"GET bare start: {page.status}")
    tablet.post_and_follow(f"/s/{token}/0", [("answer", "start")])
    for step in range(1, ANSWERS_PER_SURVEY + 1):
        if think_s:
            time.sleep(think_s)
        began = time.perf_counter()
        tablet.post_and_follow(f"/s/{token}/{step}", [("answer", "ja")])
        result.answer_ms.append((time.perf_counter() - began) * 1000)
    tablet.post_and_follow(f"/s/{token}/{ANSWERS_PER_SURVEY + 1}", [("answer", "skicka")])
    result.surveys += 1


Survey = Callable[[Tablet, str, float, LevelResult], None]


def run_level(
    port: int, survey: Survey, tokens: Sequence[str], tablets: int, think_s: float
) -> LevelResult:
    """`tablets` threads share out the tokens, one whole survey per token."""
    result = LevelResult()
    lock = threading.Lock()
    queue = list(tokens)

    def work() -> None:
        tablet_result = LevelResult()
        while True:
            with lock:
                if not queue or result.failures:
                    break
                token = queue.pop()
            try:
                survey(Tablet(port), token, think_s, tablet_result)
            except (RequestFailed, OSError) as error:
                with lock:
                    result.failures.append(str(error))
        with lock:
            result.answer_ms += tablet_result.answer_ms
            result.surveys += tablet_result.surveys

    threads = [threading.Thread(target=work) for _ in range(tablets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return result


def percentile(samples: Sequence[float], percent: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[percent - 1]


def measure(
    server: Server, survey: Survey, tokens: Iterator[str], levels: Sequence[int], think_s: float
) -> dict[str, Any]:
    warmup = run_level(server.port, survey, [next(tokens) for _ in range(WARMUP_SURVEYS)], 4, 0)
    if warmup.failures:
        raise SystemExit(f"{server.name} warm-up failed: {warmup.failures[0]}")
    rows: dict[str, Any] = {}
    for tablets in levels:
        surveys = max(MIN_SURVEYS, tablets)
        batch = [next(tokens) for _ in range(surveys)]
        cpu_before = server_cpu_seconds(server.process.pid)
        began = time.perf_counter()
        result = run_level(server.port, survey, batch, tablets, think_s)
        wall = time.perf_counter() - began
        cpu = server_cpu_seconds(server.process.pid) - cpu_before
        if result.failures:
            raise SystemExit(f"{server.name} at {tablets}: {result.failures[0]}")
        answers = len(result.answer_ms)
        rows[str(tablets)] = {
            "tablets": tablets,
            "surveys": result.surveys,
            "answers": answers,
            "p50_ms": round(statistics.median(result.answer_ms), 2),
            "p95_ms": round(percentile(result.answer_ms, 95), 2),
            "answers_per_s": round(answers / wall, 1),
            "wall_s": round(wall, 2),
            "server_cpu_s": round(cpu, 2),
            "cpu_ms_per_answer": round(1000 * cpu / answers, 2),
        }
    return rows


# --- bytes on the wire --------------------------------------------------------------------


class Subresources(HTMLParser):
    """Stylesheets, scripts and images a page makes the browser fetch, each URL once."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_images = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        url = ""
        if tag == "link" and "stylesheet" in values.get("rel", "").split():
            url = values.get("href", "")
        elif tag in ("script", "img"):
            url = values.get("src", "")
        if url.startswith("data:"):
            self.inline_images += tag == "img"
        elif url and url not in self.urls:
            self.urls.append(url)


def subresources(body: bytes) -> Subresources:
    links = Subresources()
    links.feed(body.decode("utf-8"))
    links.close()
    return links


def cache_directives(value: str) -> dict[str, str]:
    directives: dict[str, str] = {}
    for part in value.split(","):
        name, _, argument = part.strip().partition("=")
        if name:
            directives[name.lower()] = argument.strip('"')
    return directives


@dataclass
class CachedFile:
    exchange: Exchange
    stored_at: float


@dataclass
class Visit:
    label: str
    requests: int = 0
    conditional: int = 0
    body_bytes: int = 0
    header_bytes: int = 0
    decoded_bytes: int = 0
    inline_images: int = 0
    fetched: list[str] = field(default_factory=list)

    def add(self, url: str, exchange: Exchange, conditional: bool = False) -> None:
        self.requests += 1
        self.conditional += conditional
        self.body_bytes += len(exchange.wire_body)
        self.header_bytes += exchange.header_bytes
        self.decoded_bytes += len(exchange.body)
        self.fetched.append(f"{shorten(url)} {exchange.status}")

    def row(self) -> dict[str, Any]:
        return {
            "visit": self.label,
            "requests": self.requests,
            "conditional_requests": self.conditional,
            "body_bytes_on_wire": self.body_bytes,
            "header_bytes": self.header_bytes,
            "total_bytes_on_wire": self.body_bytes + self.header_bytes,
            "decoded_body_bytes": self.decoded_bytes,
            "inline_data_images": self.inline_images,
            "fetched": self.fetched,
        }


def load_page(
    tablet: Tablet, path: str, page: Exchange, cache: dict[str, CachedFile], visit: Visit
) -> None:
    """What a browser fetches for `page` (already fetched at `path`) given its cache."""
    visit.add(path, page)
    links = subresources(page.body)
    visit.inline_images = links.inline_images
    for url in links.urls:
        cached = cache.get(url)
        if cached is not None:
            directives = cache_directives(cached.exchange.header("Cache-Control"))
            max_age = int(directives.get("max-age", "0") or 0)
            age = time.monotonic() - cached.stored_at
            fresh = "no-cache" not in directives and "no-store" not in directives
            if fresh and age < max_age:
                continue
            validators = {}
            if cached.exchange.header("ETag"):
                validators["If-None-Match"] = cached.exchange.header("ETag")
            if cached.exchange.header("Last-Modified"):
                validators["If-Modified-Since"] = cached.exchange.header("Last-Modified")
            if validators and "no-store" not in directives:
                exchange = tablet.request("GET", url, headers=validators)
                visit.add(url, exchange, conditional=True)
                if exchange.status == 304:
                    cached.stored_at = time.monotonic()
                    continue
                cache[url] = CachedFile(exchange, time.monotonic())
                continue
        exchange = tablet.request("GET", url)
        if exchange.status != 200:
            raise SystemExit(f"GET {url}: {exchange.status}")
        visit.add(url, exchange)
        cache[url] = CachedFile(exchange, time.monotonic())


def bytes_on_the_wire(port: int, token: str) -> list[dict[str, Any]]:
    tablet = Tablet(port)
    start_path = f"/r/{token}"
    start = tablet.request("GET", start_path)
    path, first = tablet.post_and_follow(
        start_path, answer_form(parse_page(start.body), start_path, 0)
    )
    cache: dict[str, CachedFile] = {}
    first_visit = Visit("first question page, empty cache")
    load_page(tablet, path, first, cache, first_visit)

    again = tablet.request("GET", path)
    repeat_visit = Visit("same page again, cache from the first visit")
    load_page(tablet, path, again, cache, repeat_visit)

    form = answer_form(parse_page(again.body), path, 0)
    next_path, second = tablet.post_and_follow(path, form)
    next_visit = Visit("next question page after answering (POST not counted)")
    load_page(tablet, next_path, second, cache, next_visit)
    return [first_visit.row(), repeat_visit.row(), next_visit.row()]


# --- profile of one answer ----------------------------------------------------------------


def profile_answers(database_url: str, tokens: Sequence[str]) -> dict[str, Any]:
    """cProfile around PROFILE_ANSWERS answers (POST + redirected GET) in this process.

    The profiler's clock is this process's CPU time, as the server CPU figures are: time spent
    waiting (for the database server, or for a core on a busy machine) is not in it, and the
    wall time is reported beside it.
    """
    settings = Settings(
        database_url=database_url,
        secret_key=secrets.token_hex(16),
        ratelimit_enabled=False,
        answer_min_seconds=0.0,  # the profile answers at machine speed, as the load does
    )
    app = create_app(settings)
    profile = cProfile.Profile(time.process_time)
    wall = 0.0
    headers = {"Accept-Encoding": ACCEPT_ENCODING}
    answered = 0
    for token in tokens:
        client = app.test_client()
        start = client.get(f"/r/{token}", headers=headers)
        started = client.post(
            f"/r/{token}",
            data=dict(answer_form(parse_page(_decoded(start)), f"/r/{token}", 0)),
            headers=headers,
        )
        path = started.headers["Location"]
        page = client.get(path, headers=headers)
        for step in range(ANSWERS_PER_SURVEY):
            action = urlsplit(path).path
            form = dict(answer_form(parse_page(_decoded(page)), action, step))
            began = time.perf_counter()
            profile.enable()
            posted = client.post(action, data=form, headers=headers)
            path = posted.headers.get("Location", "")
            page = client.get(path, headers=headers)
            profile.disable()
            wall += time.perf_counter() - began
            if posted.status_code != 302 or page.status_code != 200:
                raise SystemExit(f"profile: {posted.status_code}, {page.status_code}")
            answered += 1
            if answered == PROFILE_ANSWERS:
                return _profile_report(profile, answered, wall)
    return _profile_report(profile, answered, wall)


def _decoded(response: Any) -> bytes:
    data: bytes = response.get_data()
    encoding = response.headers.get("Content-Encoding", "")
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(data))
    return data


def _profile_report(profile: cProfile.Profile, answers: int, wall: float) -> dict[str, Any]:
    stats = pstats.Stats(profile)
    total = sum(timing[2] for timing in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (filename, line, function), timing in sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda item: item[1][3],
        reverse=True,
    )[:PROFILE_TOP]:
        rows.append(
            {
                "function": f"{_short_file(filename)}:{line}({function})",
                "calls_per_answer": round(timing[1] / answers, 1),
                "cumulative_ms_per_answer": round(1000 * timing[3] / answers, 3),
                "own_ms_per_answer": round(1000 * timing[2] / answers, 3),
            }
        )
    parts: dict[str, float] = {}
    for label, ending, name in PROFILE_PARTS:
        spent = sum(
            timing[3]
            for (filename, _, function), timing in stats.stats.items()  # type: ignore[attr-defined]
            if filename.endswith(ending) and function == name
        )
        parts[label] = parts.get(label, 0.0) + spent
    return {
        "answers": answers,
        "profiled_cpu_ms_per_answer": round(1000 * total / answers, 2),
        "parts_ms_per_answer": {
            label: round(1000 * spent / answers, 2) for label, spent in parts.items()
        },
        "wall_ms_per_answer": round(1000 * wall / answers, 2),
        "top_by_cumulative": rows,
    }


def _short_file(filename: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


# --- running and reporting ----------------------------------------------------------------


def create_bare_table(database_url: str) -> None:
    sys.path.insert(0, str(BENCH))
    import bare_app

    engine = create_engine(normalise_database_url(database_url))
    bare_app.metadata.create_all(engine)
    engine.dispose()


def count_bare_rows(database_url: str) -> int:
    import bare_app

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as connection:
        rows = connection.scalar(select(func.count()).select_from(bare_app.bare_answer)) or 0
    engine.dispose()
    return int(rows)


def stored_responses(app: Flask) -> tuple[int, int]:
    from survey.clock import local_today
    from survey.models import Round
    from survey.operations.responses import write_pending_responses

    with app.app_context():
        # RESPONSE_BATCH_SIZE leaves up to four submitted responses waiting for company;
        # write them as round close would, then count.
        for round_id in db.session.scalars(select(Round.id)).all():
            write_pending_responses(db.session, round_id, local_today(), commit=db.session.commit)
        responses = db.session.scalar(select(func.count()).select_from(SurveyResponse)) or 0
        answers = db.session.scalar(select(func.count()).select_from(Answer)) or 0
        db.session.rollback()
    return int(responses), int(answers)


def git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.decode().strip()


def run(database: str, pg_url: str, levels: Sequence[int], think_ms: int) -> dict[str, Any]:
    base_command = readme_gunicorn_command()
    per_app = WARMUP_SURVEYS + sum(max(MIN_SURVEYS, level) for level in levels)
    profile_surveys = math.ceil(PROFILE_ANSWERS / ANSWERS_PER_SURVEY)
    context = (
        respond_bench.throwaway_postgres(pg_url)
        if database == "postgresql"
        else respond_bench.sqlite_database()
    )
    with context as database_url:
        seed = respond_bench.build_app(database_url)
        tokens = respond_bench.issue_tokens(seed, per_app + 1 + profile_surveys)
        wire_token, profile_tokens, survey_tokens = (
            tokens[0],
            tokens[1 : 1 + profile_surveys],
            tokens[1 + profile_surveys :],
        )
        create_bare_table(database_url)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32),
            **SERVER_ENV,
        }
        think_s = think_ms / 1000
        results: dict[str, Any] = {}
        commands: dict[str, str] = {}
        for name, spec, survey, names in (
            ("bare", BARE_APP, bare_survey, iter(secrets.token_hex(8) for _ in range(10**6))),
            ("project", PROJECT_APP, project_survey, iter(survey_tokens)),
        ):
            port = free_port()
            command = server_command(base_command, spec, port)
            commands[name] = shlex.join(command)
            with gunicorn(name, command, port, env) as server:
                results[name] = measure(server, survey, names, levels, think_s)
                if name == "project":
                    wire = bytes_on_the_wire(port, wire_token)
        profile = profile_answers(database_url, profile_tokens)
        responses, answers = stored_responses(seed)
        bare_rows = count_bare_rows(database_url)
        version = respond_bench.server_version(seed)
        with seed.app_context():
            db.engine.dispose()

    project_surveys = WARMUP_SURVEYS + sum(row["surveys"] for row in results["project"].values())
    bare_surveys = WARMUP_SURVEYS + sum(row["surveys"] for row in results["bare"].values())
    if responses != project_surveys or answers < project_surveys * ANSWERS_PER_SURVEY:
        raise SystemExit(f"stored {responses} responses / {answers} answers, expected more")
    if bare_rows != bare_surveys * (ANSWERS_PER_SURVEY + 2):
        raise SystemExit(f"bare app stored {bare_rows} rows for {bare_surveys} surveys")
    ratio = {
        level: {
            "cpu_per_answer": round(
                results["project"][level]["cpu_ms_per_answer"]
                / results["bare"][level]["cpu_ms_per_answer"],
                2,
            ),
            "p50": round(results["project"][level]["p50_ms"] / results["bare"][level]["p50_ms"], 2),
        }
        for level in results["project"]
    }
    return {
        "database": database,
        "server": version,
        "commit": git_commit(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "commands": commands,
        "server_env": SERVER_ENV,
        "think_ms": think_ms,
        "accept_encoding": ACCEPT_ENCODING,
        "project": results["project"],
        "bare": results["bare"],
        "ratio_project_to_bare": ratio,
        "stored": {"responses": responses, "answers": answers, "bare_rows": bare_rows},
        "bytes_on_the_wire": wire,
        "profile": profile,
    }


def run_profile_only(database: str, pg_url: str) -> dict[str, Any]:
    surveys = math.ceil(PROFILE_ANSWERS / ANSWERS_PER_SURVEY)
    context = (
        respond_bench.throwaway_postgres(pg_url)
        if database == "postgresql"
        else respond_bench.sqlite_database()
    )
    with context as database_url:
        seed = respond_bench.build_app(database_url)
        tokens = respond_bench.issue_tokens(seed, surveys)
        profile = profile_answers(database_url, tokens)
        version = respond_bench.server_version(seed)
        with seed.app_context():
            db.engine.dispose()
    return {"database": database, "server": version, "commit": git_commit(), "profile": profile}


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['database']} ({result['server']}), commit {result['commit']}, "
        f"{result['cpus']} CPUs, think time {result['think_ms']} ms",
        f"project: {result['commands']['project']}",
        "",
        f"  {'app':<8}{'tablets':>8}{'answers':>8}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'answers/s':>10}{'CPU ms/answer':>14}",
    ]
    for name in ("project", "bare"):
        for row in result[name].values():
            lines.append(
                f"  {name:<8}{row['tablets']:>8}{row['answers']:>8}{row['p50_ms']:>9.2f}"
                f"{row['p95_ms']:>9.2f}{row['answers_per_s']:>10.1f}"
                f"{row['cpu_ms_per_answer']:>14.2f}"
            )
    lines.append("")
    for level, ratio in result["ratio_project_to_bare"].items():
        lines.append(
            f"  ratio at {level:>2} tablets: CPU per answer {ratio['cpu_per_answer']:.2f}×, "
            f"p50 {ratio['p50']:.2f}×"
        )
    lines += ["", "  bytes on the wire (bodies as sent + response headers):"]
    for visit in result["bytes_on_the_wire"]:
        lines.append(
            f"    {visit['visit']:<52}{visit['requests']:>3} requests "
            f"({visit['conditional_requests']} conditional), "
            f"{visit['total_bytes_on_wire']:>6} B ({visit['body_bytes_on_wire']} body + "
            f"{visit['header_bytes']} headers; {visit['decoded_body_bytes']} decoded), "
            f"{visit['inline_data_images']} data: images"
        )
    return "\n".join([*lines, "", profile_table(result["profile"])])


def profile_table(profile: dict[str, Any]) -> str:
    lines = [
        f"  profile of one answer (POST + redirected GET, test client, mean of "
        f"{profile['answers']}): {profile['profiled_cpu_ms_per_answer']} ms CPU "
        f"(wall {profile['wall_ms_per_answer']} ms)",
    ]
    for label, spent in profile["parts_ms_per_answer"].items():
        lines.append(f"    {spent:>8.2f} ms  {label}")
    lines.append(f"    {'cum ms':>8}{'own ms':>8}{'calls':>7}  function (CPU time)")
    for row in profile["top_by_cumulative"]:
        lines.append(
            f"    {row['cumulative_ms_per_answer']:>8.3f}{row['own_ms_per_answer']:>8.3f}"
            f"{row['calls_per_answer']:>7.1f}  {row['function']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default=respond_bench.DEFAULT_PG_URL)
    parser.add_argument(
        "--levels", default=",".join(map(str, LEVELS)), help="concurrent tablets, e.g. 1,10,50"
    )
    parser.add_argument("--think-ms", type=int, default=0, help="pause before each answer")
    parser.add_argument(
        "--profile-only", action="store_true", help="only the profile: no servers, no load"
    )
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.levels.split(",")]
    if any(level < 1 or level > 100 for level in levels):
        parser.error("--levels must be between 1 and 100")

    if args.profile_only:
        result = run_profile_only(args.database, args.pg_url)
        print(profile_table(result["profile"]))
        name = f"http-profile-{args.database}.json"
    else:
        result = run(args.database, args.pg_url, levels, args.think_ms)
        print(table(result))
        name = f"http-{args.database}.json"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwritten to {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

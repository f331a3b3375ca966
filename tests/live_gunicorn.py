"""The README's deploy command as a subprocess, on a socket the test holds, optionally TLS.

`GUNICORN_COMMAND` is the command the README's Deploying section shows (a test checks that the
README still says it); everything else it needs comes from gunicorn.conf.py and environment
variables, as in production. The test binds the socket itself (port 0, no race) and hands it
to gunicorn as `fd://N`; connections wait in the socket's backlog until a worker accepts, so no
polling is needed before the first request.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_COMMAND = ("gunicorn", "-c", "gunicorn.conf.py")


@dataclass(frozen=True)
class Certificate:
    certfile: Path
    keyfile: Path


def make_certificate(directory: Path) -> Certificate:
    """A throw-away self-signed certificate for 127.0.0.1, valid two days."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return Certificate(cert, key)


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def run_gunicorn(
    env: Mapping[str, str],
    log_path: Path,
    *,
    certificate: Certificate | None = None,
) -> Iterator[RunningServer]:
    """Serve the app with the README's command; stderr and stdout go to `log_path`."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    program, *arguments = GUNICORN_COMMAND
    command = [str(Path(sys.executable).parent / program), *arguments]
    command += ["--bind", f"fd://{listener.fileno()}"]
    if certificate is not None:
        command += ["--certfile", str(certificate.certfile), "--keyfile", str(certificate.keyfile)]
    scheme = "https" if certificate else "http"
    full_env = {"PATH": os.environ.get("PATH", ""), "WEB_CONCURRENCY": "1", **env}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
        )
    listener.close()  # gunicorn holds its own copy
    try:
        yield RunningServer(f"{scheme}://127.0.0.1:{port}", process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Reply:
    status: int
    body: str
    headers: Mapping[str, str]


class HttpClient:
    """A cookie-keeping HTTP client that does not follow redirects (to see each 302)."""

    def __init__(self, base_url: str, headers: Mapping[str, str] | None = None) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the throw-away certificate
        self.base_url = base_url
        self.headers = dict(headers or {})
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            urllib.request.HTTPSHandler(context=context),
            _NoRedirects(),
        )

    def request(self, path: str, data: Mapping[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = dict(self.headers)
        if body is not None:
            headers["Referer"] = self.base_url + path
        url = self.base_url + path  # always http(s)://127.0.0.1:<port>
        request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return Reply(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode(), dict(error.headers))

    def get(self, path: str) -> Reply:
        return self.request(path)

    def post(self, path: str, data: Mapping[str, str]) -> Reply:
        return self.request(path, data)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)

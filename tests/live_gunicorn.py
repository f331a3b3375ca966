"""The README's deploy command as a subprocess, on a socket the test holds, optionally TLS.

`GUNICORN_COMMAND` is the command the README's Deploying section shows (a test checks that the
README still says it); everything else it needs comes from gunicorn.conf.py and environment
variables, as in production. The test binds the socket itself (port 0, no race) and hands it
to gunicorn as `fd://N`; connections wait in the socket's backlog until a worker accepts, so no
polling is needed before the first request.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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

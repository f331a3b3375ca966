"""Bytes on the wire: static files under content-hashed names, and compressed responses.

A tablet on mobile data should fetch the stylesheet, the script and the shared pictograms once,
and after that only the page itself. So:

- Every file under `static/` gets a name derived from its bytes (`css/respond.css` →
  `css/respond.<12 hex of sha256>.css`). The same file gives the same name in every gunicorn
  worker on every machine, so a page rendered by one process links files any other serves.
  `url_for('static', filename=…)` returns the hashed name (a `url_defaults` hook), so a
  template or a new script needs nothing special.
- At start each process writes the hashed files, with a gzip and (when the `brotli` package is
  there) a brotli copy beside each text file, into `instance/static/`. The names are content
  addresses: a file already there is already right, and each is written to a temporary name and
  renamed, so workers starting together never see half a file. WhiteNoise serves that folder
  with `Cache-Control: public, max-age=31536000, immutable` and picks the encoding the browser
  accepts.
- During a deploy a page from the old code may ask for an old hashed name. Names built earlier on
  this machine stay in the folder and are still served; any other old name of a known file is
  redirected to today's name. The plain names (`css/respond.css`) still work too, with
  `Cache-Control: no-cache`.
- A pictogram that most question pages show (faces, "Lyssna", "Tillbaka", …) is a cached file;
  every other one, such as the question's own picture, is written into the page as a `data:` URI
  (the CSP allows `img-src data:`), so the next question costs one request once the shared ones
  are cached.
- HTML (and any other text response from Flask) is compressed by Flask-Compress when the browser
  accepts it, with `Vary: Accept-Encoding`. README "Compression and caching" says why BREACH does
  not apply to these pages and what the TLS proxy should do.

In debug mode (`flask run --debug`) none of this happens: files are served as they are, so an
edited stylesheet shows at once.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from flask import Flask, abort, current_app, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_compress import Compress
from whitenoise import WhiteNoise

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a dependency; gzip alone still works
    brotli = None

HASH_LENGTH = 12
ONE_YEAR = 365 * 24 * 60 * 60
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
#: Unhashed names change content with a deploy: the browser must ask each time.
PLAIN_NAME_CACHE = "no-cache"
BUILD_FOLDER = "static"
COMPRESSIBLE_SUFFIXES = frozenset({".css", ".js", ".svg", ".md", ".txt", ".json", ".html"})
#: Pictograms most question pages show: fetched once, then cached. Every other pictogram is
#: written into its page as a data: URI.
SHARED_PICTOGRAMS = frozenset(
    {"listen", "back", "skip", "dont_know", "check", "face_happy", "face_neutral", "face_sad"}
)
_HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{{{HASH_LENGTH}}})(?P<suffix>\.[^./]+)?$")


@dataclass(frozen=True, slots=True)
class StaticAsset:
    name: str  #: as templates ask for it: "css/respond.css"
    hashed_name: str  #: "css/respond.3f2a9c1b7d4e.css"
    source: Path
    content: bytes


def hashed_name(name: str, content: bytes) -> str:
    """`name` with the first HASH_LENGTH hex digits of sha256(content) before its suffix."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def plain_name(name: str) -> str | None:
    """The unhashed name of a hashed one ("css/respond.<hex>.css" → "css/respond.css")."""
    path = PurePosixPath(name)
    match = _HASHED.match(path.name)
    if match is None:
        return None
    return str(path.with_name(match["stem"] + (match["suffix"] or "")))


class StaticManifest:
    """Every file under a folder, by name, with its hashed name and bytes."""

    def __init__(self, assets: Mapping[str, StaticAsset]) -> None:
        self.assets = dict(assets)
        self._data_uris: dict[str, str] = {}

    @classmethod
    def scan(cls, root: Path) -> StaticManifest:
        assets = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.name.startswith("."):
                continue
            name = path.relative_to(root).as_posix()
            content = path.read_bytes()
            assets[name] = StaticAsset(name, hashed_name(name, content), path, content)
        return cls(assets)

    def url_name(self, name: str) -> str:
        asset = self.assets.get(name)
        return asset.hashed_name if asset is not None else name

    def data_uri(self, name: str) -> str | None:
        """An SVG as a percent-encoded data: URI (it compresses better than base64).

        Every character HTML would escape is percent-encoded, so the URI goes into an
        attribute unchanged.
        """
        asset = self.assets.get(name)
        if asset is None or asset.source.suffix != ".svg":
            return None
        if name not in self._data_uris:
            svg = re.sub(r">\s+<", "><", asset.content.decode("utf-8").strip())
            self._data_uris[name] = "data:image/svg+xml," + quote(svg, safe="/:=;,()!*-._~")
        return self._data_uris[name]


def build(manifest: StaticManifest, target: Path) -> None:
    """Write each file under its hashed name, plus .gz and .br copies of text files."""
    for asset in manifest.assets.values():
        path = target / asset.hashed_name
        _write_once(path, asset.content)
        if asset.source.suffix not in COMPRESSIBLE_SUFFIXES:
            continue
        for suffix, compress in _compressors():
            squeezed = compress(asset.content)
            if len(squeezed) < len(asset.content) * 0.95:
                _write_once(path.with_name(path.name + suffix), squeezed)


def _compressors() -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = [(".gz", lambda data: gzip.compress(data, 9, mtime=0))]
    if brotli is not None:
        found.append((".br", lambda data: brotli.compress(data, quality=11)))
    return found


def _write_once(path: Path, content: bytes) -> None:
    """Write `content` to `path` unless it is there: a temporary file, then a rename."""
    try:
        if path.stat().st_size == len(content):
            return
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _static_headers(headers: Any, path: str, url: str) -> None:
    headers["Cache-Control"] = IMMUTABLE if _is_hashed(url) else PLAIN_NAME_CACHE
    headers["X-Content-Type-Options"] = "nosniff"


def _is_hashed(url: str) -> bool:
    return _HASHED.match(PurePosixPath(url).name) is not None


def static_server(app: Flask, manifest: StaticManifest, build_dir: Path) -> WhiteNoise:
    """WhiteNoise in front of the app: every hashed file in build_dir, and the plain names."""
    server = WhiteNoise(app.wsgi_app, allow_all_origins=False, add_headers_function=_static_headers)
    prefix = (app.static_url_path or "/static").rstrip("/") + "/"
    for path in sorted(build_dir.rglob("*")):
        name = path.relative_to(build_dir).as_posix()
        if path.is_file() and not path.name.startswith(".") and _is_hashed(name):
            server.add_file_to_dictionary(prefix + name, str(path))
    for asset in manifest.assets.values():
        server.add_file_to_dictionary(prefix + asset.name, str(build_dir / asset.hashed_name))
    return server


def init_app(app: Flask) -> None:
    """Compression always; hashed, immutable static files unless in debug mode."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"] if brotli else ["gzip"])
    app.config.setdefault("COMPRESS_STREAMS", False)
    Compress(app)
    if app.debug:
        app.jinja_env.globals["pictogram_src"] = _plain_pictogram_src
        return

    manifest = StaticManifest.scan(Path(app.static_folder or "static"))
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    build_dir = instance / BUILD_FOLDER
    build(manifest, build_dir)
    app.extensions["survey.static_manifest"] = manifest
    app.wsgi_app = static_server(app, manifest, build_dir)  # type: ignore[method-assign]

    @app.url_defaults
    def _hashed_static_name(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.url_name(values["filename"])

    def pictogram_src(name: str) -> str:
        filename = f"pictograms/{name}.svg"
        if name not in SHARED_PICTOGRAMS:
            inline = manifest.data_uri(filename)
            if inline is not None:
                return inline
        return url_for("static", filename=filename)

    def moved_static_file(filename: str) -> ResponseReturnValue:
        # Reached only when WhiteNoise has no such file: an old hashed name of a file we
        # still have is sent to today's name; anything else is not found.
        plain = plain_name(filename)
        if plain is None or plain not in manifest.assets:
            abort(404)
        response = redirect(url_for("static", filename=plain))
        response.headers["Cache-Control"] = PLAIN_NAME_CACHE
        return response

    app.jinja_env.globals["pictogram_src"] = pictogram_src
    app.view_functions["static"] = moved_static_file


def _plain_pictogram_src(name: str) -> str:
    return url_for("static", filename=f"pictograms/{name}.svg")


def pictogram_folder() -> Path:
    """The pictogram SVGs (static/pictograms), for documents that draw them (letters)."""
    return Path(current_app.static_folder or "static") / "pictograms"

"""Content-hashed static names: derived from bytes only, so every worker and machine agrees."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import brotli

from survey.static_files import StaticManifest, build, hashed_name, plain_name

ROOT = Path(__file__).resolve().parents[2]


def test_hashed_name_depends_on_content_only(tmp_path: Path):
    one, other = tmp_path / "a" / "style.css", tmp_path / "b" / "style.css"
    for path in (one, other):
        path.parent.mkdir()
        path.write_bytes(b"body { color: black; }\n")
    os.utime(other, (1_000_000, 1_000_000))  # another machine's checkout time

    first = StaticManifest.scan(tmp_path / "a").url_name("style.css")
    second = StaticManifest.scan(tmp_path / "b").url_name("style.css")

    assert first == second
    assert first != "style.css"
    assert first.startswith("style.")
    assert first.endswith(".css")
    assert hashed_name("style.css", b"body { color: navy; }\n") != first


def test_hashed_names_agree_across_processes():
    here = StaticManifest.scan(ROOT / "static")
    script = (
        "import sys; from pathlib import Path; from survey.static_files import StaticManifest; "
        "m = StaticManifest.scan(Path(sys.argv[1])); "
        "print('\\n'.join(f'{n} {a.hashed_name}' for n, a in sorted(m.assets.items())))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(ROOT / "static")],
        capture_output=True,
        check=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    ).stdout
    there = dict(line.split(" ", 1) for line in output.splitlines())
    assert there == {name: asset.hashed_name for name, asset in here.assets.items()}
    assert "css/respond.css" in there


def test_plain_name_undoes_the_hash():
    hashed = hashed_name("pictograms/face_happy.svg", b"<svg/>")
    assert plain_name(hashed) == "pictograms/face_happy.svg"
    assert plain_name("pictograms/face_happy.svg") is None
    assert plain_name("css/respond.0123456789ab.css") == "css/respond.css"


def test_build_writes_hashed_files_with_compressed_copies(tmp_path: Path):
    source, target = tmp_path / "static", tmp_path / "built"
    (source / "css").mkdir(parents=True)
    css = b"main { margin: 0 auto; padding: 1rem; }\n" * 40
    (source / "css" / "site.css").write_bytes(css)
    manifest = StaticManifest.scan(source)

    build(manifest, target)
    build(manifest, target)  # a second worker starting: nothing changes, nothing breaks

    hashed = target / manifest.url_name("css/site.css")
    assert hashed.read_bytes() == css
    assert gzip.decompress(Path(f"{hashed}.gz").read_bytes()) == css
    assert brotli.decompress(Path(f"{hashed}.br").read_bytes()) == css
    assert sorted(p.name for p in (target / "css").iterdir()) == sorted(
        [hashed.name, f"{hashed.name}.gz", f"{hashed.name}.br"]
    )


def test_svg_data_uri_fits_a_double_quoted_attribute():
    manifest = StaticManifest.scan(ROOT / "static")
    uri = manifest.data_uri("pictograms/survey.svg")
    assert uri is not None
    assert uri.startswith("data:image/svg+xml,")
    assert not any(character in uri for character in "\"'<>& \n")
    assert manifest.data_uri("css/respond.css") is None

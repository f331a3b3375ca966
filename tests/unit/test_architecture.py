"""domain/ stays pure: no Flask, no SQLAlchemy, no models (STYLE.md)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = ("survey/domain", "survey/reports")
FORBIDDEN = (
    "flask",
    "flask_babel",
    "flask_wtf",
    "flask_sqlalchemy",
    "sqlalchemy",
    "survey.models",
    "survey.extensions",
    "survey.operations",
    "survey.queries",
    "survey.errors",
)


def imported_modules(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


@pytest.mark.parametrize(
    "path", sorted(p for d in PURE_PACKAGES for p in (ROOT / d).rglob("*.py")), ids=str
)
def test_pure_layers_import_no_framework(path: Path) -> None:
    bad = [
        m for m in imported_modules(path) if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"

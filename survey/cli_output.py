"""What the report commands share: a one-line error, and files written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print "Error: message" on stderr and exit with status 1."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def write_atomically(output: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the same folder, then rename: whole or nothing.
    A folder that does not exist or cannot be written is a one-line error."""
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        fail(f"{output}: the folder {directory} does not exist")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{output.name}-")
    except OSError as error:
        fail(f"{output}: cannot write there ({error.strerror})")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        # mkstemp makes the file 0600; give it the mode a new file gets (umask applies).
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, output)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        fail(f"{output}: cannot write there ({error.strerror})")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

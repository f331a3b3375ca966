"""What the report commands share: a one-line error, and files written whole or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, NoReturn

import click


def fail(message: str) -> NoReturn:
    """Print "Error: message" on stderr and exit with status 1."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def _umask() -> int:
    """The process's umask (mkstemp and mkdtemp make 0600 and 0700 whatever it is)."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


def refuse_unusual_target(output: Path) -> None:
    """A symbolic link, a device (/dev/null), a pipe or a folder is not replaced by a file:
    renaming over it would replace the link or the device itself, not write into it."""
    if output.is_symlink():
        fail(f"{output}: is a symbolic link; give the name of a plain file")
    if output.is_dir():
        fail(f"{output}: is a folder; give a file name")
    if output.exists() and not output.is_file():
        fail(f"{output}: is not a plain file; give the name of a plain file")


def write_atomically(output: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the same folder, then rename: whole or nothing.
    A folder that does not exist or cannot be written is a one-line error."""
    directory = output.parent if str(output.parent) else Path(".")
    if not directory.is_dir():
        fail(f"{output}: the folder {directory} does not exist")
    refuse_unusual_target(output)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{output.name}-")
    except OSError as error:
        fail(f"{output}: cannot write there ({error.strerror})")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, output)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        fail(f"{output}: cannot write there ({error.strerror})")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_folder(output: Path, files: Iterable[tuple[str, Callable[[], bytes]]]) -> int:
    """Write every file into the folder `output`, all or none of them; returns the count.

    The files are made in a hidden folder first; a new `output` is that folder renamed, an
    existing one gets the finished files moved in (same file system, so each move is a
    rename). An error or an interruption on the way removes the hidden folder and leaves
    `output` as it was. A name that is a folder, a link or a device in `output` is refused
    (`refuse_unusual_target`) before its file is made."""
    parent = output.parent if str(output.parent) else Path(".")
    if output.is_symlink():
        fail(f"{output}: is a symbolic link; give a folder or a name ending in .zip")
    exists = output.is_dir()
    if output.exists() and not exists:
        fail(f"{output}: is a file; give a folder or a name ending in .zip")
    if not exists and not parent.is_dir():
        fail(f"{output}: the folder {parent} does not exist")
    try:
        where = output if exists else parent
        staging = Path(tempfile.mkdtemp(dir=where, prefix=f".{output.name}-"))
    except OSError as error:
        fail(f"{output}: cannot write there ({error.strerror})")
    written: list[str] = []
    try:
        umask = _umask()
        for name, make in files:
            if exists:
                refuse_unusual_target(output / name)
            path = staging / name
            path.write_bytes(make())
            os.chmod(path, 0o666 & ~umask)
            written.append(name)
        if exists:
            for name in written:
                os.replace(staging / name, output / name)
            staging.rmdir()
        else:
            os.chmod(staging, 0o777 & ~umask)
            os.rename(staging, output)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        fail(f"{output}: cannot write there ({error.strerror})")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return len(written)

"""Files the app writes for people to use (exports): they appear whole or not at all, and
whatever holds personal data on the way is private to the app's own user.

Temporary files of exports live in ``<instance>/tmp`` (mode 0700), never in the shared
system temp folder: each file is created 0600 by ``tempfile.mkstemp`` (or unnamed, see
``private_temp_file``) and removed when the response or command ends; anything a killed
worker left behind is swept when the app starts (``sweep_private_tmp``).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path
from typing import BinaryIO

TMP_DIRNAME = "tmp"
# Older than this, a file in the private temp folder belongs to no running export.
STALE_AFTER_SECONDS = 24 * 3600


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", **open_kwargs):
    """Write to a private (0600) ``.<name>.*.part`` file next to ``path`` and rename it to
    ``path`` only when the block ends without an error: a command that fails halfway leaves
    no truncated file under the real name (and an earlier good file stays as it was).  The
    finished file keeps mode 0600: exports carry personal data, the operator widens access
    on purpose if needed."""
    target = Path(path)
    fd, part_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    part = Path(part_name)
    try:
        handle = os.fdopen(fd, mode, **open_kwargs)
    except BaseException:
        os.close(fd)
        part.unlink(missing_ok=True)
        raise
    try:
        yield handle
    except BaseException:
        handle.close()
        part.unlink(missing_ok=True)
        raise
    handle.close()
    os.replace(part, target)


def private_tmp_dir(instance_path: str | os.PathLike | None = None) -> Path:
    """``<instance>/tmp``, created 0700 (and tightened to 0700 if it exists).

    ``instance_path`` defaults to the current app's.  Outside an app (library use, some
    tests) it falls back to the system temp folder, where files are still 0600.
    """
    if instance_path is None:
        from flask import current_app, has_app_context

        if not has_app_context():
            return Path(tempfile.gettempdir())
        instance_path = current_app.instance_path
    path = Path(instance_path) / TMP_DIRNAME
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_temp_path(directory: str | os.PathLike, prefix: str = "lms-", suffix: str = "") -> str:
    """A new empty file (mode 0600) in ``directory``; the caller deletes it."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    os.close(fd)
    return name


def write_private(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to a new file readable by the app's user only (0600); an existing
    file is never overwritten (``FileExistsError``)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def private_temp_file(suffix: str = "", instance_path: str | os.PathLike | None = None) -> BinaryIO:
    """An anonymous read/write binary file in the private temp folder, mode 0600.

    On Linux it has no name at all (``O_TMPFILE``), elsewhere it is unlinked at once: the
    data disappears when the file is closed (``send_file`` closes it when the response
    ends, also on a broken download) or the process dies.
    """
    return tempfile.TemporaryFile(suffix=suffix, prefix="lms-", dir=private_tmp_dir(instance_path))


def sweep_private_tmp(instance_path: str | os.PathLike, older_than: float = STALE_AFTER_SECONDS) -> int:
    """Delete files in ``<instance>/tmp`` last modified more than ``older_than`` seconds ago
    (left by a killed worker); returns how many.  Run when the app starts."""
    folder = Path(instance_path) / TMP_DIRNAME
    if not folder.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for entry in os.scandir(folder):
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed

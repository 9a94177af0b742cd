"""Files the app writes for people to use (exports): they appear whole or not at all."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike, mode: str = "w", **open_kwargs):
    """Open ``path.part`` for writing and rename it to ``path`` only when the block ends
    without an error: a command that fails halfway leaves no truncated file under the real
    name (and an earlier good file stays as it was)."""
    target = Path(path)
    part = target.with_name(target.name + ".part")
    handle = open(part, mode, **open_kwargs)
    try:
        yield handle
    except BaseException:
        handle.close()
        part.unlink(missing_ok=True)
        raise
    handle.close()
    os.replace(part, target)

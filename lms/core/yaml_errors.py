"""Where and what a YAML error is, in words an author can act on.

PyYAML detects an unclosed quote only at the end of the text it reads (``problem_mark``); the
line to fix is where the value started (``context_mark``). Both front-matter readers (lessons,
question banks) report through here so they name the same line.
"""

from __future__ import annotations

import yaml


def yaml_error_at(err: yaml.YAMLError) -> tuple[int | None, str]:
    """(0-based line within the YAML text, or None when PyYAML gave no position; the message
    PyYAML gave, context first: "while scanning a quoted scalar found unexpected end of stream")."""
    mark = getattr(err, "context_mark", None) or getattr(err, "problem_mark", None)
    detail = " ".join(part for part in (getattr(err, "context", None), getattr(err, "problem", None)) if part)
    return (mark.line if mark else None), (detail or str(err))

"""Bank settings from front matter (or an import form), checked in one place."""

from __future__ import annotations

GRADING_POLICIES = ("best", "last", "first")
REVIEW_POLICIES = ("after_submit", "after_close", "never")

DEFAULTS = {
    "title": None,
    "time_limit_minutes": None,
    "pass_score": 70,
    "max_attempts": None,
    "cooldown_minutes": 0,
    "grading": "best",
    "shuffle_questions": True,
    "shuffle_options": True,
    "draw": None,
    "review": "after_submit",
}

TYPES = {
    "title": str, "time_limit_minutes": int, "pass_score": int, "max_attempts": int,
    "cooldown_minutes": int, "grading": str, "shuffle_questions": bool, "shuffle_options": bool,
    "draw": (int, dict), "review": str,
}


def check_settings(raw: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Settings with defaults filled in, and problems as (key, message)."""
    problems: list[tuple[str, str]] = []
    settings = dict(DEFAULTS)
    for key, value in (raw or {}).items():
        if key not in TYPES:
            problems.append((key, f"unknown key '{key}' (known keys: {', '.join(TYPES)})"))
            continue
        expected = TYPES[key]
        if value is not None and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
            names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
            problems.append((key, f"'{key}' must be {names}, got {value!r}"))
            continue
        settings[key] = value
    if settings["grading"] not in GRADING_POLICIES:
        problems.append(("grading", f"grading must be one of {', '.join(GRADING_POLICIES)}"))
    if settings["review"] not in REVIEW_POLICIES:
        problems.append(("review", f"review must be one of {', '.join(REVIEW_POLICIES)}"))
    if not 0 <= (settings["pass_score"] or 0) <= 100:
        problems.append(("pass_score", "pass_score must be a percentage from 0 to 100"))
    for key in ("time_limit_minutes", "max_attempts"):
        if settings[key] is not None and settings[key] <= 0:
            problems.append((key, f"{key} must be positive"))
    draw = settings["draw"]
    if isinstance(draw, int) and draw <= 0:
        problems.append(("draw", "draw must be a positive number of questions"))
    if isinstance(draw, dict):
        for tag, count in draw.items():
            if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
                problems.append(("draw", f"draw for tag '{tag}' must be a positive number"))
    return settings, problems

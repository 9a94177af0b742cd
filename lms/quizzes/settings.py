"""Bank settings from front matter (or an import form), checked in one place."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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

# How a setting's expected kind is named to an author who wrote the wrong kind of value.
KIND_NAMES = {str: _l("text"), int: _l("a whole number"), bool: _l("true or false"),
              dict: _l("a list of topic: number lines")}


def check_settings(raw: dict) -> tuple[dict, list[tuple[str, object]]]:
    """Settings with defaults filled in, and problems as (key, message), each message a lazily
    translated string."""
    problems: list[tuple[str, object]] = []
    settings = dict(DEFAULTS)
    for key, value in (raw or {}).items():
        if key not in TYPES:
            problems.append((key, _l("unknown key '%(key)s' (known keys: %(known)s)", key=key, known=", ".join(TYPES))))
            continue
        expected = TYPES[key]
        if value is not None and (not isinstance(value, expected) or (expected is int and isinstance(value, bool))):
            kinds = (expected,) if isinstance(expected, type) else expected
            problems.append((key, _l("'%(key)s' must be %(kind)s, got %(value)s", key=key,
                                     kind=" / ".join(str(KIND_NAMES[t]) for t in kinds), value=repr(value))))
            continue
        settings[key] = value
    if settings["grading"] not in GRADING_POLICIES:
        problems.append(("grading", _l("grading must be one of %(values)s", values=", ".join(GRADING_POLICIES))))
    if settings["review"] not in REVIEW_POLICIES:
        problems.append(("review", _l("review must be one of %(values)s", values=", ".join(REVIEW_POLICIES))))
    if not 0 <= (settings["pass_score"] or 0) <= 100:
        problems.append(("pass_score", _l("pass_score must be a percentage from 0 to 100")))
    for key in ("time_limit_minutes", "max_attempts"):
        if settings[key] is not None and settings[key] <= 0:
            problems.append((key, _l("%(key)s must be positive", key=key)))
    draw = settings["draw"]
    if isinstance(draw, int) and draw <= 0:
        problems.append(("draw", _l("draw must be a positive number of questions")))
    if isinstance(draw, dict):
        for tag, count in draw.items():
            if not isinstance(count, int) or isinstance(count, bool) or count <= 0:
                problems.append(("draw", _l("draw for tag '%(tag)s' must be a positive number", tag=tag)))
    return settings, problems

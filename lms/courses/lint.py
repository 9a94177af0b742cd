"""Advice on checked course folders: what ``lms check-content`` warns about without
refusing the content (issue 19): undated or stale facts, lessons without a picture, heavy
pictures, and which lessons lack a given language version.

Pure functions over ``content.CourseSource``; the date is passed in (Vietnam's today).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lms.courses.content import (
    FENCE_LINE_RE,
    IMAGE_SUFFIXES,
    LINK_RE,
    CourseSource,
    Problem,
    key_line,
)
from lms.courses.rules import STALE_AFTER_MONTHS, facts_age_months

# A picture a cheap phone on a slow network downloads without the learner noticing: our own
# SVG drawings weigh 2-12 KB; a photograph should be resized before it is committed.
HEAVY_PICTURE_BYTES = 200 * 1024


@dataclass(frozen=True)
class StaleLesson:
    path: str
    facts_as_of: str
    age_months: int


def _pictures(body: str) -> list[str]:
    """File names of the images a lesson body shows, outside code fences."""
    names, in_fence = [], False
    for line in body.split("\n"):
        if FENCE_LINE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        for m in LINK_RE.finditer(line):
            if m.group(1) == "!":
                names.append(m.group(2))
    return names


def course_advice(course: CourseSource, today: date) -> list[Problem]:
    """Warnings for one course: a lesson with no ``facts_as_of``, facts older than
    STALE_AFTER_MONTHS or dated in the future, a lesson without a picture, a picture over
    HEAVY_PICTURE_BYTES."""
    out: list[Problem] = []
    for lesson in course.lessons:
        for doc in [lesson.doc, *lesson.translations.values()]:
            path = str(doc.path)
            value = doc.meta.get("facts_as_of")
            if doc is lesson.doc and not value:
                out.append(Problem(path, 2, "no facts_as_of: add the month its facts were checked (facts_as_of: YYYY-MM)"))
            elif isinstance(value, str):
                age = facts_age_months(value, today)
                if age is not None and age > STALE_AFTER_MONTHS:
                    out.append(Problem(path, key_line(doc, "facts_as_of"), f"facts checked {age} months ago ({value}): re-check the lesson, then update facts_as_of"))
                elif age is not None and age < 0:
                    out.append(Problem(path, key_line(doc, "facts_as_of"), f"facts_as_of {value} is in the future: a typo?"))
        pictures = _pictures(lesson.doc.body)
        if not pictures:
            out.append(Problem(str(lesson.doc.path), lesson.doc.body_line,
                               "no picture: add at least one image with a description, ![...](file.svg)"))
        for name in pictures:
            file = course.root / name.split("#", 1)[0]
            if Path(name).suffix.lower() in IMAGE_SUFFIXES and file.is_file() and file.stat().st_size > HEAVY_PICTURE_BYTES:
                out.append(Problem(str(lesson.doc.path), lesson.doc.body_line,
                                   f"picture '{name}' weighs {file.stat().st_size // 1024} KB: resize it under "
                                   f"{HEAVY_PICTURE_BYTES // 1024} KB for cheap phones on slow networks"))
    return out


def stale_lessons(courses: list[CourseSource], today: date) -> list[StaleLesson]:
    """The lessons to re-check: facts older than STALE_AFTER_MONTHS, oldest first."""
    found = []
    for course in courses:
        for lesson in course.lessons:
            value = lesson.doc.meta.get("facts_as_of")
            age = facts_age_months(value, today) if isinstance(value, str) else None
            if age is not None and age > STALE_AFTER_MONTHS:
                found.append(StaleLesson(str(lesson.doc.path), value, age))
    return sorted(found, key=lambda s: (-s.age_months, s.path))


def missing_versions(courses: list[CourseSource], language: str) -> tuple[list[str], int]:
    """Files without a ``language`` version: each course.md without ``course.<language>.md``
    and each lesson without ``NN-slug.<language>.md``. Returns (paths, lessons that have it).
    A course written in ``language`` has nothing missing."""
    missing, have = [], 0
    for course in courses:
        if course.doc.meta.get("language", "vi") == language:
            have += len(course.lessons)
            continue
        if language not in course.translations:
            missing.append(str(course.doc.path))
        for lesson in course.lessons:
            if language in lesson.translations:
                have += 1
            else:
                missing.append(str(lesson.doc.path))
    return missing, have

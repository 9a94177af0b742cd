"""Loading checked course folders into the database, all or nothing.

Rendering happens here, once per changed file (keyed by content hash), so that a
lesson request only reads stored HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from lms.core.errors import ServiceError
from lms.core.text import fold, nfc
from lms.core.timeutil import utcnow
from lms.courses.content import CourseSource, Problem, check
from lms.courses.models import Course, Lesson
from lms.courses.render import RENDERER_VERSION, render_markdown
from lms.extensions import db


class ContentError(ServiceError):
    def __init__(self, problems: list[Problem]):
        super().__init__(f"{len(problems)} problem(s) in the content; nothing was changed")
        self.problems = problems


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    lessons_rendered: int = 0
    lessons_retired: int = 0

    def lines(self) -> list[str]:
        """The report for the command line, in the current language (Vietnamese by default)."""
        from flask_babel import gettext

        out = [
            gettext("Courses: %(new)d new, %(updated)d updated, %(unchanged)d unchanged, %(archived)d archived.",
                    new=len(self.created), updated=len(self.updated), unchanged=len(self.unchanged),
                    archived=len(self.archived)),
            gettext("Lessons rendered: %(rendered)d; retired (kept for records): %(retired)d.",
                    rendered=self.lessons_rendered, retired=self.lessons_retired),
        ]
        out += ["  " + gettext("new: %(course)s", course=s) for s in self.created]
        out += ["  " + gettext("updated: %(course)s", course=s) for s in self.updated]
        out += ["  " + gettext("archived: %(course)s", course=s) for s in self.archived]
        return out


def _rewrite(url: str) -> str:
    """Links inside a course become relative URLs: lessons live at /courses/<c>/<lesson>."""
    if "://" in url or url.startswith(("/", "#", "mailto:", "tel:")):
        return url
    name, _, anchor = url.partition("#")
    from lms.courses.content import LESSON_FILE_RE

    m = LESSON_FILE_RE.match(name)
    if m:
        return m.group("slug") + (f"#{anchor}" if anchor else "")
    return "media/" + name


def _render(doc, language: str) -> str:
    return render_markdown(doc.body, language=language, rewrite_url=_rewrite)


def _lesson_hash(lesson) -> str:
    import hashlib

    h = hashlib.sha256(RENDERER_VERSION.encode())
    for d in [lesson.doc, *lesson.translations.values()]:
        h.update(d.digest.encode())
    return h.hexdigest()


def sync_content(courses_dir: Path, quizzes_dir: Path | None) -> SyncReport:
    sources, problems = check([courses_dir], quizzes_dir)
    if problems:
        raise ContentError(problems)
    report = SyncReport()
    existing = {c.slug: c for c in db.session.scalars(select(Course))}
    seen = set()
    for source in sorted(sources, key=lambda s: s.slug):
        seen.add(source.slug)
        course = existing.get(source.slug)
        if course is None:
            course = Course(slug=source.slug, title="", content_hash="")
            db.session.add(course)
            report.created.append(source.slug)
        elif course.content_hash == _course_hash(source) and course.active:
            report.unchanged.append(source.slug)
            continue
        else:
            report.updated.append(source.slug)
        _apply_course(course, source, report)
    for slug, course in existing.items():
        if slug not in seen and course.active:
            course.active = False
            report.archived.append(slug)
    db.session.flush()
    return report


def _course_hash(source: CourseSource) -> str:
    import hashlib

    h = hashlib.sha256(source.digest.encode())
    for lesson in source.lessons:
        h.update(f"{lesson.number}:{lesson.slug}:{_lesson_hash(lesson)}".encode())
    return h.hexdigest()


def _apply_course(course: Course, source: CourseSource, report: SyncReport) -> None:
    meta = source.doc.meta
    language = meta.get("language", "vi")
    course.title = nfc(meta["title"])
    course.summary = nfc(meta.get("summary", ""))
    course.audience = "," + ",".join(meta.get("audience") or []) + ","
    course.language = language
    course.estimated_minutes = meta.get("estimated_minutes")
    course.quiz_slug = meta.get("quiz")
    course.pass_score = meta.get("pass_score", 70)
    course.certificate = bool(meta.get("certificate", False))
    course.version = meta.get("version", 1)
    course.curriculum = nfc(meta.get("curriculum") or "")
    course.layout = meta.get("layout", "standard")
    course.intro_html = _render(source.doc, language)
    course.teacher_html = _render(source.teacher_guide, language) if source.teacher_guide else ""
    course.translations = {
        lang: {"title": nfc(doc.meta.get("title")), "summary": nfc(doc.meta.get("summary") or ""),
               "intro_html": _render(doc, lang)}
        for lang, doc in source.translations.items()
    }
    course.active = True
    course.synced_at = utcnow()
    db.session.flush()

    lessons = {lesson.slug: lesson for lesson in db.session.scalars(select(Lesson).where(Lesson.course_id == course.id))}
    keep = set()
    for source_lesson in source.lessons:
        keep.add(source_lesson.slug)
        lesson = lessons.get(source_lesson.slug)
        digest = _lesson_hash(source_lesson)
        if lesson is None:
            lesson = Lesson(course_id=course.id, slug=source_lesson.slug, title="")
            db.session.add(lesson)
        lesson.position = source_lesson.number
        lesson.active = True
        if lesson.content_hash != digest:
            meta = source_lesson.doc.meta
            lesson.title = nfc(meta["title"])
            lesson.minutes = meta.get("minutes")
            lesson.facts_as_of = meta.get("facts_as_of")
            lesson.sources = [nfc(str(item)) for item in meta.get("sources") or []]
            lesson.html = _render(source_lesson.doc, language)
            lesson.translations = {
                lang: {"title": nfc(doc.meta.get("title")), "html": _render(doc, lang),
                       "facts_as_of": doc.meta.get("facts_as_of")}
                for lang, doc in source_lesson.translations.items()
            }
            lesson.content_hash = digest
            lesson.updated_at = utcnow()
            report.lessons_rendered += 1
    for slug, lesson in lessons.items():
        if slug not in keep and lesson.active:
            lesson.active = False
            report.lessons_retired += 1
    course.lesson_count = len(source.lessons)
    course.search_text = fold(" ".join([
        course.title, course.summary,
        *(v.get("title", "") for v in course.translations.values()),
        *(nfc(lesson.doc.meta.get("title", "")) for lesson in source.lessons),
    ]))
    course.content_hash = _course_hash(source)
    db.session.flush()

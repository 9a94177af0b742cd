"""Reading and checking course folders, without a database.

``check`` is what ``lms check-content`` runs (fast enough for a pre-commit hook) and
what ``lms sync-content`` runs before touching the database: every problem comes back
as ``path:line: message`` so an author can jump to it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from lms.core.yaml_errors import yaml_error_at
from lms.courses.render import RENDERER_VERSION

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# A language tag (BCP 47 as ISO 639 codes are written in it: "en", "km", "hnj", "tyz",
# "cjm-Latn"): lower-case primary subtag of 2-3 letters, optional subtags after dashes.
LANG_TAG = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"
LESSON_FILE_RE = re.compile(rf"^(?P<num>\d{{2}})-(?P<slug>[a-z0-9][a-z0-9-]*?)(?:\.(?P<lang>{LANG_TAG}))?\.md$")
COURSE_FILE_RE = re.compile(rf"^course(?:\.(?P<lang>{LANG_TAG}))?\.md$")
AUDIENCES = ("civil_servant", "student", "citizen")
LANGUAGES = ("vi", "en")

COURSE_KEYS = {
    "title": str, "summary": str, "audience": list, "language": str, "estimated_minutes": int,
    "quiz": str, "pass_score": int, "certificate": bool, "version": int,
    # The school curriculum topic a class pack serves, shown on the course page.
    "curriculum": str,
    # "standard", or "steps": one step per screen (split at ## headings), large type,
    # read-aloud offered first; tables are refused (they break on 360-px phones).
    "layout": str,
}
LAYOUTS = ("standard", "steps")
COURSE_REQUIRED = ("title", "summary", "audience")
TRANSLATION_KEYS = {"title": str, "summary": str}
# facts_as_of: "YYYY-MM", the month the lesson's facts (laws, app labels, hotlines) were
# last checked; sources: where they were checked (decree numbers, agency pages).
LESSON_KEYS = {"title": str, "minutes": int, "facts_as_of": str, "sources": list}
LESSON_REQUIRED = ("title",)
# A course's guide for teachers (a class pack's period plan, activity, answer guide): shown on
# the course page to teachers, managers and authors, never to learners.
TEACHER_GUIDE_FILE = "teacher-guide.md"
TEACHER_GUIDE_KEYS = {"title": str}

LINK_RE = re.compile(r"(!?)\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
UNSAFE_RES = [
    (re.compile(r"<\s*(script|iframe|object|embed|style|form|input|button|link|meta|base|svg|math)\b", re.I),
     "unsafe HTML: <{0}> is not allowed"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "unsafe HTML: event attributes (on...=) are not allowed"),
    (re.compile(r"(javascript|vbscript|data)\s*:", re.I), "unsafe link: {0}: URLs are not allowed"),
]
FENCE_LINE_RE = re.compile(r"^\s*(`{3,}|~{3,})")
EMPTY_ALT_RE = re.compile(r"!\[\s*\]\(")
TABLE_RULE_RE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
# What an SVG picture beside a lesson may not hold. The media route serves SVG with a CSP
# that blocks script, but a picture saved from the page and opened on its own has no CSP:
# content must be safe by itself (OWASP: SVG is an active document format).
SVG_UNSAFE_RES = [
    (re.compile(r"<\s*script\b", re.I), "<script>"),
    (re.compile(r"<\s*foreignObject\b", re.I), "<foreignObject>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event attribute (on...=)"),
    (re.compile(r"(?:href|src)\s*=\s*[\"'](?!#)[^\"']+", re.I), "a link to another file or site (only #fragment links)"),
    (re.compile(r"@import|url\(\s*[\"']?(?!#)", re.I), "a style that loads another file"),
]
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg"}


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Document:
    path: Path
    meta: dict
    body: str
    body_line: int  # line number of the first body line in the file
    digest: str


@dataclass
class LessonSource:
    number: int
    slug: str
    doc: Document
    translations: dict[str, Document] = field(default_factory=dict)


@dataclass
class CourseSource:
    slug: str
    root: Path
    doc: Document
    translations: dict[str, Document] = field(default_factory=dict)
    lessons: list[LessonSource] = field(default_factory=list)
    # teacher-guide.md: the period plan, activity and answer guide, shown to teachers only.
    teacher_guide: Document | None = None

    @property
    def digest(self) -> str:
        h = hashlib.sha256(RENDERER_VERSION.encode())
        for d in [self.doc, *self.translations.values(), *([self.teacher_guide] if self.teacher_guide else [])]:
            h.update(d.digest.encode())
        return h.hexdigest()


def read_document(path: Path, problems: list[Problem]) -> Document | None:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        problems.append(Problem(str(path), 1, f"not UTF-8 ({err.reason} at byte {err.start})"))
        return None
    except OSError as err:
        problems.append(Problem(str(path), 1, f"cannot read: {err.strerror}"))
        return None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    if unicodedata.normalize("NFC", text) != text:
        line = next((i for i, ln in enumerate(text.split("\n"), 1) if unicodedata.normalize("NFC", ln) != ln), 1)
        problems.append(Problem(str(path), line, "text is not in Unicode NFC form (convert the file to NFC)"))
        text = unicodedata.normalize("NFC", text)
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(str(path), 1, "missing front matter: the file must start with a line '---'"))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(str(path), 1, "front matter is not closed by a line '---'"))
        return None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as err:
        at, detail = yaml_error_at(err)
        problems.append(Problem(str(path), 1 if at is None else at + 2, f"bad YAML: {detail}"))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(str(path), 2, "front matter must be a mapping of key: value lines"))
        return None
    digest = hashlib.sha256(raw).hexdigest()
    return Document(path, meta, "\n".join(lines[end + 1:]), end + 2, digest)


def key_line(doc: Document, key: str) -> int:
    """The 1-based line of ``key:`` in the document's front matter (2, the first line after
    '---', when the key is absent), for messages that name where to fix."""
    for i, line in enumerate(doc.path.read_text(encoding="utf-8", errors="replace").split("\n"), 1):
        if line.startswith(f"{key}:"):
            return i
    return 2


def check_meta(doc: Document, schema: dict, required: tuple, problems: list[Problem]) -> None:
    for key in doc.meta:
        if key not in schema:
            known = ", ".join(schema)
            problems.append(Problem(str(doc.path), key_line(doc, key), f"unknown key '{key}' (known keys: {known})"))
    for key in required:
        if doc.meta.get(key) in (None, "", []):
            problems.append(Problem(str(doc.path), 2, f"missing required key '{key}'"))
    for key, kind in schema.items():
        value = doc.meta.get(key)
        if value is None:
            continue
        ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
        if not ok and key == "facts_as_of" and isinstance(value, date):
            # YAML reads an unquoted 2024-01-15 as a date; the field is a month.
            problems.append(Problem(str(doc.path), key_line(doc, key),
                                    f"facts_as_of must be a month, YYYY-MM (write {value:%Y-%m}, not {value.isoformat()})"))
        elif not ok:
            problems.append(Problem(str(doc.path), key_line(doc, key), f"'{key}' must be {kind.__name__}, got {value!r}"))


def check_media_blocks(doc: Document, course_root: Path, problems: list[Problem]) -> None:
    """```video and ```audio blocks (docs/content-format.md, "Video and audio"): known keys,
    a file and a transcript (and captions for a video), files beside the lesson with the right
    suffix, captions in WebVTT and UTF-8, media files under MEDIA_MAX_BYTES."""
    from lms.courses.render import (
        CAPTIONS_SUFFIX,
        MEDIA_FENCE_RE,
        MEDIA_KEYS,
        MEDIA_MAX_BYTES,
        MEDIA_TYPES,
        is_plain_file_name,
        parse_media_block,
    )

    for match in MEDIA_FENCE_RE.finditer(doc.body):
        kind = match.group("kind")
        fence_line = doc.body_line + doc.body.count("\n", 0, match.start())
        block = parse_media_block(kind, match.group("body"))

        def report(offset: int, message: str, fence_line: int = fence_line) -> None:
            problems.append(Problem(str(doc.path), fence_line + offset, message))

        known = MEDIA_KEYS[kind]
        given: dict[str, tuple[str, int]] = {}
        for key, value, offset in block.entries:
            if key is None:
                report(offset, f"{kind} block: expected 'key: value' here; after the keys leave one blank line, "
                               "then write the transcript")
            elif key not in known:
                report(offset, f"unknown key '{key}' in {'an' if kind == 'audio' else 'a'} {kind} block "
                               f"(known keys: {', '.join(known)})")
            elif key in given:
                report(offset, f"'{key}' is given twice in this {kind} block")
            else:
                given[key] = (value, offset)
        required = ("file", "captions") if kind == "video" else ("file",)
        for key in required:
            if not given.get(key, ("",))[0]:
                what = "the video or audio file" if key == "file" else "a WebVTT file of what is said"
                report(0, f"{kind} block without '{key}:' ({what})")
        if not block.transcript:
            report(block.transcript_offset, f"{kind} block without a transcript: after the keys, a blank line, then "
                                            "the words as text (the text alternative for learners who cannot play it)")
        suffixes = {"file": MEDIA_TYPES[kind], "captions": {CAPTIONS_SUFFIX}, "poster": IMAGE_SUFFIXES}
        for key, allowed in suffixes.items():
            name, offset = given.get(key, ("", 0))
            if not name:
                continue
            if not is_plain_file_name(name):
                report(offset, f"'{key}: {name}' must name a file beside the lesson (no '/', not starting with '.')")
                continue
            if Path(name).suffix.lower() not in allowed:
                report(offset, f"{key} '{name}' must end in {', '.join(sorted(allowed))}")
                continue
            path = course_root / name
            if not path.is_file():
                report(offset, f"{key} '{name}' does not exist beside the lesson")
            elif key == "file" and path.stat().st_size > MEDIA_MAX_BYTES:
                size = path.stat().st_size / 1024 / 1024
                report(offset, f"{kind} file '{name}' is {size:.1f} MB: keep it under {MEDIA_MAX_BYTES // 1024 // 1024} MB: "
                               "learners are on slow networks")
            elif key == "captions":
                try:
                    first = path.read_bytes().decode("utf-8").removeprefix("\ufeff").split("\n", 1)[0].rstrip("\r")
                except UnicodeDecodeError as err:
                    report(offset, f"captions '{name}' are not UTF-8 ({err.reason} at byte {err.start})")
                    continue
                if not re.match(r"WEBVTT(?:[ \t]|$)", first):
                    report(offset, f"captions '{name}' must start with the line WEBVTT (a WebVTT file)")


def check_body(doc: Document, course_root: Path, lesson_files: set[str], problems: list[Problem]) -> None:
    check_media_blocks(doc, course_root, problems)
    in_fence = False
    for offset, line in enumerate(doc.body.split("\n")):
        number = doc.body_line + offset
        if FENCE_LINE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if EMPTY_ALT_RE.search(line):
            problems.append(Problem(str(doc.path), number, "image without a description: write what the picture shows "
                                                           "between the brackets, ![...](file), for screen readers"))
        for pattern, message in UNSAFE_RES:
            m = pattern.search(line)
            if m:
                problems.append(Problem(str(doc.path), number, message.format(m.group(1) if m.groups() else "")))
        for m in LINK_RE.finditer(line):
            is_image, target = m.group(1) == "!", m.group(2)
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
                continue
            name = target.split("#", 1)[0]
            if not name:
                continue
            if "/" in name or "\\" in name or name.startswith(".."):
                problems.append(Problem(str(doc.path), number, f"link '{target}' must point to a file beside the lesson"))
            elif is_image:
                if Path(name).suffix.lower() == ".svg" and (course_root / name).is_file():
                    check_svg(course_root / name, problems)
                if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
                    problems.append(Problem(str(doc.path), number, f"image '{name}' is not a picture type ({', '.join(sorted(IMAGE_SUFFIXES))})"))
                elif not (course_root / name).is_file():
                    problems.append(Problem(str(doc.path), number, f"image '{name}' does not exist beside the lesson"))
            elif name.endswith(".md"):
                if name not in lesson_files:
                    problems.append(Problem(str(doc.path), number, f"broken link: no lesson file '{name}' in this course"))
            elif not (course_root / name).is_file():
                problems.append(Problem(str(doc.path), number, f"broken link: '{name}' does not exist beside the lesson"))


def check_svg(path: Path, problems: list[Problem]) -> None:
    """An SVG picture must be plain drawing: no script, event attributes, embedded HTML or
    references to other files (SVG_UNSAFE_RES)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        problems.append(Problem(str(path), 1, "SVG picture is not UTF-8 text"))
        return
    for number, line in enumerate(text.split("\n"), 1):
        for pattern, what in SVG_UNSAFE_RES:
            if pattern.search(line):
                problems.append(Problem(str(path), number, f"SVG picture holds {what}: pictures must be plain drawing"))


def check_facts_as_of(doc: Document, problems: list[Problem]) -> None:
    from lms.courses.rules import parse_facts_as_of

    value = doc.meta.get("facts_as_of")
    if isinstance(value, str) and parse_facts_as_of(value) is None:
        problems.append(Problem(str(doc.path), key_line(doc, "facts_as_of"),
                                f"facts_as_of must be the month the facts were checked, as YYYY-MM (e.g. 2026-11), got {value!r}"))
    sources = doc.meta.get("sources")
    if isinstance(sources, list) and not all(isinstance(item, str) and item.strip() for item in sources):
        problems.append(Problem(str(doc.path), key_line(doc, "sources"), "sources must be a list of texts (one source per line: '  - Nghị định ...')"))


def check_steps_layout(doc: Document, problems: list[Problem]) -> None:
    """A steps course is read on a phone, often by an elderly learner: no tables."""
    for offset, line in enumerate(doc.body.split("\n")):
        if TABLE_RULE_RE.match(line):
            problems.append(Problem(str(doc.path), doc.body_line + offset - 1,
                                    "tables are not allowed in a course with layout: steps (use a list)"))


def load_course(root: Path, quizzes_dir: Path | None, problems: list[Problem]) -> CourseSource | None:
    slug = root.name
    if not SLUG_RE.match(slug):
        problems.append(Problem(str(root), 1, f"course folder name '{slug}' must be lower-case letters, digits and dashes"))
        return None
    course_file = root / "course.md"
    if not course_file.is_file():
        problems.append(Problem(str(root), 1, "missing course.md"))
        return None
    doc = read_document(course_file, problems)
    if doc is None:
        return None
    check_meta(doc, COURSE_KEYS, COURSE_REQUIRED, problems)
    meta = doc.meta
    for value in meta.get("audience") or []:
        if value not in AUDIENCES:
            problems.append(Problem(str(course_file), key_line(doc, "audience"),
                                    f"unknown audience '{value}' (use {', '.join(AUDIENCES)})"))
    if meta.get("language", "vi") not in LANGUAGES:
        problems.append(Problem(str(course_file), key_line(doc, "language"), f"language must be one of {', '.join(LANGUAGES)}"))
    if meta.get("layout", "standard") not in LAYOUTS:
        problems.append(Problem(str(course_file), key_line(doc, "layout"), f"layout must be one of {', '.join(LAYOUTS)}"))
    score = meta.get("pass_score")
    if isinstance(score, int) and not 0 <= score <= 100:
        problems.append(Problem(str(course_file), key_line(doc, "pass_score"), "pass_score must be a percentage from 0 to 100"))
    quiz = meta.get("quiz")
    if isinstance(quiz, str) and quizzes_dir is not None:
        bank_file = quizzes_dir / f"{quiz}.md"
        if not bank_file.is_file():
            problems.append(Problem(str(course_file), key_line(doc, "quiz"), f"missing quiz: no file {bank_file}"))
        else:
            problems.extend(check_bank_file(bank_file))
    if meta.get("certificate") and not quiz:
        pass  # a certificate for reading alone is allowed

    course = CourseSource(slug=slug, root=root, doc=doc)
    lesson_files = set()
    by_number: dict[int, LessonSource] = {}
    slugs: dict[str, Path] = {}
    translation_files = []
    for path in sorted(root.iterdir()):
        if path.name.startswith(".") or path.is_dir() or path.suffix != ".md":
            continue
        if path.name == TEACHER_GUIDE_FILE:
            tdoc = read_document(path, problems)
            if tdoc is not None:
                check_meta(tdoc, TEACHER_GUIDE_KEYS, (), problems)
                course.teacher_guide = tdoc
            continue
        m_course = COURSE_FILE_RE.match(path.name)
        if m_course:
            if m_course.group("lang"):
                tdoc = read_document(path, problems)
                if tdoc is not None:
                    check_meta(tdoc, TRANSLATION_KEYS, ("title",), problems)
                    course.translations[m_course.group("lang")] = tdoc
            continue
        m = LESSON_FILE_RE.match(path.name)
        if not m:
            problems.append(Problem(str(path), 1, "lesson file names look like 01-lesson-slug.md (or 01-lesson-slug.en.md)"))
            continue
        lesson_files.add(path.name)
        if m.group("lang"):
            translation_files.append((path, m))
            continue
        number, lslug = int(m.group("num")), m.group("slug")
        ldoc = read_document(path, problems)
        if ldoc is None:
            continue
        check_meta(ldoc, LESSON_KEYS, LESSON_REQUIRED, problems)
        if number in by_number:
            problems.append(Problem(str(path), 1, f"duplicate lesson number {m.group('num')} (also {by_number[number].doc.path.name})"))
            continue
        if lslug in slugs:
            problems.append(Problem(str(path), 1, f"duplicate lesson slug '{lslug}' (also {slugs[lslug].name})"))
            continue
        slugs[lslug] = path
        by_number[number] = LessonSource(number=number, slug=lslug, doc=ldoc)
    # Translations after every base lesson is known ("01-a.en.md" sorts before "01-a.md").
    for path, m in translation_files:
        number, lslug, lang = int(m.group("num")), m.group("slug"), m.group("lang")
        ldoc = read_document(path, problems)
        if ldoc is None:
            continue
        check_meta(ldoc, LESSON_KEYS, LESSON_REQUIRED, problems)
        if lang == meta.get("language", "vi"):
            problems.append(Problem(str(path), 1, f"translation language '{lang}' is the course's own language"))
            continue
        base = by_number.get(number)
        if base is None or base.slug != lslug:
            problems.append(Problem(str(path), 1, f"translation has no matching lesson {m.group('num')}-{lslug}.md"))
            continue
        base.translations[lang] = ldoc
    course.lessons = [by_number[n] for n in sorted(by_number)]
    if not course.lessons:
        problems.append(Problem(str(course_file), 1, "a course needs at least one lesson file (01-....md)"))
    for d in [doc, *course.translations.values(), *([course.teacher_guide] if course.teacher_guide else [])]:
        check_body(d, root, lesson_files, problems)
    for lesson in course.lessons:
        for d in [lesson.doc, *lesson.translations.values()]:
            check_body(d, root, lesson_files, problems)
            check_facts_as_of(d, problems)
            if meta.get("layout") == "steps":
                check_steps_layout(d, problems)
    return course


def check_bank_file(path: Path) -> list[Problem]:
    from lms.quizzes.formats.markdown import parse_markdown_bank

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return [Problem(str(path), 1, f"cannot read the bank: {err}")]
    return [Problem(str(path), issue.line, issue.message) for issue in parse_markdown_bank(text).issues]


def find_course_dirs(paths: list[Path]) -> list[Path]:
    """Accept the courses folder itself, single course folders, or single files in one."""
    dirs: list[Path] = []
    for path in paths:
        if path.is_file():
            path = path.parent
        if (path / "course.md").exists() or (path.is_dir() and any(LESSON_FILE_RE.match(p.name) for p in path.iterdir())):
            dirs.append(path)
        elif path.is_dir():
            dirs.extend(sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")))
    seen, unique = set(), []
    for d in dirs:
        if d.resolve() not in seen:
            seen.add(d.resolve())
            unique.append(d)
    return unique


def check(paths: list[Path], quizzes_dir: Path | None) -> tuple[list[CourseSource], list[Problem]]:
    problems: list[Problem] = []
    courses: list[CourseSource] = []
    by_slug: dict[str, Path] = {}
    for path in paths:
        if not path.exists():
            problems.append(Problem(str(path), 1, "no such file or folder"))
    for root in find_course_dirs([p for p in paths if p.exists()]):
        course = load_course(root, quizzes_dir, problems)
        if course is None:
            continue
        if course.slug in by_slug:
            problems.append(Problem(str(root / "course.md"), 1, f"duplicate course slug '{course.slug}' (also {by_slug[course.slug]})"))
            continue
        by_slug[course.slug] = root
        courses.append(course)
    return courses, problems

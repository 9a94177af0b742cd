"""`lms check-content` and `lms sync-content`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.courses.content import Problem, check, check_bank_file


@click.command("check-content")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--quizzes", "quizzes_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of question banks (default: quizzes/ of the project).")
@click.option("--language", "language", default=None, metavar="TAG",
              help="Also list the files that have no version in this language (BCP 47 tag: km, hnj, tyz...).")
@click.option("--strict", is_flag=True, help="Exit with status 1 on warnings too (stale or undated facts, no picture...).")
@with_appcontext  # only for the language of its summary: the database is not touched
def check_content_command(paths, quizzes_dir, language, strict):
    """Check course folders and every question bank without touching the database; print
    path:line: message per problem, then warnings (path:line: warning: ...), the lessons
    whose facts are due for a re-check and, with --language, the files lacking that version."""
    from lms import PROJECT_ROOT
    from lms.core.timeutil import vn_today
    from lms.courses.lint import course_advice, missing_versions, stale_lessons
    from lms.quizzes.formats.markdown import parse_markdown_bank
    from lms.quizzes.lint import bank_advice

    paths = list(paths) or [PROJECT_ROOT / "courses"]
    quizzes_dir = quizzes_dir or PROJECT_ROOT / "quizzes"
    courses, problems = check(paths, quizzes_dir)
    # A bank no course uses (a contest's own paper) is loaded by sync-content all the same,
    # so the pre-commit check reads it too.
    used = {c.doc.meta.get("quiz") for c in courses}
    bank_files = sorted(quizzes_dir.glob("*.md")) if quizzes_dir.is_dir() else []
    for bank_file in bank_files:
        if bank_file.stem not in used:
            problems.extend(check_bank_file(bank_file))
    for problem in problems:
        click.echo(str(problem))
    today = vn_today()
    warnings = [w for course in courses for w in course_advice(course, today)]
    for bank_file in bank_files:
        try:
            parsed = parse_markdown_bank(bank_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue  # already reported as a problem
        warnings += [Problem(str(bank_file), 1, message) for message in bank_advice(parsed)]
    for warning in warnings:
        click.echo(f"{warning.path}:{warning.line}: warning: {warning.message}")
    stale = stale_lessons(courses, today)
    if stale:
        click.echo(_("Lessons to re-check (facts older than 12 months):"))
        for lesson in stale:
            click.echo(f"  {lesson.path} ({lesson.facts_as_of})")
    lessons = sum(len(c.lessons) for c in courses)
    if language:
        missing, have = missing_versions(courses, language)
        click.echo(_("%(have)d of %(total)d lesson(s) have a version in %(lang)s; missing:",
                     have=have, total=lessons, lang=language) if missing else
                   _("Every lesson has a version in %(lang)s.", lang=language))
        # Grouped by course folder, so a province sees what one course still needs.
        folders: dict[Path, list[str]] = {}
        for path in map(Path, missing):
            folders.setdefault(path.parent, []).append(path.name)
        for folder, names in folders.items():
            click.echo(f"  {_shown(folder)}/")
            for name in names:
                click.echo(f"    {name}" + (" " + _("(the course page)") if name == "course.md" else ""))
    if problems:
        click.echo(_("%(n)d problem(s) found.", n=len(problems)), err=True)
        sys.exit(1)
    if warnings and strict:
        click.echo(_("%(n)d warning(s) found.", n=len(warnings)), err=True)
        sys.exit(1)
    click.echo(_("OK: %(courses)d course(s), %(lessons)d lesson(s).", courses=len(courses), lessons=lessons)
               + (" " + _("%(n)d warning(s).", n=len(warnings)) if warnings else ""))


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is under it (shorter to read)."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@click.command("sync-content")
@with_appcontext
def sync_content_command():
    """Check, then load courses into the database in one transaction (all or nothing)."""
    from lms.courses.sync import ContentError, sync_content
    from lms.extensions import db
    from lms.quizzes.services import check_bank_files, sync_bank_files

    quizzes_dir = Path(current_app.config["QUIZZES_DIR"])
    bank_problems = check_bank_files(quizzes_dir) if quizzes_dir.is_dir() else []
    try:
        if bank_problems:
            raise ContentError(bank_problems)
        bank_reports = sync_bank_files(quizzes_dir) if quizzes_dir.is_dir() else []
        report = sync_content(Path(current_app.config["COURSES_DIR"]), quizzes_dir)
    except ContentError as err:
        db.session.rollback()
        for problem in err.problems:
            click.echo(str(problem), err=True)
        click.echo(_("%(n)d problem(s); nothing was changed.", n=len(err.problems)), err=True)
        sys.exit(1)
    db.session.commit()
    for line in report.lines():
        click.echo(line)
    for bank_report in bank_reports:
        click.echo(_("Question bank %(report)s", report=bank_report.line()))


commands = [check_content_command, sync_content_command]

"""`lms check-content` and `lms sync-content`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.courses.content import check, check_bank_file


@click.command("check-content")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--quizzes", "quizzes_dir", type=click.Path(path_type=Path), default=None,
              help="Folder of question banks (default: quizzes/ of the project).")
@with_appcontext  # only for the language of its summary: the database is not touched
def check_content_command(paths, quizzes_dir):
    """Check course folders and every question bank without touching the database; print
    path:line: message per problem."""
    from lms import PROJECT_ROOT

    paths = list(paths) or [PROJECT_ROOT / "courses"]
    quizzes_dir = quizzes_dir or PROJECT_ROOT / "quizzes"
    courses, problems = check(paths, quizzes_dir)
    # A bank no course uses (a contest's own paper) is loaded by sync-content all the same,
    # so the pre-commit check reads it too.
    used = {c.doc.meta.get("quiz") for c in courses}
    if quizzes_dir.is_dir():
        for bank_file in sorted(quizzes_dir.glob("*.md")):
            if bank_file.stem not in used:
                problems.extend(check_bank_file(bank_file))
    for problem in problems:
        click.echo(str(problem))
    lessons = sum(len(c.lessons) for c in courses)
    if problems:
        click.echo(_("%(n)d problem(s) found.", n=len(problems)), err=True)
        sys.exit(1)
    click.echo(_("OK: %(courses)d course(s), %(lessons)d lesson(s).", courses=len(courses), lessons=lessons))


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

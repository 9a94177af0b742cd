"""`lms import-questions`, `lms export-questions`, `lms quizzes close-expired`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

FORMATS = ["auto", "md", "gift", "aiken", "xlsx"]


@click.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "slug", required=True, help="Bank name (slug), e.g. an-toan-du-lieu.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--replace", is_flag=True, help="Retire questions of the bank that are not in the file.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, change nothing.")
@with_appcontext
def import_questions_command(file, slug, fmt, replace, dry_run):
    """Load questions from our Markdown, Moodle GIFT, Aiken or the Excel template; all or nothing."""
    from lms.core.errors import ServiceError
    from lms.core.uploads import read_upload_file
    from lms.extensions import db
    from lms.quizzes.services import import_questions

    try:  # UploadRefused (over a size limit) is a ServiceError too
        fmt, parsed, report = import_questions(None, slug, file.name, read_upload_file(file), fmt, replace)
    except ServiceError as err:
        db.session.rollback()
        click.echo(f"{file}: {err}", err=True)
        sys.exit(1)
    if parsed.issues:
        db.session.rollback()
        for issue in parsed.issues:
            click.echo(f"{file}: {issue}", err=True)
        click.echo(f"{len(parsed.issues)} problem(s) in {file} ({fmt}); nothing was imported.", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run ({fmt}): {len(parsed.questions)} question(s) are valid; would give {report.line()}")
        return
    db.session.commit()
    click.echo(f"Imported {len(parsed.questions)} question(s) ({fmt}) into {report.line()}")


@click.command("export-questions")
@click.option("--bank", "slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["md", "gift", "xlsx"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: standard output).")
@with_appcontext
def export_questions_command(slug, fmt, output):
    """Write a bank back out (Markdown, GIFT or the Excel template)."""
    from lms.core.errors import ServiceError
    from lms.quizzes.services import export_bank

    try:
        data = export_bank(slug, fmt)
    except ServiceError as err:
        click.echo(str(err), err=True)
        sys.exit(1)
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output}")
    elif fmt == "xlsx":
        click.echo("Use -o FILE.xlsx for Excel output.", err=True)
        sys.exit(2)
    else:
        click.echo(data.decode("utf-8"), nl=False)


@click.group("quizzes")
def quizzes_group():
    """Quiz maintenance."""


@quizzes_group.command("close-expired")
@with_appcontext
def close_expired_command():
    """Grade attempts whose time ran out while the learner was away (safe to run from cron)."""
    from lms.extensions import db
    from lms.quizzes.services import close_expired_attempts

    count = close_expired_attempts()
    db.session.commit()
    click.echo(f"Graded {count} expired attempt(s).")


commands = [import_questions_command, export_questions_command, quizzes_group]

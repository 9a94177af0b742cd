"""`lms import-questions`, `lms export-questions`, `lms quizzes close-expired`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

FORMATS = ["auto", "md", "gift", "aiken", "xlsx"]
AS_HELP = ("Act as this account: needed for a bank that a contest round under way (or scheduled) draws from, "
           "which only the round's organisers and admins may export or change until it closes.")


def _acting_user(as_username: str | None):
    """The ``--as`` account, or None (nobody known: sealed banks stay closed). Exits 2 for an
    unknown or inactive account."""
    if as_username is None:
        return None
    from lms.auth.services import active_user_by_username

    user = active_user_by_username(as_username)
    if user is None:
        click.echo(_("No active account %(username)s.", username=as_username), err=True)
        sys.exit(2)
    return user


def _sealed(err) -> None:
    click.echo(f"{err}\n" + _("Pass --as with the username of an organiser of that round or of an admin."), err=True)
    sys.exit(1)


def _show_losses(losses, fmt: str) -> None:
    """What an export could not carry, grouped by what was lost, on standard error."""
    from lms.quizzes.formats.common import FORMAT_NAMES, group_losses

    left_out = sum(1 for loss in losses if loss.skipped)
    click.echo(_("%(format)s could not carry everything: %(left_out)d question(s) left out, %(lost)d detail(s) lost.",
                 format=FORMAT_NAMES.get(fmt, fmt), left_out=left_out, lost=len(losses) - left_out), err=True)
    for message, questions in group_losses(losses):
        click.echo(f"- {message}: {', '.join(questions)}", err=True)


@click.command("import-questions")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "slug", required=True, help="Bank name (slug), e.g. an-toan-du-lieu.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True)
@click.option("--replace", is_flag=True, help="Retire questions of the bank that are not in the file.")
@click.option("--skip-essays", is_flag=True,
              help="Import the rest of a file that holds essay questions (they cannot be put on a paper yet); "
                   "without it such a file is refused.")
@click.option("--dry-run", is_flag=True, help="Check the file and report, change nothing.")
@click.option("--as", "as_username", help=AS_HELP)
@with_appcontext
def import_questions_command(file, slug, fmt, replace, skip_essays, dry_run, as_username):
    """Load questions from our Markdown, Moodle GIFT, Aiken or the Excel template; all or nothing.

    Exit status: 0 when everything in the file came across, 1 when the file is refused
    (nothing imported), 3 when it was imported but questions were left out (--skip-essays)."""
    from lms.core.errors import ServiceError
    from lms.core.uploads import read_upload_file
    from lms.extensions import db
    from lms.quizzes.formats.common import FORMAT_NAMES
    from lms.quizzes.services import Sealed, import_questions, type_counts

    actor = _acting_user(as_username)
    try:  # UploadRefused (over a size limit) is a ServiceError too
        fmt, parsed, report = import_questions(actor, slug, file.name, read_upload_file(file), fmt, replace,
                                               skip_essays=skip_essays)
    except Sealed as err:
        db.session.rollback()
        _sealed(err)
    except ServiceError as err:
        db.session.rollback()
        click.echo(f"{file}: {err}", err=True)
        sys.exit(1)
    if parsed.issues:
        db.session.rollback()
        for issue in parsed.issues:
            click.echo(f"{file}: {issue}", err=True)
        click.echo(_("%(n)d problem(s) in %(file)s (%(format)s); nothing was imported.", n=len(parsed.issues),
                     file=file, format=FORMAT_NAMES.get(fmt, fmt)), err=True)
        sys.exit(1)
    counts = type_counts(parsed.questions) or "0"
    if dry_run:
        db.session.rollback()
        click.echo(_("Dry run (%(format)s): %(n)d question(s) are valid (%(counts)s); would give %(report)s",
                     format=FORMAT_NAMES.get(fmt, fmt), n=len(parsed.questions), counts=counts, report=report.line()))
    else:
        db.session.commit()
        click.echo(_("Imported %(n)d question(s) (%(format)s) into %(report)s", n=len(parsed.questions),
                     format=FORMAT_NAMES.get(fmt, fmt), report=report.line()))
        click.echo(_("By type: %(counts)s", counts=counts))
    for note in parsed.notes:
        click.echo(f"{file}: {note}", err=bool(parsed.skipped))
    if parsed.skipped:
        sys.exit(3)


@click.command("export-questions")
@click.option("--bank", "slug", required=True)
@click.option("--format", "fmt", type=click.Choice(["md", "gift", "xlsx", "aiken"]), default="md", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default: standard output).")
@click.option("--strict", is_flag=True, help="Exit with status 3 when the format could not carry everything.")
@click.option("--as", "as_username", help=AS_HELP)
@with_appcontext
def export_questions_command(slug, fmt, output, strict, as_username):
    """Write a bank back out (Markdown, GIFT, the Excel template or Aiken).

    Whatever the format cannot carry (a question type it has no form for, feedback, weights,
    topics...) is listed on standard error; the Markdown format carries everything."""
    from lms.core.errors import ServiceError
    from lms.quizzes.services import Sealed, export_bank

    losses: list = []
    try:
        data = export_bank(slug, fmt, _acting_user(as_username), losses)
    except Sealed as err:
        _sealed(err)
    except ServiceError as err:
        click.echo(str(err), err=True)
        sys.exit(1)
    if fmt == "xlsx" and not output:
        click.echo(_("Use -o FILE.xlsx for Excel output."), err=True)
        sys.exit(2)
    if output:
        from lms.core.files import atomic_output

        # Whole or not at all, mode 0600: a bank export holds every right answer.
        with atomic_output(output, "wb") as fh:
            fh.write(data)
        click.echo(_("Wrote %(file)s", file=output))
    else:
        click.echo(data.decode("utf-8"), nl=False)
    if losses:
        _show_losses(losses, fmt)
        if strict:
            sys.exit(3)


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
    click.echo(_("Graded %(n)d expired attempt(s).", n=count))


commands = [import_questions_command, export_questions_command, quizzes_group]

"""`lms contests export SLUG -o FILE.xlsx`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("contests")
def contests_group():
    """Contests."""


@contests_group.command("export")
@click.argument("slug")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_command(slug, output):
    """Every participant of every round, with all ranking fields, as XLSX."""
    from sqlalchemy import select

    from lms.audit.services import record_audit
    from lms.contests.export import export_contest_xlsx
    from lms.contests.models import Contest
    from lms.extensions import db

    contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
    if contest is None:
        click.echo(_("No contest %(slug)s.", slug=slug), err=True)
        sys.exit(2)
    rows = export_contest_xlsx(contest, output)
    record_audit(None, "contest.export", target=contest, rows=rows, via="cli")
    db.session.commit()
    click.echo(_("Wrote %(n)d row(s) to %(file)s.", n=rows, file=output))


commands = [contests_group]

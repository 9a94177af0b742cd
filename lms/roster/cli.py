"""`lms import-users FILE [--dry-run] [--only-valid] [--org CODE] [--as USERNAME]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.command("import-users")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; write nothing.")
@click.option("--only-valid", is_flag=True, help="Import the valid rows even if others have problems.")
@click.option("--org", "org_code", help="Unit for rows without a unit code.")
@click.option("--as", "as_username", help="Apply this account's scope (a manager may import only into their units).")
@with_appcontext
def import_users_command(file, dry_run, only_valid, org_code, as_username):
    """Import learners from a CSV or XLSX roster (columns: docs/roster-format.md)."""
    from flask import current_app
    from sqlalchemy import select

    from lms.auth.models import User
    from lms.core.uploads import UploadRefused, read_upload_file
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.roster.parsing import parse_roster
    from lms.roster.services import apply_plan, plan_import

    actor = None
    if as_username:
        actor = db.session.scalar(select(User).where(User.username == as_username.lower()))
        if actor is None:
            click.echo(_("No account %(username)s.", username=as_username), err=True)
            sys.exit(2)
    default_org = None
    if org_code:
        default_org = db.session.scalar(select(Organization).where(Organization.code == org_code))
        if default_org is None:
            click.echo(_("No unit has the code %(code)s.", code=org_code), err=True)
            sys.exit(2)
    try:
        data = read_upload_file(file)
    except UploadRefused as refusal:
        click.echo(f"{file}: {refusal}", err=True)
        sys.exit(1)
    parsed = parse_roster(file.name, data, current_app.config["ROSTER_MAX_ROWS"])
    plan = plan_import(parsed, actor, default_org)
    for issue in plan.issues:
        click.echo(f"{file}: {issue}", err=True)
    for note in plan.notes:
        click.echo(f"{file}: {note}")
    summary = _("%(rows)d row(s): %(create)d to create, %(update)d to update, %(unchanged)d unchanged, "
                "%(invalid)d with problems.", rows=len(parsed.rows), create=plan.count("create"),
                update=plan.count("update"), unchanged=plan.count("unchanged"), invalid=plan.invalid_rows)
    if plan.issues and not only_valid:
        click.echo(summary, err=True)
        click.echo(_("Nothing was imported. Fix the rows above, or use --only-valid to import the valid rows."),
                   err=True)
        db.session.rollback()
        sys.exit(1)
    if dry_run:
        click.echo(_("Dry run: %(summary)s", summary=summary))
        db.session.rollback()
        return
    result = apply_plan(plan, actor, only_valid=only_valid, filename=file.name)
    db.session.commit()
    counts = dict(created=result.created, updated=result.updated, unchanged=result.unchanged)
    click.echo(_("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, %(skipped)d row(s) "
                 "skipped.", skipped=result.skipped_rows, **counts) if result.skipped_rows
               else _("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.", **counts))
    click.echo(_("New accounts have no password yet: print login slips for their class to hand out one-time codes."))


commands = [import_users_command]

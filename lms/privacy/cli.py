"""`lms privacy process-deletions`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.group("privacy")
def privacy_group():
    """Personal data requests."""


@privacy_group.command("process-deletions")
@click.option("--older-than-days", type=int, default=7, show_default=True,
              help="Only requests at least this old (learners may cancel during this time).")
@with_appcontext
def process_deletions_command(older_than_days):
    """Carry out deletion requests (run daily from cron)."""
    from lms.extensions import db
    from lms.privacy.services import execute_deletion, pending_deletions

    done = 0
    for user in pending_deletions(None, older_than_days):
        if user.is_admin:
            click.echo(_("Skipped %(username)s: remove the admin role first.", username=user.username), err=True)
            continue
        execute_deletion(None, user)
        done += 1
    db.session.commit()
    click.echo(_("Deleted (anonymised) %(n)d account(s).", n=done))


commands = [privacy_group]

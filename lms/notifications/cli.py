"""`lms notifications run` (every 15 minutes) and `lms notifications send-digest` (daily).

Output is in the site's default language (Vietnamese): cron mails it to the operator."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("notifications")
def notifications_group():
    """Reminders: create notices, mail the daily digest."""


@notifications_group.command("run")
@with_appcontext
def run_command():
    """Create the notices due now (safe to repeat, on any number of servers)."""
    from flask_babel import gettext as _

    from lms.extensions import db
    from lms.notifications.render import KIND_LABELS
    from lms.notifications.services import scan

    report = scan()
    db.session.commit()
    click.echo(_("Notices created: %(n)d.", n=report.total))
    for kind, count in sorted(report.created.items()):
        click.echo(f"  {KIND_LABELS[kind]}: {count}")


@notifications_group.command("send-digest")
@with_appcontext
def send_digest_command():
    """Mail each person one digest of their new notices (run once a day)."""
    from flask_babel import gettext as _

    from lms.extensions import db
    from lms.notifications.services import send_digest

    report = send_digest(commit=db.session.commit)
    if report.mail_off:
        click.echo(_("Email is off (LMS_MAIL_SERVER is not set): no digest was sent."))
        return
    click.echo(_("Mails sent: %(mails)d, with %(notices)d notices. Not to be mailed (no address, email switched "
                 "off, too old): %(skipped)d. Left for tomorrow's digest: %(later)d.", mails=report.mails,
                 notices=report.notices_mailed, skipped=report.not_mailed, later=report.later))
    if report.error:
        click.echo(_("The mail server failed: %(n)d mail(s) did not go and will be tried again at the next run. "
                     "Error: %(error)s", n=report.failed, error=report.error), err=True)
        raise SystemExit(1)


commands = [notifications_group]

"""`lms init` and `lms demo`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _


@click.command("init")
@with_appcontext
def init_command():
    """Create the database, or upgrade it to the latest schema."""
    from flask_migrate import upgrade

    upgrade()
    click.echo(_("Database is at the latest schema."))


@click.command("demo")
@click.option("--allow-in-production", is_flag=True,
              help="Load demo data even in production: every demo account must then change its password "
                   "at its first sign-in.")
@with_appcontext
def demo_command(allow_in_production):
    """Load demo organisations and accounts (safe to run again: changes nothing the second time).

    Refused in production (exit code 2): the demo password, admin's included, is public. With
    --allow-in-production every demo account still on that password must replace it at sign-in."""
    from flask import current_app

    from lms.core.demo import DEMO_PASSWORD, force_demo_password_change, load_demo_data
    from lms.extensions import db

    production = bool(current_app.config.get("PRODUCTION"))
    if production and not allow_in_production:
        click.echo(_(
            "Refused: this is a production configuration (LMS_CONFIG=production) and demo data creates "
            "accounts, 'admin' included, with the public password %(password)s. Anyone who has read "
            "the README could sign in as an administrator. Run it on a development or training copy, or, "
            "if you really mean it, pass --allow-in-production (every demo account must then change its "
            "password at its first sign-in).", password=repr(DEMO_PASSWORD)), err=True)
        raise SystemExit(2)
    report = load_demo_data()
    if production:
        forced = force_demo_password_change()
        report.append(_(
            "WARNING: demo accounts were loaded in production. The demo password is public; %(n)d demo "
            "account(s) still using it (admin included) must change it at their next sign-in, but until then "
            "anyone who knows it can sign in first and choose the new password. Sign in as each of them now, "
            "or deactivate them.", n=forced))
    db.session.commit()
    for line in report:
        click.echo(line)


commands = [init_command, demo_command]

"""`lms init` and `lms demo`."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.command("init")
@with_appcontext
def init_command():
    """Create the database, or upgrade it to the latest schema."""
    from flask_migrate import upgrade

    upgrade()
    click.echo("Database is at the latest schema.")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load demo organisations and accounts (safe to run again: changes nothing the second time)."""
    from lms.core.demo import load_demo_data
    from lms.extensions import db

    report = load_demo_data()
    db.session.commit()
    for line in report:
        click.echo(line)


commands = [init_command, demo_command]

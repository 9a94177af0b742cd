"""`lms export-xapi --org CODE [--since DATE] [--until DATE] -o FILE [--ndjson] [--as USERNAME]`."""

from __future__ import annotations

import getpass
import json
import sys
from contextlib import contextmanager
from datetime import datetime

import click
from flask.cli import with_appcontext


@contextmanager
def _open_output(path: str):
    if path == "-":
        yield sys.stdout
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            yield handle


def _date(value: str | None, name: str):
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use YYYY-MM-DD", param_hint=name) from None


@click.command("export-xapi")
@click.option("--org", "org_code", required=True, help="Unit whose learners (with sub-units) are exported.")
@click.option("--since", help="Only completions from this day (YYYY-MM-DD, Vietnam time).")
@click.option("--until", help="Only completions up to this day (YYYY-MM-DD, Vietnam time).")
@click.option("-o", "--output", required=True, help="File to write; '-' for standard output.")
@click.option("--ndjson", is_flag=True, help="One statement per line instead of a JSON array.")
@click.option("--as", "as_username", help="Apply this account's scope (a manager may export only their units).")
@click.option("--site", help="Site address used in ids (default: PUBLIC_BASE_URL).")
@with_appcontext
def export_xapi_command(org_code, since, until, output, ndjson, as_username, site):
    """Export learning records as xAPI 1.0.3 statements for a learning-record store.

    Statements are written as they are produced, so memory stays flat for a whole
    province.  Statement ids are stable: exporting again gives the same ids.
    """
    from flask import current_app
    from sqlalchemy import select

    from lms.audit.services import record_audit
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.reports.api import course_xapi_info
    from lms.reports.services import ReportFilter, can_view_org, completion_rows
    from lms.reports.xapi import build_statements, record_from_row

    flt = ReportFilter(since=_date(since, "--since"), until=_date(until, "--until"))
    site = (site or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not site:
        click.echo("Set PUBLIC_BASE_URL (LMS_PUBLIC_BASE_URL) or pass --site: statement ids depend on it.", err=True)
        sys.exit(2)
    actor = None
    if as_username:
        from lms.auth.services import active_user_by_username

        actor = active_user_by_username(as_username)
        if actor is None:
            click.echo(f"No active account {as_username}.", err=True)
            sys.exit(2)
    org = db.session.scalar(select(Organization).where(Organization.code == org_code))
    # The same answer for an unknown unit and one outside the account's scope.
    if org is None or not org.active or (actor is not None and not can_view_org(actor, org)):
        click.echo(f"No unit {org_code} within your scope.", err=True)
        sys.exit(2)

    info = course_xapi_info()
    count = 0
    with _open_output(output) as out:
        if not ndjson:
            out.write("[")
        for row in completion_rows(org, flt):
            for statement in build_statements(record_from_row(row, info), site):
                text = json.dumps(statement, ensure_ascii=False, separators=(",", ":"))
                if ndjson:
                    out.write(text + "\n")
                else:
                    out.write(("\n" if count == 0 else ",\n") + text)
                count += 1
        if not ndjson:
            out.write("\n]\n")
    record_audit(actor, "report.export_xapi", org=org, via="cli", os_user=_os_user(),
                 scope=org.code, statements=count, since=since, until=until,
                 format="ndjson" if ndjson else "json")
    db.session.commit()
    if output != "-":
        click.echo(f"{count} statement(s) written to {output}.")


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None


commands = [export_xapi_command]

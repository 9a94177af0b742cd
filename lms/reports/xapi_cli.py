"""`lms export-xapi --org CODE [--since DATE] [--until DATE] -o FILE [--ndjson] [--as USERNAME]`.

Audited like `lms export-completion`: one ``report.export`` event with no actor,
``via="cli"`` and ``on_behalf_of`` the ``--as`` account, committed before anything is
written and completed with the statement count once the output is whole (an event
without ``statements`` is an export that did not finish).  A file appears whole or not
at all (written aside, then renamed); ``-o -`` streams to standard output.
"""

from __future__ import annotations

import getpass
import json
import sys
from contextlib import contextmanager

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.core.files import atomic_output
from lms.reports.cli import _fail, _parse_date


@contextmanager
def _open_output(path: str):
    if path == "-":
        yield sys.stdout
    else:
        with atomic_output(path, "w", encoding="utf-8", newline="\n") as handle:
            yield handle


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
    province.  Statement ids are stable: exporting unchanged records again gives the
    same ids.
    """
    from flask import current_app
    from sqlalchemy import select

    from lms.access.adapters import can_view_unit_report
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.reports.exports import audit_export
    from lms.reports.services import ReportFilter, completion_rows
    from lms.reports.xapi import build_statements, course_xapi_info, record_from_row

    flt_since, flt_until = _parse_date(since, "--since"), _parse_date(until, "--until")
    if flt_since and flt_until and flt_until < flt_since:
        _fail(_("--until is before --since."), 2)
    flt = ReportFilter(since=flt_since, until=flt_until)
    site = (site or current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    if not site:
        _fail(_("Set PUBLIC_BASE_URL (LMS_PUBLIC_BASE_URL) or pass --site: statement ids depend on it."), 2)
    viewer = None
    if as_username:
        from lms.auth.services import active_user_by_username

        viewer = active_user_by_username(as_username)
        if viewer is None:
            _fail(_("No active account %(username)s.", username=as_username), 2)
    org = db.session.scalar(select(Organization).where(Organization.code == org_code))
    if org is None or not org.active or (viewer is not None and not can_view_unit_report(viewer, org)):
        # The same answer for an unknown unit and one outside the account's scope.
        _fail(_("No unit %(code)s within the scope of %(username)s.", code=org_code, username=as_username)
              if viewer is not None else _("No active unit has the code %(code)s.", code=org_code), 2)

    fmt = "xapi-ndjson" if ndjson else "xapi-json"
    # Logged and committed before writing, like the completion export.
    event = audit_export(None, org, flt, fmt, via="cli", on_behalf_of=viewer.username if viewer else None,
                         os_user=_os_user())
    db.session.commit()
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
    event.detail = {**event.detail, "statements": count}  # a new dict: JSON columns miss in-place changes
    db.session.commit()
    if output != "-":
        click.echo(_("%(n)d statement(s) written to %(file)s.", n=count, file=output))


def _os_user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None


commands = [export_xapi_command]

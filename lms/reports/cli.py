"""Report commands: `lms export-completion`.

The command streams like the web export (flat memory for millions of rows)
and is audit-logged the same way, with no actor and ``via="cli"``.  Shell
access to the server is already full access, so by default it may export
everything; ``--as USERNAME`` applies that person's report scope, which is
how a job run on a manager's behalf stays inside their subtree.

Audit: one ``report.export`` event, committed *before* any row is written (so
an export that dies halfway still leaves a trace, as on the web), and
completed with ``rows`` once the file is whole.  An event without ``rows``
therefore means the export did not finish.  (``export-xapi`` records its event
after writing; here the rule "audit before the file streams" wins, and the
count is added to that same event rather than logged a second time.)

Files are written through ``atomic_output`` (see ``exports``): a failure
leaves no half-written file under the real name.
"""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from lms.access.adapters import can_view_unit_report
from lms.auth.models import USER_KINDS
from lms.core.timeutil import FIRST_DAY, LAST_DAY, parse_day


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


def _given(value: str | None) -> str | None:
    """The option's value without surrounding blanks; None when missing or empty."""
    return (value or "").strip() or None


def _parse_date(value: str | None, option: str) -> date | None:
    if not value:
        return None
    try:
        return parse_day(value)
    except ValueError:
        _fail(_("%(option)s must be a date written YYYY-MM-DD between %(first)s and %(last)s, got “%(value)s”.",
                option=option, first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat(), value=value), 2)


@click.command("export-completion")
@click.option("--org", "org_code", help="Unit code: export this unit and everything under it (default: all).")
@click.option("--course", "course_slug", help="Only this course (its code/slug).")
@click.option("--since", help="Completions on or after this date (YYYY-MM-DD, Vietnam time).")
@click.option("--until", help="Completions on or before this date (YYYY-MM-DD, Vietnam time).")
@click.option("--audience", type=click.Choice(USER_KINDS),
              help="Only learners of this kind.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="File to write ('-' or none: standard output for CSV; XLSX needs a file name and "
                   "defaults to completion-<unit>-<date>.xlsx).")
@click.option("--as", "as_username", help="Apply this user's report scope (refuses units outside it).")
@with_appcontext
def export_completion_command(org_code, course_slug, since, until, audience, fmt, output, as_username):
    """Export completion rows (learner x course) as CSV (UTF-8 with BOM) or XLSX."""
    from sqlalchemy import select

    from lms.core.timeutil import vn_today
    from lms.courses.models import Course
    from lms.extensions import db
    from lms.orgs.models import Organization
    from lms.reports import exports, services

    # An empty option is the same as a missing one ("--org ''" from an unset shell
    # variable must not slip past the scope checks); from here on "not set" is None.
    org_code = _given(org_code)
    course_slug = _given(course_slug)
    if as_username is not None and _given(as_username) is None:
        _fail(_("--as needs a username."), 2)
    as_username = _given(as_username)
    if fmt == "xlsx" and output == "-":
        _fail(_("XLSX cannot be written to standard output: name a file with -o FILE.xlsx."), 2)

    flt_since, flt_until = _parse_date(since, "--since"), _parse_date(until, "--until")
    if flt_since and flt_until and flt_until < flt_since:
        _fail(_("--until is before --since."), 2)
    course_id = None
    if course_slug is not None:
        course_id = db.session.scalar(select(Course.id).where(Course.slug == course_slug))
        if course_id is None:
            _fail(_("No course has the code %(code)s.", code=course_slug))
    org = None
    if org_code is not None:
        org = db.session.scalar(select(Organization).where(Organization.code == org_code,
                                                           Organization.active.is_(True)))
    viewer = None
    if as_username is not None:
        from lms.auth.services import active_user_by_username

        viewer = active_user_by_username(as_username)
        if viewer is None:
            _fail(_("No active account %(username)s.", username=as_username))
        roots = services.report_scope_roots(viewer)
        if roots == []:
            _fail(_("%(username)s may not read any report.", username=as_username))
        if org_code is None and roots is not None:
            if len(roots) != 1:
                _fail(_("%(username)s reads several units; choose one with --org.", username=as_username))
            org = roots[0]
        elif org is not None and not can_view_unit_report(viewer, org):
            org = None  # same answer as an unknown code: do not reveal other units
    if org_code is not None and org is None:
        _fail(_("No organisation has the code %(code)s.", code=org_code))

    flt = services.ReportFilter(course_id=course_id, audience=audience, since=flt_since, until=flt_until)
    # Logged and committed before writing, like the web export; the row count is
    # added to this same event once the file is complete (see the module docstring).
    event = exports.audit_export(None, org, flt, fmt, via="cli", on_behalf_of=viewer.username if viewer else None)
    db.session.commit()
    rows = services.completion_rows(org, flt)
    if fmt == "xlsx":
        target = output or exports.export_filename(org, "xlsx", vn_today())
        count = exports.write_xlsx(rows, target)
    elif output and output != "-":
        target = output
        count = exports.write_csv(rows, target)
    else:
        target = _("standard output")
        stdout = getattr(sys.stdout, "buffer", sys.stdout)
        count = exports.write_csv(rows, stdout)
        stdout.flush()
    event.detail = {**event.detail, "rows": count}  # a new dict: JSON columns do not track in-place changes
    db.session.commit()
    click.echo(_("%(n)d row(s) written to %(target)s.", n=count, target=target), err=True)


commands: list = [export_completion_command]

"""Completion dashboards, class matrix, exports.

Views stay thin: parse the filter form, check the scope, call the services,
render.  Anything outside the viewer's subtree answers 404 (not 403) so that
one school cannot learn that another school's unit even exists.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from lms.access.adapters import can_configure_ranking, can_view_unit_report
from lms.access.web import requires
from lms.core.numbers import db_int
from lms.core.timeutil import vn_today
from lms.extensions import db
from lms.orgs.models import Organization
from lms.reports import charts, exports, services
from lms.reports.forms import ReportFilterForm
from lms.reports.rollup import Totals, children_rows, name_sort_key

bp = Blueprint("reports", __name__, url_prefix="/reports")


FILTER_FIELDS = ("course", "audience", "since", "until")


def _filter_form() -> ReportFilterForm:
    form = ReportFilterForm(request.args)
    form.validate()
    return form


def _org(code: str) -> Organization:
    org = db.session.scalar(select(Organization).where(Organization.code == code, Organization.active.is_(True)))
    if org is None or not can_view_unit_report(current_user, org):
        abort(404)
    return org


def _charts(rows: list[tuple], dash: services.Dashboard) -> dict[str, Markup]:
    """The three dashboard charts; every value is also printed, so colour carries nothing."""
    bars = [(node.name, round(t.completion_rate * 100, 1)) for node, t in rows if t.completion_rate is not None]
    return {
        "bar": Markup(charts.bar_chart(
            bars, title=_("Completion rate by unit"),
            desc=_("Share of enrolled or assigned courses completed, per unit, in percent."),
            empty_text=_("No data"))),
        "line": Markup(charts.line_chart(
            dash.monthly, title=_("Completions per month"),
            desc=_("Number of course completions in each month (Vietnam time)."), empty_text=_("No data"))),
        "histogram": Markup(charts.histogram(
            dash.scores, title=_("Score distribution"),
            desc=_("Number of learners' course scores in each ten-point band."), empty_text=_("No data"),
            outside_text=_("{n} value(s) outside the range not shown"))),
    }


@bp.get("/")
@requires("reports.view_unit")
def index():
    """The viewer's scope roots (an admin: the top of the tree) with their figures."""
    form = _filter_form()
    flt = form.to_filter()
    roots = services.report_scope_roots(current_user)
    if roots is not None and len(roots) == 1:  # one unit to look after: open it straight away
        # The filter as typed, invalid fields included, so the unit page can say what it left out.
        typed = {name: request.args[name] for name in FILTER_FIELDS if request.args.get(name)}
        return redirect(url_for(".org_report", code=roots[0].code, **typed))
    if roots is None:
        dash = services.dashboard_data(None, flt)
        rows = children_rows(dash.nodes, dash.totals, None)
        overall = Totals()
        for _node, t in rows:
            overall = overall + t
    else:
        rows, overall = [], Totals()
        dash = services.Dashboard([], {}, [], [], [])
        monthly: dict[str, int] = {}
        for root in roots:
            part = services.dashboard_data(root, flt)
            node = next((n for n in part.nodes if n.id == root.id), None)
            if node is None:  # the unit was merged or closed: nothing to show
                continue
            t = part.totals[root.id]
            rows.append((node, t))
            overall = overall + t
            dash.scores.extend(part.scores)
            for month, n in part.monthly:
                monthly[month] = monthly.get(month, 0) + n
        dash.monthly = services.fill_months({k: v for k, v in monthly.items() if v})
        rows.sort(key=lambda row: name_sort_key(row[0].name))
    return render_template("reports/dashboard.html", org=None, chain=[], rows=rows, overall=overall,
                           learners=[], charts=_charts(rows, dash), form=form, args=form.query_args(),
                           is_class=False)


@bp.get("/org/<code>")
@requires("reports.view_unit")
def org_report(code):
    """One unit: its children with rolled-up figures, or its learners at a leaf."""
    org = _org(code)
    form = _filter_form()
    flt = form.to_filter()
    dash = services.dashboard_data(org, flt, learners_of=org.id)
    rows = children_rows(dash.nodes, dash.totals, org.id)
    roots = services.report_scope_roots(current_user)
    return render_template("reports/dashboard.html", org=org, chain=services.ancestors_within(org, roots),
                           rows=rows, overall=dash.totals.get(org.id, Totals()), learners=dash.learners,
                           charts=_charts(rows, dash), form=form, args=form.query_args(),
                           is_class=org.kind == "class" or not rows,
                           # the rule of public_views.settings: a manager of the unit (or an admin)
                           can_publish=can_configure_ranking(current_user, org))


@bp.get("/class/<code>")
@requires("reports.view_unit")
def class_view(code):
    """The teacher's matrix: students x lessons, quiz score, and who is behind."""
    org = _org(code)
    try:
        course_id = db_int(int(request.args.get("course") or 0)) or None
    except ValueError:
        course_id = None
    matrix = services.class_matrix(org, course_id)
    roots = services.report_scope_roots(current_user)
    return render_template("reports/class.html", org=org, matrix=matrix,
                           chain=services.ancestors_within(org, roots))


def _export(code: str, fmt: str):
    """Audit first (and commit), then stream: an aborted download still leaves a trace."""
    org = _org(code)
    form = _filter_form()
    flt = form.to_filter()
    exports.audit_export(current_user, org, flt, fmt, via="web")
    db.session.commit()
    filename = exports.export_filename(org, fmt, vn_today())
    if fmt == "csv":
        body = stream_with_context(exports.csv_chunks(services.completion_rows(org, flt)))
        response = Response(body, mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.headers["Cache-Control"] = "no-store"
        return response
    # An anonymous private temp file: send_file closes it when the response ends (also on
    # a broken download), and closing deletes it.
    handle = exports.xlsx_file(services.completion_rows(org, flt))
    response = send_file(handle, as_attachment=True, download_name=filename, max_age=0,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/org/<code>/export.csv")
@requires("reports.export")
def export_csv(code):
    return _export(code, "csv")


@bp.get("/org/<code>/export.xlsx")
@requires("reports.export")
def export_xlsx(code):
    return _export(code, "xlsx")

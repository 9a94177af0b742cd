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
from sqlalchemy.orm import joinedload, selectinload

from lms.access import rules
from lms.access.adapters import can_configure_ranking, can_view_unit_report, grants_of, held_grants
from lms.access.web import check, requires
from lms.auth.models import User
from lms.core.numbers import db_int
from lms.core.timeutil import vn_today
from lms.extensions import db
from lms.orgs.models import Organization
from lms.orgs.services import UnitPicker, unit_picker
from lms.quizzes.types import REGISTRY
from lms.reports import charts, classes, exports, services
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
    is_class = org.kind == "class" or not rows
    if is_class:  # a class's learners in class-list order: by given name
        dash.learners.sort(key=services.learner_sort_key("given"))
    return render_template("reports/dashboard.html", org=org, chain=services.ancestors_within(org, roots),
                           rows=rows, overall=dash.totals.get(org.id, Totals()), learners=dash.learners,
                           charts=_charts(rows, dash), form=form, args=form.query_args(),
                           readable=_readable(line.user_id for line in dash.learners),
                           is_class=is_class,
                           # the rule of public_views.settings: a manager of the unit (or an admin)
                           can_publish=can_configure_ranking(current_user, org))


def _course_arg() -> int | None:
    try:
        return db_int(int(request.args.get("course") or 0)) or None
    except ValueError:
        return None


def _sort_arg() -> str:
    """The class order asked for: "given" (tên, then họ đệm: the default) or "full"."""
    sort = request.args.get("sort")
    return sort if sort in services.LEARNER_SORTS else "given"


def _readable(user_ids) -> set[int]:
    """Which of ``user_ids`` the viewer may open the learner page of (``reports.view_learner``),
    so that a report links only the names that lead somewhere: a few queries per 500 people."""
    grants = grants_of(current_user)
    ids = list(user_ids)
    if rules.is_admin(grants):
        return set(ids)
    readable: set[int] = set()
    for start in range(0, len(ids), 500):
        people = list(db.session.scalars(select(User).where(User.id.in_(ids[start:start + 500]))
                                         .options(selectinload(User.roles), joinedload(User.org))).unique())
        held = held_grants(people)
        readable.update(p.id for p in people if rules.can_read_learner_record(
            grants, p.org.path if p.org is not None else None, held[p.id]))
    return readable


def _class_picker() -> UnitPicker:
    """The classes the viewer may open (every unit when their scope has no class)."""
    grants = grants_of(current_user)
    scope = None if rules.is_admin(grants) else rules.scope_paths(grants)
    picker = unit_picker(scope, kinds=("class",))
    return picker if len(picker) or picker.too_many else unit_picker(scope)


@bp.get("/class")
@requires("reports.view_unit")
def class_picker():
    """Choose a class from the list of those in one's scope (or type its code): ``?org=CODE``
    opens it; a teacher with a single class goes straight to it."""
    code = (request.args.get("org") or "").strip()
    if code:
        return redirect(url_for(".class_view", code=code))
    picker = _class_picker()
    if len(picker) == 1:
        return redirect(url_for(".class_view", code=next(iter(picker.codes))))
    return render_template("reports/class_picker.html", picker=picker)


@bp.get("/class/<code>")
@requires("reports.view_unit")
def class_view(code):
    """The teacher's matrix: students x lessons, quiz score, and who is behind."""
    org = _org(code)
    sort = _sort_arg()
    matrix = services.class_matrix(org, _course_arg(), sort)
    roots = services.report_scope_roots(current_user)
    return render_template("reports/class.html", org=org, matrix=matrix, sort=sort, picker=_class_picker(),
                           chain=services.ancestors_within(org, roots),
                           readable=_readable(row.user_id for row in matrix.rows))


@bp.get("/class/<code>/list")
@requires("reports.view_unit")
def class_list(code):
    """The class list to print (A4): name, username, date of birth, progress in one course."""
    org = _org(code)
    sort = _sort_arg()
    matrix, lines = classes.class_roster(org, _course_arg(), sort)
    return render_template("reports/class_list.html", org=org, matrix=matrix, lines=lines, sort=sort,
                           printed_on=vn_today())


@bp.get("/learner/<int:user_id>")
@requires("reports.view_learner")
def learner(user_id):
    """One learner's courses, quiz attempts and, for one attempt (``?attempt=``, else the
    latest), each question with the answer given. 404 outside the viewer's reach, as for
    every report."""
    person = db.session.get(User, user_id)
    if person is None or person.deleted_at is not None:
        abort(404)
    check("reports.view_learner", current_user, person)
    attempts = classes.learner_attempts(person)
    chosen = None
    wanted = request.args.get("attempt", type=int)
    if wanted is not None:
        chosen = next((line for line in attempts if line.attempt.id == wanted), None)
        if chosen is None:
            abort(404)
    elif attempts:
        chosen = next((line for line in attempts if line.attempt.status == "submitted"), attempts[0])
    sheet = classes.answer_sheet(chosen.attempt, current_user) if chosen is not None else None
    org = person.org
    back = org if org is not None and org.active and can_view_unit_report(current_user, org) else None
    return render_template("reports/learner.html", person=person, back=back, courses=classes.learner_courses(person),
                           attempts=attempts, chosen=chosen, sheet=sheet, registry=REGISTRY)


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
